"""Response gaps, as a reader of the README would compute them by hand: per conversation, in
message order, among agent and customer messages only (bot and system lines are skipped, so is
a message without a role or conversation), a customer turn starts at a customer message whose
previous such message is not the customer's; an agent message right after a customer message
answers the turn, and its gap is the time since the latest turn start that has a timestamp.
``timing.response_gaps`` and ``summarise_gaps`` must give these gaps, compared as values."""

import math

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st
from spec_settings import SEEDED, SPEC

from qa_toolkit.io import read_conversations
from qa_toolkit.resources import sample_conversations
from qa_toolkit.timing import response_gaps, summarise_gaps

BASE = pd.Timestamp("2026-09-07 09:00", tz="Asia/Shanghai")
ROLES = ["customer", "agent", "bot", "system", None]


def spec_response_gaps(messages):
    """(row, gap in seconds) per answered customer turn, ``messages`` being (conversation, role,
    milliseconds or None) in row order."""
    answered, previous_role, turn_started = [], {}, {}
    for row, (conversation, role, ms) in enumerate(messages):
        if conversation is None or role not in ("agent", "customer"):
            continue
        after_customer = previous_role.get(conversation) == "customer"
        if role == "customer" and not after_customer and ms is not None:
            turn_started[conversation] = ms
        if role == "agent" and after_customer and ms is not None and conversation in turn_started:
            answered.append((row, (ms - turn_started[conversation]) / 1000))
        previous_role[conversation] = role
    return answered


def spec_summary(gaps, group, n_groups):
    """Per group: the first, mean and largest gap (NaN where none) and the positions of the first
    and of the first largest gap (-1 where none); NaN gaps and group -1 count for nothing."""
    out = {"first": [], "mean": [], "max": [], "first_row": [], "max_row": []}
    for g in range(n_groups):
        mine = [(i, v) for i, (v, k) in enumerate(zip(gaps, group)) if k == g and not math.isnan(v)]
        values = [v for _, v in mine]
        out["first"].append(values[0] if mine else math.nan)
        out["mean"].append(sum(values) / len(values) if mine else math.nan)
        out["max"].append(max(values) if mine else math.nan)
        out["first_row"].append(mine[0][0] if mine else -1)
        out["max_row"].append(next(i for i, v in mine if v == max(values)) if mine else -1)
    return out


def frame(messages, unit="ns"):
    """A messages frame (frames.MESSAGES dtypes) of (conversation, role, milliseconds|None)."""
    ts = [BASE + pd.Timedelta(milliseconds=ms) if ms is not None else pd.NaT for _, _, ms in messages]
    ids = pd.Series([m[0] for m in messages], dtype="string")
    return pd.DataFrame(
        {
            "conversation_id": ids,
            "seq": pd.array(ids.groupby(ids, dropna=False).cumcount(), dtype="Int64"),
            "ts": pd.Series(ts, dtype=f"datetime64[{unit}, Asia/Shanghai]"),
            "role": pd.array([m[1] for m in messages], dtype="string"),
            "text": pd.array([f"m{i}" for i in range(len(messages))], dtype="string"),
        }
    )


@st.composite
def conversations(draw, max_size=40):
    """Interleaved messages of a few conversations: a clock that mostly runs forward (sometimes
    back), some messages untimed, every role, a few without a role or a conversation."""
    n = draw(st.integers(0, max_size))
    ids = draw(st.lists(st.sampled_from(["a", "a", "b", "c", None]), min_size=n, max_size=n))
    roles = draw(
        st.lists(
            st.sampled_from(["customer", "customer", "agent", "agent", "bot", "system", None]), min_size=n, max_size=n
        )
    )
    steps = draw(st.lists(st.integers(-5_000, 600_000), min_size=n, max_size=n))
    timed = draw(st.lists(st.integers(0, 6), min_size=n, max_size=n))  # 0: untimed
    clock = [sum(steps[: i + 1]) for i in range(n)]
    return [(c, r, t if k else None) for c, r, t, k in zip(ids, roles, clock, timed)]


@SPEC
@given(conversations(), st.sampled_from(["ns", "ms", "s"]))
def test_response_gaps_are_the_specified_gaps(messages, unit):
    if unit == "s":  # whole seconds: the spec sees what the frame can hold
        messages = [(c, r, None if ms is None else ms // 1000 * 1000) for c, r, ms in messages]
    got = response_gaps(frame(messages, unit))
    want = spec_response_gaps(messages)
    assert got.index.tolist() == [row for row, _ in want]
    np.testing.assert_allclose(got["gap"].to_numpy(dtype=float), [gap for _, gap in want], rtol=0, atol=1e-9)
    assert got["text"].tolist() == [f"m{row}" for row, _ in want]


@SPEC
@given(conversations(), SEEDED)
def test_shuffled_rows_and_other_labels_give_the_gaps_of_their_order(messages, rnd):
    order = list(range(len(messages)))
    rnd.shuffle(order)
    shuffled = frame(messages).iloc[order]
    shuffled.index = [f"row{i}" for i in order]
    got = response_gaps(shuffled)
    want = spec_response_gaps([messages[i] for i in order])
    assert got.index.tolist() == [f"row{order[row]}" for row, _ in want]
    np.testing.assert_allclose(got["gap"].to_numpy(dtype=float), [gap for _, gap in want], rtol=0, atol=1e-9)


@SPEC
@given(
    st.lists(
        st.tuples(st.one_of(st.just(math.nan), st.floats(-1e6, 1e6, allow_nan=False)), st.integers(-1, 4)), max_size=40
    ),
    st.integers(5, 7),
)
def test_summarised_gaps_are_the_specified_first_mean_and_largest(rows, n_groups):
    gaps = np.array([g for g, _ in rows], dtype="float64")
    group = np.array([k for _, k in rows], dtype=np.int64)
    got, want = summarise_gaps(gaps, group, n_groups), spec_summary(gaps.tolist(), group.tolist(), n_groups)
    for name in ("first", "mean", "max"):
        np.testing.assert_allclose(getattr(got, name), want[name], rtol=1e-12, atol=1e-9, equal_nan=True)
    assert got.first_row.tolist() == want["first_row"] and got.max_row.tolist() == want["max_row"]


def test_the_sample_datas_gaps_are_the_specified_gaps():
    ds = read_conversations(sample_conversations())
    msgs = ds.messages
    ms = ((msgs["ts"] - BASE).dt.total_seconds() * 1000).round().astype("Int64")
    rows = list(zip(msgs["conversation_id"].tolist(), msgs["role"].tolist(), ms.astype(object).where(ms.notna(), None)))
    got, want = response_gaps(msgs), spec_response_gaps(rows)
    assert len(want) > 5000 and got.index.tolist() == msgs.index[[row for row, _ in want]].tolist()
    np.testing.assert_allclose(got["gap"].to_numpy(dtype=float), [gap for _, gap in want], rtol=0, atol=1e-6)
