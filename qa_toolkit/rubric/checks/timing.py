"""timing — response-time and handle-time SLAs.

``metric``: ``first_response`` (first customer message → first agent reply), ``avg_response``
/ ``max_response`` (over every customer turn the agent answers: from the customer's first
unanswered message to the agent's reply; bot and system messages are skipped),
``handle_time`` (ended_at − started_at, else last − first message). Fails when the value
exceeds ``max_seconds`` (or the channel's value in ``per_channel``). N/A when timestamps are
missing, when nothing was answered, or when ``channels`` is given and excludes the channel.

Passes::

    check: {type: timing, metric: first_response, max_seconds: 60, per_channel: {email: 86400}}
    # customer (0 s): 在吗   agent (20 s): 您好

Fails::

    check: {type: timing, metric: max_response, max_seconds: 180}
    # customer (0 s): 还没发货？   agent (600 s): 您好
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field

from qa_toolkit.rubric.checks._base import CheckConfig, Chunk, Coded, Outcomes
from qa_toolkit.timing import GapSummary, answered_turns, gap_seconds, summarise_gaps

TYPE = "timing"


class TimingCheck(CheckConfig):
    """timing — response-time and handle-time SLAs."""

    type: Literal["timing"]
    metric: Literal["first_response", "avg_response", "max_response", "handle_time"]
    max_seconds: float = Field(gt=0)
    per_channel: dict[str, float] = Field(default_factory=dict, description="Threshold per channel.")
    channels: list[str] | None = Field(None, description="Only these channels; others are N/A.")


Config = TimingCheck  # the registry's name for a check module's config model


def evaluate(config: TimingCheck, frames: Chunk) -> Outcomes:
    """Pass/fail with the measured value in ``evidence_match``; as evidence the reply it rests on
    (the first for first_response, else the slowest)."""
    out = Outcomes(frames, "na", "no timestamps or nothing answered")
    channel, channels = frames.cached("channel", _channels)
    given = np.array([config.per_channel.get(c, np.nan) for c in channels] + [np.nan])  # last: no channel
    limits, limit_of = np.unique(np.where(np.isnan(given), config.max_seconds, given), return_inverse=True)
    limit_code = limit_of.reshape(-1)[channel]  # per conversation: its limit in limits
    if config.metric == "handle_time":  # derived fields are aligned to the chunk's conversations
        value = frames.derived["handle_time_s"].to_numpy(dtype="float64", na_value=np.nan)
        evidence = None
    else:
        value, evidence = frames.cached(("gap", config.metric), lambda f: _gap_metric(f, config.metric))
    known = ~np.isnan(value)
    if config.channels is not None:
        in_scope = np.isin(np.array(channels + [None], dtype=object), config.channels)[channel]
        known &= in_scope
        out.set(~in_scope, note="channel not applicable")
    at = np.flatnonzero(known)
    if not len(at):
        return out
    over = value[at] > limits[limit_code[at]]
    # many conversations share a (value, limit, verdict): word each distinct one once (-0.0 and
    # 0.0 are one value, shown as the first of them)
    value_code, values = pd.factorize(np.round(value[at], 1))
    key_code, keys = pd.factorize((value_code * len(limits) + limit_code[at]) * 2 + over)
    shown = [f"{v:g} s" for v in values.tolist()]
    limit_shown, name, n = [f"{v:g} s" for v in limits.tolist()], config.metric.replace("_", " "), len(limits)
    notes = [f"{name} {shown[k // 2 // n]} {'>' if k % 2 else '<='} {limit_shown[k // 2 % n]}" for k in keys.tolist()]
    out.set(at[over], "fail")
    out.set(at[~over], "pass")
    out.set(
        at,
        note=Coded(key_code, notes),
        match=Coded(value_code, shown),
        message=None if evidence is None else evidence[at],
    )
    return out


def _channels(frames: Chunk) -> tuple[np.ndarray, list[str]]:
    """Per conversation of the chunk: its channel as a number into the chunk's distinct
    channels (-1: none), and those channels."""
    codes, distinct = pd.factorize(frames.conversations["channel"].astype("string"))
    return codes, distinct.tolist()


def _gap_metric(frames: Chunk, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Per conversation of the chunk: the metric's value in seconds (NaN when nothing was
    answered in time) and the message row of the reply it rests on — the first reply for
    first_response, else the slowest (-1 for none)."""
    rows, summary = frames.cached("response_gaps", _gap_summary)
    value = {"first_response": summary.first, "avg_response": summary.mean, "max_response": summary.max}[metric]
    picked = summary.first_row if metric == "first_response" else summary.max_row
    return value, np.append(rows, -1).astype(np.int64)[picked]  # -1 (none) picks the -1 appended


def _gap_summary(frames: Chunk) -> tuple[np.ndarray, GapSummary]:
    """The chunk's answered turns (reply rows) and their per-conversation summary."""
    ts = frames.messages["ts"]
    timed = ts.notna().to_numpy(dtype=bool)
    rows, since = answered_turns(frames.conv_of, frames.role_mask("agent"), frames.role_mask("customer"), timed)
    return rows, summarise_gaps(gap_seconds(ts, rows, since), frames.conv_of[rows], frames.n)
