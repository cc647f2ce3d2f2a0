"""Response gaps: the one definition of "how long the customer waited" that the timing check
and the metrics share (the risk features keep their own; see risk/features.py)."""

from __future__ import annotations

import pandas as pd


def response_gaps(messages: pd.DataFrame) -> pd.DataFrame:
    """One row per answered customer turn: conversation_id, the agent reply's seq/text, and
    ``gap`` in seconds since the customer's first unanswered message. Bot and system messages
    are skipped; callers filter further (e.g. metrics drop untimed messages and voice channels)."""
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
