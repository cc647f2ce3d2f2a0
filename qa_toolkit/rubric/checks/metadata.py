"""metadata — a condition over conversation fields (csat, tags, customer_tier, escalated,
order/refund fields, message counts, handle_time_s) that must hold. Same condition language
as a criterion's ``when``; N/A when a field it needs is missing.

Passes::

    check: {type: metadata, condition: {field: escalated, op: "==", value: false}}
    # conversation with escalated: false

Fails::

    check: {type: metadata, condition: {field: csat, op: ">=", value: 3}}
    # conversation with csat: 1
"""

from __future__ import annotations

from typing import Literal

from qa_toolkit.rubric.checks._base import CheckConfig, Chunk, Outcomes
from qa_toolkit.rubric.matching import saying
from qa_toolkit.rubric.predicates import Predicate, phrases_said
from qa_toolkit.rubric.predicates import evaluate as evaluate_predicate

TYPE = "metadata"


class MetadataCheck(CheckConfig):
    """metadata — a condition over conversation fields (csat, tags, customer_tier, escalated,
    order/refund fields, message counts, handle_time_s) that must hold. Same condition language as a
    criterion's ``when``; N/A when a field it needs is missing."""

    type: Literal["metadata"]
    condition: Predicate


Config = MetadataCheck  # the registry's name for a check module's config model


def phrases(config: MetadataCheck) -> list[str]:
    """The phrases of the condition's ``says`` parts."""
    return phrases_said(config.condition)


def evaluate(config: MetadataCheck, frames: Chunk) -> Outcomes:
    """Pass when the condition holds, fail when it does not, N/A when unknown."""
    holds = evaluate_predicate(
        config.condition, frames.conversations, frames.messages, frames.derived, lambda said: saying(frames, said)
    )
    holds = holds.reindex(frames.index)
    out = Outcomes(frames, "na", "field missing")
    out.set(holds.eq(True).fillna(False).to_numpy(dtype=bool), "pass", "condition holds")
    out.set(holds.eq(False).fillna(False).to_numpy(dtype=bool), "fail", "condition does not hold")
    return out
