"""What both report formats show, picked from the metrics frames (never recomputed): KPI rows,
section rows, trends, coaching focus, findings, exemplars and masked transcripts."""

from __future__ import annotations

import functools
import itertools
import re
from collections import namedtuple
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from qa_toolkit.metrics import ALL, NO_TEAM, SCORE_BIN_LABELS, Metrics
from qa_toolkit.missing import is_missing
from qa_toolkit.privacy import mask_series, mask_text
from qa_toolkit.report.labels import labels

#: (metric column, kind) shown as KPIs, in order. kind decides the number format.
KPIS: tuple[tuple[str, str], ...] = (
    ("qa_mean", "score"),
    ("auto_mean", "score"),
    ("n_graded", "int"),
    ("n_human", "int"),
    ("n_auto_only", "int"),
    ("n_review", "int"),
    ("critical_failures", "int"),
    ("frt_mean_s", "seconds"),
    ("art_mean_s", "seconds"),
    ("handle_mean_s", "seconds"),
    ("sla_rate", "rate"),
    ("transfer_rate", "rate"),
    ("csat_mean", "csat"),
    ("complaint_rate", "rate"),
    ("escalation_rate", "rate"),
    ("fcr_rate", "rate"),
    ("risk_flags", "int"),
    ("n_conversations", "int"),
)
#: For KPIs where lower is better the difference to team is judged the other way round.
LOWER_IS_BETTER = {
    "critical_failures",
    "frt_mean_s",
    "art_mean_s",
    "handle_mean_s",
    "transfer_rate",
    "complaint_rate",
    "escalation_rate",
    "risk_flags",
}
MAX_FINDINGS = 40  #: flagged / critical sessions shown per agent at most
MAX_LISTED = 20_000  #: conversations listed (with transcripts) in one workbook at most
EXCEL_FORMATS = {"score": "0.0", "int": "0", "seconds": "[m]:ss", "rate": "0.0%", "csat": "0.00"}
DISPUTE_STATES = ("open", "accepted", "partly", "rejected")  #: a dispute's decision, "open" until decided


@dataclass
class ReportInput:
    """Everything a report renders. ``agents`` limits which agents get a page (default all);
    team figures always cover everyone."""

    metrics: Metrics
    messages: pd.DataFrame
    lang: str = "zh"
    mask: bool = True
    agents: Sequence[str] | None = None
    section_names: Mapping[str, str] = field(default_factory=dict)
    criterion_names: Mapping[str, str] = field(default_factory=dict)
    band_names: Mapping[str, str] = field(default_factory=dict)  # band as scored -> as shown
    agreement: pd.DataFrame | None = None  # report.grades.agreement: per criterion status, n, κ, date
    bonus_criteria: frozenset[str] = frozenset()
    band_order: Sequence[str] = ()  # best band first, as the rubric defines them
    rubric_label: str = ""
    generated: str = ""
    memo: dict = field(default_factory=dict, repr=False, compare=False)  # what several pages share, built once

    @property
    def t(self) -> Mapping[str, str]:
        return labels(self.lang)


def shared(build):
    """``build(rep, *args)`` made once per report, language, masking and arguments: the workbook
    and the pages ask for the same pieces agent by agent (callers only read what they get)."""

    @functools.wraps(build)
    def once(rep: ReportInput, *args, **kwargs):
        key = (build.__name__, rep.lang, rep.mask, args, tuple(sorted(kwargs.items())))
        if key not in rep.memo:
            rep.memo[key] = build(rep, *args, **kwargs)
        return rep.memo[key]

    return once


def records(frame: pd.DataFrame) -> list:
    """``frame.itertuples(index=False)`` as a list, built from each column's ``tolist()``:
    iterating Arrow-backed text row by row costs more than the report's own work."""
    row = _row_type(tuple(frame.columns))
    return list(map(row._make, zip(*(frame[c].tolist() for c in frame.columns))))


@functools.lru_cache(maxsize=64)
def _row_type(columns: tuple[str, ...]) -> type:
    """The record type of a frame with ``columns``, made once: making a namedtuple type costs as
    much as the rows of a small frame."""
    return namedtuple("Row", columns, rename=True)


