"""The ``pii`` check as its documentation states it: the messages in scope (the role's, then the
first/last N of them) are read in order; the first holding personal data of ``kinds`` (as
``privacy.find_pii`` finds it) fails the conversation, its evidence that message and the first
such match masked; otherwise the conversation passes."""

import random

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st
from spec_settings import SEEDED, SPEC

from qa_toolkit.io import conversations_from_records
from qa_toolkit.privacy import find_pii
from qa_toolkit.rubric.checks import pii
from qa_toolkit.rubric.checks._base import Chunk

TEXTS = [
    "您好，很高兴为您服务",
    "您的手机号是13812345678",
    "订单号2609185176639788已发货",
    "身份证11010519491231002X",
    "card 6222 0202 0011 2233 446",
    "邮箱 zhang.san@example.com",
    "寄到上海市浦东新区张江路88号3栋201室",
    "Your phone 13912345678 is verified.",
    "Hello, how can I help?",
    "全角１３８１２３４５６７８",
    "",
    "邮箱 li@example.com，手机13812345678",
]
KINDS = [["mobile", "id_number", "bank_card", "email"], ["address", "email"], [], ["mobile"]]


def spec_pii(config, messages):
    """(outcome, evidence message index or None, masked match or None) of one conversation's
    ``messages`` ((role, text) in order)."""
    in_role = [i for i, (role, _) in enumerate(messages) if config.role == "any" or role == config.role]
    if config.first_turns:
        in_role = in_role[: config.first_turns]
    if config.last_turns:
        in_role = in_role[-config.last_turns :]
    for i in in_role:
        found = [m for m in find_pii(messages[i][1]) if m.kind in config.kinds]
        if found:
            return "fail", i, found[0].masked
    return "pass", None, None


def a_chunk(rnd: random.Random):
    """Up to 25 conversations of 1–6 messages, some texts of their own (a number appended)."""
    chunk = []
    for _ in range(rnd.randint(1, 25)):
        messages = []
        for _ in range(rnd.randint(1, 6)):
            text = rnd.choice(TEXTS)
            if text and rnd.random() < 0.3:
                text = f"{text} {rnd.randrange(10**11, 10**12)}"
            messages.append((rnd.choice(["agent", "customer", "agent"]), text))
        chunk.append(messages)
    return chunk


@SPEC
@given(
    SEEDED,
    st.sampled_from(KINDS),
    st.sampled_from(["agent", "any", "customer"]),
    st.sampled_from([None, 1, 2]),
    st.sampled_from([None, 1]),
)
def test_pii_outcomes_and_evidence_are_the_specified_ones(rnd, kinds, role, first_turns, last_turns):
    chunk = a_chunk(rnd)
    records = [
        {"conversation_id": f"c{i:03d}", "messages": [{"role": r, "text": t} for r, t in messages]}
        for i, messages in enumerate(chunk)
    ]
    ds = conversations_from_records(records)
    config = pii.Config(type="pii", kinds=kinds, role=role, first_turns=first_turns, last_turns=last_turns)
    got = pii.evaluate(config, Chunk(ds.conversations, ds.messages)).frame()
    assert len(got) == len(chunk)
    for messages, (cid, row) in zip(chunk, got.iterrows()):
        outcome, at, masked = spec_pii(config, messages)
        shown = (row["outcome"], row["evidence_seq"], row["evidence_match"]) if at is not None else (row["outcome"],)
        assert shown == ((outcome, at, masked) if at is not None else (outcome,)), (cid, messages)


def test_a_message_without_text_and_an_empty_chunk_hold_nothing():
    conversations = pd.DataFrame({"conversation_id": ["a"]}).astype("string")
    messages = pd.DataFrame(
        {"conversation_id": ["a", "a"], "seq": [0, 1], "role": ["agent", "agent"], "text": [None, "手机13812345678"]}
    ).astype({"conversation_id": "string", "seq": "Int64", "role": "string", "text": "string"})
    got = pii.evaluate(pii.Config(type="pii"), Chunk(conversations, messages)).frame()
    assert got["outcome"].tolist() == ["fail"] and got["evidence_seq"].tolist() == [1]
    empty = Chunk(conversations.iloc[:0], messages.iloc[:0])
    assert pii.evaluate(pii.Config(type="pii"), empty).frame().empty
