"""Columnar fast paths of the readers: whole columns are validated at once, and anything they
cannot prove clean goes through the row-by-row ``FrameBuilder`` (the reference), so frames and
problems are exactly what the row-by-row path gives. Every field goes through its rule in
``io.fields`` (times included).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import compress, repeat
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from qa_toolkit.frames import CONVERSATIONS
from qa_toolkit.io.fields import (
    PADDED,
    TIMES,
    WHITESPACE,
    conversation_column,
    datetimes,
    roles_column,
    times_column,
)
from qa_toolkit.io.validate import (
    CONTRACT_FIELDS,
    FIELD_ALIASES,
    FrameBuilder,
    cell_value,
)

_MSG_KEYS = frozenset({"ts", "role", "text"})


class _Messages:
    """The messages of a chunk's records, flattened; ``span[r]`` is record r's slice."""

    def __init__(self, records: list):
        flat, span = [], []
        for record in records:
            start = len(flat)
            messages = record.get("messages") if type(record) is dict else None
            if type(messages) is list:
                flat.extend(messages)
            span.append((start, len(flat)))
        if set(map(type, flat)) - {dict}:  # a message that is not an object: its record goes row by row
            span = [(a, b) if all(type(m) is dict for m in flat[a:b]) else (a, a) for a, b in span]
            flat = [m if type(m) is dict else {} for m in flat]
        self.flat, self.span = flat, span
        self.ts = list(map(dict.get, flat, repeat("ts")))
        self.role = list(map(dict.get, flat, repeat("role")))
        self.text = list(map(dict.get, flat, repeat("text")))
        self.lens = list(map(len, flat))

    def bad_positions(self, builder: FrameBuilder) -> set[int]:
        """Messages the columns cannot take (other keys, a role not known, text not a string);
        sets ``self.roles`` to the normalised role of every message (None where bad)."""
        bad: set[int] = set()
        if self.lens.count(3) != len(self.lens) or self.ts.count(None):
            for i, n in enumerate(self.lens):
                if n != 2 and (n != 3 or self.ts[i] is None) and not self.flat[i].keys() <= _MSG_KEYS:
                    bad.add(i)
        self.roles, bad_roles = roles_column(self.role, builder.roles)
        bad.update(bad_roles)
        if set(map(type, self.text)) - {str}:
            bad.update(i for i, t in enumerate(self.text) if type(t) is not str)
        return bad


def add_records(builder: FrameBuilder, records: list, lines: list[int | None], required: tuple[str, ...] = ()) -> None:
    """``builder.add(record, line)`` for each record, in order, with the same result: clean
    records are validated and appended column by column, the others one by one. A required
    field is checked when a record has it, or when named in ``required`` (a few lines of a
    chunk that has it)."""
    if not records:
        return
    zone = builder.zone
    msgs = _Messages(records)
    spans = np.array(msgs.span, dtype=np.int64).reshape(-1, 2)
    slow = spans[:, 0] == spans[:, 1]  # no messages, or not a list of objects
    bad_msg = msgs.bad_positions(builder)
    ts, bad_ts = _time_values(msgs.ts, zone, "ts")
    bad_msg.update(bad_ts)
    if bad_msg:
        slow[np.searchsorted(spans[:, 0], sorted(bad_msg), side="right") - 1] = True
    rows = [r if type(r) is dict else {} for r in records]
    layouts = list(map(tuple, rows))
    if any(alias in layout for layout in dict.fromkeys(layouts) for alias in FIELD_ALIASES):
        rows = _aliased(rows)
        layouts = list(map(tuple, rows))
    columns, keys = _conversation_columns(rows, layouts, slow, zone, builder, required)
    _append_runs(builder, records, lines, slow, columns, keys, msgs, ts)


def _time_values(values: list, zone: ZoneInfo, field: str) -> tuple[list, list[int]]:
    """The time rule over a column of record values: (UTC ns or None each, positions rejected)."""
    ns, missing, bad = times_column(values, zone, field)
    out: list = ns.tolist()
    for i in np.flatnonzero(missing).tolist():
        out[i] = None
    return out, bad


def _aliased(rows: list[dict]) -> list[dict]:
    """Records with FIELD_ALIASES applied the way ``FrameBuilder`` applies them (copies)."""
    out = []
    for row in rows:
        if any(alias in row for alias in FIELD_ALIASES):
            row = {
                (FIELD_ALIASES[k] if k in FIELD_ALIASES and FIELD_ALIASES[k] not in row else k): v
                for k, v in row.items()
            }
        out.append(row)
    return out


def _conversation_columns(
    rows: list[dict],
    layouts: list[tuple],
    slow: np.ndarray,
    zone: ZoneInfo,
    builder: FrameBuilder,
    required: tuple[str, ...] = (),
) -> tuple[dict[str, list], list[tuple]]:
    """Each conversation-level key as a converted column; marks in ``slow`` the records with a
    value the converters reject. Returns the columns and each record's key layout."""
    keys = dict.fromkeys(k for layout in dict.fromkeys(layouts) for k in layout)
    keys.pop("messages", None)
    for key in ("conversation_id", *required, "tags"):
        keys.setdefault(key)
    columns: dict[str, list] = {}
    for key in keys:
        raw = list(map(dict.get, rows, repeat(key)))
        values, bad = _converted(raw, key, zone, builder)
        slow[bad] = True
        columns[key] = values
    return columns, layouts


