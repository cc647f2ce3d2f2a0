"""response_gaps / summarise_gaps on hand-made edge cases (missing timestamps, bot/system lines,
runs of customer messages, missing ids and roles), timestamp units and id dtypes kept; the rule
itself is checked against its specification in tests/spec/test_response_gaps_spec.py."""

import numpy as np
import pandas as pd
import pytest

from qa_toolkit.timing import response_gaps, summarise_gaps


def frame(rows, ts_unit="ns"):
    """Messages frame (frames.MESSAGES dtypes) from (conversation_id, role, seconds|None, text)."""
    base = pd.Timestamp("2026-09-07 09:00", tz="Asia/Shanghai")
    ts = [base + pd.Timedelta(seconds=s) if s is not None else pd.NaT for _, _, s, _ in rows]
    seq = pd.Series([r[0] for r in rows]).groupby([r[0] for r in rows], dropna=False).cumcount()
    return pd.DataFrame(
        {
            "conversation_id": pd.array([r[0] for r in rows], dtype="string"),
            "seq": pd.array(seq, dtype="Int64"),
            "ts": pd.Series(ts, dtype=f"datetime64[{ts_unit}, Asia/Shanghai]"),
            "role": pd.array([r[1] for r in rows], dtype="string"),
            "text": pd.array([r[3] for r in rows], dtype="string"),
        }
    )


EDGE = [
    ("a", "customer", 0, "在吗"),
    ("a", "bot", 5, "您好，我是机器人"),
    ("a", "agent", 60, "您好"),  # bot skipped
    ("a", "customer", 100, "还没发货"),
    ("a", "customer", 130, "?"),
    ("a", "agent", 400, "查一下"),  # run: from 100
    ("a", "agent", 500, "好了"),  # second agent line answers nothing
    ("b", "agent", 0, "您好"),
    ("b", "customer", None, "untimed start"),
    ("b", "agent", 50, "reply"),
    ("b", "customer", 70, "again"),
    ("b", "agent", None, "untimed reply"),
    ("b", "customer", 90, "x"),
    ("b", "system", 95, "转接"),
    ("b", "agent", 99.5, "y"),
    ("c", "customer", None, "untimed first turn"),
    ("c", "agent", 10, "no earlier start: no gap"),
    ("d", "customer", 0, "only a customer"),
    (None, "customer", 0, "no conversation"),
    (None, "agent", 10, "no conversation"),
    ("e", None, 0, "no role"),
    ("e", "customer", 3, "hi"),
    ("e", None, 4, "no role"),
    ("e", "agent", 9, "yo"),
    ("f", "customer", 0, "q1"),
    ("f", "agent", 10, "a1"),
    ("f", "customer", None, "q2 untimed"),
    ("f", "agent", 30, "a2"),
]


def test_edge_cases_by_hand():
    got = response_gaps(frame(EDGE))
    assert got["text"].tolist() == ["您好", "查一下", "y", "yo", "a1", "a2"]
    assert got["gap"].tolist() == [60.0, 300.0, 9.5, 6.0, 10.0, 30.0]  # a2 falls back to f's first turn


@pytest.mark.parametrize("unit", ["ns", "us", "ms", "s"])
def test_timestamp_units_and_dtypes_are_kept(unit):
    got = response_gaps(frame(EDGE, ts_unit=unit))
    assert got["text"].tolist() == ["您好", "查一下", "y", "yo", "a1", "a2"]
    assert str(got["ts"].dtype) == str(got["waiting_since"].dtype) == f"datetime64[{unit}, Asia/Shanghai]"


def test_given_conversation_numbers_give_the_same_rows():
    msgs = frame(EDGE)
    numbers = pd.factorize(msgs["conversation_id"])[0] * 3 + 5
    numbers[msgs["conversation_id"].isna().to_numpy()] = -1
    pd.testing.assert_frame_equal(response_gaps(msgs, numbers), response_gaps(msgs))


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
    msgs = frame(EDGE)
    got = response_gaps(msgs.assign(conversation_id=msgs["conversation_id"].astype(dtype)))
    assert got.index.tolist() == response_gaps(msgs).index.tolist()
    assert got["gap"].tolist() == [60.0, 300.0, 9.5, 6.0, 10.0, 30.0]
