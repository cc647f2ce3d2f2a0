"""context — after a trigger (a customer complains, is angry, thanks), the agent must say
(``expect: say``) or must not say (``expect: avoid``) one of ``phrases`` within the next
``within`` agent messages (for ``say``, an earlier agent message counts too unless
``earlier_counts: false``). The first trigger is judged (``triggers: every`` judges each);
N/A when the trigger never occurs.

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

import pandas as pd
from pydantic import Field

from qa_toolkit.rubric.checks._base import CheckConfig, Frames, blank, put, shorten
from qa_toolkit.rubric.checks._match import matching_messages

TYPE = "context"


class ContextCheck(CheckConfig):
    """context — after a trigger (a customer complains, is angry, thanks), the agent must say
    (``expect: say``) or must not say (``expect: avoid``) one of ``phrases`` within the next
    ``within`` agent messages (for ``say``, an earlier agent message counts too unless
    ``earlier_counts: false``). The first trigger is judged (``triggers: every`` judges each); N/A
    when the trigger never occurs."""

    type: Literal["context"]
    trigger: list[str] = Field(min_length=1, description="Phrases that start the window.")
    trigger_role: Literal["customer", "agent", "bot", "system"] = "customer"
    phrases: list[str] = Field(min_length=1)
    expect: Literal["say", "avoid"] = "say"
    within: int = Field(2, ge=1, description="Agent messages after the trigger that count.")
    triggers: Literal["first", "every"] = Field("first", description="Judge the first trigger only, or every one.")
    earlier_counts: bool = Field(True, description="For say: a matching agent message before the trigger counts too.")
    exclude: list[str] = Field(default_factory=list, description="Cut out of agent messages before matching.")


Config = ContextCheck  # the registry's name for a check module's config model


def evaluate(config: ContextCheck, frames: Frames) -> pd.DataFrame:
    """N/A without a trigger; else pass/fail with the offending message (avoid) or the
    unanswered trigger (say) as evidence."""
    msgs = frames.messages
    out = blank(frames.index, "na", "trigger never occurs")
    triggers = matching_messages(msgs[msgs["role"] == config.trigger_role], config.trigger)
    triggers = triggers.drop_duplicates(["conversation_id"] if config.triggers == "first" else ["conversation_id", "seq"])
    if triggers.empty:
        return out
    agent = msgs[msgs["role"] == "agent"][["conversation_id", "seq", "text"]]
    starts = _window_starts(triggers, agent)
    said = matching_messages(agent, config.phrases, config.exclude)
    said = said.assign(k=agent.groupby("conversation_id").cumcount().reindex(said.index))
    pairs = starts.merge(said, on="conversation_id", suffixes=("_t", ""))
    lower = 0 if (config.earlier_counts and config.expect == "say") else pairs["k_t"]
    in_window = pairs[(pairs["k"] >= lower) & (pairs["k"] < pairs["k_t"] + config.within)]
    in_window = in_window.sort_values(["conversation_id", "seq"])
    after = f"within {config.within} agent message(s) after the trigger"
    if config.expect == "avoid":
        put(out, triggers, "pass", f"no forbidden phrase {after}")
        put(out, in_window, "fail", f"forbidden phrase {after}")
        return out
    answered = pd.MultiIndex.from_frame(in_window[["conversation_id", "seq_t"]])
    missed = starts[~pd.MultiIndex.from_frame(starts[["conversation_id", "seq"]]).isin(answered)]
    put(out, in_window, "pass", f"said {after}")
    first = missed.groupby("conversation_id")["match"].first().astype("string")
    note = f"no [{shorten(config.phrases)}] {after} ({config.trigger_role} said '" + first + "')"
    put(out, missed, "fail", note)
    return out


def _window_starts(triggers: pd.DataFrame, agent: pd.DataFrame) -> pd.DataFrame:
    """Each trigger with ``k_t``: how many agent messages came before it (its window start)."""
    both = pd.concat([agent[["conversation_id", "seq"]].assign(is_agent=1),
                      triggers[["conversation_id", "seq", "text", "match"]].assign(is_agent=0)])
    both = both.sort_values(["conversation_id", "seq", "is_agent"], kind="stable")
    both["k_t"] = both.groupby("conversation_id")["is_agent"].cumsum() - both["is_agent"]
    return both[both["is_agent"] == 0].drop(columns="is_agent")
