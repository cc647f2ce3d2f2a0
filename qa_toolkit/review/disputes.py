"""Disputes (申诉): an agent contests a lost point within a deadline, a QA lead decides.

The register (``disputes.csv``, one row per conversation × criterion, ``DISPUTES``) is what
``qa dispute import`` adds agents' reasons to and ``qa dispute resolve`` adds leads' decisions
to; ``review.outcomes`` applies the decisions to the scores. Every function here is pure over
frames; the workbooks are in ``review.dispute_books``.

- **Lost points** (what can be disputed): a standard item failed or graded below its points,
  a deduction taken; with the evidence, and whether a person already decided it.
- **Deadline**: a lost point may be disputed until ``decided_on`` + N days (default 7), where
  ``decided_on`` is the grading date for a graded outcome, else the scoring date. A dispute
  filed later (``today``, injectable) is refused.
- **Decisions**: ``accepted``, ``rejected`` or ``partly`` (with ``points_awarded`` between 0
  and the points lost, exclusive), a note, the lead and the date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
from pydantic import ValidationError

from qa_toolkit.frames import conform, listed
from qa_toolkit.problems import Problem
from qa_toolkit.rubric.schema import Rubric
from qa_toolkit.sampling.batch import resolve_period
from qa_toolkit.sampling.plan import parse_period_option
from qa_toolkit.scoring import as_rubrics

DEFAULT_DEADLINE_DAYS = 7
DECISIONS = ("accepted", "rejected", "partly")
_DECISION_ALIASES = {"接受": "accepted", "驳回": "rejected", "部分接受": "partly", "partly accepted": "partly"}

#: What an agent can dispute, one row per lost point (the agent workbook's rows).
LOST: dict[str, str] = {
    "agent_id": "string",
    "conversation_id": "string",
    "started_at": "string",  # YYYY-MM-DD HH:MM
    "section_id": "string",
    "criterion_id": "string",
    "criterion_name": "string",
    "outcome": "string",  # the final outcome disputed (fail, or pass below full points)
    "points": "float64",
    "max_points": "float64",
    "lost": "float64",  # points lost: full points − points (a deduction: the points deducted)
    "critical": "string",  # "" | confirmed | pending: the item is 一票否决 and failed
    "decided_by": "string",  # auto | grade
    "decided_on": "string",  # YYYY-MM-DD: the grading date, else the scoring date
    "deadline": "string",  # YYYY-MM-DD: the last day a dispute is accepted
    "evidence": "string",  # the quoted message and what matched, or the note
}

#: The register: a lost point disputed, and what the lead decided.
DISPUTES: dict[str, str] = {
    **LOST,
    "reason": "string",  # the agent's words
    "filed_on": "string",  # YYYY-MM-DD the dispute was imported
    "source": "string",  # file[sheet]!cell of the reason
    "decision": "string",  # "" (open) | accepted | rejected | partly
    "points_awarded": "float64",  # partly: points given back
    "note": "string",  # the lead's reasoning
    "resolved_by": "string",
    "resolved_on": "string",  # YYYY-MM-DD
}
RESOLUTION = ["decision", "points_awarded", "note", "resolved_by", "resolved_on"]
KEY = ["conversation_id", "criterion_id"]


def lost_points(
    results: pd.DataFrame,
    scores: pd.DataFrame,
    rubrics: Rubric | Sequence[Rubric],
    *,
    scored_on: dt.date,
    deadline_days: int = DEFAULT_DEADLINE_DAYS,
) -> pd.DataFrame:
    """``LOST`` rows from final results (``review.outcomes.final_outcomes``; plain RESULTS
    count as automatic), in scores order then rubric order."""
    conv = scores.set_index("conversation_id")
    criteria = {r.id: {c.id: c for _, c in r.criteria} for r in as_rubrics(rubrics)}
    res = results[results["conversation_id"].isin(conv.index)]
    res = res.assign(rubric_id=res["conversation_id"].map(conv["rubric_id"]))
    kind = [criteria.get(r, {}).get(c) for r, c in zip(res["rubric_id"], res["criterion_id"])]
    deduction = pd.Series([k is not None and k.kind == "deduction" for k in kind], index=res.index)
    standard = pd.Series([k is not None and k.kind == "standard" for k in kind], index=res.index)
    points = res["points"].astype("float64")
    lost = (res["max_points"].astype("float64") - points).where(standard, -points.where(deduction, 0.0))
    res = res.assign(lost=lost.fillna(0.0).round(4), criterion_name=[k.name if k else "" for k in kind])
    res = res[res["outcome"].isin(["pass", "fail"]) & (res["lost"] > 0)]
    pending = res["conversation_id"].map(conv["critical_pending"].fillna("")).fillna("")
    critical = res["critical"].fillna(False).astype(bool) & res["outcome"].eq("fail")
    waiting = pd.Series(listed(res["criterion_id"], pending), index=res.index, dtype=bool)
    decided_by = res["decided_by"] if "decided_by" in res.columns else pd.Series("auto", index=res.index)
    decided_on = res["decided_on"].fillna("") if "decided_on" in res.columns else pd.Series("", index=res.index)
    decided_on = decided_on.astype(str).where(decided_on.astype(str).ne(""), scored_on.isoformat())
    started = res["conversation_id"].map(conv["started_at"])
    out = pd.DataFrame(
        {
            "agent_id": res["conversation_id"].map(conv["agent_id"]),
            "conversation_id": res["conversation_id"],
            "started_at": pd.to_datetime(started, errors="coerce").dt.strftime("%Y-%m-%d %H:%M").fillna(""),
            "section_id": res["section_id"],
            "criterion_id": res["criterion_id"],
            "criterion_name": res["criterion_name"],
            "outcome": res["outcome"],
            "points": points.loc[res.index],
            "max_points": res["max_points"],
            "lost": res["lost"],
            "critical": pd.Series("", index=res.index).mask(critical, "confirmed").mask(critical & waiting, "pending"),
            "decided_by": decided_by.astype(str),
            "decided_on": decided_on,
            "deadline": [(dt.date.fromisoformat(d) + dt.timedelta(days=deadline_days)).isoformat() for d in decided_on],
            "evidence": [_evidence(r) for r in res.itertuples(index=False)],
        }
    )
    return conform(out.reset_index(drop=True), LOST)


def within(scores: pd.DataFrame, period: str, today: dt.date | None = None) -> pd.DataFrame:
    """The scores of conversations started in ``period``: ``all``, ``last_week`` (before
    ``today``, default the day after the last start) or ``FROM..TO``, as ``qa sample`` reads
    it; ValueError for anything else."""
    if period == "all":
        return scores
    try:
        start, end = resolve_period(parse_period_option(period), scores["started_at"], today)
    except ValidationError as err:
        raise ValueError(err.errors()[0]["msg"]) from None
    day = scores["started_at"].dt.date
    return scores[((day >= start) & (day <= end)).fillna(False).to_numpy(dtype=bool)]


def _evidence(row) -> str:
    """What the agent reads as the reason the point was lost."""
    parts = [
        str(v)
        for v in (getattr(row, "evidence_text", None), getattr(row, "evidence_match", None), getattr(row, "note", None))
        if isinstance(v, str) and v
    ]
    return " · ".join(dict.fromkeys(parts))


def file_disputes(
    register: pd.DataFrame | None, filed: pd.DataFrame, today: dt.date
) -> tuple[pd.DataFrame, list[Problem]]:
    """(DISPUTES rows as text, problems) for agents' reasons (``filed``: LOST columns, reason
    and source, as text). A dispute already in the register (text) with the same reason stays
    as it is, decision included; a new reason for an open one replaces it, for a decided one
    it is refused; a new reason after the deadline is refused (warnings at the reason's cell)."""
    old = register.set_index(KEY) if register is not None and len(register) else None
    twice = filed.duplicated(KEY, keep="last")
    problems = [
        Problem(
            str(r.source).split("[")[0],
            f"{r.source}: {r.criterion_id} on {r.conversation_id} is disputed "
            "again further on: the last reason is used",
            level="warning",
            code="twice",
        )
        for r in filed[twice].itertuples(index=False)
    ]
    rows = []
    for r in filed[~twice].itertuples(index=False):
        key = (r.conversation_id, r.criterion_id)
        before = old.loc[key] if old is not None and key in old.index else None

        def refuse(message: str, code: str) -> None:
            problems.append(
                Problem(
                    str(r.source).split("[")[0],
                    f"{r.source}: the dispute of {r.criterion_id} on {r.conversation_id} {message}",
                    level="warning",
                    code=code,
                )
            )

        if before is not None and (before["reason"] == r.reason or before["decision"]):
            if before["reason"] != r.reason:
                refuse(f"was already decided ({before['decision']}): the new reason is not recorded", "decided")
            rows.append({**before.to_dict(), "conversation_id": key[0], "criterion_id": key[1]})
        elif str(r.deadline) < today.isoformat():
            refuse(f"comes after its deadline {r.deadline}: refused", "deadline")
        else:
            rows.append(
                {
                    **{c: getattr(r, c) for c in LOST},
                    "reason": r.reason,
                    "filed_on": today.isoformat(),
                    "source": r.source,
                    **{c: "" for c in RESOLUTION},
                }
            )
    return pd.DataFrame(rows, columns=list(DISPUTES)).fillna(""), problems


def parse_decision(value) -> str | None:
    """accepted / rejected / partly ("" when empty); None when not a decision."""
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value).strip().lower()
    text = _DECISION_ALIASES.get(text, text)
    return text if text in ("", *DECISIONS) else None