def display_name(item, lang: str) -> str:
    """A rubric's, section's, criterion's or band's name in the report language: ``name_en``
    under en when the rubric gives one, else ``name``."""
    return (item.name_en or item.name) if lang == "en" else item.name


def duration(seconds) -> str:
    """Seconds as minutes and seconds (187 -> 3:07; an hour and more stays in minutes, 3725 -> 62:05)."""
    total = int(round(float(seconds)))
    sign, total = ("-", -total) if total < 0 else ("", total)
    return f"{sign}{total // 60}:{total % 60:02d}"


def fmt(value, kind: str) -> str:
    """A number as a person reads it (HTML); missing values as an en dash."""
    if is_missing(value):
        return "–"
    if kind == "seconds":
        return duration(value)
    if kind == "rate":
        return f"{float(value) * 100:.1f}%"
    if kind == "score":
        return f"{float(value):.1f}"
    if kind == "csat":
        return f"{float(value):.2f}"
    return f"{float(value):.0f}"


def masker(rep: ReportInput):
    """``mask_text`` unless the report was asked for unmasked text."""
    if not rep.mask:
        return lambda text: text

    return mask_text


def masked_text(rep: ReportInput, texts: pd.Series) -> pd.Series:
    """A column of text masked (vectorised) unless the report was asked for unmasked text."""
    if not rep.mask:
        return texts

    return mask_series(texts)


def team_name(rep: ReportInput, team: str) -> str:
    return {ALL: rep.t["all_agents"], NO_TEAM: rep.t["no_team"]}.get(team, team)


def section_name(rep: ReportInput, section_id: str) -> str:
    return rep.section_names.get(section_id, section_id)


def criterion_name(rep: ReportInput, criterion_id: str) -> str:
    return rep.criterion_names.get(criterion_id, criterion_id)


def band_name(rep: ReportInput, band) -> str:
    return band if is_missing(band) else rep.band_names.get(band, band)


def agent_ids(rep: ReportInput) -> list[str]:
    """Agents that get a page, in leaderboard order."""
    ids = rep.metrics.agents["agent_id"].tolist()
    return [a for a in ids if rep.agents is None or a in set(rep.agents)]


def page_names(ids: Sequence[str]) -> dict[str, str]:
    """A safe, unique file or sheet stem per agent id."""
    out, used = {}, set()
    for agent in ids:
        stem = re.sub(r"[^A-Za-z0-9_.-]", "_", agent)[:28] or "agent"
        candidate, n = stem, 1
        while candidate.lower() in used:
            n += 1
            candidate = f"{stem}~{n}"
        used.add(candidate.lower())
        out[agent] = candidate
    return out


def part(rep: ReportInput, frame: pd.DataFrame, by: str | tuple[str, ...], key) -> pd.DataFrame:
    """The rows of ``frame`` (a frame of ``rep.metrics``) whose ``by`` column(s) equal ``key``,
    in their order: ``frame`` is grouped once per report, since every agent's page and sheet asks."""
    memo_key = ("part", id(frame), by)
    if memo_key not in rep.memo:  # frame kept in the memo so that its id stays its own
        groups = frame.groupby(list(by) if isinstance(by, tuple) else by, sort=False)
        rep.memo[memo_key] = (frame, frame.iloc[:0], dict(iter(groups)))
    _, empty, parts = rep.memo[memo_key]
    return parts.get(key, empty)


def part_records(rep: ReportInput, frame: pd.DataFrame, by: str, key) -> list:
    """``records`` of the rows of ``frame`` (a frame of ``rep.metrics`` or of the memo) whose ``by``
    column equals ``key``, in their order: made in one pass over ``frame`` per report, since both
    formats ask for every agent's rows (a small frame's columns cost more than its rows)."""
    memo_key = ("part_records", id(frame), by)
    if memo_key not in rep.memo:  # frame kept in the memo so that its id stays its own
        groups: dict = {}
        for r in records(frame):
            groups.setdefault(getattr(r, by), []).append(r)
        rep.memo[memo_key] = (frame, groups)
    return rep.memo[memo_key][1].get(key, [])


