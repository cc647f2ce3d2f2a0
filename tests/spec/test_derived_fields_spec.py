"""The derived fields a rubric condition can use, as the README states them, per conversation:
``n_messages``, ``n_agent_messages``, ``n_customer_messages`` (its messages, of each role);
``handle_time_s`` (``ended_at - started_at`` when both are known, else the span of its timed
messages; negative is unknown); ``language`` ("zh" when Chinese characters (U+4E00–U+9FFF) are at
least 30 % of its letters, Chinese and A–Z/a–z, "en" otherwise, unknown without letters)."""

import math

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st
from spec_settings import SPEC

from qa_toolkit import frames
from qa_toolkit.rubric.checks._base import Chunk
from qa_toolkit.rubric.predicates import derived_fields

BASE = pd.Timestamp("2026-09-07 09:00", tz="Asia/Shanghai")
IDS = ["a", "b", "c", "d"]
TEXTS = [
    "你好，我想退货",
    "Hello, refund order 123",
    "Sure! 好的",
    "😊👍🏻 !!! 123",
    "",
    None,
    "ＡＢＣ abc",
    "\u4e00\u9fff\u3400\u4dbf\ua000",
    "mixed English and 中文 text",
    "é ǅ ｚ 𠀀",
]


def spec_derived(conversation, messages):
    """The derived fields of one conversation (dict of its fields) from its messages (dicts)."""
    timed = [m["s"] for m in messages if m["s"] is not None]
    if conversation["started"] is not None and conversation["ended"] is not None:
        handle = conversation["ended"] - conversation["started"]
    else:
        handle = max(timed) - min(timed) if timed else None
    text = "".join(m["text"] or "" for m in messages)
    cjk = sum("\u4e00" <= ch <= "\u9fff" for ch in text)
    latin = sum(ch.isascii() and ch.isalpha() for ch in text)
    language = None if cjk + latin == 0 else "zh" if cjk >= 0.3 * (cjk + latin) else "en"
    return {
        "n_messages": len(messages),
        "n_agent_messages": sum(m["role"] == "agent" for m in messages),
        "n_customer_messages": sum(m["role"] == "customer" for m in messages),
        "handle_time_s": handle if handle is not None and handle >= 0 else None,
        "language": language,
    }


@st.composite
def a_chunk(draw):
    """Conversations with and without start/end times, messages of every role (some untimed,
    some of conversations outside the chunk or of none) in any order."""
    seconds = st.one_of(st.none(), st.integers(0, 7200))
    conversations = [
        {"id": cid, "started": draw(seconds), "ended": draw(seconds)}
        for cid in draw(st.lists(st.sampled_from(IDS), unique=True, max_size=4))
    ]
    messages = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "cid": st.sampled_from([*IDS, "zz", None]),
                    "role": st.sampled_from(["agent", "customer", "bot", "system", None]),
                    "s": seconds,
                    "text": st.sampled_from(TEXTS),
                }
            ),
            max_size=30,
        )
    )
    return conversations, messages


def as_frames(conversations, messages):
    """The chunk as frames of the contract's dtypes."""

    def at(s):
        return BASE + pd.Timedelta(seconds=s) if s is not None else pd.NaT

    conv = frames.conform(
        pd.DataFrame(
            {
                "conversation_id": [c["id"] for c in conversations],
                "started_at": pd.Series(
                    [at(c["started"]) for c in conversations], dtype="datetime64[ns, Asia/Shanghai]"
                ),
                "ended_at": pd.Series([at(c["ended"]) for c in conversations], dtype="datetime64[ns, Asia/Shanghai]"),
            }
        ),
        frames.CONVERSATIONS,
    )
    msgs = pd.DataFrame(
        {
            "conversation_id": pd.array([m["cid"] for m in messages], dtype="string"),
            "seq": pd.array(range(len(messages)), dtype="Int64"),
            "ts": pd.Series([at(m["s"]) for m in messages], dtype="datetime64[ns, Asia/Shanghai]"),
            "role": pd.array([m["role"] for m in messages], dtype="string"),
            "text": pd.array([m["text"] for m in messages], dtype="string"),
        }
    )
    return conv, frames.conform(msgs, frames.MESSAGES)


def assert_specified(got, conversations, messages):
    assert got.index.tolist() == [c["id"] for c in conversations]
    for conversation in conversations:
        want = spec_derived(conversation, [m for m in messages if m["cid"] == conversation["id"]])
        row = got.loc[conversation["id"]]
        for field in ("n_messages", "n_agent_messages", "n_customer_messages"):
            assert row[field] == want[field], field
        if want["handle_time_s"] is None:
            assert pd.isna(row["handle_time_s"])
        else:
            assert math.isclose(row["handle_time_s"], want["handle_time_s"])
        assert (None if pd.isna(row["language"]) else row["language"]) == want["language"]


@SPEC
@given(a_chunk())
def test_derived_fields_are_the_specified_ones(chunk):
    conversations, messages = chunk
    conv, msgs = as_frames(conversations, messages)
    got = derived_fields(conv, msgs)
    assert_specified(got, conversations, messages)
    assert str(got["language"].dtype) == "string" and str(got["n_messages"].dtype) == "Int64"


@SPEC
@given(a_chunk())
def test_a_chunks_derived_fields_are_the_specified_ones(chunk):
    """Through ``Chunk.derived``: its conversation rows and distinct texts handed over."""
    conversations, messages = chunk
    assert_specified(Chunk(*as_frames(conversations, messages)).derived, conversations, messages)


def test_timestamp_units_give_the_same_fields():
    conversations = [{"id": "a", "started": None, "ended": None}, {"id": "b", "started": 0, "ended": 60}]
    messages = [
        {"cid": "a", "role": "agent", "s": 5, "text": "好"},
        {"cid": "a", "role": "customer", "s": 65, "text": "x"},
    ]
    conv, msgs = as_frames(conversations, messages)
    for unit in ("s", "ms", "us"):
        got = derived_fields(conv, msgs.assign(ts=msgs["ts"].astype(f"datetime64[{unit}, Asia/Shanghai]")))
        assert got["handle_time_s"].tolist() == [60.0, 60.0]
        naive = derived_fields(
            conv.assign(
                started_at=conv["started_at"].dt.tz_localize(None), ended_at=conv["ended_at"].dt.tz_localize(None)
            ),
            msgs.assign(ts=msgs["ts"].dt.tz_localize(None)),
        )
        np.testing.assert_array_equal(naive["handle_time_s"].to_numpy(), [60.0, 60.0])
