"""regex — a regular expression a role's messages must (``mode: any``) or must not
(``mode: none``) match, with an optional ``exclude`` regex whose matches are cut out first.

Python ``re`` syntax, compiled once. Prefer ``[0-9]`` to ``\\d``, a space to ``\\s``, and no
lookaround, back-references or repetitions over 1000: then the pattern runs on RE2, in time
linear in the text. Any other pattern runs on Python's engine with a time budget per message;
a message it runs out of time on makes the conversation ``review`` (``qa rubric lint`` warns).

Passes::

    check: {type: regex, pattern: "订单号?[:：]?[0-9]{6,}", role: agent}
    # agent: 您的订单号：202611240001 已发货

Fails::

    check: {type: regex, mode: none, pattern: "[0-9]{3}元", exclude: "优惠[0-9]{3}元"}
    # agent: 私下给我转200元就行
"""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator

from qa_toolkit.rubric.bounded import UNDECIDED, compile_error
from qa_toolkit.rubric.checks._base import Chunk, Outcomes, ScopedConfig, describe_scope
from qa_toolkit.rubric.matching import first_regex_hits

TYPE = "regex"
#: How much of a long pattern a fail's note quotes (supervisors read these notes in reports).
PATTERN_SHOWN = 40


class RegexCheck(ScopedConfig):
    """regex — a regular expression a role's messages must (``mode: any``) or must not (``mode: none``)
    match, with an optional ``exclude`` regex whose matches are cut out first."""

    type: Literal["regex"]
    pattern: str
    mode: Literal["any", "none"] = "any"
    exclude: str | None = None
    case_sensitive: bool = True

    @field_validator("pattern", "exclude")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None and (error := compile_error(value)) is not None:
            raise ValueError(f"invalid regular expression: {error}")
        return value


Config = RegexCheck  # the registry's name for a check module's config model


def evaluate(config: RegexCheck, frames: Chunk) -> Outcomes:
    """Per conversation: pass/fail with the message and matched span."""
    pattern = config.pattern if config.case_sensitive else "(?i)" + config.pattern
    hits = first_regex_hits(frames, frames.scope(config), pattern, config.exclude)
    where = describe_scope(config)
    if config.mode == "none":
        out = Outcomes(frames, "pass")
        out.put(hits.undecided, "review", UNDECIDED)
        out.put(hits.rows, "fail", f"forbidden pattern matched in {where}", hits.match)
        return out
    shown = config.pattern if len(config.pattern) <= PATTERN_SHOWN else config.pattern[:PATTERN_SHOWN] + "…"
    out = Outcomes(frames, "fail", f"no match for /{shown}/ in {where}")
    out.put(hits.undecided, "review", UNDECIDED)
    out.put(hits.rows, "pass", "matched", hits.match)
    return out
