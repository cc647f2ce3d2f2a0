"""Response gaps: the one definition of "how long the customer waited" that the timing check
and the metrics share (the risk features keep their own; see risk/features.py).

Whole-array numpy passes, no per-conversation groupby (20,000 conversations, 217,000 messages:
~3 ms for the answered turns and their gaps, ~3 ms for the summary; the timing check uses them
directly, ``response_gaps`` builds a frame of them for the metrics)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

_COLUMNS = ["conversation_id", "seq", "ts", "role", "text"]


def _contiguous(group: np.ndarray) -> np.ndarray | slice:
    """Row order that puts equal groups next to each other, keeping the row order within a
    group (a slice taking everything when they already are: indexing by it copies nothing)."""
    if len(group) < 2 or (group[1:] >= group[:-1]).all():
        return slice(None)
    return np.argsort(group, kind="stable")


def response_gaps(messages: pd.DataFrame, conversation: np.ndarray | None = None) -> pd.DataFrame:
    """One row per answered customer turn: conversation_id, the agent reply's seq/text, and
    ``gap`` in seconds since the customer's first unanswered message (see ``answered_turns``).
    Bot and system messages are skipped; callers filter further (e.g. metrics drop untimed
    messages and voice channels). Rows keep the messages' index labels and order.
    ``conversation``: per message, a number standing for its conversation (-1: none), when the
    caller has one (e.g. ``Chunk.conv_of``)."""
    role, ts = messages["role"], messages["ts"]
    if conversation is None:
        conversation = pd.factorize(messages["conversation_id"])[0]
    rows, since = answered_turns(
        conversation,
        role.eq("agent").to_numpy(dtype=bool, na_value=False),
        role.eq("customer").to_numpy(dtype=bool, na_value=False),
        ts.notna().to_numpy(dtype=bool),
    )
    out = messages[_COLUMNS].iloc[rows].copy()
    out["waiting_since"] = ts.array.take(since)
    out["gap"] = gap_seconds(ts, rows, since)
    return out


def answered_turns(
    conversation: np.ndarray, agent: np.ndarray, customer: np.ndarray, timed: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per answered customer turn, in message order: the row of the agent's reply and the row
    the wait runs from. Per message: ``conversation`` (a number, -1: none), whether it is an
    agent's, a customer's, and has a timestamp.

    A customer turn starts at a customer message not preceded (in its conversation, among agent
    and customer messages) by another customer message; an agent message right after a customer
    message answers it. The wait runs from the latest turn start with a timestamp (an untimed
    turn start falls back to the one before it); replies or turns without one count nothing."""
    conversation = np.asarray(conversation, dtype=np.intp)
    turns = np.flatnonzero((agent | customer) & (conversation >= 0))  # without a conversation: nothing
    conv = conversation[turns]
    order = _contiguous(conv)
    turns, conv = turns[order], conv[order]
    n = len(turns)
    timed, is_cust = timed[turns], customer[turns]
    same = np.zeros(n, dtype=bool)
    same[1:] = conv[1:] == conv[:-1]
    after_cust = np.zeros(n, dtype=bool)
    after_cust[1:] = is_cust[:-1]
    after_cust &= same
    starts = is_cust & ~after_cust
    latest_start = np.maximum.accumulate(np.where(starts & timed, np.arange(n), -1))
    reply = np.flatnonzero(~is_cust & after_cust & timed)
    since = latest_start[reply]
    ok = since >= 0
    ok[ok] = conv[since[ok]] == conv[reply[ok]]  # the turn start must be in the reply's conversation
    rows, since_rows = turns[reply[ok]], turns[since[ok]]
    if isinstance(order, slice):
        return rows, since_rows
    keep = np.argsort(rows, kind="stable")  # back to the messages' order
    return rows[keep], since_rows[keep]


def gap_seconds(ts: pd.Series, rows: np.ndarray, since: np.ndarray) -> np.ndarray:
    """``ts[rows] - ts[since]`` in seconds (pandas' ``total_seconds``, to the last bit)."""
    return np.asarray((ts.array.take(rows) - ts.array.take(since)).total_seconds(), dtype="float64")