@shared
def distribution(rep: ReportInput, level: str, key: str, kind: str) -> list[tuple[str, int]]:
    """(value, count) of a band / csat / score_bin distribution, in a reading order."""
    rows = part(rep, rep.metrics.distribution, ("level", "key", "kind"), (level, key, kind))
    counts = dict(zip(rows["value"].tolist(), rows["n"].tolist()))
    order = {
        "band": list(rep.band_order) or sorted(counts),
        "csat": ["1", "2", "3", "4", "5"],
        "score_bin": list(SCORE_BIN_LABELS),
    }[kind]
    order += [v for v in counts if v not in order]
    shown = (lambda v: band_name(rep, v)) if kind == "band" else str
    return [(shown(value), int(counts.get(value, 0))) for value in order]


@shared
def kpi_rows(rep: ReportInput, agent_id: str) -> list[dict]:
    """KPI, agent value, team value, difference and whether the agent is better (or None)."""
    agent, team = rep.metrics.agent(agent_id), rep.metrics.team_of(agent_id)
    rows = []
    for key, kind in KPIS:
        a, t = agent[key], team[key]
        # counts are not comparable with the team's totals: no difference for them
        diff = None if is_missing(a) or is_missing(t) or kind == "int" else float(a) - float(t)
        better = None if diff is None or abs(diff) < 1e-9 else (diff < 0) == (key in LOWER_IS_BETTER)
        rows.append(
            {"key": key, "kind": kind, "label": rep.t[key], "agent": a, "team": t, "diff": diff, "better": better}
        )
    return rows


@shared
def section_rows(rep: ReportInput, agent_id: str) -> list[dict]:
    agent, team = rep.metrics.agent(agent_id), rep.metrics.team_of(agent_id)
    return [
        {"id": s, "name": section_name(rep, s), "agent": agent[f"section_{s}"], "team": team[f"section_{s}"]}
        for s in rep.metrics.sections
    ]


@shared
def trend(rep: ReportInput, agent_id: str) -> list[dict]:
    """Per period: the agent's and the team's QA mean and graded count."""
    m = rep.metrics
    mine = part(rep, m.agent_trend, "agent_id", agent_id)
    team_key = m.agent(agent_id)["team"]
    team_key = ALL if team_key == NO_TEAM else team_key
    team = part(rep, m.team_trend, "team", team_key)
    agent_mean, graded, team_mean = (
        dict(zip(frame["period"].tolist(), frame[col].tolist()))
        for frame, col in ((mine, "qa_mean"), (mine, "n_graded"), (team, "qa_mean"))
    )
    periods = sorted(p for p in set(agent_mean) | set(team_mean) if not is_missing(p))
    return [
        {
            "period": p,
            "agent": agent_mean.get(p, float("nan")),
            "n_graded": graded.get(p, 0),
            "team": team_mean.get(p, float("nan")),
        }
        for p in periods
    ]


def team_trend(rep: ReportInput, team_key: str = ALL) -> list[dict]:
    tt = rep.metrics.team_trend
    rows = tt[(tt["team"] == team_key) & tt["period"].notna()].sort_values("period")
    return [{"period": r.period, "value": r.qa_mean, "n_graded": r.n_graded} for r in rows.itertuples()]


def weakest(rep: ReportInput, agent_id: str, n: int = 5) -> list:
    """Coaching focus, as records: the agent's criteria furthest below the team's pass rate (bonus
    items, which an agent may simply not earn, are left out)."""
    return part_records(rep, _weakest_rows(rep, n), "agent_id", agent_id)


@shared
def _weakest_rows(rep: ReportInput, n: int) -> pd.DataFrame:
    """``weakest`` of every agent at once: one filter and one sort for the report."""
    crit = rep.metrics.agent_criteria
    rows = crit[(crit["n_fail"] > 0) & (crit["gap"] < 0) & ~crit["criterion_id"].isin(set(rep.bonus_criteria))]
    rows = rows.sort_values(["gap", "pass_rate", "n_fail"], ascending=[True, True, False], kind="stable")
    rows = rows.groupby("agent_id", sort=False).head(n).copy()
    rows["section_name"] = rows["section_id"].map(lambda s: section_name(rep, s))
    rows["criterion_name"] = rows["criterion_id"].map(lambda c: criterion_name(rep, c))
    return rows


