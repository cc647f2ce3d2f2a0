"""What a learned criterion reads of a conversation: text *views* (the agent's opening message,
its closing messages, all agent text, all customer text, the customer message each agent reply
answers) and a few position counts, one row per conversation of a chunk; and, for evidence,
each agent message on its own in the same views.

Only agent and customer messages are read (bot and system lines can carry the outcome).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from qa_toolkit.rubric.checks._base import Chunk

#: Text views, and what each holds.
TEXT_VIEWS: dict[str, str] = {
    "opening": "the agent's first message",
    "closing": "the agent's last 3 messages",
    "agent": "every agent message",
    "customer": "every customer message",
    "prompts": "the customer message right before each agent reply",
}
#: How many of the agent's last messages make the closing view.
CLOSING_TURNS = 3
#: Position counts (log-scaled by the feature step).
COUNTS = ("n_agent", "n_customer", "customer_after_last_agent")
#: The column holding a rule's outcome (``none`` when the model reads no rule).
RULE = "rule"


def conversation_views(frames: Chunk) -> pd.DataFrame:
    """One row per conversation of the chunk (in its order): ``conversation_id``, the text
    views joined by newlines, the position counts, and an empty ``rule`` column."""
    codes, texts = frames.distinct
    text = texts.to_numpy(dtype=object)[codes] if len(codes) else np.array([], dtype=object)
    agent, customer = frames.role_mask("agent"), frames.role_mask("customer")
    talk = np.flatnonzero(agent | customer)  # message rows, in (conversation, seq) order
    conv, is_agent = frames.conv_of[talk], agent[talk]
    prompt_rows = talk[np.r_[is_agent[1:] & ~is_agent[:-1] & (conv[1:] == conv[:-1]), False]]
    out = pd.DataFrame({"conversation_id": frames.conversations["conversation_id"].astype("string").to_numpy()})
    rank, back = frames.rank(agent), frames.rank(agent, reverse=True)
    for view, rows in (
        ("opening", np.flatnonzero(agent & (rank == 0))),
        ("closing", np.flatnonzero(agent & (back < CLOSING_TURNS))),
        ("agent", np.flatnonzero(agent)),
        ("customer", np.flatnonzero(customer)),
        ("prompts", prompt_rows),
    ):
        out[view] = _joined(text[rows], frames.conv_of[rows], frames.n)
    out["n_agent"] = np.bincount(frames.conv_of[agent], minlength=frames.n).astype("float64")
    out["n_customer"] = np.bincount(frames.conv_of[customer], minlength=frames.n).astype("float64")
    last_agent = np.full(frames.n, -1)
    last_agent[frames.conv_of[agent]] = np.flatnonzero(agent)  # rows ascend: the last one wins
    after = customer & (np.arange(len(customer)) > last_agent[frames.conv_of])
    out["customer_after_last_agent"] = np.bincount(frames.conv_of[after], minlength=frames.n).astype("float64")
    out[RULE] = "none"
    return out


def message_views(frames: Chunk, rows: np.ndarray) -> pd.DataFrame:
    """Each agent message at ``rows`` alone, in the views it belongs to (opening if it is the
    agent's first, closing if among the last ``CLOSING_TURNS``, always agent), the other views
    empty and counts zero: the row a linear model scores to weigh that message's own words."""
    codes, texts = frames.distinct
    text = texts.to_numpy(dtype=object)[codes[rows]] if len(rows) else np.array([], dtype=object)
    agent = frames.role_mask("agent")
    first = frames.rank(agent)[rows] == 0
    last = frames.rank(agent, reverse=True)[rows] < CLOSING_TURNS
    empty = np.full(len(rows), "", dtype=object)
    out = pd.DataFrame(
        {
            "conversation_id": frames.conversations["conversation_id"]
            .astype("string")
            .to_numpy()[frames.conv_of[rows]],
            "opening": np.where(first, text, empty),
            "closing": np.where(last, text, empty),
            "agent": text,
            "customer": empty,
            "prompts": empty,
        }
    )
    for count in COUNTS:
        out[count] = 0.0
    out[RULE] = "none"
    return out


def _joined(text: np.ndarray, conv: np.ndarray, n: int) -> np.ndarray:
    """Texts (in message order, ``conv``: each one's conversation row) joined per conversation
    by newlines; "" for a conversation with none."""
    out = np.full(n, "", dtype=object)
    if len(text):
        joined = pd.Series(text).groupby(conv, sort=False).agg("\n".join)
        out[joined.index.to_numpy()] = joined.to_numpy(dtype=object)
    return out
