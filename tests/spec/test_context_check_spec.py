"""The ``context`` check as its documentation states it, on one conversation at a time: a
trigger is a message of ``trigger_role`` saying a ``trigger`` phrase (not written right after a
negation); the first trigger is judged, or each with ``triggers: every``. Its window is the next
``within`` agent messages counted from the trigger (a trigger that is itself an agent's message
is the first of them); for ``say`` every earlier agent message counts too unless
``earlier_counts: false``. ``say`` fails on the first judged trigger whose window says none of
``phrases`` and otherwise passes with the first message in a window that says one; ``avoid`` fails
on the first message in a window that says one and otherwise passes with the first trigger.
N/A without a trigger. Phrases are matched as tests/spec/spec_phrases.py says."""

from hypothesis import given
from hypothesis import strategies as st
from spec_phrases import phrases_said
from spec_settings import SEEDED, SPEC_FEW

from qa_toolkit.io import conversations_from_records, read_conversations
from qa_toolkit.resources import sample_conversations
from qa_toolkit.rubric.checks import context
from qa_toolkit.rubric.checks._base import Chunk

LINES = {
    "customer": [
        "我要投诉",
        "太慢了，投诉！",
        "I will COMPLAIN, terrible",
        "我不着急",
        "不是投诉",
        "在吗",
        "hello",
        "",
    ],
    "agent": [
        "非常抱歉",
        "对不起，请稍等",
        "Sorry about that",
        "I apologize",
        "不知道",
        "no idea, please wait",
        "您好",
        "不抱歉",
        "ok",
        "抱歉抱歉，对不起",
    ],
    "bot": ["抱歉，机器人", "sorry (bot)", "投诉已记录"],
    "system": ["投诉已记录", "请稍等"],
}


def spec_context(config, messages):
    """(outcome, evidence message index or None, evidence phrase or None) of one conversation's
    ``messages`` ((role, text) in order)."""
    negated = [n + t for n in config.negations for t in config.trigger if n and t]
    triggers = [
        (i, said[0])
        for i, (role, text) in enumerate(messages)
        if role == config.trigger_role and (said := phrases_said(text, config.trigger, negated))
    ]
    if not triggers:
        return "na", None, None
    judged = triggers if config.triggers == "every" else triggers[:1]
    agent = [i for i, (role, _) in enumerate(messages) if role == "agent"]
    answers = {i: said[0] for i in agent if (said := phrases_said(messages[i][1], config.phrases, config.exclude))}
    windows = []
    for at, _ in judged:
        before = sum(1 for i in agent if i < at)
        lower = 0 if config.earlier_counts and config.expect == "say" else before
        windows.append([i for i in agent[lower : before + config.within] if i in answers])
    in_a_window = sorted({i for window in windows for i in window})
    if config.expect == "avoid":
        if in_a_window:
            return "fail", in_a_window[0], answers[in_a_window[0]]
        return "pass", judged[0][0], judged[0][1]
    missed = [trigger for trigger, window in zip(judged, windows) if not window]
    if missed:
        return "fail", missed[0][0], missed[0][1]
    return "pass", in_a_window[0], answers[in_a_window[0]]


def a_chunk(rnd):
    """Up to 30 chats of up to 12 messages of every role, in Chinese and English."""
    chunk = []
    for _ in range(rnd.randint(1, 30)):
        roles = rnd.choices(["customer", "agent", "bot", "system"], weights=[3, 4, 1, 1], k=rnd.randint(0, 12))
        chunk.append([(role, rnd.choice(LINES[role])) for role in roles])
    return chunk


a_config = st.builds(
    lambda trigger, phrases, **rest: context.ContextCheck(type="context", trigger=trigger, phrases=phrases, **rest),
    trigger=st.sampled_from([["投诉", "太慢了", "complain"], ["投诉", "terrible", "着急"], ["请稍等", "please wait"]]),
    phrases=st.sampled_from(
        [["抱歉", "对不起", "sorry"], ["不知道", "no idea"], ["抱歉", "apologize", "a", "b", "c", "d"]]
    ),
    trigger_role=st.sampled_from(["customer", "customer", "agent"]),
    expect=st.sampled_from(["say", "avoid"]),
    within=st.integers(1, 3),
    triggers=st.sampled_from(["first", "every"]),
    earlier_counts=st.booleans(),
    exclude=st.sampled_from([[], ["不抱歉"]]),
    negations=st.sampled_from([[], ["不", "不是"]]),
)


@SPEC_FEW
@given(SEEDED, a_config)
def test_context_outcomes_and_evidence_are_the_specified_ones(rnd, config):
    chunk = a_chunk(rnd)
    records = [
        {
            "conversation_id": f"c{i:03d}",
            "channel": "chat",
            "messages": [{"role": role, "text": text} for role, text in messages],
        }
        for i, messages in enumerate(chunk)
    ]
    ds = conversations_from_records(records)
    got = context.evaluate(config, Chunk(ds.conversations, ds.messages)).frame()
    kept = [messages for messages in chunk if messages]  # a record without messages is not a conversation
    assert len(got) == len(kept)
    for messages, (cid, row) in zip(kept, got.iterrows()):
        outcome, at, phrase = spec_context(config, messages)
        shown = (row["outcome"], row["evidence_seq"], row["evidence_match"]) if at is not None else (row["outcome"],)
        assert shown == ((outcome, at, phrase) if at is not None else (outcome,)), (cid, messages)


def test_the_sample_datas_context_outcomes_are_the_specified_ones():
    ds = read_conversations(sample_conversations())
    config = context.ContextCheck(
        type="context", trigger=["投诉", "太慢", "complaint"], phrases=["抱歉", "sorry"], within=2, negations=["不"]
    )
    got = context.evaluate(config, Chunk(ds.conversations, ds.messages)).frame()
    messages = ds.messages.sort_values(["conversation_id", "seq"], kind="stable")
    by_conversation = {
        cid: list(zip(m["role"].fillna(""), m["text"].fillna("")))
        for cid, m in messages.groupby("conversation_id", sort=False)
    }
    outcomes = {"na": 0, "pass": 0, "fail": 0}
    for cid, row in got.iterrows():
        outcome, at, phrase = spec_context(config, by_conversation.get(cid, []))
        outcomes[outcome] += 1
        shown = (row["outcome"], row["evidence_match"]) if at is not None else (row["outcome"],)
        assert shown == ((outcome, phrase) if at is not None else (outcome,)), cid
    assert min(outcomes.values()) > 10
