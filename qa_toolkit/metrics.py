"""Metrics a supervisor expects per agent, team and period (指标体系): quality, efficiency, outcome.

``compute_metrics`` is pure: frames in (conversations, messages, scores, results, optional
roster / risk / manifest), a ``Metrics`` of documented frames out. Reports only render these
frames; they never recompute a number.

Quality comes from the scores. When the scores cover a targeted sample (every scored
conversation is in the manifest), quality means and pass rates are weighted by inverse
inclusion probability (Hájek, via ``qa_toolkit.weighting``) so over-sampled complaints do not
drag an agent down. Efficiency and outcome come from every conversation in the data and are
never weighted.

The 95 % interval of an agent's mean QA score is a t-interval; with weights the standard
error is the Hájek linearisation (``qa_toolkit.weighting``), which reduces to s/√n when all
weights are equal.
Agents with fewer than ``min_graded`` graded conversations get no rank ("not enough data").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from qa_toolkit.frames import SCORES, SECTION_PREFIX, empty, listed
from qa_toolkit.io.validate import as_bool
from qa_toolkit.tags import COMPLAINT_TAGS, ESCALATION_TAGS, TRANSFER_TAGS, first_tag
from qa_toolkit.timing import conversation_handle_seconds, response_gaps
from qa_toolkit.weighting import hajek_mean

ALL = "__all__"  #: the team key of the row that summarises every agent
NO_TEAM = "__none__"  #: the team key of agents the roster does not list
DEFAULT_SLA_SECONDS = 180.0  #: the manuals' target: answer within 3 minutes

#: One row per conversation in the period: what every aggregate is computed from.
SESSIONS: dict[str, str] = {
    "conversation_id": "string",
    "agent_id": "string",
    "agent_name": "string",  # roster name, else the agent id
    "team": "string",  # roster team, else NO_TEAM
    "channel": "string",
    "started_at": "datetime",
    "period": "string",  # 2026-W45 | 2026-11 | all
    "scored": "boolean",  # has a QA total
    "weight": "float64",  # 1 / inclusion probability (1.0 when unweighted)
    "sampled": "boolean",  # in the sampling manifest
    "stratum": "string",  # manifest stratum, <NA> when not sampled
    "total": "float64",  # after human grades (and later adjustments), when there are any
    "auto_total": "float64",  # the rules' total, before any human grade
    "human_graded": "boolean",  # a human graded at least one criterion
    "band": "string",
    "critical_failed": "boolean",
    "critical_criteria": "string",
    "n_review": "Int64",
    "csat": "Int64",
    "frt_s": "float64",  # first response time, seconds; live text channels only (not e-mail)
    "rt_sum_s": "float64",  # sum of agent response times; live text channels only
    "n_responses": "Int64",  # agent replies to a customer turn (with timestamps)
    "n_within_sla": "Int64",
    "handle_s": "float64",  # timing.handle_seconds: ended_at - started_at, else last - first message
    "transferred": "boolean",  # <NA> when the data does not record it
    "complaint": "boolean",
    "escalated": "boolean",
    "fcr": "boolean",  # no new conversation from the customer within fcr_days; <NA> unknown
    "risk_score": "float64",
    "risk_flag": "boolean",
    "risk_reasons": "string",
}
# plus one ``section_<id>`` column per rubric section, from the scores.

#: One row per group (agent, team, or group x period). Key columns come first.
SUMMARY: dict[str, str] = {
    "n_conversations": "Int64",
    "n_graded": "Int64",
    "qa_mean": "float64",  # weighted when the scores come from a targeted sample
    "auto_mean": "float64",  # the same over the rules' totals, before human grades
    "qa_median": "float64",
    "qa_std": "float64",
    "ci_low": "float64",  # 95 % t-interval of qa_mean, clipped to the 0-100 score range
    "ci_high": "float64",
    "critical_failures": "Int64",
    "n_review": "Int64",  # graded conversations with a criterion still awaiting a human grade
    "n_human": "Int64",  # scored conversations a human graded
    "n_auto_only": "Int64",  # scored by the rules alone, nothing awaiting a human grade
    "frt_mean_s": "float64",  # live text channels only (not voice_channels, not async_channels)
    "art_mean_s": "float64",  # average response time over every live-channel response
    "handle_mean_s": "float64",
    "sla_rate": "float64",  # share of responses within their channel's SLA (e-mail included)
    "transfer_rate": "float64",
    "csat_mean": "float64",
    "csat_n": "Int64",
    "complaint_rate": "float64",
    "escalation_rate": "float64",
    "fcr_rate": "float64",
    "risk_flags": "Int64",
}
# plus ``section_<id>`` means; agents add agent_name, team, enough_data, rank.

#: Pass rate per group x criterion (outcomes pass/fail only; n/a and review are counted).
CRITERIA: dict[str, str] = {
    "section_id": "string",
    "criterion_id": "string",
    "n_pass": "Int64",
    "n_fail": "Int64",
    "n_na": "Int64",
    "n_review": "Int64",
    "n_critical": "Int64",  # critical failures of this criterion
    "pass_rate": "float64",
}

#: Counts per group of a categorical: kind in band | csat | score_bin.
DISTRIBUTION: dict[str, str] = {"kind": "string", "value": "string", "n": "Int64"}

#: Sessions worth a supervisor's look: critical failures and risk flags, with evidence.
FINDINGS: dict[str, str] = {
    "conversation_id": "string",
    "agent_id": "string",
    "started_at": "datetime",
    "kind": "string",  # critical (the total zeroed) | critical_pending (waiting for a grader) | risk
    "section_id": "string",
    "criterion_id": "string",
    "evidence_seq": "Int64",
    "evidence_text": "string",
    "evidence_match": "string",
    "note": "string",
}

#: Every point an agent lost: one row per conversation × criterion with points lost (or a
#: critical failure), with the evidence, the CSAT and where the outcome came from.
LOST: dict[str, str] = {
    "conversation_id": "string",
    "agent_id": "string",
    "started_at": "datetime",
    "section_id": "string",
    "criterion_id": "string",
    "critical": "boolean",
    "outcome": "string",
    "auto_outcome": "string",  # what the rules said (the same as outcome unless a human changed it)
    "points_lost": "float64",  # max_points - points (deductions: the points deducted)
    "source": "string",  # auto | graded | confirmed | pending | overturned (report.grades: who decided it)
    "dispute": "string",  # "" | open | accepted | partly | rejected
    "grader": "string",
    "csat": "Int64",
    "evidence_seq": "Int64",
    "evidence_text": "string",
    "evidence_match": "string",
    "note": "string",
    "comment": "string",  # the grader's comment
    "dispute_note": "string",  # the agent's reason and the lead's note
}

SCORE_BINS = (0, 60, 70, 80, 90, 100.0001)
SCORE_BIN_LABELS = ("0-59", "60-69", "70-79", "80-89", "90-100")


@dataclass(frozen=True)
class MetricOptions:
    """Knobs with the manuals' defaults."""

    period: str = "week"  # week | month | all
    min_graded: int = 5
    sla_seconds: float = DEFAULT_SLA_SECONDS
    sla_by_channel: Mapping[str, float] = field(default_factory=dict)
    fcr_days: int = 7
    voice_channels: tuple[str, ...] = ("phone", "voice", "call")  # no response-time metrics (spoken turns)
    # answered in hours, not seconds: counted in the SLA rate (with their own SLA) but kept out of
    # the first/average response-time means, which would otherwise measure the channel mix
    async_channels: tuple[str, ...] = ("email",)
    excellent_min: float = 90.0  # total at or above: an example session (标杆案例)
    n_exemplars: int = 3


