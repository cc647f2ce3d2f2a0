"""The outcome that counts, per conversation and criterion: the automatic one, a grader's over
it, then a QA lead's dispute decision over both — the automatic outcome kept beside the final
one — and the scores re-aggregated from them. ``final_outcomes`` is the one call a report needs.

Rules:

- **Grades** (``review.importer.GRADES``): a criterion a grader decided (gave a grade, or
  confirmed/overturned its pending critical fail) takes the grader's outcome and points; the
  rest stay automatic. When several graders graded a conversation (a calibration batch), the
  latest ``graded_on`` counts, then the first grader by name.
- **Disputes** (``review.disputes.DISPUTES``): ``accepted`` turns the outcome into a pass with
  full points (a deduction no longer deducts, a critical fail no longer zeroes); ``partly``
  gives back ``points_awarded`` (capped at full points; a standard item with points is a
  pass, a deduction still deducting is a fail); ``rejected`` leaves the outcome, and a lead has
  then confirmed the fail; an ``open`` dispute changes nothing.
- A critical fail under ``critical: confirm`` zeroes the total only once confirmed (see
  ``scoring``); the re-aggregated scores list the rest in ``critical_pending``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from qa_toolkit.rubric.schema import Rubric
from qa_toolkit.scoring import aggregate_scores

#: Added to RESULTS by ``final_outcomes``.
FINAL_RESULTS: dict[str, str] = {
    "auto_outcome": "string",  # what the rules said
    "auto_points": "float64",
    "decided_by": "string",  # auto | grade | dispute: who set the final outcome
    "grader": "string",  # the grader of the conversation ("" when none)
    "decided_on": "string",  # YYYY-MM-DD a person decided the outcome ("" when automatic or unknown)
    "confirmed": "boolean",  # a person confirmed this fail
    "dispute": "string",  # "" | open | accepted | partly | rejected
}

#: Added to SCORES by ``final_outcomes``.
FINAL_SCORES: dict[str, str] = {
    "auto_total": "float64",  # the total from the automatic outcomes alone
    "grader": "string",  # who graded the conversation ("" when nobody did)
    "n_disputes": "Int64",  # disputes filed on the conversation
    "n_disputes_accepted": "Int64",  # of which accepted or partly accepted
}

KEY = ["conversation_id", "criterion_id"]


def start(results: pd.DataFrame) -> pd.DataFrame:
    """RESULTS with the automatic outcome as the final one and the FINAL_RESULTS columns set so."""

    def filled(value, dtype: str) -> pd.Series:  # a scalar broadcast: a list of it costs ten times more
        return pd.Series(value, index=results.index, dtype=dtype)

    return results.assign(
        auto_outcome=results["outcome"],
        auto_points=results["points"],
        decided_by=filled("auto", "string"),
        grader=filled("", "string"),
        decided_on=filled("", "string"),
        confirmed=filled(False, "boolean"),
        dispute=filled("", "string"),
    )


def counting_grader(grades: pd.DataFrame) -> pd.DataFrame:
    """(conversation_id, grader, graded_on) of the one grader whose grades count per conversation."""
    sheets = grades[["conversation_id", "grader", "graded_on"]].drop_duplicates(["conversation_id", "grader"])
    sheets = sheets.assign(graded_on=sheets["graded_on"].fillna("").astype(str))
    ranked = sheets.sort_values(
        ["conversation_id", "graded_on", "grader"], ascending=[True, False, True], kind="stable"
    )
    return ranked.drop_duplicates("conversation_id").reset_index(drop=True)


def apply_grades(results: pd.DataFrame, grades: pd.DataFrame) -> pd.DataFrame:
    """``start``-ed results with the counting grader's decisions over the automatic outcomes."""
    chosen = counting_grader(grades)
    mine = grades.merge(chosen[["conversation_id", "grader"]], on=["conversation_id", "grader"])
    decided = mine[mine["human_outcome"].fillna("").ne("") | _text(mine, "critical_review").ne("")]
    out = results.copy()
    graders = chosen.set_index("conversation_id")["grader"]
    out["grader"] = out["conversation_id"].map(graders).fillna("").astype("string")
    at = _rows(out, decided)
    hit = at >= 0
    rows = at[hit]
    confirmed = (
        decided["confirmed"].map(lambda v: str(v).strip().lower() == "true")
        if "confirmed" in decided
        else pd.Series(False, index=decided.index)
    )
    decisions = {
        "outcome": decided["outcome"].to_numpy()[hit],
        **{col: pd.to_numeric(decided[col], errors="coerce").to_numpy()[hit] for col in ("points", "max_points")},
        "decided_by": "grade",
        "decided_on": decided["graded_on"].fillna("").astype(str).to_numpy()[hit],
        "confirmed": confirmed.to_numpy(dtype=bool)[hit],
    }
    for col, values in decisions.items():  # by position: a label lookup of the rows per column cost more
        out.iloc[rows, out.columns.get_loc(col)] = values
    return out


