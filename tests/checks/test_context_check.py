"""The context check (answer windows from a running count of agent messages instead of a
global seq ranking, notes worded once per trigger phrase) gives exactly the outcomes, evidence
and notes of the version it replaced: sample data, generated chats in Chinese and English,
repeated seqs, a chunk without messages."""

import numpy as np
import pandas as pd
import pytest

from qa_toolkit import frames as contracts
from qa_toolkit.io import conversations_from_records, read_conversations
from qa_toolkit.resources import sample_conversations
from qa_toolkit.rubric.checks import context
from qa_toolkit.rubric.checks._base import Frames, Outcomes, shorten
from qa_toolkit.rubric.checks._match import Hits, phrase_hits


# ---------------------------------------------------------------------------------------------
# REFERENCE ORACLE: a frozen copy of qa_toolkit/rubric/checks/context.py's evaluate before this
# rewrite (commit ad63a44). Do not "fix" it: the fast code must agree with it.
def oracle_evaluate(config, frames):
    out = Outcomes(frames, "na", "trigger never occurs")
    triggers = phrase_hits(frames, frames.role_mask(config.trigger_role), config.trigger)
    keep = frames.first_per_conversation(triggers.rows) if config.triggers == "first" \
        else np.unique(triggers.rows, return_index=True)[1]
    triggers = triggers.where(np.sort(keep))
    if not len(triggers.rows):
        return out
    agent = frames.role_mask("agent")
    said = phrase_hits(frames, agent, config.phrases, config.exclude)
    k_said = frames.rank(agent)[said.rows]
    t, s = oracle_pairs(frames.conv_of[triggers.rows], frames.conv_of[said.rows])
    k_t = oracle_agent_messages_before(frames, agent, triggers.rows)
    lower = 0 if (config.earlier_counts and config.expect == "say") else k_t[t]
    inside = (k_said[s] >= lower) & (k_said[s] < k_t[t] + config.within)
    t, s = t[inside], s[inside]
    order = np.lexsort((s, t, said.rows[s]))
    window = Hits(said.rows[s[order]], said.match[s[order]])
    after = f"within {config.within} agent message(s) after the trigger"
    if config.expect == "avoid":
        out.put(triggers.rows, "pass", f"no forbidden phrase {after}", triggers.match)
        out.put(window.rows, "fail", f"forbidden phrase {after}", window.match)
        return out
    missed = triggers.where(~np.isin(np.arange(len(triggers.rows)), t))
    out.put(window.rows, "pass", f"said {after}", window.match)
    notes = [f"no [{shorten(config.phrases)}] {after} ({config.trigger_role} said '{m}')" for m in missed.match]
    out.put(missed.rows, "fail", notes, missed.match)
    return out


def oracle_pairs(left, right):
    lo = np.searchsorted(right, left, side="left")
    counts = np.searchsorted(right, left, side="right") - lo
    i = np.repeat(np.arange(len(left)), counts)
    j = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts) + np.repeat(lo, counts)
    return i, j


def oracle_agent_messages_before(frames, agent, rows):
    rank = np.unique(np.nan_to_num(frames.seq, nan=-np.inf), return_inverse=True)[1].reshape(-1)
    key = frames.conv_of * (rank.max(initial=0) + 2) + rank
    agent_key = key[agent]
    first = frames.conv_of[rows] * (rank.max(initial=0) + 2)
    return np.searchsorted(agent_key, key[rows], side="left") - np.searchsorted(agent_key, first, side="left")
# ------------------------------------------------------------------ end of the reference oracle