@dataclass
class Metrics:
    """Everything a report shows. Frames documented above; ``teams`` has an ALL row."""

    sessions: pd.DataFrame
    agents: pd.DataFrame  # agent_id, agent_name, team, SUMMARY..., section_*, enough_data, rank
    teams: pd.DataFrame  # team, SUMMARY..., section_*
    agent_trend: pd.DataFrame  # agent_id, period, SUMMARY..., section_*
    team_trend: pd.DataFrame  # team, period, SUMMARY..., section_*
    agent_criteria: pd.DataFrame  # agent_id, CRITERIA..., team_pass_rate, gap
    team_criteria: pd.DataFrame  # team, CRITERIA...
    distribution: pd.DataFrame  # level (agent|team), key, DISTRIBUTION...
    findings: pd.DataFrame  # FINDINGS
    lost: pd.DataFrame  # LOST
    exemplars: pd.DataFrame  # best sessions per agent: rows of sessions
    sections: list[str]  # section ids in rubric order
    weighted: bool
    options: MetricOptions

    def agent(self, agent_id: str) -> pd.Series:
        """The agent's row of ``agents`` (read it, do not change it: it is looked up once)."""
        return self._row("agents", "agent_id", agent_id)

    def team_of(self, agent_id: str) -> pd.Series:
        """The team row an agent is compared with (the ALL row when there is no roster)."""
        team = self.agent(agent_id)["team"]
        return self._row("teams", "team", team if team != NO_TEAM else ALL)

    def _row(self, name: str, key: str, value) -> pd.Series:
        """The row of frame ``name`` whose ``key`` is ``value``, looked up once per frame and value:
        a report asks for an agent's row and team row on every piece of the agent's sheet and page."""
        frame = getattr(self, name)
        cache = self.__dict__.setdefault("_rows", {})
        hit = cache.get((name, key, value))
        if hit is None or hit[0] is not frame:
            hit = cache[(name, key, value)] = (frame, self._indexed(name, key).loc[value])
        return hit[1]

    def _indexed(self, name: str, key: str) -> pd.DataFrame:
        """Frame ``name`` indexed by ``key``, built once per frame (a report looks rows up
        hundreds of times; re-indexing on each look-up cost a report seconds)."""
        frame = getattr(self, name)
        cache = self.__dict__.setdefault("_by_key", {})
        hit = cache.get((name, key))
        if hit is None or hit[0] is not frame:
            hit = cache[(name, key)] = (frame, frame.set_index(key))
        return hit[1]


