"""any — passes when at least one of ``checks`` passes: a team keeps its precise rules and adds a
learned model's recall. Otherwise ``review`` if a sub-check waits for a grade, else ``fail`` if
one fails; N/A only when every sub-check is N/A. Evidence and note come from the first sub-check
that decided.

Passes::

    check: {type: any, checks: [{type: keywords, phrases: [您好]}, {type: keywords, phrases: [在的]}]}
    # agent: 在的，请问有什么可以帮您

Fails::

    check: {type: any, checks: [{type: keywords, phrases: [您好]}, {type: keywords, phrases: [在的]}]}
    # agent: 订单号发一下
"""

from __future__ import annotations

from typing import Literal

from qa_toolkit.rubric.checks._base import Chunk, Outcomes
from qa_toolkit.rubric.checks._combine import CombinedConfig, combine, parts  # noqa: F401 (parts: the registry reads it)

TYPE = "any"
PRECEDENCE = ("pass", "review", "fail", "na")


class AnyCheck(CombinedConfig):
    """any — passes when at least one of ``checks`` passes; otherwise review if one waits for a
    grade, else fail if one fails; N/A only when every sub-check is N/A."""

    type: Literal["any"]


Config = AnyCheck  # the registry's name for a check module's config model


def evaluate(config: AnyCheck, frames: Chunk, parts: list[Outcomes]) -> Outcomes:  # noqa: F811 (the registry passes the sub-check outcomes as parts)
    """The best sub-check outcome per conversation (pass over review over fail over N/A)."""
    return combine(frames, parts, PRECEDENCE)
