"""Human grades as training labels: the ``conversation_id, criterion_id, outcome`` rows of a
grades file (``qa grade import`` writes them, with the grader's own verdict in
``human_outcome``; a hand-made file may have only the three columns).

A row is a label when a person gave it: ``human_outcome`` when the file has that column (rows
a grader left empty are not grades), else ``outcome``. Where several graders graded the same
conversation on a criterion, the majority decides; a tie leaves the conversation out, counted.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import pandas as pd

from qa_toolkit.problems import InputError, Problem, ProblemLog

OUTCOMES = ("pass", "fail", "na")
_ALIASES = {"通过": "pass", "不通过": "fail", "不适用": "na", "n/a": "na"}


@dataclass
class Grades:
    """One label per (conversation, criterion), and what was left out while reading."""

    labels: pd.DataFrame  # conversation_id, criterion_id, outcome, graders
    log: ProblemLog = field(default_factory=ProblemLog)

    def of(self, criterion_id: str) -> pd.Series:
        """The labels of one criterion, by conversation id."""
        rows = self.labels[self.labels["criterion_id"] == criterion_id]
        return pd.Series(rows["outcome"].to_numpy(dtype=object), index=rows["conversation_id"].to_numpy(dtype=object))

    @property
    def criteria(self) -> list[str]:
        return sorted(self.labels["criterion_id"].unique().tolist())


def read_grades(path: str | os.PathLike) -> Grades:
    """The grades file at ``path`` as labels; InputError (file, field) when it cannot be read or
    lacks the columns, warnings (file, row) for rows that are not a usable grade."""
    file = str(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise InputError(Problem(file, f"cannot read the grades file: {err}", code="grades")) from None
    column = "human_outcome" if "human_outcome" in raw.columns else "outcome"
    missing = [c for c in ("conversation_id", "criterion_id", column) if c not in raw.columns]
    if missing:
        raise InputError(
            Problem(
                file,
                f"the grades file lacks column(s): {', '.join(missing)} (it needs "
                "conversation_id, criterion_id and outcome or human_outcome)",
                line=1,
                field=missing[0],
                code="grades",
            )
        )
    return labels_from(raw, column, file)


def labels_from(raw: pd.DataFrame, column: str, file: str) -> Grades:
    """One label per (conversation, criterion) from the rows of a grades frame (``column``: the
    one holding the human verdict)."""
    log = ProblemLog(records_read=len(raw))
    outcome = raw[column].str.strip().str.lower().replace(_ALIASES)
    graded = outcome != ""
    if column == "outcome":
        graded &= outcome != "review"  # a manual item nobody graded
    usable = graded & outcome.isin(OUTCOMES) & (raw["conversation_id"].str.strip() != "")
    for i in raw.index[graded & ~usable]:
        log.add(
            Problem(
                file,
                f"not a grade: {raw.at[i, column]!r} for conversation {raw.at[i, 'conversation_id']!r} "
                f"(expected one of {', '.join(OUTCOMES)}); row left out",
                line=int(i) + 2,
                field=column,
                level="warning",
                code="grades",
            )
        )
    log.records_skipped = int((graded & ~usable).sum())
    rows = pd.DataFrame(
        {
            "conversation_id": raw["conversation_id"].str.strip(),
            "criterion_id": raw["criterion_id"].str.strip(),
            "outcome": outcome,
        }
    )[usable]
    counts = rows.value_counts(["conversation_id", "criterion_id", "outcome"]).rename("votes").reset_index()
    counts["graders"] = counts.groupby(["conversation_id", "criterion_id"])["votes"].transform("sum")
    top = counts.groupby(["conversation_id", "criterion_id"])["votes"].transform("max")
    winners = counts[counts["votes"] == top]
    tied = winners.duplicated(["conversation_id", "criterion_id"], keep=False)
    for (cid, crit), _ in winners[tied].groupby(["conversation_id", "criterion_id"]):
        log.add(
            Problem(
                file,
                f"graders disagree on conversation {cid!r}, criterion {crit!r} with no majority; left out of training",
                field="criterion_id",
                level="warning",
                code="grades",
            )
        )
    labels = winners[~tied].sort_values(["criterion_id", "conversation_id"], kind="stable")
    return Grades(labels[["conversation_id", "criterion_id", "outcome", "graders"]].reset_index(drop=True), log)
