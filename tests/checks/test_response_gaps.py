"""The numpy response_gaps / summarise_gaps give exactly the rows, dtypes and values of the
pandas groupby implementation they replaced, on the sample data and on generated and
hand-made edge cases (missing timestamps, bot/system lines, runs of customer messages,
interleaved conversations, missing ids and roles)."""

import json

import numpy as np
import pandas as pd
import pytest

from qa_toolkit.resources import sample_conversations
from qa_toolkit.timing import response_gaps, summarise_gaps


# ---------------------------------------------------------------------------------------------
# REFERENCE ORACLE: frozen copies of qa_toolkit.timing.response_gaps and of the per-conversation
# groupby in the rubric timing check, as they were before the numpy rewrite. Do not "fix" them.
def oracle_response_gaps(messages):
    turns = messages[messages["role"].isin(["agent", "customer"])]
    turns = turns[["conversation_id", "seq", "ts", "role", "text"]].copy()
    is_cust = turns["role"] == "customer"
    prev_role = turns.groupby("conversation_id")["role"].shift()
    turn_start = is_cust & (prev_role != "customer").fillna(True).astype(bool)
    turns["waiting_since"] = turns["ts"].where(turn_start)
    turns["waiting_since"] = turns.groupby("conversation_id")["waiting_since"].ffill()
    reply = (turns["role"] == "agent") & (prev_role == "customer").fillna(False).astype(bool)
    out = turns[reply].copy()
    out["gap"] = (out["ts"] - out["waiting_since"]).dt.total_seconds()
    return out.dropna(subset=["gap"])


def oracle_summary(gaps):
    grouped = gaps.groupby("conversation_id")["gap"]
    return {"first": grouped.first(), "mean": grouped.mean(), "max": grouped.max(),
            "first_pick": gaps.drop_duplicates("conversation_id"), "max_pick": gaps.loc[grouped.idxmax()]}
# ------------------------------------------------------------------ end of the reference oracle


def frame(rows, ts_unit="ns"):
    """Messages frame (frames.MESSAGES dtypes) from (conversation_id, role, seconds|None, text)."""
    base = pd.Timestamp("2026-09-07 09:00", tz="Asia/Shanghai")
    ts = [base + pd.Timedelta(seconds=s) if s is not None else pd.NaT for _, _, s, _ in rows]
    seq = pd.Series([r[0] for r in rows]).groupby([r[0] for r in rows], dropna=False).cumcount()
    return pd.DataFrame({
        "conversation_id": pd.array([r[0] for r in rows], dtype="string"),
        "seq": pd.array(seq, dtype="Int64"),
        "ts": pd.Series(ts, dtype=f"datetime64[{ts_unit}, Asia/Shanghai]"),
        "role": pd.array([r[1] for r in rows], dtype="string"),
        "text": pd.array([r[3] for r in rows], dtype="string"),
    })


