"""What every check module shares: the chunk a check reads (``Chunk``: the frames plus numpy
views computed once per chunk), the verdicts it returns (``Outcomes``: arrays aligned to the
chunk's conversations) and the message scope (role, first/last N turns) most text checks take.

Checks work on whole arrays — a boolean mask over the chunk's messages, message row numbers
for evidence — so a chunk of 20,000 conversations costs a few vectorised passes per criterion,
never a Python loop over messages."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from qa_toolkit.frames import OUTCOMES
from qa_toolkit.privacy import mask_at
from qa_toolkit.rubric.distinct import marked_texts, used_texts
from qa_toolkit.rubric.predicates import derived_fields

#: Columns of the frame ``Outcomes.frame`` returns, indexed by conversation_id.
OUTCOME_COLUMNS = {
    "outcome": "string",
    "evidence_seq": "Int64",
    "evidence_text": "string",
    "evidence_match": "string",
    "note": "string",
}


class CheckConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScopedConfig(CheckConfig):
    """Which messages a text check reads."""

    role: Literal["agent", "customer", "bot", "system", "any"] = "agent"
    first_turns: int | None = Field(None, ge=1, description="Only the first N messages of that role.")
    last_turns: int | None = Field(None, ge=1, description="Only the last N messages of that role.")


@dataclass
class Chunk:
    """The input of a check: one chunk of conversations with their messages and the optional
    risk frame. On construction the messages are put in (conversation, seq) order with a
    RangeIndex, so a message is known by its row number; messages of conversations outside the
    chunk are left out. ``vocabulary``: every phrase the chunk's criteria look for, so one
    matching pass serves them all (see ``matching.PhraseIndex``). ``conv_of`` (from ``subset``):
    the messages are already in order and this is the conversation row of each."""

    conversations: pd.DataFrame
    messages: pd.DataFrame
    risk: pd.DataFrame | None = None
    vocabulary: frozenset[str] = frozenset()
    _derived: pd.DataFrame | None = field(default=None, repr=False)
    _cache: dict = field(default_factory=dict, repr=False)
    conv_of: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.conv_of is not None:
            return
        self.conversations = self.conversations.reset_index(drop=True)
        at = _conversation_rows(self.conversations["conversation_id"], self.messages["conversation_id"])
        seq = self.messages["seq"].to_numpy(dtype="float64", na_value=np.nan)
        step = np.diff(at)
        if (at >= 0).all() and (step >= 0).all() and not (np.diff(seq)[step == 0] < 0).any():
            order = np.arange(len(at))  # already in (conversation, seq) order, as readers give it
        else:
            order = np.lexsort((seq, at))  # stable: equal seqs keep their input order
            order = order[at[order] >= 0]
            self.messages = self.messages.iloc[order]
        self.messages = self.messages.reset_index(drop=True)
        #: per message: the row of its conversation in ``conversations``
        self.conv_of = at[order]

    def subset(self, rows: np.ndarray, vocabulary: frozenset[str] = frozenset()) -> Chunk:
        """The chunk cut to the conversations at ``rows`` (ascending), with their messages and,
        if already computed, their derived fields — nothing is sorted or derived again."""
        derived = None if self._derived is None else self._derived.iloc[rows]
        if len(rows) == self.n:
            return Chunk(self.conversations, self.messages, self.risk, vocabulary, derived, conv_of=self.conv_of)
        number = np.full(self.n, -1)
        number[rows] = np.arange(len(rows))
        keep = number[self.conv_of] >= 0
        return Chunk(
            self.conversations.iloc[rows].reset_index(drop=True),
            self.messages[keep].reset_index(drop=True),
            self.risk,
            vocabulary,
            derived,
            conv_of=number[self.conv_of[keep]],
        )

    @property
    def n(self) -> int:
        """Conversations in the chunk."""
        return len(self.conversations)

    @property
    def index(self) -> pd.Index:
        return pd.Index(self.conversations["conversation_id"], name="conversation_id")

    @property
    def derived(self) -> pd.DataFrame:
        if self._derived is None:
            self._derived = derived_fields(
                self.conversations, self.messages, self.conv_of, self.distinct, self.role_mask
            )
        return self._derived

    def cached(self, key, compute):
        """``compute(self)`` once per chunk (e.g. response gaps shared by several timing criteria)."""
        if key not in self._cache:
            self._cache[key] = compute(self)
        return self._cache[key]

    # numpy views, each computed once per chunk
    @property
    def distinct(self) -> tuple[np.ndarray, pd.Series]:
        """Each message's text (missing as "") as a number into the chunk's distinct texts, and
        those texts: replies are often templated (快捷回复), so text work is done once per
        distinct text."""

        def compute(f: Chunk) -> tuple[np.ndarray, pd.Series]:
            codes, texts = pd.factorize(f.messages["text"].astype("string").fillna(""))
            return codes.astype(np.int64), pd.Series(texts, dtype="string")

        return self.cached("distinct", compute)

    @property
    def seq(self) -> np.ndarray:
        return self.cached("seq", lambda f: f.messages["seq"].to_numpy(dtype="float64", na_value=np.nan))

    def role_mask(self, role: str) -> np.ndarray:
        """Messages of ``role`` ("any": all); read-only, shared by the checks that ask."""
        if role == "any":
            return self.cached(("role", role), lambda f: _shared(np.ones(len(f.messages), dtype=bool)))
        return self.cached(
            ("role", role), lambda f: _shared(f.messages["role"].eq(role).fillna(False).to_numpy(dtype=bool))
        )

    def texts_of(self, mask: np.ndarray) -> np.ndarray:
        """Per distinct text (``distinct``): whether a message in ``mask`` has it (read-only). Kept
        for the chunk when ``mask`` is read-only, as the shared ``role_mask`` and ``scope`` masks
        are: several checks ask for the same one (the cache holds the mask, so its id is not
        reused)."""
        key = ("texts of", id(mask))
        if key in self._cache and self._cache[key][0] is mask:
            return self._cache[key][1]
        codes, texts = self.distinct
        used = marked_texts(codes, mask, len(texts))
        if not mask.flags.writeable:
            self._cache[key] = (mask, used)
        return _shared(used)

    def rank(self, mask: np.ndarray, reverse: bool = False) -> np.ndarray:
        """For the messages in ``mask``: 0 for the first (``reverse``: the last) of them in
        their conversation, 1 for the next, ...; -1 outside the mask."""
        rows = np.flatnonzero(mask)
        conv = self.conv_of[rows]
        starts = np.flatnonzero(np.r_[True, conv[1:] != conv[:-1]]) if len(rows) else np.array([], dtype=int)
        sizes = np.diff(np.r_[starts, len(rows)])
        first = np.repeat(starts, sizes)
        k = np.arange(len(rows)) - first
        if reverse:
            k = np.repeat(sizes, sizes) - 1 - k
        out = np.full(len(mask), -1, dtype=np.int64)
        out[rows] = k
        return out

    def scope(self, config: ScopedConfig) -> np.ndarray:
        """Mask of the messages a scoped check reads: by role, then the first/last N of them
        per conversation."""
        key = ("scope", config.role, config.first_turns, config.last_turns)
        return self.cached(key, lambda f: _shared(f._scope(config.role, config.first_turns, config.last_turns)))

    def _scope(self, role: str, first: int | None, last: int | None) -> np.ndarray:
        mask = self.role_mask(role)
        if first:
            mask = mask & (self.rank(mask) < first)
        if last:
            mask = mask & (self.rank(mask, reverse=True) < last)
        return mask

    def first_per_conversation(self, rows: np.ndarray) -> np.ndarray:
        """Positions in ``rows`` (message rows in message order) of each conversation's first."""
        conv = self.conv_of[rows]
        if (conv[1:] >= conv[:-1]).all():  # rows ascending, as checks give them: where the conversation changes
            return np.flatnonzero(np.r_[True, conv[1:] != conv[:-1]]) if len(conv) else np.zeros(0, dtype=np.intp)
        _, first = np.unique(conv, return_index=True)
        return first


