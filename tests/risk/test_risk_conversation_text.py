"""The risk table's text columns: each conversation's customer and agent messages joined in
message order, whatever order the messages frame holds them in."""

from __future__ import annotations

from qa_toolkit.io import conversations_from_records
from qa_toolkit.risk.features import conversation_table


def _record(cid: str, n: int) -> dict:
    roles = ["customer", "agent"] * n
    return {
        "conversation_id": cid,
        "channel": "chat",
        "agent_id": "a1",
        "started_at": "2026-03-02T09:00:00",
        "ended_at": "2026-03-02T10:00:00",
        "messages": [
            {"role": role, "text": f"{cid} {role} {i}", "ts": f"2026-03-02T09:{i:02d}:00"}
            for i, role in enumerate(roles)
        ],
    }


def test_texts_join_in_message_order_per_conversation_whatever_the_frame_order():
    ds = conversations_from_records([_record("c1", 3), _record("c2", 1), _record("c3", 2)])
    shuffled = ds.messages.sample(frac=1, random_state=3)
    assert list(shuffled["conversation_id"]) != sorted(shuffled["conversation_id"])
    convs = ds.conversations.iloc[::-1]
    table = conversation_table(convs, shuffled)
    assert list(table["conversation_id"]) == ["c3", "c2", "c1"]
    assert list(table["customer_text"]) == [
        "c3 customer 0\nc3 customer 2",
        "c2 customer 0",
        "c1 customer 0\nc1 customer 2\nc1 customer 4",
    ]
    assert list(table["agent_text"]) == ["c3 agent 1\nc3 agent 3", "c2 agent 1", "c1 agent 1\nc1 agent 3\nc1 agent 5"]
    assert list(table["n_messages"]) == [4.0, 2.0, 6.0]


def test_a_conversation_without_messages_of_a_side_has_empty_text():
    record = _record("c1", 1)
    record["messages"] = [m for m in record["messages"] if m["role"] == "agent"]
    ds = conversations_from_records([record, _record("c2", 1)])
    table = conversation_table(ds.conversations, ds.messages)
    assert list(table["customer_text"]) == ["", "c2 customer 0"]
    assert list(table["agent_text"]) == ["c1 agent 1", "c2 agent 1"]
