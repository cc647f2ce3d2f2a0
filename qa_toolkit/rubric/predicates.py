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
from typing import Annotated, Any, Literal, Union

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from qa_toolkit.frames import CONVERSATIONS
from qa_toolkit.io.validate import as_bool

#: Fields computed from the messages, usable like conversation columns.
DERIVED_FIELDS = ("n_messages", "n_agent_messages", "n_customer_messages", "handle_time_s", "language")
#: Extra conversation fields that exports commonly carry (readers keep them as columns).
COMMON_EXTRA_FIELDS = ("escalated", "transferred", "complaint_type", "order_id", "order_status",
                       "refund_amount", "agent_name", "team", "hire_date")
KNOWN_FIELDS = tuple(CONVERSATIONS) + DERIVED_FIELDS + COMMON_EXTRA_FIELDS

Op = Literal["==", "!=", "<", "<=", ">", ">=", "in", "not in", "contains", "missing", "present"]
_COMPARE = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
            ">": operator.gt, ">=": operator.ge}


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
    Union[Annotated[AllOf, Tag("AllOf")], Annotated[AnyOf, Tag("AnyOf")], Annotated[NotOf, Tag("NotOf")],  # noqa: UP007
          Annotated[Says, Tag("Says")], Annotated[FieldTest, Tag("FieldTest")]],
    Discriminator(_kind, custom_error_type="predicate",
                  custom_error_message="a condition needs one of the keys: field, says, all, any, not"),
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


def derived_fields(conversations: pd.DataFrame, messages: pd.DataFrame) -> pd.DataFrame:
    """Per conversation (indexed by conversation_id): message counts and handle time in seconds."""
    ids = conversations["conversation_id"]
    counts = messages.groupby("conversation_id")["role"].value_counts().unstack(fill_value=0)
    out = pd.DataFrame(index=pd.Index(ids, name="conversation_id"))
    total = messages.groupby("conversation_id").size()
    out["n_messages"] = total.reindex(out.index).fillna(0).astype("Int64")
    for role in ("agent", "customer"):
        col = counts[role] if role in counts.columns else pd.Series(dtype="Int64")
        out[f"n_{role}_messages"] = col.reindex(out.index).fillna(0).astype("Int64")
    conv = conversations.set_index("conversation_id")
    span = messages.groupby("conversation_id")["ts"].agg(["min", "max"]).reindex(out.index)
    start = conv["started_at"].fillna(span["min"]) if "started_at" in conv else span["min"]
    end = conv["ended_at"].fillna(span["max"]) if "ended_at" in conv else span["max"]
    out["handle_time_s"] = (end - start).dt.total_seconds().astype("float64")
    out["language"] = detect_language(messages).reindex(out.index).astype("string")
    return out


def detect_language(messages: pd.DataFrame) -> pd.Series:
    """'zh' when Chinese characters make up at least 30 % of the letters of a conversation's
    text, else 'en' (<NA> without text) — enough to route a conversation to a rubric."""
    cjk, latin = _letter_counts(messages["text"])
    by = messages["conversation_id"]
    cjk = pd.Series(cjk, index=messages.index).groupby(by).sum()
    latin = pd.Series(latin, index=messages.index).groupby(by).sum()
    letters = cjk + latin
    lang = pd.Series("en", index=cjk.index, dtype="string").mask(cjk >= 0.3 * letters, "zh")
    return lang.mask(letters == 0, pd.NA)


def _letter_counts(texts: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Per text: characters in U+4E00–U+9FFF and ASCII letters, counted on the UTF-8 bytes in
    one vectorised pass (a CJK ideograph there is a 3-byte sequence led by E5–E9, or by E4
    followed by B8 or more; ASCII letters are single bytes). Same counts as ``str.count`` with
    ``[\u4e00-\u9fff]`` / ``[A-Za-z]``, about 10 times faster."""
    import pyarrow as pa

    arr = pa.array(texts.astype("string").fillna(""), type=pa.large_string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset:arr.offset + len(arr) + 1]
    data = arr.buffers()[2]
    raw = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
    following = np.append(raw[1:], np.uint8(0))
    cjk = ((raw >= 0xE5) & (raw <= 0xE9)) | ((raw == 0xE4) & (following >= 0xB8))
    latin = ((raw >= 65) & (raw <= 90)) | ((raw >= 97) & (raw <= 122))

    def per_text(flags: np.ndarray) -> np.ndarray:
        where = np.flatnonzero(flags)
        return np.searchsorted(where, offsets[1:]) - np.searchsorted(where, offsets[:-1])

    return per_text(cjk), per_text(latin)


def evaluate(pred: Any, conversations: pd.DataFrame, messages: pd.DataFrame,
             derived: pd.DataFrame | None = None) -> pd.Series:
    """A nullable boolean Series indexed by conversation_id: True, False or <NA> (unknown)."""
    index = pd.Index(conversations["conversation_id"], name="conversation_id")
    if isinstance(pred, AllOf):
        parts = [evaluate(p, conversations, messages, derived) for p in pred.all]
        out = parts[0]
        for p in parts[1:]:
            out = out & p
        return out
    if isinstance(pred, AnyOf):
        parts = [evaluate(p, conversations, messages, derived) for p in pred.any]
        out = parts[0]
        for p in parts[1:]:
            out = out | p
        return out
    if isinstance(pred, NotOf):
        return ~evaluate(pred.not_, conversations, messages, derived)
    if isinstance(pred, Says):
        from qa_toolkit.rubric.checks._match import matching_messages

        msgs = messages if pred.role == "any" else messages[messages["role"] == pred.role]
        hit = matching_messages(msgs, pred.says)
        said = pd.Series(index.isin(hit["conversation_id"]), index=index, dtype="boolean")
        return said
    return _field_test(pred, conversations, messages, derived, index)


def _field_test(pred: FieldTest, conversations, messages, derived, index) -> pd.Series:
    if pred.field in conversations.columns:
        values = conversations.set_index("conversation_id")[pred.field]
    elif pred.field in DERIVED_FIELDS:
        derived = derived if derived is not None else derived_fields(conversations, messages)
        values = derived[pred.field]
    elif pred.op in ("missing", "present"):
        return pd.Series(pred.op == "missing", index=index, dtype="boolean")
    else:
        return pd.Series(pd.NA, index=index, dtype="boolean")
    values = values.reindex(index)
    present = _map_distinct(values, _present).astype("boolean")
    if pred.op == "present":
        return present
    if pred.op == "missing":
        return ~present
    result = _map_distinct(values, lambda v: _apply(pred.op, v, pred.value) if _present(v) else pd.NA)
    return result.astype("boolean")


def _map_distinct(values: pd.Series, func) -> pd.Series:
    """``values.map(func)`` calling ``func`` once per distinct (type, value): fields such as
    csat, channel or transferred take a handful of values over thousands of conversations."""
    cache: dict = {}
    try:
        out = [cache[key] if (key := (type(v), v)) in cache else cache.setdefault(key, func(v))
               for v in values.tolist()]
    except TypeError:  # unhashable values (tag lists): one call each
        return values.map(func)
    return pd.Series(out, index=values.index, dtype=object)


def _present(v: Any) -> bool:
    if isinstance(v, (list, tuple)):
        return True
    return not (v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v))


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