def _shared(array: np.ndarray) -> np.ndarray:
    """``array`` made read-only, as a value the chunk's checks share."""
    array.flags.writeable = False
    return array


def _conversation_rows(ids: pd.Series, message_ids: pd.Series) -> np.ndarray:
    """Per message, the row of its conversation in ``ids`` (-1: none). Readers give messages in
    runs, one per conversation in the same order: checked by comparing the runs' ids (cheap),
    else each id is looked up."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if len(message_ids) and len(ids):
        msg, conv = pa.array(message_ids), pa.array(ids)
        if msg.null_count == 0 and conv.null_count == 0:
            starts = np.flatnonzero(np.r_[True, pc.not_equal(msg[1:], msg[:-1]).to_numpy(zero_copy_only=False)])
            if len(starts) == len(conv) and pc.all(pc.equal(msg.take(starts), conv)).as_py():
                return np.repeat(np.arange(len(conv)), np.diff(np.r_[starts, len(msg)]))
    return pd.Index(ids).get_indexer(message_ids)


class Outcomes:
    """One criterion's verdicts for a chunk, aligned to ``frames.conversations``: outcome (a
    code into ``OUTCOMES``), evidence (a message row, -1 for none), the matched span or
    measured value, a note."""

    def __init__(self, frames: Chunk, outcome: str, note: str = ""):
        n = frames.n
        self.frames = frames
        self.outcome = np.full(n, CODE[outcome], dtype=np.int8)
        self.message = np.full(n, -1, dtype=np.int64)
        self.match = CodedStrings(n, None)
        self.note = CodedStrings(n, note)

    def put(self, rows: np.ndarray, outcome: str, note: str | np.ndarray = "", match: np.ndarray | None = None) -> None:
        """Give each conversation with a message among ``rows`` (message rows in message order;
        ``note``/``match`` aligned to them) ``outcome``, its first such message as evidence
        (and that row's ``match``; without ``match`` the conversation's match is kept)."""
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows):
            return
        first = self.frames.first_per_conversation(rows)
        at = self.frames.conv_of[rows[first]]
        self.outcome[at] = CODE[outcome]
        self.message[at] = rows[first]
        if match is not None:
            self.match.assign(at, np.asarray(match, dtype=object)[first])
        self.note.assign(at, note if isinstance(note, str) else np.asarray(note, dtype=object)[first])

    def set(
        self,
        where: np.ndarray,
        outcome: str | np.ndarray | None = None,
        note: str | np.ndarray | Coded | None = None,
        match: np.ndarray | Coded | None = None,
        message: np.ndarray | None = None,
    ) -> None:
        """Set fields for the conversations in ``where`` (a mask or row numbers); array values
        (outcome names, notes, ...) are aligned to the selected conversations."""
        if outcome is not None:
            self.outcome[where] = CODE[outcome] if isinstance(outcome, str) else _codes(outcome)
        if note is not None:
            self.note.assign(where, note)
        if match is not None:
            self.match.assign(where, match)
        if message is not None:
            self.message[where] = message

    def clear_evidence(self, where: np.ndarray) -> None:
        self.message[where] = -1
        self.match.assign(where, None)

    def labels(self) -> pd.api.extensions.ExtensionArray:
        """The outcomes as a "string" array."""
        return outcome_labels(self.outcome)

    def frame(self) -> pd.DataFrame:
        """As a frame indexed by conversation_id with ``OUTCOME_COLUMNS``."""
        f = self.frames
        seq, text = evidence_columns(f, self.message)
        return pd.DataFrame(
            {
                "outcome": self.labels(),
                "evidence_seq": seq,
                "evidence_text": text,
                "evidence_match": CodedStrings.strings([self.match]),
                "note": CodedStrings.strings([self.note]),
            },
            index=f.index,
        )


class Coded(NamedTuple):
    """Strings given as codes into their distinct values, for a check that worded each distinct
    note once: ``CodedStrings`` takes them without hashing every entry again."""

    codes: np.ndarray
    values: list[str | None]


class CodedStrings:
    """Strings held as codes into a list of their distinct values (code 0: missing), so the few
    notes a criterion repeats over thousands of conversations are stored and converted once."""

    def __init__(self, n: int, value: str | None):
        self.values: list[str | None] = [None]
        self._lookup: dict[str | None, int] = {None: 0}
        self.codes = np.full(n, self._codes([value])[0], dtype=np.int64)

    def _codes(self, values: list[str | None]) -> np.ndarray:
        """Each value's code, adding the new ones, in C loops: a check may word a note per
        conversation (20,000 distinct values a chunk)."""
        lookup = self._lookup
        new = dict.fromkeys(itertools.filterfalse(lookup.__contains__, values))
        lookup.update(zip(new, itertools.count(len(self.values))))
        self.values.extend(new)
        return np.fromiter(map(lookup.__getitem__, values), dtype=np.int64, count=len(values))

    def assign(self, where: np.ndarray, value: str | None | np.ndarray | Coded) -> None:
        """Set the entries at ``where`` to ``value`` (one string, or one per selected entry,
        plain or ``Coded``)."""
        if value is None or isinstance(value, str):
            self.codes[where] = self._codes([value])[0]
            return
        if not isinstance(value, Coded):
            codes, uniques = pd.factorize(np.asarray(value, dtype=object), use_na_sentinel=True)
            value = Coded(codes, uniques.tolist() + [None])  # -1 (missing) -> the None at the end
        self.codes[where] = self._codes(value.values)[value.codes]

    @staticmethod
    def stacked(parts: list[CodedStrings]) -> tuple[np.ndarray, pd.api.extensions.ExtensionArray]:
        """Several CodedStrings side by side (row i: part 0, part 1, ... of entry i, as the results
        frame lays criteria out): codes into one pandas "string" array of every part's values."""
        offsets = np.cumsum([0] + [len(p.values) for p in parts[:-1]])
        codes = np.stack([p.codes + o for p, o in zip(parts, offsets)], axis=1).reshape(-1)
        return codes, pd.array([v for p in parts for v in p.values], dtype="string")

    @staticmethod
    def strings(parts: list[CodedStrings]) -> pd.api.extensions.ExtensionArray:
        """``stacked`` as one pandas "string" array."""
        codes, values = CodedStrings.stacked(parts)
        return values.take(codes)


