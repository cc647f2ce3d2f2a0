"""all — passes when every one of ``checks`` that applies passes; ``fail`` as soon as one fails,
else ``review`` if one waits for a grade; N/A only when every sub-check is N/A (a sub-check that
is N/A does not count against the others). Evidence and note come from the first sub-check that
decided.

Passes::

    check: {type: all, checks: [{type: keywords, phrases: [您好]}, {type: keywords, mode: none, phrases: [不知道]}]}
    # agent: 您好，这边帮您查询

Fails::

    check: {type: all, checks: [{type: keywords, phrases: [您好]}, {type: keywords, mode: none, phrases: [不知道]}]}
    # agent: 您好，这个我不知道
"""

from __future__ import annotations

from typing import Literal

from qa_toolkit.rubric.checks._base import Chunk, Outcomes
from qa_toolkit.rubric.checks._combine import CombinedConfig, combine, parts  # noqa: F401 (parts: the registry reads it)

TYPE = "all"
PRECEDENCE = ("fail", "review", "pass", "na")


class AllCheck(CombinedConfig):
    """all — passes when every one of ``checks`` that applies passes; fail as soon as one fails,
    else review if one waits for a grade; N/A only when every sub-check is N/A."""

    type: Literal["all"]


Config = AllCheck  # the registry's name for a check module's config model


def evaluate(config: AllCheck, frames: Chunk, parts: list[Outcomes]) -> Outcomes:  # noqa: F811 (the registry passes the sub-check outcomes as parts)
    """The worst sub-check outcome per conversation (fail over review over pass over N/A)."""
    return combine(frames, parts, PRECEDENCE)