def apply_disputes(
    results: pd.DataFrame, disputes: pd.DataFrame, scores: pd.DataFrame, rubrics: Sequence[Rubric]
) -> pd.DataFrame:
    """``start``-ed results with the leads' dispute decisions applied (module docstring)."""
    out = results.copy()
    rubric_of = scores.set_index("conversation_id")["rubric_id"]
    criteria = {r.id: {c.id: c for _, c in r.criteria} for r in rubrics}
    at = _rows(out, disputes)
    for pos, row in zip(at, disputes.itertuples(index=False)):
        if pos < 0:
            continue
        i = out.index[pos]
        decision = str(row.decision or "") or "open"
        out.at[i, "dispute"] = decision
        if decision == "rejected":
            out.at[i, "confirmed"] = out.at[i, "outcome"] == "fail"
        if decision not in ("accepted", "partly"):
            continue
        criterion = criteria[rubric_of[row.conversation_id]][row.criterion_id]
        full = float(criterion.points) if criterion.kind == "standard" else 0.0
        if decision == "accepted":
            points = full
        else:
            points = min(float(out.at[i, "points"]) + float(row.points_awarded), full)
        passed = points >= 0 if criterion.kind == "deduction" else points > 0
        out.at[i, "outcome"] = "pass" if passed else "fail"
        out.at[i, "points"], out.at[i, "max_points"] = points, float(criterion.points) * (criterion.kind == "standard")
        out.at[i, "decided_by"], out.at[i, "decided_on"] = "dispute", str(row.resolved_on or "")
        out.at[i, "confirmed"] = False
    return out


def rescore(results: pd.DataFrame, scores: pd.DataFrame, rubrics: Sequence[Rubric]) -> pd.DataFrame:
    """SCORES with the conversations a person decided something on re-aggregated from
    ``results``; the others exactly as they were."""
    touched = results.loc[
        results["decided_by"].ne("auto").to_numpy(dtype=bool) | results["confirmed"].fillna(False).to_numpy(dtype=bool),
        "conversation_id",
    ].unique()
    out = scores.copy()
    if not len(touched):
        return out
    by_id = {r.id: r for r in rubrics}
    mine = out["conversation_id"].isin(touched).to_numpy(dtype=bool)
    conv = out.loc[mine, ["conversation_id", "agent_id", "channel", "started_at", "rubric_id"]]
    parts = [
        aggregate_scores(results[results["conversation_id"].isin(part["conversation_id"])], part, by_id[rid])
        for rid, part in conv.groupby("rubric_id", sort=False)
    ]
    position = np.flatnonzero(mine)
    ids = out["conversation_id"].to_numpy()[position]
    fresh = pd.concat(parts, ignore_index=True).set_index("conversation_id").loc[ids]  # in ``out``'s order, once
    for col in out.columns:
        if col in fresh.columns:
            out.iloc[position, out.columns.get_loc(col)] = fresh[col].to_numpy()
    return out


def final_outcomes(
    results: pd.DataFrame,
    scores: pd.DataFrame,
    rubrics: Sequence[Rubric],
    *,
    grades: pd.DataFrame | None = None,
    disputes: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(results, scores) that count: automatic, then graded, then disputed (module docstring);
    results keep ``auto_outcome``/``auto_points``, scores ``auto_total``, with who decided.
    ``rubrics``: every rubric the scores were made with (a week is often scored by several)."""
    out = start(results)
    if grades is not None and len(grades):
        out = apply_grades(out, grades)
    if disputes is not None and len(disputes):
        out = apply_disputes(out, disputes, scores, rubrics)
    final = rescore(out, scores, rubrics)
    graders = out.drop_duplicates("conversation_id").set_index("conversation_id")["grader"]
    filed = out[out["dispute"].ne("")].groupby("conversation_id")["dispute"]
    ids = final["conversation_id"]
    final = final.assign(
        auto_total=scores["total"].to_numpy(),
        grader=ids.map(graders).fillna("").astype("string"),
        n_disputes=ids.map(filed.size()).fillna(0).astype("Int64"),
        n_disputes_accepted=ids.map(filed.agg(lambda d: d.isin(["accepted", "partly"]).sum()))
        .fillna(0)
        .astype("Int64"),
    )
    return out, final


def _rows(results: pd.DataFrame, keyed: pd.DataFrame) -> np.ndarray:
    """Position in ``results`` of each (conversation_id, criterion_id) of ``keyed`` (-1: absent)."""
    index = pd.MultiIndex.from_frame(results[KEY].astype(str))
    return index.get_indexer(pd.MultiIndex.from_frame(keyed[KEY].astype(str)))


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    """A text column, "" where missing or absent (registers written before it existed)."""
    return frame[column].fillna("").astype(str) if column in frame.columns else pd.Series("", index=frame.index)
