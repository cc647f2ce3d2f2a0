"""keywords — phrases a role must (or must not) say.

``mode``: ``any`` (pass when at least one phrase is said), ``all`` (every phrase),
``at_least`` (``count`` distinct phrases), ``none`` (fail when any phrase is said — 服务禁语).
Scope with ``role`` (default agent) and ``first_turns`` / ``last_turns`` (the first/last N
messages of that role). ``exclude`` phrases are cut out before matching, so ``不知道`` can be
forbidden while ``不知道您是否`` stays fine. Matching ignores case unless ``case_sensitive``.

Passes::

    check: {type: keywords, phrases: [您好, 你好], first_turns: 1}
    # agent: 您好，很高兴为您服务

Fails::

    check: {type: keywords, mode: none, phrases: [不知道], exclude: [不知道您是否]}
    # agent: 这个我不知道
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from qa_toolkit.rubric.checks._base import Chunk, Outcomes, ScopedConfig, describe_scope, shorten
from qa_toolkit.rubric.matching import phrase_hits

TYPE = "keywords"


class KeywordsCheck(ScopedConfig):
    """keywords — phrases a role must (or must not) say."""

    type: Literal["keywords"]
    phrases: list[str] = Field(min_length=1)
    mode: Literal["any", "all", "at_least", "none"] = "any"
    count: int = Field(1, ge=1, description="For mode at_least: how many distinct phrases.")
    exclude: list[str] = Field(default_factory=list)
    case_sensitive: bool = False


Config = KeywordsCheck  # the registry's name for a check module's config model


def phrases(config: KeywordsCheck) -> list[str]:
    """The phrases (and exclusions) this check looks for: one matching pass per chunk serves
    every criterion."""
    return [] if config.case_sensitive else [*config.phrases, *config.exclude]


def evaluate(config: KeywordsCheck, frames: Chunk) -> Outcomes:
    """Per conversation: pass/fail with the message that decided it."""
    scope = frames.scope(config)
    hits = phrase_hits(frames, scope, config.phrases, config.exclude, config.case_sensitive)
    where = describe_scope(config)
    if config.mode == "none":
        out = Outcomes(frames, "pass")
        out.put(hits.rows, "fail", [f"forbidden phrase in {where}: '{m}'" for m in hits.match], hits.match)
        return out
    missing = f"none of [{shorten(config.phrases)}] in {where}"
    out = Outcomes(frames, "fail", missing)
    out.put(np.flatnonzero(scope), "fail", missing)  # evidence: the first message in scope, i.e. what was said instead
    if config.mode == "any":
        out.put(hits.rows, "pass", "said", hits.match)
        return out
    distinct = {p if config.case_sensitive else p.lower() for p in config.phrases}
    need = len(distinct) if config.mode == "all" else config.count
    conv = frames.conv_of[hits.rows]
    found: dict[int, set[str]] = {}
    for c, m in zip(conv.tolist(), hits.match.tolist()):
        found.setdefault(c, set()).add(m)
    enough = np.fromiter((len(found[c]) >= need for c in conv.tolist()), dtype=bool, count=len(conv))
    out.put(hits.rows[enough], "pass", "said", hits.match[enough])
    notes = [
        f"only {len(found[c])} of {need} required phrases in {where}: {', '.join(sorted(found[c]))}"
        for c in conv[~enough].tolist()
    ]
    out.put(hits.rows[~enough], "fail", notes, hits.match[~enough])
    return out