def period_label(ts: pd.Series, period: str) -> pd.Series:
    """``2026-W45`` (ISO week), ``2026-11`` (month) or ``all``; <NA> for unknown times."""
    if period == "all":
        return pd.Series("all", index=ts.index, dtype="string")
    if period == "week":
        iso = ts.dt.isocalendar()
        label = iso["year"].astype("string") + "-W" + iso["week"].astype("string").str.zfill(2)
    elif period == "month":
        label = ts.dt.strftime("%Y-%m").astype("string")
    else:
        raise ValueError(f"unknown period '{period}' (week, month or all)")
    return label.where(ts.notna(), pd.NA).astype("string")


def response_times(messages: pd.DataFrame, conversations: pd.DataFrame, options: MetricOptions) -> pd.DataFrame:
    """Per conversation on a text channel: first response time, sum and count of agent response
    times, and how many responses met the channel's SLA. A response is the first agent message
    after a run of customer messages, timed from the run's first message; bot and system
    messages are skipped. Voice channels have spoken turns, not responses: left out. E-mail
    (``async_channels``) counts for the SLA but not for the response-time figures."""
    spoken = conversations.loc[conversations["channel"].isin(options.voice_channels), "conversation_id"]
    keep = (
        messages["role"].isin(["agent", "customer"])
        & messages["ts"].notna()
        & ~messages["conversation_id"].isin(spoken)
    )
    gaps = response_gaps(messages[keep].sort_values(["conversation_id", "seq"]))
    replies = pd.DataFrame({"conversation_id": gaps["conversation_id"], "rt": gaps["gap"]})
    channel = conversations.set_index("conversation_id")["channel"]
    live = ~replies["conversation_id"].map(channel).isin(options.async_channels)
    replies["live_rt"] = replies["rt"].where(live)
    limit = (
        replies["conversation_id"]
        .map(channel)
        .map(
            lambda ch: (
                options.sla_by_channel.get(ch, options.sla_seconds) if isinstance(ch, str) else options.sla_seconds
            )
        )
    )
    replies["ok"] = replies["rt"] <= limit.astype("float64")
    grouped = replies.groupby("conversation_id", sort=False)
    out = pd.DataFrame(
        {
            "frt_s": grouped["live_rt"].first(),
            "rt_sum_s": grouped["live_rt"].sum(min_count=1),
            "n_responses": grouped["rt"].size().astype("Int64"),
            "n_within_sla": grouped["ok"].sum().astype("Int64"),
        }
    )
    out.index.name = "conversation_id"
    return out.reset_index()


def _tag_flag(conversations: pd.DataFrame, column: str, tags: Sequence[str]) -> pd.Series:
    """True when the extra column says so or a tag names it; the column wins when present."""
    tagged = conversations["tags"].map(lambda ts: first_tag(ts, tags) is not None)
    if column in conversations.columns:
        col = conversations[column]
        if col.dtype == object or pd.api.types.is_string_dtype(col):
            col = col.map(as_bool)
        recorded = col.astype("boolean")
        return recorded.fillna(tagged.astype("boolean")) | tagged
    return tagged.astype("boolean")


