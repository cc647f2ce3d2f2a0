"""manual — a criterion only a person can judge (回答准确性, 同理心). The outcome is ``review``
until a grade is imported (``qa grade import``); ``guidance`` is what the grader reads.

Passes / fails: decided by a grader, e.g. ::

    check: {type: manual, guidance: 答案与商品详情页、售后政策一致}
"""

from __future__ import annotations

from typing import Literal

from qa_toolkit.rubric.checks._base import CheckConfig, Chunk, Outcomes

TYPE = "manual"


class ManualCheck(CheckConfig):
    """manual — a criterion only a person can judge (回答准确性, 同理心). The outcome is ``review`` until a
    grade is imported (``qa grade import``); ``guidance`` is what the grader reads."""

    type: Literal["manual"]
    guidance: str = ""


Config = ManualCheck  # the registry's name for a check module's config model


def evaluate(config: ManualCheck, frames: Chunk) -> Outcomes:
    """Every conversation waits for a human grade."""
    return Outcomes(frames, "review", "needs a human grade")