def resolve(register: pd.DataFrame, decisions: pd.DataFrame, today: dt.date) -> tuple[pd.DataFrame, list[Problem]]:
    """(register rows the decisions change, problems): ``decisions`` has KEY, decision,
    points_awarded, note, resolved_by, resolved_on and where (file[sheet]!cell) as text;
    an empty decision is skipped, an invalid one is an error at its place."""
    old = register.set_index(KEY)
    rows, problems = [], []
    for d in decisions.itertuples(index=False):
        decision = parse_decision(d.decision)
        key = (str(d.conversation_id), str(d.criterion_id))

        def error(message: str) -> None:
            problems.append(Problem(str(d.where).split("[")[0], f"{d.where}: {message}", code="resolution"))

        if decision == "":
            continue
        if key not in old.index:
            error(f"no dispute of {key[1]} on {key[0]} in the register")
            continue
        if decision is None:
            error(f"'{d.decision}' is not a decision (allowed: {', '.join(DECISIONS)})")
            continue
        lost = float(old.loc[key, "lost"])
        awarded = pd.to_numeric(pd.Series([d.points_awarded]), errors="coerce").iloc[0]
        if decision == "partly" and not (0 < awarded < lost):
            error(
                f"a partly accepted dispute gives back points between 0 and {lost:g} (exclusive), not "
                f"'{d.points_awarded}'"
            )
            continue
        if not str(d.resolved_by or "").strip():
            error("the lead's name is empty")
            continue
        row = old.loc[key].copy()
        row["conversation_id"], row["criterion_id"] = key
        row["decision"], row["note"] = decision, str(d.note or "").strip()
        row["points_awarded"] = f"{awarded:g}" if decision == "partly" else ""
        row["resolved_by"] = str(d.resolved_by).strip()
        same = [row[c] == old.loc[key, c] for c in ("decision", "points_awarded", "note", "resolved_by")]
        given = str(d.resolved_on or "") or today.isoformat()
        row["resolved_on"] = old.loc[key, "resolved_on"] if all(same) else given
        rows.append(row)
    return pd.DataFrame(rows, columns=list(register.columns)), problems