@dataclass(frozen=True)
class GapSummary:
    """Per group (e.g. per conversation of a chunk): the first, mean and largest gap in seconds
    (NaN for a group without gaps) and the positions among the gaps (-1 for none) of the first
    and of the largest gap (its first occurrence)."""

    first: np.ndarray
    mean: np.ndarray
    max: np.ndarray
    first_row: np.ndarray
    max_row: np.ndarray


def handle_seconds(started: pd.Series | None, ended: pd.Series | None, first: pd.Series, last: pd.Series) -> np.ndarray:
    """Handle time in seconds, the one definition the rubric's ``handle_time_s``, the metrics and
    the risk features share: ``ended_at - started_at`` when both are known, else the last minus
    the first message time; a negative span (clocks out of order) is unknown (NaN). The four
    arguments are aligned per conversation (times, NaT where unknown; None: no such column)."""
    declared = _seconds(started, ended) if started is not None and ended is not None else np.full(len(first), np.nan)
    seconds = np.where(np.isnan(declared), _seconds(first, last), declared)
    return np.where(seconds >= 0, seconds, np.nan)


def message_span(conversations: pd.DataFrame, messages: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(first, last) message time per row of ``conversations`` (positional, NaT when unknown)."""
    span = messages.groupby("conversation_id")["ts"].agg(["min", "max"])
    at = span.index.get_indexer(conversations["conversation_id"])  # -1: no messages, NaT below
    first, last = (pd.Series(span[side].array.take(at, allow_fill=True)) for side in ("min", "max"))
    return first, last


def conversation_handle_seconds(conversations: pd.DataFrame, messages: pd.DataFrame) -> np.ndarray:
    """``handle_seconds`` per row of ``conversations``, the messages' span found by conversation_id."""
    first, last = message_span(conversations, messages)
    return handle_seconds(conversations.get("started_at"), conversations.get("ended_at"), first, last)


def start_times(conversations: pd.DataFrame, messages: pd.DataFrame) -> pd.Series:
    """``started_at``, or the first message time where it is unknown (exports without a start
    column still place their conversations in time); aligned to ``conversations``."""
    started = conversations["started_at"]
    if not started.isna().any():
        return started
    first = message_span(conversations, messages)[0].set_axis(conversations.index)
    return started.fillna(first.astype(started.dtype))


def _seconds(start: pd.Series, end: pd.Series) -> np.ndarray:
    """``end - start`` in seconds, positionally (NaN where either is unknown)."""
    end, start = (pd.to_datetime(pd.Series(t)).reset_index(drop=True) for t in (end, start))
    return (end - start).dt.total_seconds().to_numpy(dtype="float64", na_value=np.nan)


def summarise_gaps(gap: np.ndarray | pd.Series, group: np.ndarray, n_groups: int) -> GapSummary:
    """What the timing check needs per conversation, in whole-array passes. ``gap``: gaps in
    seconds (e.g. a ``response_gaps`` frame's column); ``group``: the group (0 .. n_groups-1,
    -1 to leave a row out) of each. Values equal a pandas groupby's ``first``/``mean``/``max``/
    ``idxmax`` on the same rows (NaN gaps skipped)."""
    group = np.asarray(group, dtype=np.intp)
    gap = pd.Series(gap).to_numpy(dtype="float64", na_value=np.nan)
    rows = np.flatnonzero((group >= 0) & ~np.isnan(gap))
    rows = rows[_contiguous(group[rows])]
    g, gap = group[rows], gap[rows]
    first, mean, top = (np.full(n_groups, np.nan) for _ in range(3))
    first_row, max_row = np.full(n_groups, -1, dtype=np.intp), np.full(n_groups, -1, dtype=np.intp)
    if not len(rows):
        return GapSummary(first, mean, top, first_row, max_row)
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    owner = g[starts]
    first[owner], first_row[owner] = gap[starts], rows[starts]
    top[owner] = np.maximum.reduceat(gap, starts)
    sizes = np.diff(np.r_[starts, len(g)])
    at_max = np.where(gap == np.repeat(top[owner], sizes), np.arange(len(g)), len(g))
    max_row[owner] = rows[np.minimum.reduceat(at_max, starts)]
    # pandas' grouped mean (compensated summation) so the values match it to the last bit
    mean[owner] = pd.Series(gap).groupby(g, sort=False).mean().to_numpy()
    return GapSummary(first, mean, top, first_row, max_row)