def _converted(raw: list, key: str, zone: ZoneInfo, builder: FrameBuilder) -> tuple[list, list[int]]:
    """A conversation-level column of records through its field's rule (``io.fields``), and the
    positions the rule rejects; extras as given."""
    if key not in CONVERSATIONS:
        return raw, []
    values, bad = conversation_column(key, raw, zone, builder.channels)
    return values if isinstance(values, list) else values.to_pylist(), bad


def _append_runs(
    builder: FrameBuilder,
    records: list,
    lines: list,
    slow: np.ndarray,
    columns: dict[str, list],
    layouts: list[tuple],
    msgs: _Messages,
    ts: list,
) -> None:
    """Walk the records in order: runs of clean ones are appended as columns, the rest (and
    duplicates of ids already read) go through ``builder.add``."""
    cids = columns["conversation_id"]
    seen = builder.seen_ids
    start = None
    for i in range(len(records) + 1):
        fast = i < len(records) and not slow[i] and cids[i] not in seen
        if fast:
            seen.add(cids[i])
            if start is None:
                start = i
            continue
        if start is not None:
            _extend(builder, start, i, columns, layouts, msgs, ts)
            start = None
        if i < len(records):
            builder.add(records[i], line=lines[i])


def _extend(
    builder: FrameBuilder, a: int, b: int, columns: dict[str, list], layouts: list[tuple], msgs: _Messages, ts: list
) -> None:
    """Append records a..b-1 (all clean) to the builder, extras in first-seen order."""
    order = dict.fromkeys(k for layout in dict.fromkeys(layouts[a:b]) for k in layout)
    order.pop("messages", None)
    conv = {"conversation_id": columns["conversation_id"][a:b]}
    for key in order:
        conv[key] = columns[key][a:b]
    conv.setdefault("tags", columns["tags"][a:b])
    m0, m1 = msgs.span[a][0], msgs.span[b - 1][1]
    cid, seq = [], []
    for i in range(a, b):
        n = msgs.span[i][1] - msgs.span[i][0]
        cid += [columns["conversation_id"][i]] * n
        seq += range(n)
    builder.extend(
        conv, {"conversation_id": cid, "seq": seq, "ts": ts[m0:m1], "role": msgs.roles[m0:m1], "text": msgs.text[m0:m1]}
    )


# --- long tables (Parquet, CSV, XLSX chunks) ------------------------------------------------

_TABLE_MESSAGE = ("seq", "ts", "role", "text")
_TRUE_FALSE = pa.array(["true", "false"])


