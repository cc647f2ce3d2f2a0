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

import pandas as pd
from pydantic import Field

from qa_toolkit.rubric.checks._base import Frames, ScopedConfig, blank, describe_scope, put, scoped, shorten
from qa_toolkit.rubric.checks._match import matching_messages

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


def evaluate(config: KeywordsCheck, frames: Frames) -> pd.DataFrame:
    """Per conversation: pass/fail with the message that decided it."""
    msgs = scoped(frames.messages, config)
    hits = matching_messages(msgs, config.phrases, config.exclude, config.case_sensitive)
    where = describe_scope(config)
    if config.mode == "none":
        out = blank(frames.index, "pass")
        said = hits.groupby("conversation_id")["match"].first().astype("string")
        put(out, hits, "fail", f"forbidden phrase in {where}: '" + said + "'")
        return out
    missing = f"none of [{shorten(config.phrases)}] in {where}"
    out = blank(frames.index, "fail", missing)
    put(out, msgs, "fail", missing)  # evidence: the first message in scope, i.e. what was said instead
    if config.mode == "any":
        put(out, hits, "pass", "said")
        return out
    distinct = {p if config.case_sensitive else p.lower() for p in config.phrases}
    need = len(distinct) if config.mode == "all" else config.count
    found = hits.groupby("conversation_id")["match"].agg(lambda s: sorted(set(s)))
    enough = found[found.map(len) >= need].index
    put(out, hits[hits["conversation_id"].isin(enough)], "pass", "said")
    short = found[found.map(len) < need]
    note = short.map(lambda s: f"only {len(s)} of {need} required phrases in {where}: {', '.join(s)}")
    put(out, hits[hits["conversation_id"].isin(short.index)], "fail", note)
    return out
