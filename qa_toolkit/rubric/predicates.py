"""Conditions over a conversation — the `when` of a criterion and the `metadata` check.

A small, safe expression language written as YAML structure (never ``eval``)::

    {field: csat, op: "<=", value: 2}          # a conversation field compared to a value
    {field: tags, op: contains, value: complaint}
    {field: channel, op: in, value: [chat, social]}
    {says: [投诉, 差评], role: customer}        # someone says one of the phrases
    {all: [...]}, {any: [...]}, {not: {...}}   # combine

Derived fields: message counts, ``handle_time_s`` and ``language`` (zh/en by script).
A field the data does not have, or a missing value, makes the comparison unknown (<NA>); an
unknown `when` makes the criterion N/A. Evaluation is vectorised over the conversations frame.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Annotated, Any, Literal, Union

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from qa_toolkit.frames import CONVERSATIONS, large_strings
from qa_toolkit.io.validate import as_bool
from qa_toolkit.rubric.matching import matching_messages
from qa_toolkit.timing import handle_seconds

#: Fields computed from the messages, usable like conversation columns.
DERIVED_FIELDS = ("n_messages", "n_agent_messages", "n_customer_messages", "handle_time_s", "language")
#: Extra conversation fields that exports commonly carry (readers keep them as columns).
COMMON_EXTRA_FIELDS = (
    "escalated",
    "transferred",
    "complaint_type",
    "order_id",
    "order_status",
    "refund_amount",
    "agent_name",
    "team",
    "hire_date",
)
KNOWN_FIELDS = tuple(CONVERSATIONS) + DERIVED_FIELDS + COMMON_EXTRA_FIELDS

Op = Literal["==", "!=", "<", "<=", ">", ">=", "in", "not in", "contains", "missing", "present"]
_COMPARE = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class FieldTest(_Strict):
    """``field op value``; ``missing``/``present`` take no value."""

    field: str
    op: Op = "=="
    value: Any = None

    @model_validator(mode="after")
    def _value_needed(self) -> FieldTest:
        if self.value is None and self.op not in ("missing", "present"):
            raise ValueError(f"op '{self.op}' needs a value (use op: missing to test for an absent value)")
        return self


class Says(_Strict):
    """True when a message of ``role`` contains one of ``says`` (case-insensitive)."""

    says: list[str] = Field(min_length=1)
    role: Literal["agent", "customer", "bot", "system", "any"] = "customer"


class AllOf(_Strict):
    all: list[Predicate] = Field(min_length=1)


class AnyOf(_Strict):
    any: list[Predicate] = Field(min_length=1)


class NotOf(_Strict):
    not_: Predicate = Field(alias="not")


_BY_KEY = {"all": "AllOf", "any": "AnyOf", "not": "NotOf", "says": "Says", "field": "FieldTest"}


def _kind(value: Any) -> str | None:
    """The model a condition is, by its key (tags are model names, so error paths skip them)."""
    if isinstance(value, dict):
        return next((tag for key, tag in _BY_KEY.items() if key in value), None)
    return type(value).__name__ if type(value).__name__ in _BY_KEY.values() else None


Predicate = Annotated[
    Union[
        Annotated[AllOf, Tag("AllOf")],
        Annotated[AnyOf, Tag("AnyOf")],
        Annotated[NotOf, Tag("NotOf")],  # noqa: UP007
        Annotated[Says, Tag("Says")],
        Annotated[FieldTest, Tag("FieldTest")],
    ],
    Discriminator(
        _kind,
        custom_error_type="predicate",
        custom_error_message="a condition needs one of the keys: field, says, all, any, not",
    ),
]
AllOf.model_rebuild()
AnyOf.model_rebuild()
NotOf.model_rebuild()


def fields_used(pred: Any) -> list[str]:
    """Every conversation field a predicate refers to (for lint)."""
    if isinstance(pred, FieldTest):
        return [pred.field]
    if isinstance(pred, (AllOf, AnyOf)):
        return [f for p in (pred.all if isinstance(pred, AllOf) else pred.any) for f in fields_used(p)]
    if isinstance(pred, NotOf):
        return fields_used(pred.not_)
    return []


def derived_fields(
    conversations: pd.DataFrame,
    messages: pd.DataFrame,
    conversation: np.ndarray | None = None,
    texts: tuple[np.ndarray, pd.Series] | None = None,
    role_mask: Callable[[str], np.ndarray] | None = None,
) -> pd.DataFrame:
    """Per conversation (indexed by conversation_id): message counts, handle time in seconds
    (``timing.handle_seconds``) and language.
    What a caller such as a chunk (``Chunk``) already holds, it may hand over: ``conversation``,
    per message the position of its conversation in ``conversations`` (-1: none; ``conv_of``);
    ``texts``, per message its text (missing as "") as a number into the distinct texts, and
    those (``distinct``: letters are then counted once per distinct text); ``role_mask(role)``,
    the messages of a role (``role_mask``)."""
    index = pd.Index(conversations["conversation_id"], name="conversation_id")
    n = len(index)
    if conversation is None:
        rows = _conversation_rows(index, messages["conversation_id"])
    else:
        rows = np.asarray(conversation, dtype=np.intp)
    # messages of conversations outside the frame count nowhere (a slice when there are none)
    ours = slice(None) if (rows >= 0).all() else np.flatnonzero(rows >= 0)
    at = rows[ours]
    counts = {"n_messages": np.bincount(at, minlength=n)}
    if role_mask is None:

        def role_mask(role: str) -> np.ndarray:
            return messages["role"].eq(role).to_numpy(dtype=bool, na_value=False)

    for role in ("agent", "customer"):
        counts[f"n_{role}_messages"] = np.bincount(at[role_mask(role)[ours]], minlength=n)
    first, last = _span(messages["ts"], rows, n, index)
    if texts is None:
        cjk, latin = (c[ours] for c in _letter_counts(messages["text"]))
    else:
        codes = texts[0][ours]
        cjk, latin = (c[codes] for c in _letter_counts(texts[1]))
    handle = handle_seconds(conversations.get("started_at"), conversations.get("ended_at"), first, last)
    return pd.DataFrame(
        {
            **{name: pd.array(c, dtype="Int64") for name, c in counts.items()},
            "handle_time_s": handle,
            "language": _language(np.bincount(at, cjk, n), np.bincount(at, latin, n)),
        },
        index=index,
    )


def _conversation_rows(index: pd.Index, ids: pd.Series) -> np.ndarray:
    """Per message, the row of its conversation in ``index`` (-1: not there, or no id)."""
    codes, distinct = pd.factorize(ids)
    return np.append(index.get_indexer(distinct), -1)[codes]


def _span(ts: pd.Series, rows: np.ndarray, n: int, index: pd.Index) -> tuple[pd.Series, pd.Series]:
    """First and last message time per conversation row (NaT when none is timed)."""
    ticks = ts.array.asi8
    timed = (rows >= 0) & ~ts.isna().to_numpy(dtype=bool)
    nat = np.iinfo(np.int64).min
    first, last = np.full(n, np.iinfo(np.int64).max), np.full(n, nat)
    np.minimum.at(first, rows[timed], ticks[timed])
    np.maximum.at(last, rows[timed], ticks[timed])
    first[first == np.iinfo(np.int64).max] = nat

    def as_times(values: np.ndarray) -> pd.Series:
        times = pd.Series(values.view(f"datetime64[{ts.array.unit}]"), index=index)
        tz = getattr(ts.dtype, "tz", None)
        return times.dt.tz_localize("UTC").dt.tz_convert(tz) if tz is not None else times

    return as_times(first), as_times(last)


def _language(cjk: np.ndarray, latin: np.ndarray) -> pd.arrays.StringArray:
    """'zh' where Chinese characters are at least 30 % of the letters, else 'en'; <NA> without
    letters."""
    letters = cjk + latin
    code = np.where(letters == 0, -1, np.where(cjk >= 0.3 * letters, 0, 1))
    return pd.array(["zh", "en"], dtype="string").take(code, allow_fill=True)


def detect_language(messages: pd.DataFrame) -> pd.Series:
    """'zh' when Chinese characters make up at least 30 % of the letters of a conversation's
    text, else 'en' (<NA> without text) — enough to route a conversation to a rubric. Indexed
    by the messages' conversation ids, sorted."""
    codes, distinct = pd.factorize(messages["conversation_id"])
    cjk, latin = _letter_counts(messages["text"])
    ours = codes >= 0
    n = len(distinct)
    lang = pd.Series(
        _language(np.bincount(codes[ours], cjk[ours], n), np.bincount(codes[ours], latin[ours], n)),
        index=pd.Index(distinct.array, name="conversation_id"),
    )
    return lang.sort_index()