def _arrow(series: pd.Series) -> pa.Array:
    """A column as one Arrow array (zero-copy for Arrow-backed text)."""
    array = pa.array(series)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _is_text(series: pd.Series) -> bool:
    return isinstance(series.dtype, pd.StringDtype)


def _any(mask: pa.Array) -> bool:
    return bool(pc.any(mask).as_py())


def _plain_text(series: pd.Series, distinct: pa.Array | None = None) -> pa.Array | None:
    """An extra text column as ``pa.string`` with empty text as null, when no value needs
    stripping or reads as true/false (then ``cell_value`` and ``as_text`` keep every value as
    is); ``distinct``: text holding every value of the column, checked instead of the column."""
    if not _is_text(series):
        return None
    values = _arrow(series).cast(pa.string())
    if distinct is not None:
        return _blank_as_null(values) if _plain(distinct, flags=True) is not None else None
    return _plain(values, flags=True)


def _plain(values: pa.Array, *, flags: bool) -> pa.Array | None:
    """``_plain_text`` of an Arrow text array."""
    values = _blank_as_null(values)
    if _any(pc.match_substring_regex(values, PADDED)) or (flags and _any(pc.is_in(pc.utf8_lower(values), _TRUE_FALSE))):
        return None
    return values


def _blank_as_null(values: pa.Array) -> pa.Array:
    empty = pc.equal(values, "")
    return pc.if_else(empty, pa.scalar(None, pa.string()), values) if _any(empty) else values


def _ids(series: pd.Series) -> pa.Array | None:
    """The id column as text (integers as their digits), none missing (else None); its values
    are checked by ``_run_ids`` once per run of equal ids."""
    if series.dtype.kind not in "iu" and not _is_text(series):
        return None
    ids = _arrow(series).cast(pa.string())
    return None if ids.null_count else ids


def _run_ids(ids: pa.Array, starts: np.ndarray) -> pa.Array | None:
    """The id of each run as ``as_text`` gives it (every row of a run holds the same value, so
    checking the first is checking all): plain text, none blank or padded (else None)."""
    firsts = _plain(ids.take(pa.array(starts)), flags=False)
    return None if firsts is None or firsts.null_count else firsts


def _seq_key(series: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """The sort key ``_seq`` gives each cell (missing last): numbers, or text of digits; with
    the rows of other text (flagged). None for a column of another type."""
    if series.dtype.kind in "iuf":
        key = series.to_numpy(dtype=np.float64, na_value=np.inf)
        return np.where(np.isnan(key), np.inf, key), np.zeros(len(key), dtype=bool)
    if not _is_text(series):
        return None
    values = _arrow(series).cast(pa.string())
    digits = pc.fill_null(pc.match_substring_regex(values, r"^[0-9]{1,15}$"), False)
    flagged = ~digits.to_numpy(zero_copy_only=False)
    if flagged.any():
        values = pc.if_else(digits, values, "0")
    return values.cast(pa.float64()).to_numpy(), flagged


def _times(series: pd.Series, zone: ZoneInfo, field: str) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """(UTC ns, missing mask, rows rejected) of a cell column through the time rule
    (``fields.times_column``)."""
    column = _arrow(series) if _zoned(series) or series.dtype.kind == "M" or _is_text(series) else None
    return times_column(series.tolist, zone, field, column)


def absent_column(key: str, n: int, tz: str) -> pd.Series | pd.api.extensions.ExtensionArray:
    """A CONVERSATIONS column the input does not have, for ``n`` conversations: every value
    missing (times NaT in ``tz``), tags an empty list each."""
    kind = CONVERSATIONS[key]
    if key == "tags":
        return pd.Series([[] for _ in range(n)], dtype="object")
    return missing_times(n, tz) if kind == "datetime" else pd.array([None] * n, dtype=kind)


def missing_times(n: int, tz: str) -> pd.Series:
    """``n`` tz-aware times in ``tz``, all NaT."""
    return datetimes(np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool), tz)