TRIGGERS = ["投诉", "太慢了", "complain", "terrible"]
ANSWERS = ["抱歉", "对不起", "sorry", "apologize"]
CONFIGS = [
    {"trigger": ["投诉", "太慢了", "complain"], "phrases": ["抱歉", "对不起", "sorry"], "within": 2},
    {"trigger": TRIGGERS, "phrases": ANSWERS, "within": 1, "earlier_counts": False},
    {"trigger": TRIGGERS, "phrases": ANSWERS, "within": 3, "triggers": "every"},
    {"trigger": TRIGGERS, "phrases": ANSWERS, "within": 2, "triggers": "every", "earlier_counts": False},
    {"trigger": TRIGGERS, "phrases": ["抱歉", "sorry", "a", "b", "c", "d", "e"], "within": 2, "exclude": ["不抱歉"]},
    {"trigger": ["投诉", "complain"], "phrases": ["不知道", "no idea"], "expect": "avoid", "within": 2},
    {"trigger": TRIGGERS, "phrases": ["不知道", "no idea"], "expect": "avoid", "within": 1, "triggers": "every"},
    {"trigger": ["请稍等", "please wait"], "trigger_role": "agent", "phrases": ANSWERS, "within": 2},
]

LINES = {"customer": ["我要投诉", "太慢了，投诉！", "I will complain, terrible", "在吗", "hello", "", None],
         "agent": ["非常抱歉", "对不起，请稍等", "sorry about that", "I apologize", "不知道", "no idea, please wait",
                   "您好", "不抱歉", "ok"],
         "bot": ["抱歉，机器人", "sorry (bot)"], "system": ["投诉已记录"]}


def random_records(n, seed):
    rng = np.random.default_rng(seed)
    records = []
    for c in range(n):
        messages = []
        for _ in range(rng.integers(0, 12)):
            role = str(rng.choice(["customer", "customer", "agent", "agent", "agent", "bot", "system"]))
            messages.append({"role": role, "text": LINES[role][rng.integers(len(LINES[role]))]})
        records.append({"conversation_id": f"c{c:04d}", "channel": "chat", "messages": messages})
    return records


def tied_chunk(seed):
    """Messages given as a frame with repeated seqs in a conversation (the library API allows it)."""
    ds = conversations_from_records(random_records(200, seed))
    msgs = ds.messages.copy()
    rng = np.random.default_rng(seed)
    msgs["seq"] = pd.array(msgs["seq"].to_numpy() // rng.choice([1, 2, 3], size=len(msgs)), dtype="Int64")
    return Frames(ds.conversations, contracts.conform(msgs.sample(frac=1.0, random_state=seed), contracts.MESSAGES))


def chunks():
    sample = read_conversations(sample_conversations())
    yield "sample", Frames(sample.conversations, sample.messages)
    for seed in (1, 2):
        ds = conversations_from_records(random_records(400, seed))
        yield f"random{seed}", Frames(ds.conversations, ds.messages)
    yield "tied seqs", tied_chunk(5)
    ds = conversations_from_records(random_records(20, 3))
    yield "no messages", Frames(ds.conversations, ds.messages.iloc[:0])


@pytest.mark.parametrize("name,frames", list(chunks()), ids=lambda v: v if isinstance(v, str) else "")
@pytest.mark.parametrize("settings", CONFIGS, ids=lambda c: f"{c.get('expect', 'say')}-{c['within']}")
def test_context_check_matches_the_oracle(name, frames, settings):
    config = context.ContextCheck(type="context", **settings)
    fresh = Frames(frames.conversations, frames.messages, vocabulary=frozenset(context.phrases(config)))
    want = oracle_evaluate(config, fresh).frame()
    got = context.evaluate(config, frames).frame()
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_agent_messages_before_counts_smaller_seqs_only():
    msgs = pd.DataFrame({"conversation_id": ["a"] * 6 + ["b"] * 3, "seq": [0, 1, 1, 2, 2, 3, 0, 1, 1],
                         "ts": pd.NaT, "role": ["agent", "agent", "customer", "agent", "customer", "agent",
                                                "agent", "customer", "agent"], "text": "x"})
    conv = pd.DataFrame({"conversation_id": ["a", "b"]})
    chunk = Frames(contracts.conform(conv, contracts.CONVERSATIONS), contracts.conform(msgs, contracts.MESSAGES))
    agent = chunk.role_mask("agent")
    rows = np.arange(9)
    got = context._agent_messages_before(chunk, agent, rows)
    assert got.tolist() == [0, 1, 1, 2, 2, 3, 0, 1, 1]
    assert got.tolist() == oracle_agent_messages_before(chunk, agent, rows).tolist()