def _transferred(conversations: pd.DataFrame) -> pd.Series:
    """Transfers only where recorded (a ``transferred`` column or a transfer tag); else <NA>."""
    flag = _tag_flag(conversations, "transferred", TRANSFER_TAGS)
    if "transferred" in conversations.columns:
        return flag
    return flag.where(flag, pd.NA) if flag.any() else pd.Series(pd.NA, index=flag.index, dtype="boolean")


def _complaint(conversations: pd.DataFrame) -> pd.Series:
    flag = _tag_flag(conversations, "complaint", COMPLAINT_TAGS)
    if "complaint_type" in conversations.columns:
        flag = flag | conversations["complaint_type"].notna().astype("boolean")
    return flag


def first_contact_resolution(conversations: pd.DataFrame, days: int) -> pd.Series:
    """True when the same customer opened no new conversation within ``days`` after this one
    started; <NA> when the customer or time is unknown, or the window runs past the data's end."""
    conv = conversations[["customer_id", "started_at"]]
    known = conv["customer_id"].notna() & conv["started_at"].notna()
    ordered = conv[known].sort_values(["customer_id", "started_at"])
    next_start = ordered.groupby("customer_id")["started_at"].shift(-1)
    window = pd.Timedelta(days=days)
    repeat = (next_start - ordered["started_at"]) <= window
    censored = next_start.isna() & (ordered["started_at"] + window > conv["started_at"].max())
    fcr = (~repeat).astype("boolean").mask(censored, pd.NA)
    return fcr.reindex(conversations.index).astype("boolean")


@dataclass(frozen=True)
class Joins:
    """What a session is joined with besides its score, each optional: the roster (agent name and
    team), the risk scores and the sample manifest (inclusion probabilities)."""

    roster: pd.DataFrame | None = None
    risk: pd.DataFrame | None = None
    manifest: pd.DataFrame | None = None


def build_sessions(
    conversations: pd.DataFrame,
    messages: pd.DataFrame,
    scores: pd.DataFrame | None,
    joins: Joins = Joins(),
    options: MetricOptions = MetricOptions(),
) -> pd.DataFrame:
    """The SESSIONS frame: one row per conversation, joined with its score, risk and sample."""
    roster, risk, manifest = joins.roster, joins.risk, joins.manifest
    conv = conversations.reset_index(drop=True)
    out = conv[["conversation_id", "agent_id", "channel", "started_at", "csat"]].copy()
    names = roster.set_index("agent_id") if roster is not None and len(roster) else None
    out["agent_name"] = out["agent_id"].map(names["name"]) if names is not None else pd.NA
    out["agent_name"] = out["agent_name"].astype("string").fillna(out["agent_id"])
    team = out["agent_id"].map(names["team"]) if names is not None else pd.Series(pd.NA, index=out.index)
    if "team" in conv.columns:
        team = conv["team"].astype("string").fillna(team.astype("string"))
    out["team"] = team.astype("string").fillna(NO_TEAM)
    out["period"] = period_label(out["started_at"], options.period)

    score_cols = ["conversation_id", "total", "band", "critical_failed", "critical_criteria", "n_review"]
    scores = scores if scores is not None else empty(SCORES)
    sections = [c for c in scores.columns if c.startswith(SECTION_PREFIX)]
    extra = [c for c in ("auto_total", "human_graded") if c in scores.columns]
    out = out.merge(
        scores[score_cols + extra + sections].drop_duplicates("conversation_id"), on="conversation_id", how="left"
    )
    out["scored"] = out["total"].notna().astype("boolean")
    if "auto_total" not in extra:
        out["auto_total"] = out["total"]
    if "human_graded" not in extra:
        out["human_graded"] = False
    out["human_graded"] = out["human_graded"].astype("boolean").fillna(False)

    weighted = _is_weighted(out, manifest)
    if manifest is not None and len(manifest):
        man = manifest.drop_duplicates("conversation_id").set_index("conversation_id")
        out["sampled"] = out["conversation_id"].isin(man.index).astype("boolean")
        out["stratum"] = out["conversation_id"].map(man["stratum"]).astype("string")
        prob = out["conversation_id"].map(man["inclusion_prob"]).astype("float64")
        out["weight"] = (1.0 / prob).fillna(1.0) if weighted else 1.0
    else:
        out["sampled"] = False
        out["stratum"] = pd.NA
        out["weight"] = 1.0

    out = out.merge(response_times(messages, conv, options), on="conversation_id", how="left")
    out["handle_s"] = conversation_handle_seconds(conv, messages)
    out["transferred"] = _transferred(conv).to_numpy()
    out["complaint"] = _complaint(conv).to_numpy()
    out["escalated"] = _tag_flag(conv, "escalated", ESCALATION_TAGS).to_numpy()
    out["fcr"] = first_contact_resolution(conv, options.fcr_days).to_numpy()
    if risk is not None and len(risk):
        rk = risk.drop_duplicates("conversation_id").set_index("conversation_id")
        for col in ("risk_score", "risk_flag", "risk_reasons"):
            out[col] = out["conversation_id"].map(rk[col])
    else:
        out["risk_score"], out["risk_flag"], out["risk_reasons"] = np.nan, pd.NA, pd.NA
    for col in ("n_responses", "n_within_sla"):
        out[col] = out[col].fillna(0)
    ordered = list(SESSIONS) + sections
    return _typed(out[ordered], {**SESSIONS, **{s: "float64" for s in sections}})


