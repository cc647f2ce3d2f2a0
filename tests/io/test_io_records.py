"""conversations_from_records: the record → frames rules shared by every reader."""

import pandas as pd

from qa_toolkit.frames import CONVERSATIONS, MESSAGES
from qa_toolkit.io import conversations_from_records


def conv(cid="c1", **kw):
    base = {
        "conversation_id": cid,
        "agent_id": "a1",
        "channel": "chat",
        "messages": [
            {"ts": "2026-09-01 10:00:00", "role": "customer", "text": "你好"},
            {"ts": "2026-09-01 10:00:30", "role": "agent", "text": "您好，请问有什么可以帮您？"},
        ],
    }
    base.update(kw)
    return base


def test_frames_follow_the_contract_and_keep_extra_fields():
    ds = conversations_from_records([conv(escalated=True, order_id="8812345678901234567")])
    assert list(ds.conversations.columns)[: len(CONVERSATIONS)] == list(CONVERSATIONS)
    assert list(ds.messages.columns)[: len(MESSAGES)] == list(MESSAGES)
    row = ds.conversations.iloc[0]
    assert row["escalated"] is True or row["escalated"] == True  # noqa: E712
    assert row["order_id"] == "8812345678901234567"
    assert ds.messages["seq"].tolist() == [0, 1]
    assert str(ds.messages["ts"].dt.tz) == "Asia/Shanghai"
    assert ds.messages["ts"].iloc[0] == pd.Timestamp("2026-09-01 10:00:00", tz="Asia/Shanghai")


def test_roles_channels_and_tags_are_normalised():
    record = conv(channel="电话", tags="complaint，物流、vip;x")
    record["messages"] = [
        {"role": r, "text": "t"}
        for r in (
            "客服",
            "坐席",
            "顾客",
            "买家",
            "用户",
            "客户",
            "机器人",
            "系统",
            "staff",
            "user",
            "assistant",
            "Agent",
        )
    ]
    ds = conversations_from_records([record])
    assert ds.messages["role"].tolist() == [
        "agent",
        "agent",
        "customer",
        "customer",
        "customer",
        "customer",
        "bot",
        "system",
        "agent",
        "customer",
        "agent",
        "agent",
    ]
    assert ds.conversations["channel"].iloc[0] == "phone"
    assert ds.conversations["tags"].iloc[0] == ["complaint", "物流", "vip", "x"]


def test_timestamps_iso_zone_epoch_and_missing():
    record = conv(started_at=1788228000, ended_at="2026-09-01T02:10:00Z")
    record["messages"] = [
        {"ts": 1788228000000, "role": "customer", "text": "a"},
        {"ts": "2026-09-01T10:00:05+08:00", "role": "agent", "text": "b"},
        {"role": "agent", "text": "c"},
    ]
    ds = conversations_from_records([record], tz="UTC")
    c = ds.conversations.iloc[0]
    assert c["started_at"] == pd.Timestamp("2026-09-01 02:00:00", tz="UTC")
    assert c["ended_at"] == pd.Timestamp("2026-09-01 02:10:00", tz="UTC")
    ts = ds.messages["ts"]
    assert ts.iloc[0] == pd.Timestamp("2026-09-01 02:00:00", tz="UTC")
    assert ts.iloc[1] == pd.Timestamp("2026-09-01 02:00:05", tz="UTC")
    assert pd.isna(ts.iloc[2])


def test_bad_records_are_skipped_with_a_located_problem():
    records = [
        conv("c1"),
        conv("c1"),
        conv("c2", csat=7),
        conv("c3", agent_id=None),
        conv("c4", messages=[{"role": "外星人", "text": "x"}]),
        "not a dict",
        conv("c5", csat="4"),
    ]
    ds = conversations_from_records(records, source="test")
    assert ds.conversations["conversation_id"].tolist() == ["c1", "c5"]
    assert pd.isna(ds.conversations["csat"].iloc[0]) and ds.conversations["csat"].iloc[1] == 4
    got = {(p.line, p.field, p.code) for p in ds.log.problems}
    assert got == {
        (2, "conversation_id", "duplicate_id"),
        (3, "csat", "bad_csat"),
        (4, "agent_id", "missing_field"),
        (5, "messages[0].role", "unknown_role"),
        (6, None, "not_object"),
    }
    assert ds.log.records_read == 7 and ds.log.records_skipped == 5


def test_empty_input_gives_typed_empty_frames():
    ds = conversations_from_records([])
    assert len(ds.conversations) == 0 and str(ds.messages["ts"].dtype).startswith("datetime64")


def test_skill_group_is_the_queue():
    ds = conversations_from_records([conv(skill_group="售后")])
    assert ds.conversations["queue"].iloc[0] == "售后" and "skill_group" not in ds.conversations.columns


def test_timestamps_keep_microseconds_next_to_missing_ones():
    record = conv()
    record["messages"] = [
        {"ts": "2026-09-01T10:00:00.123457+08:00", "role": "agent", "text": "a"},
        {"role": "customer", "text": ""},
    ]
    ds = conversations_from_records([record])
    assert ds.messages["ts"].iloc[0] == pd.Timestamp("2026-09-01 10:00:00.123457", tz="Asia/Shanghai")
    assert pd.isna(ds.messages["ts"].iloc[1]) and ds.messages["text"].iloc[1] == ""


def test_an_extra_message_field_lands_on_its_own_message():
    from qa_toolkit.io import conversations_from_records

    ds = conversations_from_records(
        [
            {"conversation_id": "C1", "agent_id": "A", "messages": [{"role": "agent", "text": "a", "mx": 1}]},
            {
                "conversation_id": "C2",
                "agent_id": "A",
                "messages": [{"role": "agent", "text": "b"}, {"role": "agent", "text": "c", "mx": 2}],
            },
        ]
    )
    mx = dict(zip(ds.messages["text"], ds.messages["mx"]))
    assert mx["a"] == 1 and pd.isna(mx["b"]) and mx["c"] == 2  # "c"'s field once landed on "b"