@shared
def findings(rep: ReportInput, agent_id: str | None = None, limit: int | None = None) -> pd.DataFrame:
    """Critical and risk sessions with masked evidence (and the match masked alike). With
    ``limit``: critical failures (zeroed or pending) first (newest first), then the highest risk scores."""
    every = _all_findings(rep)
    rows = every if agent_id is None else part(rep, every, "agent_id", agent_id)
    if limit is not None and len(rows) > limit:
        critical = newest_criticals(rows)
        risk = rep.metrics.sessions.set_index("conversation_id")["risk_score"]
        flagged = rows[rows["kind"] == "risk"]
        flagged = flagged.iloc[
            np.argsort(-flagged["conversation_id"].map(risk).astype("float64").fillna(0).to_numpy(), kind="stable")
        ]
        rows = pd.concat([critical, flagged]).head(limit).sort_values("started_at", kind="stable")
    return rows.reset_index(drop=True)


def newest_criticals(rows: pd.DataFrame) -> pd.DataFrame:
    """The critical failures among findings ``rows`` (zeroed or pending review), newest first."""
    return rows[rows["kind"] != "risk"].sort_values("started_at", ascending=False)


@shared
def _all_findings(rep: ReportInput) -> pd.DataFrame:
    """Every agent's findings with masked evidence and labels, made once: the index page lists
    them all and each agent's sheet and page its own."""
    rows = rep.metrics.findings.copy()
    mask = masker(rep)
    for col in ("evidence_text", "evidence_match"):
        rows[col] = rows[col].map(lambda v: None if is_missing(v) else mask(str(v)))
    rows["kind_label"] = rows["kind"].map(lambda k: rep.t.get(f"kind_{k}", k))
    rows["criterion_name"] = rows["criterion_id"].map(lambda c: "" if is_missing(c) else criterion_name(rep, c))
    return rows


@shared
def finding_records(rep: ReportInput, agent_id: str) -> list:
    """The agent's ``findings`` (at most ``MAX_FINDINGS``) as records, made once for both formats
    (in one pass over every agent's findings but for an agent with more than can be shown)."""
    if len(part(rep, _all_findings(rep), "agent_id", agent_id)) > MAX_FINDINGS:
        return records(findings(rep, agent_id, limit=MAX_FINDINGS))
    return part_records(rep, _all_findings(rep), "agent_id", agent_id)


