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

import pandas as pd
from pydantic import Field

from qa_toolkit.rubric.checks._base import CheckConfig, Frames, blank
from qa_toolkit.timing import response_gaps

TYPE = "timing"


class TimingCheck(CheckConfig):
    """timing — response-time and handle-time SLAs."""

    type: Literal["timing"]
    metric: Literal["first_response", "avg_response", "max_response", "handle_time"]
    max_seconds: float = Field(gt=0)
    per_channel: dict[str, float] = Field(default_factory=dict, description="Threshold per channel.")
    channels: list[str] | None = Field(None, description="Only these channels; others are N/A.")


Config = TimingCheck  # the registry's name for a check module's config model


def evaluate(config: TimingCheck, frames: Frames) -> pd.DataFrame:
    """Pass/fail with the measured value in ``evidence_match``; the slowest reply as evidence."""
    out = blank(frames.index, "na", "no timestamps or nothing answered")
    conv = frames.conversations.set_index("conversation_id")
    channel = conv["channel"].astype("string")
    limit = channel.map(config.per_channel).astype("float64").fillna(config.max_seconds)
    if config.metric == "handle_time":
        value = frames.derived["handle_time_s"]
        evidence = None
    else:
        gaps = frames.cached("response_gaps", lambda f: response_gaps(f.messages))
        grouped = gaps.groupby("conversation_id")["gap"]
        value = {"first_response": grouped.first(), "avg_response": grouped.mean(),
                 "max_response": grouped.max()}[config.metric]
        pick = gaps.drop_duplicates("conversation_id") if config.metric == "first_response" \
            else gaps.loc[grouped.idxmax()]
        evidence = pick.set_index("conversation_id")
    value = value.reindex(out.index)
    known = value.notna()
    if config.channels is not None:
        in_scope = channel.reindex(out.index).isin(config.channels).fillna(False).astype(bool)
        known &= in_scope
        out.loc[~in_scope, "note"] = "channel not applicable"
    ids = out.index[known.to_numpy()]
    if not len(ids):
        return out
    over = value[ids] > limit.reindex(ids)
    out.loc[ids, "outcome"] = over.map({True: "fail", False: "pass"}).astype("string")
    out.loc[ids, "evidence_match"] = value[ids].round(1).map(lambda v: f"{v:g} s").astype("string")
    sign = over.map({True: ">", False: "<="})
    out.loc[ids, "note"] = (config.metric.replace("_", " ") + " " + value[ids].round(1).map("{:g} s".format)
                            + " " + sign + " " + limit.reindex(ids).map("{:g} s".format)).astype("string")
    if evidence is not None:
        ev = evidence.reindex(ids)
        out.loc[ids, "evidence_seq"] = ev["seq"].astype("Int64")
        out.loc[ids, "evidence_text"] = ev["text"].astype("string")
    return out