class ArrowRows:
    """A long table held in Arrow, for ``table_window`` in place of its ``to_pandas()`` frame:
    a column becomes pandas (as ``to_pandas`` makes it) only when asked for, and text columns
    read as dictionaries are decoded only at the rows asked for."""

    def __init__(self, table: pa.Table, schema: pa.Schema):
        """``schema``: the types of a plain read (``table`` may hold dictionaries of them)."""
        self.table, self.schema = table, schema
        self.columns = pd.Index(table.column_names)

    def __len__(self) -> int:
        return self.table.num_rows

    def __contains__(self, name: str) -> bool:
        return name in self.columns

    def __getitem__(self, name: str) -> pd.Series:
        return self._pandas(name, self.table.column(name))

    def get(self, name: str) -> pd.Series | None:
        return self[name] if name in self.columns else None

    def take(self, names: list[str], rows: np.ndarray) -> pd.DataFrame:
        """Rows ``rows`` of the columns ``names`` (text taken before decoding, the rest after)."""
        picked = {}
        for name in names:
            column = self.table.column(name)
            if pa.types.is_dictionary(column.type):
                picked[name] = self._pandas(name, column.take(pa.array(rows)))
            else:
                picked[name] = self._pandas(name, column).take(rows).reset_index(drop=True)
        return pd.DataFrame(picked)

    def dictionary(self, name: str) -> pa.DictionaryArray | None:
        """The column as read, when read as a dictionary of text (one chunk), its dictionary
        as ``pa.string``."""
        column = self.table.column(name)
        if not pa.types.is_dictionary(column.type) or column.num_chunks != 1:
            return None
        codes = column.chunk(0)
        if not pa.types.is_string(codes.type.value_type):
            codes = codes.cast(pa.dictionary(codes.type.index_type, pa.string()))
        return codes

    def _pandas(self, name: str, column: pa.ChunkedArray) -> pd.Series:
        wanted = self.schema.field(name).type
        return (column.cast(wanted) if column.type != wanted else column).to_pandas()


def _take(body: pd.DataFrame | ArrowRows, names: list[str], rows: np.ndarray) -> pd.DataFrame:
    """Rows ``rows`` of the columns ``names``."""
    return body.take(names, rows) if isinstance(body, ArrowRows) else body[names].take(rows)


@dataclass
class Window:
    """What the columnar rules make of a window of long-table rows: its complete conversations
    (the first ``len(flagged)``, in order) as frames — the values of the ``flagged`` ones, which
    a rule rejects, are placeholders: those conversations are for the row-by-row rule, from
    their ``rows`` — and the positions of the rows ``held`` back (the last conversation unless
    the window is final)."""

    conversations: dict[str, object]  # contract columns typed as ``conform`` types them, extras as lists
    messages: pd.DataFrame
    flagged: np.ndarray  # per conversation
    starts: np.ndarray  # per conversation, its first row (the first is row 0), and the end of the last
    held: np.ndarray

    def rows(self, i: int) -> np.ndarray:
        """The window rows of conversation ``i``, in file order."""
        return np.arange(self.starts[i], self.starts[i + 1])

    def frames(self, a: int, b: int) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
        """Conversations ``a``..``b-1`` that no rule flagged: (conversations, messages, positions)."""
        if not self.flagged[a:b].any():
            conv = pd.DataFrame({k: v[a:b] for k, v in self.conversations.items()})
            messages = self.messages.iloc[self.starts[a] : self.starts[b]].reset_index(drop=True)
            return conv, messages, np.arange(a, b)
        at = a + np.flatnonzero(~self.flagged[a:b])
        lengths = np.diff(self.starts)[at]
        rows = np.repeat(self.starts[at], lengths) + _ramp(lengths)
        conv = pd.DataFrame({k: _pick_rows(v, at) for k, v in self.conversations.items()})
        return conv, self.messages.take(rows).reset_index(drop=True), at


def _ramp(lengths: np.ndarray) -> np.ndarray:
    """0, 1, .., n-1 for each n of ``lengths``, one after the other."""
    return np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)


def _pick_rows(values: object, at: np.ndarray) -> object:
    return [values[i] for i in at.tolist()] if isinstance(values, list) else values[at]


