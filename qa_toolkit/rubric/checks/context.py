"""context — after a trigger (a customer complains, is angry, thanks), the agent must say
(``expect: say``) or must not say (``expect: avoid``) one of ``phrases`` within the next
``within`` agent messages (for ``say``, an earlier agent message counts too unless
``earlier_counts: false``). The first trigger is judged (``triggers: every`` judges each);
N/A when the trigger never occurs. ``negations`` cancel a trigger written right after one of
them: with ``negations: [不, 不是]``, "我不着急" and "我不是投诉" start no window.

Passes::

    check: {type: context, trigger: [投诉, 太慢了], phrases: [抱歉, 不好意思], within: 2}
    # customer: 太慢了，我要投诉
    # agent: 非常抱歉给您带来不便

Fails::

    check: {type: context, trigger: [投诉], phrases: [抱歉, 对不起], within: 1}
    # customer: 我要投诉你们
    # agent: 请提供订单号
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field

from qa_toolkit.rubric.checks._base import CheckConfig, Chunk, Outcomes, shorten
from qa_toolkit.rubric.matching import Hits, phrase_hits

TYPE = "context"


class ContextCheck(CheckConfig):
    """context — after a trigger (a customer complains, is angry, thanks), the agent must say
    (``expect: say``) or must not say (``expect: avoid``) one of ``phrases`` within the next
    ``within`` agent messages (for ``say``, an earlier agent message counts too unless
    ``earlier_counts: false``). The first trigger is judged (``triggers: every`` judges each); N/A
    when the trigger never occurs. ``negations`` cancel a trigger written right after one of them
    (不着急, 不是投诉)."""

    type: Literal["context"]
    trigger: list[str] = Field(min_length=1, description="Phrases that start the window.")
    trigger_role: Literal["customer", "agent", "bot", "system"] = "customer"
    phrases: list[str] = Field(min_length=1)
    expect: Literal["say", "avoid"] = "say"
    within: int = Field(2, ge=1, description="Agent messages after the trigger that count.")
    triggers: Literal["first", "every"] = Field("first", description="Judge the first trigger only, or every one.")
    earlier_counts: bool = Field(True, description="For say: a matching agent message before the trigger counts too.")
    exclude: list[str] = Field(default_factory=list, description="Cut out of agent messages before matching.")
    negations: list[str] = Field(
        default_factory=list, description="Words that cancel a trigger written right after them (不 + 着急)."
    )


Config = ContextCheck  # the registry's name for a check module's config model


def phrases(config: ContextCheck) -> list[str]:
    """The phrases this check looks for: triggers, answers and exclusions."""
    return [*config.trigger, *negated(config), *config.phrases, *config.exclude]


def negated(config: ContextCheck) -> list[str]:
    """Every trigger written after a negation (不着急): cut out before triggers are looked for."""
    return [n + t for n in config.negations for t in config.trigger if n and t]


def evaluate(config: ContextCheck, frames: Chunk) -> Outcomes:
    """N/A without a trigger; else pass/fail with the offending message (avoid) or the
    unanswered trigger (say) as evidence."""
    out = Outcomes(frames, "na", "trigger never occurs")
    triggers = phrase_hits(frames, frames.role_mask(config.trigger_role), config.trigger, negated(config))
    keep = (
        frames.first_per_conversation(triggers.rows)
        if config.triggers == "first"
        else np.unique(triggers.rows, return_index=True)[1]
    )
    triggers = triggers.where(np.sort(keep))
    agent = frames.role_mask("agent")
    said = phrase_hits(frames, agent, config.phrases, config.exclude)
    if not len(triggers.rows):
        return out
    k_said = frames.rank(agent)[said.rows]
    t, s = _pairs(frames.conv_of[triggers.rows], frames.conv_of[said.rows])
    k_t = _agent_messages_before(frames, agent, triggers.rows)
    lower = 0 if (config.earlier_counts and config.expect == "say") else k_t[t]
    inside = (k_said[s] >= lower) & (k_said[s] < k_t[t] + config.within)
    t, s = t[inside], s[inside]
    order = np.lexsort((s, t, said.rows[s]))  # by message, then as paired
    window = Hits(said.rows[s[order]], said.match[s[order]])
    after = f"within {config.within} agent message(s) after the trigger"
    if config.expect == "avoid":
        out.put(triggers.rows, "pass", f"no forbidden phrase {after}", triggers.match)
        out.put(window.rows, "fail", f"forbidden phrase {after}", window.match)
        return out
    missed = triggers.where(~np.isin(np.arange(len(triggers.rows)), t))
    out.put(window.rows, "pass", f"said {after}", window.match)
    wanted = shorten(config.phrases)
    said_codes, said_distinct = pd.factorize(np.asarray(missed.match, dtype=object))
    notes = np.array(
        [f"no [{wanted}] {after} ({config.trigger_role} said '{m}')" for m in said_distinct.tolist()], dtype=object
    )[said_codes]  # worded once per distinct trigger phrase
    out.put(missed.rows, "fail", notes, missed.match)
    return out


def _pairs(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every (i, j) with ``left[i] == right[j]`` (``right`` sorted), i-major — an inner join."""
    lo = np.searchsorted(right, left, side="left")
    counts = np.searchsorted(right, left, side="right") - lo
    i = np.repeat(np.arange(len(left)), counts)
    j = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts) + np.repeat(lo, counts)
    return i, j


def _agent_messages_before(frames: Chunk, agent: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each message row: how many agent messages of its conversation have a smaller seq
    (the start of its answer window). Messages are in (conversation, seq) order, so these are
    the agent messages between the conversation's first message and the first message of its
    seq (a missing seq equals none)."""
    conv, seq = frames.conv_of, frames.seq
    first = np.asarray(rows, dtype=np.int64)
    while len(first):  # step back over messages of the same seq (one step when seqs are unique)
        prev = np.maximum(first - 1, 0)
        tied = (first > 0) & (conv[prev] == conv[rows]) & (seq[prev] == seq[rows])
        if not tied.any():
            break
        first = np.where(tied, prev, first)
    before = np.cumsum(agent) - agent  # agent messages in earlier rows
    return before[first] - before[np.searchsorted(conv, conv[rows])]
