"""Human grades over automatic outcomes, for the report: read the ``grades.csv`` that
``qa grade import`` writes, put each human grade over the automatic result it reviews (the
automatic outcome and points are kept beside it) and re-score the graded conversations with
the rubric arithmetic (``scoring.aggregate_scores``).

Applying grades is one ``Adjustment``: a function from (results, scores) to changed (results,
scores). The report applies a list of them in order, so later steps (applied disputes) plug in
after the grades without touching this module.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import pandas as pd

from qa_toolkit.problems import InputError, Problem
from qa_toolkit.rubric.schema import Rubric
from qa_toolkit.scoring import aggregate_scores

#: (results, scores) -> (results, scores), each step of what the report shows after scoring.
Adjustment = Callable[[pd.DataFrame, pd.DataFrame], tuple[pd.DataFrame, pd.DataFrame]]

#: The grades.csv columns the report needs (``review.importer.GRADES`` has more).
NEEDED = ("grader", "graded_on", "conversation_id", "criterion_id", "human_outcome", "points", "max_points",
          "comment")
AUTO, GRADED = "auto", "graded"  #: the ``source`` of a result: the rules, or a human grade


def read_grades(path: str | os.PathLike) -> pd.DataFrame:
    """The human grades of a ``grades.csv`` (rows with a human outcome only); a file that is
    not one is an InputError naming the file and the missing columns."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise InputError(Problem(str(path), f"cannot read grades: {err}", code="grades")) from None
    missing = [c for c in NEEDED if c not in frame.columns]
    if missing:
        raise InputError(Problem(str(path), f"not a `qa grade import` grades file: no column {', '.join(missing)}",
                                 line=1, code="grades"))
    out = frame.loc[frame["human_outcome"].str.strip() != "", list(NEEDED)].copy()
    for col in ("points", "max_points"):
        numbers = pd.to_numeric(out[col], errors="coerce")
        bad = numbers.isna() & (out[col].str.strip() != "")
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0])
            raise InputError(Problem(str(path), f"'{out[col].iloc[row]}' is not a number", line=int(out.index[row]) + 2,
                                     field=col, code="grades"))
        out[col] = numbers
    return out.reset_index(drop=True)


def latest_grades(grades: pd.DataFrame) -> pd.DataFrame:
    """One grade per conversation × criterion: the latest (graded_on, then the file's order),
    so a re-grade replaces an earlier one and two graders of a calibration round give one."""
    ordered = grades.assign(_row=range(len(grades))).sort_values(["graded_on", "_row"], kind="stable")
    return ordered.drop_duplicates(["conversation_id", "criterion_id"], keep="last").drop(columns="_row")


def apply_grades(results: pd.DataFrame, scores: pd.DataFrame, grades: pd.DataFrame,
                 rubrics: Sequence[Rubric]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Results with human grades over the automatic outcomes (``auto_outcome``, ``auto_points``,
    ``source``, ``grader``, ``comment`` added) and scores re-scored where a grade changed
    anything (``auto_total`` and ``human_graded`` added)."""
    grades = latest_grades(grades).set_index(["conversation_id", "criterion_id"])
    key = pd.MultiIndex.from_arrays([results["conversation_id"], results["criterion_id"]])
    hit = key.isin(grades.index)
    g = grades.reindex(key[hit])
    out = results.copy()
    out["auto_outcome"], out["auto_points"] = out["outcome"], out["points"]
    out["source"] = pd.array([GRADED if h else AUTO for h in hit], dtype="string")
    out["grader"] = pd.Series(pd.NA, index=out.index, dtype="string")
    out["comment"] = pd.Series(pd.NA, index=out.index, dtype="string")
    out.loc[hit, "outcome"] = g["human_outcome"].to_numpy()
    out.loc[hit, "points"] = g["points"].to_numpy()
    out.loc[hit, "max_points"] = g["max_points"].to_numpy()
    out.loc[hit, "grader"] = g["grader"].to_numpy()
    out.loc[hit, "comment"] = g["comment"].replace("", pd.NA).to_numpy()

    graded_ids = set(out.loc[hit, "conversation_id"])
    new = scores.assign(auto_total=scores["total"], human_graded=scores["conversation_id"].isin(graded_ids))
    if not graded_ids:
        return out, new
    by_id = {r.id: r for r in rubrics}
    unknown = sorted(set(new.loc[new["human_graded"], "rubric_id"].dropna()) - set(by_id))
    if unknown:
        raise InputError(Problem("--grades", f"graded conversations were scored with rubric {', '.join(unknown)}: "
                                             "pass it with --rubric", code="grades"))
    mine = out[out["conversation_id"].isin(graded_ids)]
    parts = []
    for rubric_id, conv in new[new["human_graded"]].groupby("rubric_id", sort=False):
        parts.append(aggregate_scores(mine[mine["conversation_id"].isin(conv["conversation_id"])], conv,
                                      by_id[rubric_id]))
    rescored = pd.concat(parts, ignore_index=True).set_index("conversation_id")
    rows = new["human_graded"].to_numpy()
    ids = new.loc[rows, "conversation_id"]
    for col in rescored.columns:
        if col in new.columns and col not in ("agent_id", "channel", "started_at"):
            new.loc[rows, col] = rescored[col].reindex(ids).to_numpy()
    return out, new


def grade_adjustment(path: str | os.PathLike, rubrics: Sequence[Rubric]) -> Adjustment:
    """The grades of ``path`` as an ``Adjustment`` (read now, so a bad file stops before any work)."""
    grades = read_grades(path)
    return lambda results, scores: apply_grades(results, scores, grades, rubrics)