def table_window(
    rows: pd.DataFrame | ArrowRows, builder: FrameBuilder, final: bool, marked: np.ndarray | None = None
) -> Window | None:
    """The whole conversations in ``rows`` (canonical column names) through each field's rule,
    typed as the row-by-row grouping and ``builder`` would build them; the conversations a rule
    rejects (a bad value, a conflicting repeated value, a duplicate id, a ``marked`` row) are
    flagged for the row-by-row rule, which reports them. None when the rows cannot be grouped
    into conversations by columns (no id column, ids missing, blank, padded or of another type,
    columns of types the rules do not read): then every row is for the row-by-row rule. Nothing
    is recorded in ``builder`` but the ids of the conversations not flagged."""
    if not len(rows) or rows.columns.duplicated().any() or "conversation_id" not in rows:
        return None
    ids = _ids(rows["conversation_id"])
    if ids is None:
        return None
    change = pc.not_equal(ids[1:], ids[:-1]).to_numpy(zero_copy_only=False)
    starts = np.flatnonzero(np.concatenate(([True], change)))
    keep = len(starts) if final else len(starts) - 1
    end = len(rows) if final else int(starts[-1])
    held = np.arange(end, len(rows))
    starts = starts[:keep]
    run_ids = _run_ids(ids, starts)
    if run_ids is None:
        return None
    if keep == 0:
        return Window({}, pd.DataFrame(), np.zeros(0, dtype=bool), np.array([end]), held)
    cids = run_ids.to_pylist()
    lengths = np.diff(np.append(starts, end))
    group = np.repeat(np.arange(keep), lengths)
    bad_rows = _conflicting(rows, end, starts[group])
    seq = _seq_key(rows["seq"]) if "seq" in rows else (np.zeros(len(rows)), np.zeros(len(rows), dtype=bool))
    checked = _row_rules(rows, end)
    if bad_rows is None or seq is None or checked is None:
        return None
    missing_text, codes = checked
    bad_rows |= missing_text | seq[1][:end]
    if marked is not None:
        bad_rows |= marked[:end]
    order = np.arange(end)
    key = seq[0][:end]
    if (np.diff(key)[group[1:] == group[:-1]] < 0).any():  # out of order within a conversation
        order = np.lexsort((key, group))  # columns are read whole; ``order`` picks the rows of complete ones
    messages, bad_messages = _table_messages(
        rows, codes, order, starts, lengths, run_ids.take(pa.array(group)), builder
    )
    flagged = np.zeros(keep, dtype=bool)
    flagged[group[bad_rows | bad_messages]] = True
    columns, bad_conversations = _table_conversations(rows, starts, order[starts], cids, builder)
    flagged[bad_conversations] = True
    if len(set(cids)) < len(cids) or not builder.seen_ids.isdisjoint(cids):  # every copy of a duplicate id
        counts = Counter(cids)
        flagged |= np.array([counts[c] > 1 or c in builder.seen_ids for c in cids])
    builder.seen_ids.update(compress(cids, ~flagged) if flagged.any() else cids)
    return Window(columns, messages, flagged, np.append(starts, end), held)


def _conflicting(body: pd.DataFrame | ArrowRows, end: int, firsts: np.ndarray) -> np.ndarray | None:
    """The rows (among the first ``end``) of a contract column that give a value other than their
    conversation's first row (``firsts``: the first row of each row's conversation), or a value
    where the first row gives none: the row-by-row grouping takes the first value given and
    locates a conflicting one. Blank cells after the first row (exports that write a
    conversation's fields once) are not flagged. None when a column cannot be compared."""
    later = np.arange(end) != firsts
    bad = np.zeros(end, dtype=bool)
    if not later.any():
        return bad
    for name in body.columns:
        if name == "conversation_id" or name not in CONTRACT_FIELDS:
            continue
        try:
            column = body.table.column(name) if isinstance(body, ArrowRows) else pa.array(body[name])
            if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):  # tags as lists of text
                column = pc.binary_join(column, "\x1f")
            values = (column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column).slice(0, end)
            codes = values.indices if pa.types.is_dictionary(values.type) else values
            if not (_differs(codes.slice(1), codes.slice(0, end - 1)) & later[1:]).any():
                continue  # every row repeats the one before: the common case, settled
            given = _given(values)
            same = ~_differs(codes, codes.take(pa.array(firsts)))
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            return None
        bad |= later & given & ~(given[firsts] & same)
    return bad


