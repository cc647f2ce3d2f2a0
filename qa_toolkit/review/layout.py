"""What the grading workbook and its importer agree on: sheet names, the hidden id sheet, where
each input cell sits and which label stands beside it (the importer checks them, so a sheet
whose rows or columns were moved is refused rather than read from the wrong cells), the
fingerprint of each graded conversation, and the allowed grades per criterion scale.

A grade is ``na`` or, per scale: binary ``pass``/``fail``; 3-point ``0``–``2``; 5-point
``0``–``4``. A scale grade g of k earns g/k of a standard criterion's points; 0 is a fail,
anything above 0 a pass. Bonus and deduction items are always graded pass/fail.

An automatic fail of a ``critical: confirm`` item is pending (待复核) and its row has one more
input cell, the review: ``confirm`` (确认: the fail stands and zeroes the total) or
``overturn`` (推翻: the rule was wrong; the item passes unless the grader gave another grade).
"""

from __future__ import annotations

import hashlib
import json

import pandas as pd

from qa_toolkit.rubric.schema import Criterion

BATCH_SHEET = "批次 Batch"
IDS_SHEET = "_ids"  # very hidden: where the input cells are (review/ids.py: one row per sheet, or per cell before)
META_SHEET = "_meta"  # very hidden: workbook facts (rubric id/version, batch id)
IDS_HEADER = ["sheet", "cell", "conversation_id", "criterion_id", "field", "prefill"]  # one row per input cell
STEPS = {"binary": 1, "3-point": 2, "5-point": 4}
ID_KINDS = ("grader", "date", "grade", "comment", "review")

# A conversation sheet: the grader and date inputs with their labels to the left, then the
# criteria table (header row CRITERIA_TOP), one row per criterion with its id in LABEL_COL.
CRITERIA_HEADER = [
    "板块 Section",
    "编号 Criterion",
    "名称 Name",
    "说明 Guidance",
    "自动结果 Auto",
    "自动得分 Auto pts",
    "证据 Evidence",
    "评分 Your grade",
    "备注 Comment",
    "复核 Confirm critical",
]
CRITERIA_TOP = 6
LABEL_COL, GRADE_COL, COMMENT_COL, REVIEW_COL = 2, 8, 9, 10
#: Beside the automatic outcome of a critical fail waiting for a grader's confirmation.
PENDING_NOTE = " ⏳待复核 pending: confirm or overturn →"
GRADER_CELL, DATE_CELL = (3, 3), (4, 3)  # (row, col)
GRADER_LABEL, DATE_LABEL = "质检员 Grader", "日期 Date (YYYY-MM-DD)"
#: _meta key of a sheet's conversation fingerprint
FINGERPRINT_KEY = "data:{sheet}"


def fingerprints(conversations: pd.DataFrame, messages: pd.DataFrame) -> dict[str, str]:
    """Per conversation id: a hash of what a grader judges — agent, channel, customer and every
    message's role and text in order — so a workbook imported against another export whose
    conversation ids coincide is caught."""
    msgs = messages.sort_values(["conversation_id", "seq"], kind="stable")
    said: dict = {}
    for cid, role, text in zip(*(msgs[c].tolist() for c in ("conversation_id", "role", "text"))):
        said.setdefault(cid, []).append([str(role), str(text)])
    conv = conversations.drop_duplicates("conversation_id")
    out = {}
    for cid, *facts in zip(*(conv[c].tolist() for c in ("conversation_id", "agent_id", "channel", "customer_id"))):
        shown = [str(cid), *map(str, facts), said.get(cid, [])]
        out[str(cid)] = hashlib.sha256(json.dumps(shown, ensure_ascii=False).encode()).hexdigest()[:16]
    return out


def grade_steps(criterion: Criterion) -> int:
    """k of the criterion's 0..k scale (1 = pass/fail)."""
    return STEPS[criterion.scale] if criterion.kind == "standard" else 1


def allowed_grades(criterion: Criterion) -> list[str]:
    """The drop-down values for ``criterion``."""
    k = grade_steps(criterion)
    return (["pass", "fail"] if k == 1 else [str(g) for g in range(k, -1, -1)]) + ["na"]


def grade_for_outcome(criterion: Criterion, outcome: str, points: float | None = None) -> str | None:
    """The drop-down value that says what an automatic outcome said (None for review)."""
    if outcome == "na":
        return "na"
    if outcome not in ("pass", "fail"):
        return None
    k = grade_steps(criterion)
    if k == 1:
        return outcome
    if outcome == "fail":
        return "0"
    share = 1.0 if points is None else max(0.0, min(1.0, float(points) / float(criterion.points)))
    return str(int(round(share * k)))


def parse_grade(criterion: Criterion, value) -> tuple[str, float | None] | None:
    """(outcome, points or None for the rubric default) for a cell value; None when invalid."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip().lower()
    aliases = {"通过": "pass", "不通过": "fail", "不适用": "na", "n/a": "na"}
    text = aliases.get(text, text)
    if text not in allowed_grades(criterion):
        return None
    if text == "na":
        return "na", None
    k = grade_steps(criterion)
    if k == 1:
        return text, None
    g = int(text)
    return ("pass" if g > 0 else "fail"), float(criterion.points) * g / k


REVIEWS = ["confirm", "overturn"]
_REVIEW_ALIASES = {"确认": "confirm", "推翻": "overturn"}


def parse_review(value) -> str | None:
    """``confirm``/``overturn`` for a review cell ("" when empty); None when invalid."""
    text = "" if value is None else str(value).strip().lower()
    text = _REVIEW_ALIASES.get(text, text)
    return text if text in ("", *REVIEWS) else None
