"""The RESULTS rows of one rubric's scored chunk, as the README states them, one row at a time:
a row per conversation and criterion, conversations in chunk order and criteria in rubric order;
the outcome a check gave; points by the criterion's kind (standard: its points on a pass and at
stake on a pass or fail; bonus: its points on a pass, none at stake; deduction: minus its points
on a fail); the evidence — the seq and text of the message the check pointed at (text masked
when asked), the matched phrase and the note."""

import pandas as pd

from qa_toolkit.frames import OUTCOMES, RESULTS, conform
from qa_toolkit.privacy import mask_text


def points(kind: str, p: float, outcome: str) -> tuple[float, float]:
    """(points earned, points at stake) of one criterion with one outcome."""
    if kind == "standard":
        return (p if outcome == "pass" else 0.0), (p if outcome in ("pass", "fail") else 0.0)
    if kind == "bonus":
        return (p if outcome == "pass" else 0.0), 0.0
    return (-p if outcome == "fail" else 0.0), 0.0  # deduction


def coded(strings, i: int) -> str | None:
    """Entry ``i`` of a check's coded strings (its matched phrases or notes)."""
    value = strings.values[strings.codes[i]]
    return None if pd.isna(value) else value


def result_rows(chunk, rubric, outcomes, mask: bool) -> pd.DataFrame:
    """The RESULTS frame of ``outcomes`` (one per criterion of ``rubric``) over ``chunk``."""
    rows = []
    for i, conversation_id in enumerate(chunk.conversations["conversation_id"]):
        for (section, criterion), verdict in zip(rubric.criteria, outcomes):
            outcome = OUTCOMES[verdict.outcome[i]]
            earned, at_stake = points(criterion.kind, float(criterion.points), outcome)
            at = verdict.message[i]
            message = chunk.messages.iloc[at] if at >= 0 else None
            seq = None if message is None or pd.isna(message["seq"]) else int(message["seq"])
            text = None if message is None or pd.isna(message["text"]) else message["text"]
            rows.append(
                {
                    "conversation_id": conversation_id,
                    "section_id": section.id,
                    "criterion_id": criterion.id,
                    "outcome": outcome,
                    "points": earned,
                    "max_points": at_stake,
                    "critical": bool(criterion.critical),
                    "evidence_seq": seq,
                    "evidence_text": mask_text(text) if mask and text is not None else text,
                    "evidence_match": coded(verdict.match, i),
                    "note": coded(verdict.note, i),
                }
            )
    return conform(pd.DataFrame(rows, columns=list(RESULTS)), RESULTS)