def _differs(a: pa.Array, b: pa.Array) -> np.ndarray:
    """Where two arrays differ (one null and the other not included; two nulls are the same)."""
    unequal = pc.not_equal(a, b)
    if a.null_count or b.null_count:
        unequal = pc.and_(pc.fill_null(unequal, True), pc.or_(a.is_valid(), b.is_valid()))
    return unequal.to_numpy(zero_copy_only=False)


def _given(values: pa.Array) -> np.ndarray:
    """Which values are not missing as ``is_missing`` sees them (null, NaN, blank text)."""
    if pa.types.is_dictionary(values.type):
        known = np.append(_given(values.dictionary), False)  # a null index picks the False at the end
        return known[values.indices.fill_null(len(values.dictionary)).to_numpy(zero_copy_only=False)]
    given = values.is_valid()
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        given = pc.and_(given, pc.invert(pc.match_substring_regex(values, f"^[{WHITESPACE}]*$")))
    elif pa.types.is_floating(values.type):
        given = pc.and_(given, pc.invert(pc.is_nan(values)))
    return pc.fill_null(given, False).to_numpy(zero_copy_only=False)


def _row_rules(body: pd.DataFrame | ArrowRows, end: int) -> tuple[np.ndarray, pa.Array] | None:
    """The message columns' checks that need no order: (the rows among the first ``end`` whose
    text is missing, the role column dictionary-encoded); None when the text or role column is
    absent or not text."""
    text = body.get("text")
    codes = _role_codes(body)
    if text is None or not _is_text(text) or codes is None:
        return None
    return text.isna().to_numpy()[:end], codes


def _table_messages(
    body: pd.DataFrame | ArrowRows,
    codes: pa.Array,
    order: np.ndarray,
    starts: np.ndarray,
    lengths: np.ndarray,
    ids: pa.Array,
    builder: FrameBuilder,
) -> tuple[pd.DataFrame, np.ndarray]:
    """The messages frame: rows ``order`` of the message columns, ``ids`` their conversations;
    with the rows whose role or time the field's rule rejects."""
    end = len(order)
    roles, bad_roles = roles_column(lambda: body["role"].tolist(), builder.roles, codes)
    bad = np.zeros(len(body), dtype=bool)
    bad[bad_roles] = True
    if "ts" in body:
        ns, missing, bad_ts = _times(body["ts"], builder.zone, "ts")
        bad[bad_ts] = True
        ts = datetimes(ns[order], missing[order], builder.tz)
    else:
        ts = missing_times(end, builder.tz)
    frame = pd.DataFrame(
        {  # the MESSAGES contract, typed as ``conform`` types it
            "conversation_id": pd.array(ids, dtype="string"),
            "seq": pd.array(np.arange(end) - np.repeat(starts, lengths), dtype="Int64"),
            "ts": ts,
            "role": pd.array(_pick(roles, order), dtype="string"),
            "text": pd.array(_pick(_arrow(body["text"]), order).cast(pa.string()), dtype="string"),
        }
    )
    return frame, bad[:end]


def _role_codes(body: pd.DataFrame | ArrowRows) -> pa.DictionaryArray | None:
    """The role column dictionary-encoded (as read, when it was read so); None when it is
    absent or not text."""
    codes = body.dictionary("role") if isinstance(body, ArrowRows) else None
    if codes is not None:
        return codes
    role = body.get("role")
    if role is None or not _is_text(role):
        return None
    return pc.dictionary_encode(_arrow(role).cast(pa.string()))


def _pick(values: pa.Array, order: np.ndarray) -> pa.Array:
    """``values[order]``: a slice when ``order`` is 0, 1, ... (rows already in order)."""
    if np.array_equal(order, np.arange(len(order))):
        return values.slice(0, len(order))
    return values.take(pa.array(order))


