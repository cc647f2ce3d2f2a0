"""The timing check by hand (notes, values, evidence, -0 s) and its chunk caches (channels,
answered turns) serving every criterion as a fresh chunk would; the rule itself is checked
against its specification in tests/spec/test_timing_check_spec.py."""

import numpy as np
import pandas as pd

from qa_toolkit.io import conversations_from_records
from qa_toolkit.rubric.checks import timing
from qa_toolkit.rubric.checks._base import Chunk

CONFIGS = [
    {"metric": "first_response", "max_seconds": 60, "per_channel": {"phone": 30, "social": 120, "email": 14400}},
    {"metric": "max_response", "max_seconds": 180, "per_channel": {"phone": 300, "email": 86400}},
    {"metric": "avg_response", "max_seconds": 90, "per_channel": {"phone": 60, "email": 28800}},
    {"metric": "avg_response", "max_seconds": 0.5},
    {"metric": "handle_time", "max_seconds": 1800, "channels": ["chat", "social"]},
    {"metric": "handle_time", "max_seconds": 100, "per_channel": {"chat": 100, "邮件": 7.5}},
    {"metric": "first_response", "max_seconds": 10, "channels": ["电话", "chat"], "per_channel": {"电话": 5}},
    {"metric": "max_response", "max_seconds": 1, "channels": []},
]


def random_records(n, seed):
    """Conversations over every role, with missing and Chinese channels, untimed messages,
    replies before the question (negative gaps, some rounding to -0), fractional seconds."""
    rng = np.random.default_rng(seed)
    base = pd.Timestamp("2026-09-07 09:00", tz="Asia/Shanghai")
    records = []
    for c in range(n):
        clock, messages = 0.0, []
        for _ in range(rng.integers(0, 10)):
            clock += float(rng.choice([-0.04, -3.0, 0.0, 0.25, 1.0, 7.0, 33.33, 61.0, 600.1]))
            ts = None if rng.random() < 0.12 else (base + pd.Timedelta(seconds=clock)).isoformat()
            messages.append(
                {
                    "ts": ts,
                    "role": str(rng.choice(["customer", "customer", "agent", "agent", "bot", "system"])),
                    "text": str(rng.choice(["您好", "hello", "在吗", ""])),
                }
            )
        record = {
            "conversation_id": f"c{c:04d}",
            "channel": rng.choice(["chat", "phone", "email", "social", "电话", None]),
            "messages": messages,
        }
        if rng.random() < 0.5:
            record["started_at"] = base.isoformat()
        if rng.random() < 0.5:
            record["ended_at"] = (base + pd.Timedelta(seconds=float(rng.choice([30, 1799.95, 2000, -5])))).isoformat()
        records.append(record)
    return records


def test_criteria_sharing_a_chunk_agree_with_fresh_chunks():
    """The chunk caches (channels, answered turns) serve every criterion as a fresh chunk would."""
    ds = conversations_from_records(random_records(300, 4))
    shared = Chunk(ds.conversations, ds.messages)
    for settings in CONFIGS:
        config = timing.TimingCheck(type="timing", **settings)
        fresh = timing.evaluate(config, Chunk(ds.conversations, ds.messages)).frame()
        pd.testing.assert_frame_equal(timing.evaluate(config, shared).frame(), fresh, check_exact=True)


def test_notes_values_and_evidence_by_hand():
    records = [
        {
            "conversation_id": "a",
            "channel": "phone",
            "messages": [
                {"ts": "2026-09-07T09:00:00+08:00", "role": "customer", "text": "在吗"},
                {"ts": "2026-09-07T09:00:35.04+08:00", "role": "agent", "text": "您好"},
            ],
        },
        {
            "conversation_id": "b",
            "channel": None,
            "messages": [
                {"ts": "2026-09-07T09:00:00+08:00", "role": "customer", "text": "hello"},
                {"ts": "2026-09-07T09:01:10+08:00", "role": "agent", "text": "hi"},
            ],
        },
        {
            "conversation_id": "c",
            "channel": "chat",
            "messages": [{"ts": None, "role": "customer", "text": "在吗"}, {"ts": None, "role": "agent", "text": "在"}],
        },
    ]
    ds = conversations_from_records(records)
    config = timing.TimingCheck(type="timing", metric="first_response", max_seconds=60, per_channel={"phone": 30})
    got = timing.evaluate(config, Chunk(ds.conversations, ds.messages)).frame()
    assert got["outcome"].tolist() == ["fail", "fail", "na"]
    assert got["note"].tolist() == [
        "first response 35 s > 30 s",
        "first response 70 s > 60 s",
        "no timestamps or nothing answered",
    ]
    assert got["evidence_match"].tolist()[:2] == ["35 s", "70 s"] and got["evidence_text"].tolist()[:2] == [
        "您好",
        "hi",
    ]


def test_a_value_rounding_to_minus_zero_is_shown_as_minus_zero():
    """Only -0.0 in the chunk: "-0 s", as before (the sign question arises only when both occur)."""
    records = [
        {
            "conversation_id": c,
            "channel": "chat",
            "messages": [
                {"ts": "2026-09-07T09:00:00.04+08:00", "role": "customer", "text": "在吗"},
                {"ts": "2026-09-07T09:00:00+08:00", "role": "agent", "text": "在"},
            ],
        }
        for c in ("a", "b")
    ]
    ds = conversations_from_records(records)
    config = timing.TimingCheck(type="timing", metric="max_response", max_seconds=5)
    got = timing.evaluate(config, Chunk(ds.conversations, ds.messages)).frame()
    assert got["note"].tolist() == ["max response -0 s <= 5 s"] * 2