def match_parts(text: str, match) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, is_match) around each occurrence of ``match``, found ignoring
    case so the highlight shows the text as written (matches are stored lower-cased)."""
    return list(_match_parts(text, None if is_missing(match) else str(match)))


@functools.lru_cache(maxsize=8192)
def _match_parts(text: str, match: str | None) -> tuple[tuple[str, bool], ...]:
    """``match_parts`` of a match already made text, kept: the sheet, the points-lost sheet and
    the page of an agent highlight the same evidence."""
    if match is None or not match.strip():
        return ((text, False),) if text else ()
    parts, at = [], 0
    for found in re.finditer(re.escape(match), text, flags=re.IGNORECASE):
        if found.start() > at:
            parts.append((text[at : found.start()], False))
        parts.append((found.group(), True))
        at = found.end()
    if at < len(text):
        parts.append((text[at:], False))
    return tuple(parts)


def lost_points(rep: ReportInput, agent_id: str) -> pd.DataFrame:
    """Every point the agent lost (``Metrics.lost``) with masked evidence and labels for the
    criterion, outcome, who decided it and its dispute (``state_label``)."""
    return part(rep, _all_lost(rep), "agent_id", agent_id)


def lost_records(rep: ReportInput, agent_id: str) -> list:
    """``lost_points`` as records (``records``)."""
    return part_records(rep, _all_lost(rep), "agent_id", agent_id)


@shared
def _all_lost(rep: ReportInput) -> pd.DataFrame:
    """The points lost of every agent, built once: both formats list them, and masking is
    vectorised over the whole frame."""
    return _lost_rows(rep)


def _lost_rows(rep: ReportInput) -> pd.DataFrame:
    rows = rep.metrics.lost.copy()
    for col in ("evidence_text", "evidence_match", "note", "comment"):
        rows[col] = masked_text(rep, rows[col].astype("string"))
    rows["critical"] = rows["critical"].fillna(False).astype(bool)
    rows["auto_outcome"] = rows["auto_outcome"].fillna(rows["outcome"])
    rows["changed"] = (rows["auto_outcome"] != rows["outcome"]).fillna(False).astype(bool)
    # a rule's "needs a human grade" says nothing once a human has graded
    rows["note"] = rows["note"].mask(rows["auto_outcome"].eq("review") & rows["source"].eq("graded"))
    t = rep.t
    rows["criterion_name"] = rows["criterion_id"].map(lambda c: criterion_name(rep, c))
    rows["section_name"] = rows["section_id"].map(lambda s: section_name(rep, s))
    rows["outcome_label"] = rows["outcome"].map(lambda o: t.get(f"outcome_{o}", o))
    rows["auto_label"] = rows["auto_outcome"].map(lambda o: t.get(f"outcome_{o}", o))
    rows["source_label"] = rows["source"].map(lambda s: t.get(f"source_{s}", s))
    rows["dispute"] = rows["dispute"].fillna("")
    rows["dispute_label"] = rows["dispute"].map(lambda d: t[f"dispute_{d}"] if d else "")
    rows["dispute_note"] = masked_text(rep, rows["dispute_note"].astype("string"))
    rows["shadow"] = rows["criterion_id"].isin(shadow_ids(rep))
    rows = rows.reset_index(drop=True)
    rows["state_label"] = pd.array([state_label(rep, f) for f in records(rows)], dtype="string")
    return rows


def state_label(rep: ReportInput, f) -> str:
    """How a point lost was decided, in words: who decided it (with the grader), the automatic
    outcome when a person changed it, and the dispute's decision."""
    t = rep.t
    text = f.source_label + (
        f" · {f.grader}"
        if f.source in ("graded", "confirmed", "overturned") and not is_missing(f.grader) and f.grader
        else ""
    )
    if f.changed:
        text += f" ({t['auto_outcome']}: {f.auto_label})"
    if f.dispute:
        text += f"; {f.dispute_label}"
    if f.shadow:
        text += f"; {t['status_shadow']}"
    return text


def shadow_ids(rep: ReportInput) -> frozenset[str]:
    """Criteria in shadow: computed and shown, not counted."""
    a = rep.agreement
    return frozenset() if a is None else frozenset(a.loc[a["status"] == "shadow", "criterion_id"])


@shared
def dispute_counts(rep: ReportInput, by: str, agent_id: str | None = None) -> list[dict]:
    """Disputes per ``by`` (agent_id or criterion_id; of one agent with ``agent_id``): filed and
    per decision (``DISPUTE_STATES``), from the points lost (disputes inside the report's period)."""
    rows = _disputed(rep)
    if agent_id is not None:
        rows = part(rep, rows, "agent_id", agent_id)
    if not len(rows):
        return []
    table = pd.crosstab(rows[by], rows["dispute"]).reindex(columns=list(DISPUTE_STATES), fill_value=0)
    names = rep.metrics.agents.set_index("agent_id")["agent_name"]
    return [
        {
            "key": key,
            "name": names.get(key, key) if by == "agent_id" else criterion_name(rep, key),
            "filed": int(counts.sum()),
            **{state: int(counts[state]) for state in DISPUTE_STATES},
        }
        for key, counts in table.iterrows()
    ]


@shared
def _disputed(rep: ReportInput) -> pd.DataFrame:
    """The disputed points lost, found once for every agent's table."""
    lost = rep.metrics.lost
    return lost[lost["dispute"].fillna("").ne("")]