#: Outcome codes, as ``Outcomes`` holds them.
CODE = {name: np.int8(i) for i, name in enumerate(OUTCOMES)}


def _codes(names: np.ndarray) -> np.ndarray:
    uniques, inverse = np.unique(np.asarray(names, dtype=object).astype(str), return_inverse=True)
    return np.array([CODE[u] for u in uniques.tolist()], dtype=np.int8)[inverse.reshape(-1)]


def outcome_labels(codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Outcome codes as a pandas "string" array."""
    return pd.array(list(OUTCOMES), dtype="string").take(codes.astype(np.intp))


def evidence_columns(
    frames: Chunk, message: np.ndarray, mask: bool = False
) -> tuple[pd.arrays.IntegerArray, pd.api.extensions.ExtensionArray]:
    """(evidence_seq, evidence_text) for message rows (-1: none) — the seq and the text, with
    personal data masked if ``mask`` (each distinct evidence text masked once)."""
    seq, codes, texts = evidence_codes(frames, message, mask)
    return seq, texts.array.take(codes, allow_fill=True)


def evidence_codes(
    frames: Chunk, message: np.ndarray, mask: bool = False
) -> tuple[pd.arrays.IntegerArray, np.ndarray, pd.Series]:
    """``evidence_columns`` with the text still as codes: (evidence_seq, per row a code into
    the chunk's distinct texts or -1 for none/missing, those texts — masked if ``mask``)."""
    none = message < 0
    safe = np.where(none, 0, message)
    if len(frames.messages):
        codes, texts = frames.distinct
        seq = frames.seq[safe]
        untexted = none | frames.messages["text"].isna().to_numpy()[safe]  # a missing text stays missing
        text = np.where(untexted, -1, codes[safe])
        if mask:
            text, texts = _masked(text, texts)
    else:
        seq, text, texts = np.zeros(len(message)), np.full(len(message), -1), pd.Series([], dtype="string")
    none = none | np.isnan(seq)
    seq = pd.arrays.IntegerArray(np.where(none, 0, seq).astype("int64"), none)
    return seq, text, texts


def _masked(codes: np.ndarray, texts: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """(codes, texts) cut to the texts ``codes`` use (-1: none), those with personal data
    masked (``privacy.mask_at``, each text once)."""
    used = used_texts(codes, codes >= 0, len(texts))
    position = np.full(len(texts) + 1, -1)  # the last one, for code -1
    position[used] = np.arange(len(used))
    return position[codes], pd.Series(mask_at(texts, used).array[used])


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
