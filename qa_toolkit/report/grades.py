"""What people decided, for the report: the human grades of ``qa grade import`` and the QA leads'
dispute decisions of ``qa dispute resolve`` put over the automatic outcomes by
``review.outcomes.final_outcomes`` (the one rule for "the scores that count", shared with
``qa dispute`` and ``qa calibrate``), plus what the report shows of each point: who decided it
(``source``: auto | graded | confirmed | pending | overturned), its dispute and the people's words.

Applying them is one ``Adjustment``: a function from (results, scores) to changed (results,
scores), applied by the report before any metric.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from qa_toolkit.problems import InputError, Problem
from qa_toolkit.review.calibration import gate_table, read_grades
from qa_toolkit.review.outcomes import final_outcomes
from qa_toolkit.review.register import read_register
from qa_toolkit.rubric.schema import Rubric

#: (results, scores) -> (results, scores), each step of what the report shows after scoring.
Adjustment = Callable[[pd.DataFrame, pd.DataFrame], tuple[pd.DataFrame, pd.DataFrame]]

#: The dispute register columns the report needs (``review.disputes.DISPUTES`` has more).
DISPUTE_COLUMNS = (
    "conversation_id",
    "criterion_id",
    "decided_by",
    "reason",
    "decision",
    "points_awarded",
    "note",
    "resolved_by",
)
#: Who decided a point: the rules, a grader, a person confirming a critical fail, nobody yet (a
#: critical fail under ``critical: confirm`` waiting for a grader), a grader overturning a critical fail.
AUTO, GRADED, CONFIRMED, PENDING, OVERTURNED = "auto", "graded", "confirmed", "pending", "overturned"
MANUAL = "manual"  #: the agreement status of a criterion people grade


def read_disputes(path: str | os.PathLike) -> pd.DataFrame:
    """The dispute register (``disputes.csv`` of ``qa dispute import``/``resolve``) as text; a file
    that is not one is an InputError naming the file and the missing columns."""
    register = read_register(path)
    if register is None:
        raise InputError(Problem(str(path), "dispute register not found", code="disputes"))
    missing = [c for c in DISPUTE_COLUMNS if c not in register.columns]
    if missing:
        raise InputError(
            Problem(
                str(path),
                f"not a `qa dispute import` register: no column {', '.join(missing)}",
                line=1,
                code="disputes",
            )
        )
    return register


@dataclass(frozen=True, eq=False)  # holds frames: compared by identity
class Reviewed:
    """The ``Adjustment`` of people's decisions: (results, scores) the report uses are
    ``final_outcomes`` under ``rubrics`` with ``grades`` and ``disputes``, plus, per result,
    ``source`` (who decided it), ``comment`` (the grader's) and ``dispute_note`` (the agent's
    reason, the lead's note); per conversation ``human_graded``."""

    rubrics: Sequence[Rubric]
    grades: pd.DataFrame | None = None
    disputes: pd.DataFrame | None = None

    def __call__(self, results: pd.DataFrame, scores: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        grades, disputes = self.grades, self.disputes
        people = pd.concat(
            [f[["conversation_id"]] for f in (grades, disputes) if f is not None and len(f)]
            or [pd.DataFrame({"conversation_id": []})]
        )
        by_id = {r.id: r for r in self.rubrics}
        touched = scores[scores["conversation_id"].isin(set(people["conversation_id"].astype(str)))]
        unknown = sorted(set(touched["rubric_id"].dropna()) - set(by_id))
        if unknown:
            raise InputError(
                Problem(
                    "--grades/--disputes",
                    f"reviewed conversations were scored with rubric {', '.join(unknown)}: pass it with --rubric",
                    code="grades",
                )
            )
        out, final = final_outcomes(results, scores, self.rubrics, grades=grades, disputes=disputes)
        key = pd.MultiIndex.from_arrays([out["conversation_id"].astype(str), out["criterion_id"].astype(str)])
        out["source"] = _source(out, key, final, disputes)
        decided = out["decided_by"].eq("grade")
        out["comment"] = _joined(out, key, grades, ("comment",), decided=decided, by_grader=True)
        out["dispute_note"] = _joined(out, key, disputes, ("reason", "note"), decided=out["dispute"].ne(""))
        final["human_graded"] = final["grader"].ne("").astype("boolean")
        return out, final


def review_adjustment(
    rubrics: Sequence[Rubric],
    grades_path: str | os.PathLike | None = None,
    disputes_path: str | os.PathLike | None = None,
) -> Adjustment:
    """The grades and dispute decisions of these files as an ``Adjustment`` (read now, so a bad
    file stops before any work)."""
    grades = read_grades(grades_path) if grades_path else None
    disputes = read_disputes(disputes_path) if disputes_path else None
    return Reviewed(rubrics, grades, disputes)


def agreement(rubrics: Sequence[Rubric]) -> pd.DataFrame:
    """Per criterion (the first rubric defining it wins): ``review.calibration.gate_table`` as the
    rubric records it (status, n, κ, precision, recall, ``measured`` date, "" when never measured),
    and manual criteria with status ``manual``."""
    frames = []
    for rubric in rubrics:
        gate = gate_table(rubric).set_index("criterion_id")
        rows = [
            {
                "criterion_id": c.id,
                "section_id": s.id,
                **(gate.loc[c.id].to_dict() if c.id in gate.index else {"status": MANUAL, "n": 0, "measured": ""}),
            }
            for s, c in rubric.criteria
        ]
        frames.append(pd.DataFrame(rows))
    if not frames:
        return pd.DataFrame(columns=["criterion_id", "section_id", "status", "n", "kappa", "measured"])
    return pd.concat(frames, ignore_index=True).drop_duplicates("criterion_id").reset_index(drop=True)


def _source(out: pd.DataFrame, key: pd.MultiIndex, final: pd.DataFrame, disputes: pd.DataFrame | None) -> pd.Series:
    """Who decided each result (module constants), ``key`` its (conversation, criterion): a disputed
    one keeps who decided it before the dispute (the register's ``decided_by``), unless the lead's
    rejection confirmed a critical."""
    pending = [
        (cid, crit)
        for cid, ids in zip(final["conversation_id"], final["critical_pending"].fillna(""))
        if ids
        for crit in str(ids).split(";")
    ]
    is_pending = key.isin(pending) if pending else np.zeros(len(out), dtype=bool)
    confirmed = (
        out["confirmed"].fillna(False).astype(bool)
        & out["critical"].fillna(False).astype(bool)
        & out["outcome"].eq("fail")
    ).to_numpy(dtype=bool)
    graded = out["decided_by"].eq("grade").to_numpy(dtype=bool)
    if disputes is not None and len(disputes):
        before = disputes.drop_duplicates(["conversation_id", "criterion_id"]).set_index(
            ["conversation_id", "criterion_id"]
        )["decided_by"]
        was_graded = before.reindex(key).eq("grade").to_numpy(dtype=bool)
        graded |= out["decided_by"].eq("dispute").to_numpy(dtype=bool) & was_graded
    overturned = (
        graded
        & out["critical"].fillna(False).astype(bool).to_numpy(dtype=bool)
        & out["auto_outcome"].eq("fail").to_numpy(dtype=bool)
        & out["outcome"].eq("pass").to_numpy(dtype=bool)
    )
    source = np.select([is_pending, confirmed, overturned, graded], [PENDING, CONFIRMED, OVERTURNED, GRADED], AUTO)
    return pd.Series(source, index=out.index, dtype="string")


def _joined(
    out: pd.DataFrame,
    key: pd.MultiIndex,
    people: pd.DataFrame | None,
    columns: Sequence[str],
    decided: pd.Series,
    by_grader: bool = False,
) -> pd.Series:
    """Per result (``key``: its conversation and criterion), the non-empty ``columns`` of its row in
    ``people`` joined with " · " (<NA> where ``decided`` is false or nothing was written);
    ``by_grader``: the counting grader's row."""
    empty = pd.Series(pd.NA, index=out.index, dtype="string")
    if people is None or not len(people) or not decided.any():
        return empty
    rows = people
    if by_grader:
        rows = people.merge(
            out[["conversation_id", "grader"]].drop_duplicates("conversation_id"), on=["conversation_id", "grader"]
        )
    cells = zip(*(rows[c].fillna("").astype(str).tolist() for c in columns))  # lists: row-wise agg is slow
    text = [" · ".join(v for v in row if v.strip()) for row in cells]
    words = pd.Series(text, index=pd.MultiIndex.from_frame(rows[["conversation_id", "criterion_id"]].astype(str)))
    words = words[~words.index.duplicated(keep="last")]
    found = pd.Series(words.reindex(key).to_numpy(), index=out.index, dtype="string")
    return found.where(decided.to_numpy(dtype=bool) & found.fillna("").ne(""))
