"""The ``timing`` check as the README states it: per conversation a value — the first, mean or
largest response gap (see test_response_gaps_spec), or the handle time (``ended_at -
started_at`` when both are known, else the messages' span; negative is unknown) — against the
limit of its channel (``per_channel``, else ``max_seconds``): fail above it, pass at or below;
N/A when the channel is not among ``channels`` or the value is unknown. The evidence is the
reply that gave the value (the first reply, or the first largest gap), the value shown to a
tenth of a second. Compared as values: -0 s equals 0 s."""

import math

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st
from spec_settings import SEEDED, SPEC_FEW
from test_response_gaps_spec import spec_response_gaps

from qa_toolkit.io import conversations_from_records
from qa_toolkit.rubric.checks import timing
from qa_toolkit.rubric.checks._base import Chunk

BASE = pd.Timestamp("2026-09-07 09:00", tz="Asia/Shanghai")
CHANNELS = ["chat", "phone", "email", "电话", None]


def spec_timing(config, record):
    """(outcome, value or None, evidence message index or None) of one conversation record."""
    channel = record.get("channel")
    if config.channels is not None and channel not in config.channels:
        return "na", None, None
    limit = config.per_channel.get(channel, config.max_seconds) if channel is not None else config.max_seconds
    messages = record["messages"]
    if config.metric == "handle_time":
        value, evidence = spec_handle_seconds(record), None
    else:
        gaps = spec_response_gaps([("c", m["role"], m["ms"]) for m in messages])
        if not gaps:
            return "na", None, None
        values = [g for _, g in gaps]
        value = {"first_response": values[0], "avg_response": sum(values) / len(values), "max_response": max(values)}[
            config.metric
        ]
        picked = 0 if config.metric == "first_response" else values.index(max(values))
        evidence = gaps[picked][0]
    if value is None:
        return "na", None, None
    return ("fail" if value > limit else "pass"), value, evidence


def spec_handle_seconds(record):
    """Handle time in seconds, None when unknown."""
    if record.get("started_ms") is not None and record.get("ended_ms") is not None:
        seconds = (record["ended_ms"] - record["started_ms"]) / 1000
    else:
        timed = [m["ms"] for m in record["messages"] if m["ms"] is not None]
        seconds = (max(timed) - min(timed)) / 1000 if timed else None
    return seconds if seconds is not None and seconds >= 0 else None


def as_records(conversations):
    """The generated conversations as JSONL-shaped records (times as ISO text)."""

    def iso(ms):
        return None if ms is None else (BASE + pd.Timedelta(milliseconds=ms)).isoformat()

    return [
        {
            "conversation_id": f"c{i:03d}",
            "channel": c["channel"],
            "started_at": iso(c["started_ms"]),
            "ended_at": iso(c["ended_ms"]),
            "messages": [{"ts": iso(m["ms"]), "role": m["role"], "text": "好的"} for m in c["messages"]],
        }
        for i, c in enumerate(conversations)
    ]


def a_chunk(rnd):
    """1–40 conversations: a channel, start and end times (or none), and 1–10 messages on a
    clock that mostly runs forward in steps of 10 ms, some untimed."""

    def millis():
        return None if rnd.random() < 0.4 else rnd.randrange(0, 7_200_000, 10)

    chunk = []
    for _ in range(rnd.randint(1, 40)):
        clock, messages = 0, []
        for _ in range(rnd.randint(1, 10)):
            clock += rnd.choice([-300, 0, 10, 1_000, 35_040, 60_000, 90_000, rnd.randrange(0, 900_000, 10)])
            messages.append(
                {
                    "role": rnd.choice(["customer", "agent", "customer", "agent", "bot", "system"]),
                    "ms": None if rnd.random() < 0.15 else clock,
                }
            )
        chunk.append(
            {"channel": rnd.choice(CHANNELS), "started_ms": millis(), "ended_ms": millis(), "messages": messages}
        )
    return chunk


a_config = st.builds(
    lambda metric, limit, per, channels: timing.TimingCheck(
        type="timing", metric=metric, max_seconds=limit, per_channel=per, channels=channels
    ),
    st.sampled_from(["first_response", "avg_response", "max_response", "handle_time"]),
    st.sampled_from([0.5, 10, 60, 1800]),
    st.dictionaries(st.sampled_from(["phone", "email", "电话"]), st.sampled_from([5, 30, 600.5]), max_size=2),
    st.one_of(st.none(), st.lists(st.sampled_from(["chat", "phone", "电话"]), unique=True, max_size=2)),
)


@SPEC_FEW
@given(SEEDED, a_config)
def test_timing_outcomes_values_and_evidence_are_the_specified_ones(rnd, config):
    conversations = a_chunk(rnd)
    records = as_records(conversations)
    ds = conversations_from_records(records)
    got = timing.evaluate(config, Chunk(ds.conversations, ds.messages)).frame()
    assert got.index.tolist() == [r["conversation_id"] for r in records]
    channels = ds.conversations["channel"].astype(object).where(ds.conversations["channel"].notna(), None)
    for channel, conversation, (_, row) in zip(channels, conversations, got.iterrows()):
        # the channel as read ("电话" is read as "phone"): naming channels is the reader's rule
        outcome, value, evidence = spec_timing(config, {**conversation, "channel": channel})
        limit = config.per_channel.get(channel, config.max_seconds) if channel is not None else config.max_seconds
        if value is not None and abs(value - limit) < 1e-6:
            continue  # a mean at the limit itself: the last bit decides, not the rule
        assert row["outcome"] == outcome, (conversation, row.to_dict())
        if value is None:
            assert pd.isna(row["evidence_match"])
            continue
        shown = float(row["evidence_match"].removesuffix(" s"))
        assert math.isclose(shown, round(value, 1), abs_tol=0.1 + 1e-9), (value, row.to_dict())
        sign = ">" if outcome == "fail" else "<="
        assert row["note"].startswith(config.metric.replace("_", " ") + " ") and f" s {sign} " in row["note"]
        if evidence is None:
            assert pd.isna(row["evidence_seq"])
        else:
            assert row["evidence_seq"] == evidence