def load_sample_messages():
    rows = []
    with open(sample_conversations(), encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            rows += [(rec["conversation_id"], m["role"], m.get("ts"), m["text"]) for m in rec["messages"]]
    msgs = pd.DataFrame(rows, columns=["conversation_id", "role", "ts", "text"]).astype(
        {"conversation_id": "string", "role": "string", "text": "string"})
    msgs["ts"] = pd.to_datetime(msgs["ts"], utc=True, format="ISO8601").dt.tz_convert("Asia/Shanghai")
    msgs.insert(1, "seq", msgs.groupby("conversation_id").cumcount().astype("Int64"))
    return msgs


def random_messages(n_conv, seed):
    """Random conversations: every role (and a missing one), 15 % untimed messages, fractional
    seconds, a few rows without a conversation id."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(n_conv):
        clock = 0.0
        for _ in range(rng.integers(0, 12)):
            clock += float(rng.choice([0.5, 1.25, 7.0, 33.3, 600.1]))
            role = rng.choice(["customer", "customer", "agent", "agent", "bot", "system", None])
            cid = f"c{c:03d}" if rng.random() > 0.02 else None
            rows.append((cid, role, None if rng.random() < 0.15 else clock, f"m{len(rows)}"))
    return frame(rows)


def assert_same_gaps(messages):
    expected = oracle_response_gaps(messages)
    got = response_gaps(messages)
    pd.testing.assert_frame_equal(got, expected)
    return got


EDGE = [
    ("a", "customer", 0, "在吗"), ("a", "bot", 5, "您好，我是机器人"), ("a", "agent", 60, "您好"),  # bot skipped
    ("a", "customer", 100, "还没发货"), ("a", "customer", 130, "?"), ("a", "agent", 400, "查一下"),  # run: from 100
    ("a", "agent", 500, "好了"),  # second agent line answers nothing
    ("b", "agent", 0, "您好"), ("b", "customer", None, "untimed start"), ("b", "agent", 50, "reply"),
    ("b", "customer", 70, "again"), ("b", "agent", None, "untimed reply"), ("b", "customer", 90, "x"),
    ("b", "system", 95, "转接"), ("b", "agent", 99.5, "y"),
    ("c", "customer", None, "untimed first turn"), ("c", "agent", 10, "no earlier start: no gap"),
    ("d", "customer", 0, "only a customer"),
    (None, "customer", 0, "no conversation"), (None, "agent", 10, "no conversation"),
    ("e", None, 0, "no role"), ("e", "customer", 3, "hi"), ("e", None, 4, "no role"), ("e", "agent", 9, "yo"),
    ("f", "customer", 0, "q1"), ("f", "agent", 10, "a1"), ("f", "customer", None, "q2 untimed"), ("f", "agent", 30, "a2"),
]


def test_edge_cases_match_the_oracle():
    got = assert_same_gaps(frame(EDGE))
    assert got["text"].tolist() == ["您好", "查一下", "y", "yo", "a1", "a2"]
    assert got["gap"].tolist() == [60.0, 300.0, 9.5, 6.0, 10.0, 30.0]  # a2 falls back to f's first turn


@pytest.mark.parametrize("unit", ["ns", "us", "ms", "s"])
def test_timestamp_units_and_dtypes_are_kept(unit):
    got = assert_same_gaps(frame(EDGE, ts_unit=unit))
    assert str(got["ts"].dtype) == str(got["waiting_since"].dtype) == f"datetime64[{unit}, Asia/Shanghai]"


def test_interleaved_conversations_shuffled_rows_and_labels():
    msgs = random_messages(60, seed=3)
    shuffled = msgs.sample(frac=1.0, random_state=4)
    shuffled.index = [f"row{i}" for i in shuffled.index]
    got = assert_same_gaps(shuffled)
    assert len(got) > 20 and got.index.str.startswith("row").all()


@pytest.mark.parametrize("seed", range(5))
def test_random_conversations_match_the_oracle(seed):
    assert len(assert_same_gaps(random_messages(200, seed))) > 50


def test_without_timestamps_rows_or_turns():
    msgs = frame(EDGE)
    assert_same_gaps(msgs.assign(ts=pd.Series(pd.NaT, index=msgs.index, dtype=msgs["ts"].dtype)))
    assert_same_gaps(msgs.iloc[:0])
    assert_same_gaps(msgs[msgs["role"].isin(["bot", "system"])])


def test_sample_data_matches_the_oracle():
    got = assert_same_gaps(load_sample_messages())
    assert len(got) > 5000


def test_given_conversation_numbers_give_the_same_rows():
    msgs = random_messages(100, seed=7)
    numbers = pd.factorize(msgs["conversation_id"])[0] * 3 + 5
    numbers[msgs["conversation_id"].isna().to_numpy()] = -1
    pd.testing.assert_frame_equal(response_gaps(msgs, numbers), response_gaps(msgs))


@pytest.mark.parametrize("source", ["sample", "random", "shuffled"])
def test_summarise_gaps_matches_the_timing_checks_groupby(source):
    msgs = {"sample": load_sample_messages, "random": lambda: random_messages(300, seed=11),
            "shuffled": lambda: random_messages(300, seed=12).sample(frac=1.0, random_state=1)}[source]()
    gaps = oracle_response_gaps(msgs)
    ids = pd.Index(sorted(msgs["conversation_id"].dropna().unique()))
    group = ids.get_indexer(gaps["conversation_id"])
    got = summarise_gaps(gaps["gap"], group, len(ids))
    want = oracle_summary(gaps)
    for name in ("first", "mean", "max"):
        expected = want[name].reindex(ids).to_numpy(dtype="float64")
        np.testing.assert_array_equal(getattr(got, name), expected)  # bit for bit, NaN where none
    for name, pick in (("first_row", "first_pick"), ("max_row", "max_pick")):
        rows = getattr(got, name)
        answered = rows >= 0
        assert (answered == ~np.isnan(got.first)).all()
        label = pd.Series(want[pick].index, index=want[pick]["conversation_id"].to_numpy()).reindex(ids[answered])
        assert gaps.index[rows[answered]].tolist() == label.tolist()


def test_summarise_gaps_skips_left_out_rows_and_nan_and_ties_pick_the_first():
    gaps = pd.DataFrame({"gap": [5.0, 9.0, np.nan, 9.0, 1.0, 2.0]})
    s = summarise_gaps(gaps["gap"].to_numpy(), np.array([0, 0, 0, 0, -1, 2]), 4)
    np.testing.assert_array_equal(s.first, [5.0, np.nan, 2.0, np.nan])
    np.testing.assert_array_equal(s.max, [9.0, np.nan, 2.0, np.nan])
    np.testing.assert_array_equal(s.mean, [23.0 / 3, np.nan, 2.0, np.nan])
    assert s.first_row.tolist() == [0, -1, 5, -1] and s.max_row.tolist() == [1, -1, 5, -1]
    empty = summarise_gaps(gaps["gap"].iloc[:0], np.array([], dtype=int), 2)
    assert empty.first_row.tolist() == [-1, -1] and np.isnan(empty.mean).all()


@pytest.mark.parametrize("dtype", ["str", object])
def test_other_id_dtypes(dtype):
    msgs = random_messages(80, seed=21)
    assert len(assert_same_gaps(msgs.assign(conversation_id=msgs["conversation_id"].astype(dtype)))) > 20