def _letter_counts(texts: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Per text: characters in U+4E00–U+9FFF and ASCII letters, counted on the UTF-8 bytes in
    one vectorised pass (a CJK ideograph there is a 3-byte sequence led by E5–E9, or by E4
    followed by B8 or more; ASCII letters are single bytes). Same counts as ``str.count`` with
    ``[\u4e00-\u9fff]`` / ``[A-Za-z]``, some 40 times faster."""
    arr = large_strings(texts.astype("string").fillna(""))
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    data = arr.buffers()[2]
    raw = np.frombuffer(data, dtype=np.uint8)[: offsets[-1]] if data is not None else np.zeros(0, np.uint8)
    cjk = (raw - np.uint8(0xE5)) <= 4  # uint8 arithmetic wraps: E5..E9
    cjk[:-1] |= (raw[:-1] == 0xE4) & (raw[1:] >= 0xB8)
    latin = ((raw | np.uint8(0x20)) - np.uint8(0x61)) < 26  # A-Z folded onto a-z, wrapping
    return _count_between(cjk, offsets), _count_between(latin, offsets)


def _count_between(flags: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Per pair of consecutive ``offsets``: how many ``flags`` between them are set. Counted on
    the flags packed into 64-bit words: a running popcount per word, plus the low bits of the
    word an offset falls in."""
    bits = np.packbits(flags, bitorder="little")  # flag i is bit i % 8 of byte i // 8
    words = np.zeros(len(bits) // 8 + 2, dtype="<u8")  # room for an offset at the very end
    words.view(np.uint8)[: len(bits)] = bits  # flag i is bit i % 64 of word i // 64
    before = np.zeros(len(words) + 1, dtype=np.int64)  # set flags in the words before word k
    np.cumsum(np.bitwise_count(words), out=before[1:])
    word, rem = np.divmod(offsets, 64)
    low = words[word] & ((np.uint64(1) << rem.astype(np.uint64)) - np.uint64(1))
    return np.diff(before[word] + np.bitwise_count(low))


def evaluate(
    pred: Any,
    conversations: pd.DataFrame,
    messages: pd.DataFrame,
    derived: pd.DataFrame | None = None,
    said: Callable[[Says], pd.Series] | None = None,
) -> pd.Series:
    """A nullable boolean Series indexed by conversation_id: True, False or <NA> (unknown).
    ``said``: how a ``says`` condition is answered when the caller has a faster way (a chunk's
    phrase index), with the same meaning."""
    index = pd.Index(conversations["conversation_id"], name="conversation_id")
    if isinstance(pred, AllOf):
        parts = [evaluate(p, conversations, messages, derived, said) for p in pred.all]
        out = parts[0]
        for p in parts[1:]:
            out = out & p
        return out
    if isinstance(pred, AnyOf):
        parts = [evaluate(p, conversations, messages, derived, said) for p in pred.any]
        out = parts[0]
        for p in parts[1:]:
            out = out | p
        return out
    if isinstance(pred, NotOf):
        return ~evaluate(pred.not_, conversations, messages, derived, said)
    if isinstance(pred, Says):
        if said is not None:
            return said(pred)
        msgs = messages if pred.role == "any" else messages[messages["role"] == pred.role]
        hit = matching_messages(msgs, pred.says)
        return pd.Series(index.isin(hit["conversation_id"]), index=index, dtype="boolean")
    return _field_test(pred, conversations, messages, derived, index)


def phrases_said(pred: Any) -> list[str]:
    """Every phrase of the ``says`` conditions in a predicate (for a chunk's phrase index)."""
    if isinstance(pred, Says):
        return list(pred.says)
    if isinstance(pred, (AllOf, AnyOf)):
        return [w for p in (pred.all if isinstance(pred, AllOf) else pred.any) for w in phrases_said(p)]
    if isinstance(pred, NotOf):
        return phrases_said(pred.not_)
    return []


def _field_test(pred: FieldTest, conversations, messages, derived, index) -> pd.Series:
    if pred.field in conversations.columns:
        values = conversations[pred.field].set_axis(index)
    elif pred.field in DERIVED_FIELDS:
        derived = derived if derived is not None else derived_fields(conversations, messages)
        values = derived[pred.field].reindex(index)
    elif pred.op in ("missing", "present"):
        return pd.Series(pred.op == "missing", index=index, dtype="boolean")
    else:
        return pd.Series(pd.NA, index=index, dtype="boolean")
    if pred.op in ("present", "missing"):
        present = _map_distinct(values, _present)
        return present if pred.op == "present" else ~present
    if pred.op in _COMPARE and (compared := _compare_column(pred.op, values, pred.value)) is not None:
        return compared
    return _map_distinct(values, lambda v: _apply(pred.op, v, pred.value) if _present(v) else pd.NA)


def _compare_column(op: str, values: pd.Series, right: Any) -> pd.Series | None:
    """``op`` as one vectorised comparison where that gives exactly what ``_apply`` gives value
    by value (times against a time string, floats against a number, integers against an
    integer; <NA> where the value is missing); None elsewhere."""
    kind = values.dtype.kind
    if kind == "M" and isinstance(right, str):
        try:
            at = pd.Timestamp(right)
            at = pd.Timestamp(right, tz=values.dt.tz) if at.tz is None else at
            result = _COMPARE[op](values, at)
        except (TypeError, ValueError):
            return pd.Series(pd.NA, index=values.index, dtype="boolean")
    elif (kind == "f" and type(right) in (int, float) and (type(right) is float or abs(right) <= 2**53)) or (
        kind == "i" and type(right) is int and -(2**63) <= right < 2**63
    ):
        result = _COMPARE[op](values, right)
    else:
        return None
    return result.astype("boolean").mask(values.isna().to_numpy(dtype=bool)).rename(None)


def _map_distinct(values: pd.Series, func) -> pd.Series:
    """``values.map(func)`` as a nullable boolean Series, calling ``func`` once per distinct
    value: fields such as csat, channel or transferred take a handful of values over thousands
    of conversations. Typed columns are factorized (their missing values all read as None);
    object columns are keyed by (type, value), so 1, 1.0 and True stay apart; unhashable values
    (tag lists) get one call each."""
    if values.dtype != object:
        codes, distinct = pd.factorize(values)
        return _booleans([func(v) for v in distinct.tolist()] + [func(None)], values.index, codes)
    cache: dict = {}
    try:
        out = [
            cache[key] if (key := (type(v), v)) in cache else cache.setdefault(key, func(v)) for v in values.tolist()
        ]
    except TypeError:  # unhashable values (tag lists): one call each, named like values.map names them
        return _booleans([func(v) for v in values.tolist()], values.index).rename(values.name)
    return _booleans(out, values.index)


def _booleans(results: list, index: pd.Index, codes: np.ndarray | None = None) -> pd.Series:
    """True/False/<NA> results (taken by ``codes``, -1 meaning the last) as a boolean Series."""
    missing = np.fromiter((r is pd.NA for r in results), dtype=bool, count=len(results))
    truth = np.fromiter((r is not pd.NA and bool(r) for r in results), dtype=bool, count=len(results))
    if codes is not None:
        missing, truth = missing[codes], truth[codes]
    return pd.Series(pd.arrays.BooleanArray(truth, missing), index=index)


def _present(v: Any) -> bool:
    if isinstance(v, (list, tuple)):
        return True
    return not (v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and np.isnan(v)))


def _apply(op: str, left: Any, right: Any) -> Any:
    """One comparison; a type mismatch is unknown rather than a crash."""
    try:
        if op == "contains":
            return right in left if isinstance(left, (list, tuple, str)) else pd.NA
        if op in ("in", "not in"):
            options = right if isinstance(right, (list, tuple)) else [right]
            found = left in options or str(left) in [str(o) for o in options]
            return found if op == "in" else not found
        if isinstance(left, str) and isinstance(right, bool):
            left = as_bool(left) is True
        if isinstance(left, pd.Timestamp) and isinstance(right, str):
            right = pd.Timestamp(right, tz=left.tz) if pd.Timestamp(right).tz is None else pd.Timestamp(right)
        return bool(_COMPARE[op](left, right))
    except (TypeError, ValueError):
        return pd.NA