def _table_conversations(
    body: pd.DataFrame | ArrowRows, first: np.ndarray, first_message: np.ndarray, cids: list[str], builder: FrameBuilder
) -> tuple[dict[str, object], np.ndarray]:
    """The conversation columns, one row per conversation, through ``cell_value`` and each
    field's rule: a contract field from its conversation's first row (``first``: the only row
    that may give a value, ``_conflicting`` checked), an extra from the row of its first
    message (``first_message``), as the row-by-row grouping takes them. With the positions of
    the conversations a rule rejects."""
    names = [c for c in body.columns if c not in _TABLE_MESSAGE and c != "conversation_id"]
    contract = [c for c in names if c in CONTRACT_FIELDS]
    firsts = _take(body, contract, first).reset_index(drop=True)
    extras = _take(body, [c for c in names if c not in CONTRACT_FIELDS], first_message).reset_index(drop=True)
    columns: dict[str, object] = {c: None for c in CONVERSATIONS}
    columns["conversation_id"] = pd.array(pa.array(cids, type=pa.string()), dtype="string")
    flagged = np.zeros(len(cids), dtype=bool)
    for name in names:
        key = FIELD_ALIASES[name] if name in FIELD_ALIASES and FIELD_ALIASES[name] not in names else name
        codes = body.dictionary(name) if isinstance(body, ArrowRows) else None
        cells = firsts[name] if name in CONTRACT_FIELDS else extras[name]
        columns[key], bad = _conversation_column(cells, key, builder, None if codes is None else codes.dictionary)
        flagged[bad] = True
    for key, values in columns.items():
        if values is None:
            values = absent_column(key, len(cids), builder.tz)
        columns[key] = values.array if isinstance(values, pd.Series) else values
    return columns, flagged  # contract columns typed as ``conform`` types them (arrays), extras as lists


def _conversation_column(
    series: pd.Series, key: str, builder: FrameBuilder, distinct: pa.Array | None
) -> tuple[object, list[int]]:
    """One conversation-level column (first rows) through its field's rule (``io.fields``),
    typed for the frame; extras as a list. ``distinct``: text holding every value of the
    column (a dictionary), or None. With the positions the rule rejects."""
    if key not in CONVERSATIONS:
        return _extra(series, key, distinct), []
    kinds = "biufM" if key in TIMES else "biuf"
    column = _arrow(series) if _is_text(series) or series.dtype.kind in kinds or _zoned(series) else None
    cells = lambda: [cell_value(v, key) for v in series.tolist()]  # noqa: E731 (asked for only when flagged)
    values, bad = conversation_column(key, cells, builder.zone, builder.channels, column)
    return frame_column(key, values, builder.tz), bad


def frame_column(key: str, values: pa.Array | list, tz: str) -> object:
    """A standard conversation field as ``fields.conversation_column`` gives it, typed for the
    frame as ``conform`` types it."""
    if key in TIMES:
        return datetimes(values.fill_null(0).to_numpy(zero_copy_only=False), ~_valid(values), tz)
    if key == "tags":
        return pd.Series(values, dtype="object")
    return pd.api.types.pandas_dtype(CONVERSATIONS[key]).__from_arrow__(values)


def _zoned(series: pd.Series) -> bool:
    return isinstance(series.dtype, pd.DatetimeTZDtype)


def _valid(values: pa.Array) -> np.ndarray:
    return values.is_valid().to_numpy(zero_copy_only=False)


def _extra(series: pd.Series, key: str, distinct: pa.Array | None) -> list:
    """A column outside the contract as the cells ``cell_value`` gives (true/false text as flags)."""
    text = _plain_text(series, distinct)
    if text is not None:
        return text.to_pylist()
    if series.dtype.kind in "biuf":
        values = series.tolist()
        return [None if v != v else v for v in values] if series.dtype.kind == "f" else values
    return [cell_value(v, key) for v in series.tolist()]
