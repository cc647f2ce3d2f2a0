"""What every check module shares: the frames a check reads, the outcome frame it returns,
and the message scope (role, first/last N turns) most text checks take."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

#: Columns of the frame ``evaluate`` returns, indexed by conversation_id.
OUTCOME_COLUMNS = {"outcome": "string", "evidence_seq": "Int64", "evidence_text": "string",
                   "evidence_match": "string", "note": "string"}


class CheckConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScopedConfig(CheckConfig):
    """Which messages a text check reads."""

    role: Literal["agent", "customer", "bot", "system", "any"] = "agent"
    first_turns: int | None = Field(None, ge=1, description="Only the first N messages of that role.")
    last_turns: int | None = Field(None, ge=1, description="Only the last N messages of that role.")


@dataclass
class Frames:
    """The input of a check: one chunk of conversations with their messages (sorted by
    conversation_id, seq) and the optional risk frame."""

    conversations: pd.DataFrame
    messages: pd.DataFrame
    risk: pd.DataFrame | None = None
    _derived: pd.DataFrame | None = field(default=None, repr=False)
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def index(self) -> pd.Index:
        return pd.Index(self.conversations["conversation_id"], name="conversation_id")

    @property
    def derived(self) -> pd.DataFrame:
        if self._derived is None:
            from qa_toolkit.rubric.predicates import derived_fields

            self._derived = derived_fields(self.conversations, self.messages)
        return self._derived

    def cached(self, key: str, compute):
        """``compute(self)`` once per chunk (e.g. response gaps shared by several timing criteria)."""
        if key not in self._cache:
            self._cache[key] = compute(self)
        return self._cache[key]


def blank(index: pd.Index, outcome: str, note: str = "") -> pd.DataFrame:
    """An outcome frame giving every conversation ``outcome`` and no evidence."""
    out = pd.DataFrame(index=index)
    for col, dtype in OUTCOME_COLUMNS.items():
        out[col] = pd.Series(pd.NA, index=index, dtype=dtype)
    out["outcome"] = outcome
    out["note"] = note
    return out


def put(out: pd.DataFrame, rows: pd.DataFrame, outcome: str, note: str | pd.Series = "") -> None:
    """Set ``outcome`` and evidence for the conversations in ``rows`` (one message per
    conversation: conversation_id, seq, text and optionally match)."""
    rows = rows.drop_duplicates("conversation_id").set_index("conversation_id")
    at = out.index.get_indexer(rows.index)  # positions in ``out`` (its index is unique); -1 = not there
    keep = at >= 0
    if not keep.any():
        return
    rows, at = rows[keep], at[keep]
    column = out.columns.get_loc
    out.iloc[at, column("outcome")] = outcome
    out.iloc[at, column("evidence_seq")] = rows["seq"].astype("Int64").array
    out.iloc[at, column("evidence_text")] = rows["text"].astype("string").array
    if "match" in rows:
        out.iloc[at, column("evidence_match")] = rows["match"].astype("string").array
    out.iloc[at, column("note")] = note.reindex(rows.index).astype("string").array if isinstance(note, pd.Series) else note


def scoped(messages: pd.DataFrame, config: ScopedConfig) -> pd.DataFrame:
    """The messages a check reads: by role, then the first/last N of them per conversation."""
    msgs = messages if config.role == "any" else messages[messages["role"] == config.role]
    if config.first_turns:
        msgs = msgs[msgs.groupby("conversation_id").cumcount() < config.first_turns]
    if config.last_turns:
        msgs = msgs[msgs.groupby("conversation_id").cumcount(ascending=False) < config.last_turns]
    return msgs


def describe_scope(config: ScopedConfig) -> str:
    """Human words for the scope, used in notes: "the agent's first 2 messages"."""
    who = "any" if config.role == "any" else f"the {config.role}'s"
    if config.first_turns:
        return f"{who} first {config.first_turns} message(s)"
    if config.last_turns:
        return f"{who} last {config.last_turns} message(s)"
    return f"{who} messages"


def shorten(items: list[str], limit: int = 5) -> str:
    """'a, b, c, ... (+4)' for notes."""
    head = ", ".join(items[:limit])
    return head + (f", ... (+{len(items) - limit})" if len(items) > limit else "")