def _is_weighted(sessions: pd.DataFrame, manifest: pd.DataFrame | None) -> bool:
    """Scores come from a targeted sample when every scored conversation is in the manifest."""
    if manifest is None or not len(manifest) or not sessions["scored"].any():
        return False
    return bool(sessions.loc[sessions["scored"], "conversation_id"].isin(manifest["conversation_id"]).all())


def _typed(df: pd.DataFrame, contract: Mapping[str, str]) -> pd.DataFrame:
    """A copy of ``df`` with the dtypes of ``contract`` (columns already of their dtype left as they are)."""
    out = df.copy()
    for col, kind in contract.items():
        if col in out.columns and kind != "datetime" and out[col].dtype != pd.api.types.pandas_dtype(kind):
            out[col] = out[col].astype(kind)
    return out


def mean_ci(values, weights=None, level: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high): Hájek mean with a t-interval (``qa_toolkit.weighting``); equal
    weights give the plain mean ± t·s/√n. ``values`` and ``weights``: Series or arrays."""
    if isinstance(values, pd.Series):
        values = values.to_numpy(dtype="float64", na_value=np.nan)
    prob = None if weights is None else 1.0 / np.asarray(weights, dtype="float64")
    est = hajek_mean(values, prob, level)
    return est.mean, est.low, est.high


def _floats(series: pd.Series) -> pd.Series:
    """Numbers or nullable booleans as float64 with NaN for missing (so means skip them)."""
    return pd.Series(series.astype("Float64").to_numpy(dtype="float64", na_value=np.nan), index=series.index)


def summarise(sessions: pd.DataFrame, by: Sequence[str], sections: Sequence[str]) -> pd.DataFrame:
    """One SUMMARY row per group of ``sessions`` (``by`` empty: one row for everything).
    Vectorised over groups, except the QA mean and its interval (``mean_ci`` per group)."""
    keys = [sessions[k] for k in by] if by else [pd.Series("", index=sessions.index, name="_all")]
    scored = sessions["scored"].fillna(False).astype(bool)
    weight = sessions["weight"].where(scored)
    total = sessions["total"].where(scored)
    human = sessions["human_graded"].fillna(False).astype(bool)

    def grouped(frame: pd.DataFrame):
        return frame.groupby(keys, sort=True, dropna=False)

    counts = grouped(
        pd.DataFrame(
            {
                "n_conversations": 1,
                "n_graded": scored.astype(int),
                "critical_failures": (sessions["critical_failed"].fillna(False).astype(bool) & scored).astype(int),
                "n_review": (sessions["n_review"].fillna(0).gt(0) & scored).astype(int),
                "n_human": (human & scored).astype(int),
                "n_auto_only": (~human & sessions["n_review"].fillna(0).eq(0) & scored).astype(int),
                "risk_flags": sessions["risk_flag"].fillna(False).astype(bool).astype(int),
                "csat_n": sessions["csat"].notna().astype(int),
                "rt_sum": sessions["rt_sum_s"].fillna(0.0),
                "n_resp": _floats(sessions["n_responses"]).fillna(0.0),
                "n_live": _floats(sessions["n_responses"]).where(sessions["rt_sum_s"].notna()).fillna(0.0),
                "n_sla": _floats(sessions["n_within_sla"]).fillna(0.0),
            },
            index=sessions.index,
        )
    ).sum()
    means = grouped(
        pd.DataFrame(
            {
                "qa_median": total,
                "frt_mean_s": sessions["frt_s"],
                "handle_mean_s": sessions["handle_s"],
                "csat_mean": _floats(sessions["csat"]),
                "transfer_rate": _floats(sessions["transferred"]),
                "complaint_rate": _floats(sessions["complaint"]),
                "escalation_rate": _floats(sessions["escalated"]),
                "fcr_rate": _floats(sessions["fcr"]),
            },
            index=sessions.index,
        )
    )
    out = means.mean()
    out["qa_median"] = means["qa_median"].median()
    out["qa_std"] = means["qa_median"].std()
    out = out.join(counts)
    out["art_mean_s"] = (out["rt_sum"] / out["n_live"]).where(out["n_live"] > 0)
    out["sla_rate"] = (out["n_sla"] / out["n_resp"]).where(out["n_resp"] > 0)
    graded = pd.DataFrame({"total": total, "weight": weight})[scored]
    values, weights = graded["total"].to_numpy("float64", na_value=np.nan), graded["weight"].to_numpy("float64")
    ci = {  # per group from its rows' positions: a frame per group costs more than the estimate
        key: mean_ci(values[at], weights[at])
        for key, at in graded.groupby([k[scored] for k in keys], sort=True, dropna=False).indices.items()
    }
    if len(keys) == 1:
        index = pd.Index([k[0] if isinstance(k, tuple) else k for k in ci], dtype=out.index.dtype)
    else:
        index = pd.MultiIndex.from_tuples(list(ci), names=out.index.names) if ci else out.index[:0]
    est = pd.DataFrame(
        list(ci.values()), columns=["qa_mean", "ci_low", "ci_high"], index=index, dtype="float64"
    ).reindex(out.index)
    out["qa_mean"] = est["qa_mean"].to_numpy()
    out["ci_low"] = est["ci_low"].clip(lower=0.0).to_numpy()  # the interval within the 0-100 score range
    out["ci_high"] = est["ci_high"].clip(upper=100.0).to_numpy()
    weighted_means = {"auto_mean": "auto_total", **{sec: sec for sec in sections}}
    parts = {}
    for col, source in weighted_means.items():
        value = sessions[source].where(scored)
        w = weight.where(value.notna())
        parts[("v", col)], parts[("w", col)] = value * w, w
    sums = grouped(pd.DataFrame(parts, index=sessions.index)).sum(min_count=1)  # one grouping for every mean
    for col in weighted_means:
        out[col] = sums[("v", col)] / sums[("w", col)]
    out = out.reset_index()
    if not by:
        out = out.drop(columns="_all")
    frame = out[[*by, *SUMMARY, *sections]]
    return _typed(frame, {**{k: "string" for k in by}, **SUMMARY, **{s: "float64" for s in sections}})


def criteria_rows(results: pd.DataFrame, sessions: pd.DataFrame) -> pd.DataFrame:
    """The results of the conversations in ``sessions``, in their order, with the session's agent,
    team and weight and what a pass rate counts: one join for the agents' and the teams' rates."""
    keys = sessions[["conversation_id", "weight", "agent_id", "team"]]
    res = results.merge(keys, on="conversation_id", how="inner")
    res["is_pass"] = (res["outcome"] == "pass").astype("float64")
    res["decided"] = res["outcome"].isin(["pass", "fail"])
    res["w_pass"] = res["is_pass"] * res["weight"] * res["decided"]
    res["w_decided"] = res["weight"] * res["decided"]
    res["crit_fail"] = (res["outcome"] == "fail") & res["critical"].fillna(False).astype(bool)
    for outcome in ("pass", "fail", "na", "review"):
        res[f"n_{outcome}"] = res["outcome"] == outcome
    return res


def criteria_pass_rates(rows: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """CRITERIA per group of ``criteria_rows``: pass rate = weighted share of pass among pass + fail."""
    grouped = rows.groupby([*by, "section_id", "criterion_id"], sort=False, dropna=False)
    out = grouped[["n_pass", "n_fail", "n_na", "n_review", "crit_fail", "w_pass", "w_decided"]].sum().reset_index()
    out["pass_rate"] = (out["w_pass"] / out["w_decided"]).where(out["w_decided"] > 0)
    out = out.rename(columns={"crit_fail": "n_critical"})
    columns = [*by, *CRITERIA]
    return _typed(out[columns], {**{k: "string" for k in by}, **CRITERIA})


def _distribution(sessions: pd.DataFrame, level: str, by: str) -> pd.DataFrame:
    scored = sessions[sessions["scored"]]
    bins = pd.cut(scored["total"], bins=SCORE_BINS, labels=SCORE_BIN_LABELS, right=False).astype("string")
    parts = [
        ("band", scored[by], scored["band"]),
        ("score_bin", scored[by], bins),
        ("csat", sessions[by], sessions["csat"].astype("string")),
    ]
    frames = []
    for kind, key, value in parts:
        counts = pd.DataFrame({"key": key, "value": value}).dropna().value_counts().rename("n").reset_index()
        counts.insert(0, "kind", kind)
        frames.append(counts)
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "level", level)
    return _typed(out, {"level": "string", "key": "string", **DISTRIBUTION})


def _findings(results: pd.DataFrame | None, sessions: pd.DataFrame) -> pd.DataFrame:
    """Critical failures (with their evidence) and risk-flagged sessions (with the reasons). A
    critical fail that waits for a grader (``critical: confirm``) has not zeroed the total: it is
    ``critical_pending``, not ``critical``, so the list agrees with the critical-failure count."""
    frames = []
    where = ["conversation_id", "agent_id", "started_at"]
    if results is not None and len(results):
        crit = results[(results["outcome"] == "fail") & results["critical"].fillna(False).astype(bool)]
        crit = sessions[[*where, "critical_criteria"]].merge(crit, on="conversation_id", how="inner")
        zeroed = listed(crit["criterion_id"], crit["critical_criteria"])
        frames.append(crit.assign(kind=np.where(zeroed, "critical", "critical_pending")))
    flagged = sessions[sessions["risk_flag"].fillna(False).astype(bool)]
    if len(flagged):
        frames.append(
            flagged[[*where, "risk_reasons"]].rename(columns={"risk_reasons": "evidence_match"}).assign(kind="risk")
        )
    if not frames:
        return _typed(pd.DataFrame({c: pd.Series(dtype="object") for c in FINDINGS}), FINDINGS)
    out = pd.concat(frames, ignore_index=True).reindex(columns=list(FINDINGS))
    return _typed(out.sort_values(["agent_id", "started_at"], kind="stable").reset_index(drop=True), FINDINGS)


def _lost(results: pd.DataFrame | None, sessions: pd.DataFrame) -> pd.DataFrame:
    """LOST: the results that cost points (bonus items not earned cost none), failed critically,
    were disputed or were an automatic fail a person overturned (those cost none now: they stay
    listed with the decision), joined with the session's agent, start and CSAT; newest
    conversations first per agent."""
    if results is None or not len(results):
        return _typed(pd.DataFrame({c: pd.Series(dtype="object") for c in LOST}), LOST)
    lost = results["max_points"].astype("float64").fillna(0.0) - results["points"].astype("float64").fillna(0.0)
    critical = results["critical"].fillna(False).astype(bool) & results["outcome"].eq("fail").fillna(False)
    disputed = results["dispute"].fillna("").ne("") if "dispute" in results.columns else False
    overturned = (
        (results["auto_outcome"].eq("fail") & results["outcome"].eq("pass")).fillna(False)
        if "auto_outcome" in results.columns
        else False
    )
    keep = ((lost > 1e-9) | critical | disputed | overturned).to_numpy()
    rows = results[keep].assign(points_lost=lost[keep])
    for col, default in (
        ("auto_outcome", rows["outcome"]),
        ("source", "auto"),
        ("dispute", ""),
        ("grader", pd.NA),
        ("comment", pd.NA),
        ("dispute_note", pd.NA),
    ):
        if col not in rows.columns:
            rows[col] = default
    base = sessions[["conversation_id", "agent_id", "started_at", "csat"]]
    out = base.merge(rows, on="conversation_id", how="inner").reindex(columns=list(LOST))
    out = out.sort_values(["agent_id", "started_at", "conversation_id"], ascending=[True, False, True], kind="stable")
    return _typed(out.reset_index(drop=True), LOST)


def _exemplars(sessions: pd.DataFrame, options: MetricOptions) -> pd.DataFrame:
    good = sessions[
        sessions["scored"]
        & (sessions["total"] >= options.excellent_min)
        & ~sessions["critical_failed"].fillna(False).astype(bool)
    ]
    good = good.sort_values(["agent_id", "total", "started_at"], ascending=[True, False, True])
    return good.groupby("agent_id", sort=False).head(options.n_exemplars).reset_index(drop=True)


def _per_team(sessions: pd.DataFrame, compute) -> pd.DataFrame:
    """``compute`` over the real teams, then over everyone as team ALL."""
    parts = [compute(sessions[sessions["team"] != NO_TEAM]), compute(sessions.assign(team=ALL))]
    out = pd.concat([p for p in parts if len(p)] or parts[-1:], ignore_index=True)
    if "team" in out.columns:
        out["team"] = out["team"].astype("string")
    return out


def compute_metrics(
    conversations: pd.DataFrame,
    messages: pd.DataFrame,
    scores: pd.DataFrame | None,
    results: pd.DataFrame | None = None,
    *,
    roster: pd.DataFrame | None = None,
    risk: pd.DataFrame | None = None,
    manifest: pd.DataFrame | None = None,
    options: MetricOptions = MetricOptions(),
    sections: Sequence[str] | None = None,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
) -> Metrics:
    """All metrics for the conversations that started in [start, end) (both optional).
    ``sections`` orders the section ids (default: as the scores' columns)."""
    conv = conversations
    if start is not None:
        conv = conv[conv["started_at"] >= start]
    if end is not None:
        conv = conv[conv["started_at"] < end]
    msgs = messages[messages["conversation_id"].isin(conv["conversation_id"])]
    sessions = build_sessions(conv, msgs, scores, Joins(roster, risk, manifest), options)
    found = [c for c in sessions.columns if c.startswith(SECTION_PREFIX)]
    order = [SECTION_PREFIX + s for s in sections] if sections else found
    sec_cols = [c for c in order if c in found] + [c for c in found if c not in order]
    weighted = bool((sessions["weight"] != 1.0).any())

    agents = summarise(sessions, ["agent_id"], sec_cols)
    ident = sessions.drop_duplicates("agent_id").set_index("agent_id")
    agents.insert(1, "agent_name", agents["agent_id"].map(ident["agent_name"]).astype("string"))
    agents.insert(2, "team", agents["agent_id"].map(ident["team"]).astype("string"))
    agents["enough_data"] = (agents["n_graded"] >= options.min_graded).astype("boolean")
    ranked = agents["qa_mean"].where(agents["enough_data"])
    agents["rank"] = ranked.rank(ascending=False, method="min").astype("Int64")
    agents = agents.sort_values(["rank", "agent_id"], na_position="last").reset_index(drop=True)

    teams = _per_team(sessions, lambda s: summarise(s, ["team"], sec_cols))
    res = (
        results
        if results is not None
        else pd.DataFrame(columns=["conversation_id", "section_id", "criterion_id", "outcome", "critical"])
    )
    crit_rows = criteria_rows(res, sessions)
    agent_crit = criteria_pass_rates(crit_rows, ["agent_id"])
    team_crit = _per_team(crit_rows, lambda rows: criteria_pass_rates(rows, ["team"]))
    agent_team = agent_crit["agent_id"].map(agents.set_index("agent_id")["team"]).replace(NO_TEAM, ALL)
    lookup = team_crit.set_index(["team", "section_id", "criterion_id"])["pass_rate"]
    keys = pd.MultiIndex.from_arrays([agent_team, agent_crit["section_id"], agent_crit["criterion_id"]])
    agent_crit["team_pass_rate"] = pd.Series(lookup.reindex(keys).to_numpy(), index=agent_crit.index, dtype="float64")
    agent_crit["gap"] = agent_crit["pass_rate"] - agent_crit["team_pass_rate"]

    return Metrics(
        sessions=sessions,
        agents=agents,
        teams=teams,
        agent_trend=summarise(sessions, ["agent_id", "period"], sec_cols),
        team_trend=_per_team(sessions, lambda s: summarise(s, ["team", "period"], sec_cols)),
        agent_criteria=agent_crit,
        team_criteria=team_crit,
        distribution=pd.concat(
            [
                _distribution(sessions, "agent", "agent_id"),
                _per_team(sessions, lambda s: _distribution(s, "team", "team")),
            ],
            ignore_index=True,
        ),
        findings=_findings(results, sessions),
        lost=_lost(results, sessions),
        exemplars=_exemplars(sessions, options),
        sections=[c[len(SECTION_PREFIX) :] for c in sec_cols],
        weighted=weighted,
        options=options,
    )