def agreement_rows(rep: ReportInput) -> list[dict]:
    """Per criterion of the rubric: section, name, status label (live / shadow / manual), n, κ and
    when it was measured — "not measured" when ``qa rubric promote`` never recorded it."""
    a = rep.agreement
    if a is None or not len(a):
        return []
    t = rep.t
    out = []
    for r in records(a):
        measured = str(r.measured) if r.status != "manual" and not is_missing(r.measured) and r.measured else ""
        out.append(
            {
                "criterion_id": r.criterion_id,
                "section": section_name(rep, r.section_id),
                "name": criterion_name(rep, r.criterion_id),
                "status": r.status,
                "status_label": t[f"status_{r.status}"],
                "n": int(r.n) if measured else None,
                "kappa": None if not measured or is_missing(r.kappa) else float(r.kappa),
                "measured": measured or (t["human_graded"] if r.status == "manual" else t["not_measured"]),
            }
        )
    return out


def exemplars(rep: ReportInput, agent_id: str) -> list:
    """The agent's excellent sessions (``Metrics.exemplars``) as records."""
    return part_records(rep, rep.metrics.exemplars, "agent_id", agent_id)


def listed_sessions(rep: ReportInput, agents: Sequence[str], cap: int = MAX_LISTED) -> tuple[pd.DataFrame, int]:
    """The sessions of ``agents`` for a conversation list, and how many there are. Beyond ``cap``
    the list keeps the ones the report links to (findings, exemplars), then sampled ones, then
    the most recent — a workbook of every conversation of a large shop would not open."""
    s = rep.metrics.sessions
    s = s[s["agent_id"].isin(set(agents))]
    n = len(s)
    if n > cap:
        linked = set(rep.metrics.findings["conversation_id"]) | set(rep.metrics.exemplars["conversation_id"])
        priority = np.select([s["conversation_id"].isin(linked), s["sampled"].fillna(False).astype(bool)], [0, 1], 2)
        s = s.assign(_priority=priority).sort_values(["_priority", "started_at"], ascending=[True, False])
        s = s.head(cap).drop(columns="_priority")
    return s.sort_values(["agent_id", "started_at"]), n


def transcripts(rep: ReportInput, conversation_ids: Sequence[str]) -> dict[str, list[dict]]:
    """Masked messages per conversation: role, time (HH:MM:SS) and text."""
    out: dict[str, list[dict]] = {cid: [] for cid in conversation_ids}
    for cid, seq, role, time, body in zip(*_transcript_columns(rep, conversation_ids)):
        out[cid].append({"seq": seq, "role": role, "time": time, "text": body})
    return out


def transcript_texts(rep: ReportInput, conversation_ids: Sequence[str], limit: int = 4000) -> dict[str, str]:
    """Each conversation's masked transcript as one cell of text, ``[time] role: text`` per line
    (cut at ``limit`` characters), made from the columns: a record per message costs more than the text."""
    cids, _, roles, times, bodies = _transcript_columns(rep, conversation_ids)
    lines = dict.fromkeys(conversation_ids, "")
    for cid, group in itertools.groupby(zip(cids, roles, times, bodies), key=lambda m: m[0]):  # sorted by id
        lines[cid] = _cut("\n".join(_line(time, role, body) for _, role, time, body in group), limit)
    return lines


def _line(time: str, role: str, text: str) -> str:
    """A message as a transcript line: ``[time] role: text`` (no brackets without a time)."""
    return f"[{time}] {role}: {text}" if time else f"{role}: {text}"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _transcript_columns(rep: ReportInput, conversation_ids: Sequence[str]) -> tuple[list, ...]:
    """The messages of ``conversation_ids`` in order (by conversation, then seq) as lists:
    conversation id, seq, role as shown, time (HH:MM:SS or ""), masked text."""
    msgs = rep.messages[rep.messages["conversation_id"].isin(set(conversation_ids))].sort_values(
        ["conversation_id", "seq"]
    )
    text = masked_text(rep, msgs["text"].fillna(""))
    times = msgs["ts"].dt.strftime("%H:%M:%S").fillna("")
    t = rep.t
    roles = msgs["role"].tolist()
    shown = {role: t.get(f"role_{role}", role) for role in set(roles)}
    columns = (msgs["conversation_id"], msgs["seq"], times, text)
    cids, seqs, times, texts = (c.tolist() for c in columns)  # lists: iterating Arrow text is slow
    return cids, seqs, [shown[role] for role in roles], times, texts
