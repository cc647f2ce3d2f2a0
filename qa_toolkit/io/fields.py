"""One rule per standard conversation field, over a whole column: the values the rule leaves as
they are (or maps at once) are settled in Arrow, and only the rows it flags go through the
field's scalar rule in ``io.validate`` (``parse_csat``, ``parse_tags``, ``as_text_field``,
``parse_role``, ``parse_ts``) — the
rule itself, and what the row-by-row ``FrameBuilder`` applies. Every route into a Dataset (JSONL
records, the Arrow JSONL front end, long tables, a worker's row group) converts these fields here.

Each function takes ``cells`` (the values as the scalar rule sees them: a list, or a callable
giving it, asked for only when a row is flagged) and optionally ``column``, the same values in
Arrow when the format holds them so (else Arrow is tried on the list), and returns the converted
values and the positions the scalar rule rejects (a problem for the row-by-row path to report).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from qa_toolkit.io.validate import (
    MAX_NS,
    MIN_NS,
    REQUIRED,
    FieldError,
    as_text_field,
    channel_name,
    parse_csat,
    parse_role,
    parse_tags,
    parse_ts,
)

Cells = Sequence | Callable[[], Sequence]
#: The characters ``str.isspace`` (and so ``str.strip``) takes for whitespace, as an RE2 class
#: body; written out because finding them (over every code point) took 0.2 s per import.
#: tests/io/test_iso_timestamp_parsing.py checks the list against Python's own.
WHITESPACE = "".join(
    f"\\x{{{c:x}}}"
    for c in (
        0x9,
        0xA,
        0xB,
        0xC,
        0xD,
        0x1C,
        0x1D,
        0x1E,
        0x1F,
        0x20,
        0x85,
        0xA0,
        0x1680,
        *range(0x2000, 0x200B),
        0x2028,
        0x2029,
        0x202F,
        0x205F,
        0x3000,
    )
)
PADDED = f"^$|^[{WHITESPACE}]|[{WHITESPACE}]$"  # what str.strip would change, or blank
_CSAT = pa.array([1, 2, 3, 4, 5], type=pa.int64())


TIMES = ("started_at", "ended_at")


def conversation_column(
    key: str, cells: Cells, zone: ZoneInfo, channels: Mapping[str, str], column: pa.Array | None = None
) -> tuple[pa.Array | list, list[int]]:
    """A standard conversation field (``frames.CONVERSATIONS``) through its rule: times as UTC
    nanoseconds (int64, null where missing), csat (int64), tags (lists), every other field as
    text (channels named as ``channels`` says); a required field missing is rejected. With the
    positions rejected. Every route reads the conversation fields through this one dispatch."""
    if key in TIMES:
        ns, missing, bad = times_column(cells, zone, key, column)
        return pa.array(ns, mask=missing), bad
    if key == "tags":
        return tags_column(cells, column)
    if key == "csat":
        return csat_column(cells, column)
    text, bad = text_column(cells, key, column)
    if key == "channel":
        text = channel_names(text, channels)
    if key in REQUIRED and text.null_count:
        bad = sorted({*bad, *np.flatnonzero(~_mask(text.is_valid())).tolist()})
    return text, bad


def channel_names(text: pa.Array, aliases: Mapping[str, str]) -> pa.Array:
    """A text column of channels as the readers name them (``validate.channel_name``), each
    distinct value looked up once."""
    codes = pc.dictionary_encode(text)
    names = [channel_name(v, aliases) for v in codes.dictionary.to_pylist()]
    return pa.array(names, type=pa.string()).take(codes.indices)


def csat_column(cells: Cells, column: pa.Array | None = None) -> tuple[pa.Array, list[int]]:
    """CSAT (``parse_csat``): whole numbers 1..5 kept at once, missing as null; every other
    value (text, fractions, out of range, true/false) through ``parse_csat``."""
    column = _column(cells, column)
    kind = column.type
    valid = _mask(column.is_valid())
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        if pa.types.is_floating(kind):
            valid &= ~_mask(pc.is_nan(column))
        known = _mask(pc.is_in(column, value_set=_CSAT.cast(kind))) & valid
        base = pc.if_else(pa.array(known), column, pa.scalar(None, kind)).cast(pa.int64())
        flagged = valid & ~known
    else:
        base, flagged = pa.nulls(len(column), pa.int64()), valid & (not pa.types.is_null(kind))
    return _settle(base, flagged, cells, parse_csat)


def tags_column(cells: Cells, column: pa.Array | None = None) -> tuple[list[list[str]], list[int]]:
    """Tags (``parse_tags``): lists of plain text kept, text split once per distinct value,
    missing as no tags; anything else through ``parse_tags``."""
    column = _column(cells, column)
    kind = column.type
    if pa.types.is_null(kind):
        return [[] for _ in range(len(column))], []
    if pa.types.is_dictionary(kind) and _is_text(kind.value_type) or _is_text(kind):
        codes = column if pa.types.is_dictionary(kind) else pc.dictionary_encode(column)
        parsed = [parse_tags(v) for v in codes.dictionary.to_pylist()]
        return [[] if i is None else list(parsed[i]) for i in codes.indices.to_pylist()], []
    if pa.types.is_list(kind) and _is_text(kind.value_type):
        items = pc.list_flatten(column)
        if not items.null_count and not _any(pc.match_substring_regex(items, PADDED)):
            return [[] if tags is None else tags for tags in column.to_pylist()], []
    values = cells() if callable(cells) else cells
    out, bad = [], []
    for i, value in enumerate(values):
        try:
            out.append(parse_tags(value))
        except FieldError:
            out.append([])
            bad.append(i)
    return out, bad


def text_column(cells: Cells, field: str, column: pa.Array | None = None) -> tuple[pa.Array, list[int]]:
    """A text field of the contract (ids, channel, tier, queue; ``as_text_field``): plain text
    kept at once; blank as null; padded text, numbers and the rest through ``as_text_field``."""
    column = _column(cells, column)
    kind = column.type
    if pa.types.is_dictionary(kind) and _is_text(kind.value_type):
        dictionary, bad = text_column(column.dictionary.to_pylist(), field, column.dictionary)
        if not bad:
            return dictionary.take(column.indices), []
        column = column.cast(kind.value_type)
        kind = column.type
    if _is_text(kind):
        column = column.cast(pa.string())
        flagged = _mask(pc.fill_null(pc.match_substring_regex(column, PADDED), False))
        base = column
    else:
        base, flagged = pa.nulls(len(column), pa.string()), _mask(column.is_valid())
    return _settle(base, flagged, cells, lambda value: as_text_field(value, field))


def roles_column(
    cells: Cells, aliases: Mapping[str, str], column: pa.Array | None = None
) -> tuple[pa.Array | list, list[int]]:
    """Message roles (``parse_role``): each distinct value looked up once (aliases in English
    and Chinese), missing and unknown roles rejected (None). In the form given: an Arrow array
    for an Arrow ``column``, a list for a list of cells (a dict lookup per message is cheaper
    than a trip through Arrow for JSONL records)."""
    if column is None:
        values = cells() if callable(cells) else cells
        try:
            known = {value: _role(value, aliases) for value in set(values)}
        except TypeError:  # an object or a list as a role: every value looked up on its own
            roles = [_role(value, aliases) for value in values]
        else:
            roles = list(map(known.__getitem__, values))
            if None not in known.values():
                return roles, []
        return roles, [i for i, r in enumerate(roles) if r is None]
    codes = column if pa.types.is_dictionary(column.type) else pc.dictionary_encode(column)
    known = [_role(value, aliases) for value in codes.dictionary.to_pylist()]
    roles = pa.array(known, type=pa.string()).take(codes.indices)
    return roles, np.flatnonzero(~_mask(roles.is_valid())).tolist() if roles.null_count else []


def _role(value: object, aliases: Mapping[str, str]) -> str | None:
    try:
        return parse_role(value, aliases)
    except FieldError:
        return None


def _column(cells: Cells, column: pa.Array | None) -> pa.Array:
    """``column``, else the cells as one Arrow array of the type Arrow infers; cells that fit
    no single Arrow type as a ``pa.binary`` column (which no rule keeps at once: every row
    flagged)."""
    if column is not None:
        return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    values = cells() if callable(cells) else cells
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
        return pa.array([b""] * len(values), type=pa.binary())


def _settle(base: pa.Array, flagged: np.ndarray, cells: Cells, rule: Callable) -> tuple[pa.Array, list[int]]:
    """``base`` with its ``flagged`` rows replaced by ``rule`` of their cells; the positions the
    rule rejects (null there)."""
    if not flagged.any():
        return base, []
    values = cells() if callable(cells) else cells
    fixed, bad = [], []
    for i in np.flatnonzero(flagged).tolist():
        try:
            fixed.append(rule(values[i]))
        except FieldError:
            fixed.append(None)
            bad.append(i)
    return pc.replace_with_mask(base, pa.array(flagged, type=pa.bool_()), pa.array(fixed, type=base.type)), bad


def _mask(values: pa.Array) -> np.ndarray:
    return values.to_numpy(zero_copy_only=False).astype(bool)


def _any(mask: pa.Array) -> bool:
    return bool(pc.any(mask).as_py())


def _is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


# --- times -----------------------------------------------------------------------------------


def times_column(
    cells: Cells, zone: ZoneInfo, field: str, column: pa.Array | None = None
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Times (``parse_ts``): (UTC ns, a missing mask, the positions ``parse_ts`` rejects). Text
    of the common ISO shapes is converted by Arrow (``iso_ns``) and timestamps as they are (naive
    ones in ``zone``); every other value — epoch numbers, other spellings, a local time the zone
    skips or repeats, a time past the range — goes through ``parse_ts``."""
    timestamps = column is not None and pa.types.is_timestamp(column.type)
    if timestamps:
        ns, missing, flagged = _timestamps(column, zone)
    else:
        strings = column if column is not None and _is_text(column.type) else _strings(cells)
        ns, done = iso_ns(strings, zone)
        missing, flagged = np.zeros(len(ns), dtype=bool), ~done
    bad: list[int] = []
    if flagged.any():
        values = None if timestamps else (cells() if callable(cells) else cells)
        for i in np.flatnonzero(flagged).tolist():
            try:
                got = parse_ts(_timestamp_cell(column, i, field) if timestamps else values[i], zone, field)
            except FieldError:
                bad.append(i)
                continue
            if got is None:
                missing[i] = True
            else:
                ns[i] = got
    return ns, missing, bad


def datetimes(ns: np.ndarray, missing: np.ndarray, tz: str) -> pd.Series:
    """UTC nanoseconds as tz-aware times in ``tz`` (NaT where missing): the time rule's column."""
    utc = np.where(missing, np.iinfo(np.int64).min, ns).view("datetime64[ns]")  # int64 min is NaT
    return pd.Series(pd.DatetimeIndex(utc).tz_localize("UTC").tz_convert(tz))


def _strings(cells: Cells) -> pa.Array:
    """The cells as Arrow text for ``iso_ns``: all of them when they are all text (or missing),
    else only the ASCII text (the rest is ``parse_ts``'s)."""
    values = cells() if callable(cells) else cells
    try:
        return pa.array(values, type=pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, UnicodeEncodeError):
        return pa.array([v if type(v) is str and v.isascii() else None for v in values], type=pa.string())


def _timestamp_cell(column: pa.Array, i: int, field: str) -> object:
    """Cell ``i`` of an Arrow timestamp column as a Python datetime; one past what a datetime
    (or pandas, converting it to its zone) holds is a time out of range."""
    try:
        return column[i].as_py()
    except (OverflowError, ValueError) as err:  # pandas' OutOfBoundsDatetime is a ValueError
        raise FieldError(field, f"time out of range: {err}", code="time_out_of_range") from None


def _timestamps(column: pa.Array, zone: ZoneInfo) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(UTC ns to the microsecond, missing, flagged) of an Arrow timestamp column: naive times
    are local times in ``zone``; a time past the range, or one the zone skips or repeats, is
    flagged for ``parse_ts``."""
    missing = ~_mask(column.is_valid())
    per = 10 ** (3 * ("ns", "us", "ms", "s").index(column.type.unit))  # ns per unit
    raw = np.where(missing, 0, column.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False))
    flagged = ((raw < MIN_NS // per) | (raw > MAX_NS // per)) & ~missing  # checked before converting
    ns = np.where(flagged, 0, raw) * per // 1000 * 1000  # a Python datetime keeps microseconds
    if column.type.tz is None:
        local = pd.DatetimeIndex(ns).tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
        flagged |= np.asarray(local.isna()) & ~missing
        ns = np.where(flagged, 0, local.asi8)
    flagged |= ((ns < MIN_NS) | (ns > MAX_NS)) & ~missing
    return ns, missing, flagged


_DATE_TIME = (
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[T ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
    r"(\.[0-9]{1,6})?"
)
_AWARE = _DATE_TIME + r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
_NAIVE = _DATE_TIME + "$"
_US_LIMIT = 2**63 // 1000  # µs beyond this overflow int64 nanoseconds


def iso_ns(strings: pa.Array, zone: ZoneInfo) -> tuple[np.ndarray, np.ndarray]:
    """UTC nanoseconds of the strings of the common ISO shape, and a mask of those converted;
    the rest (nulls included) is left to the caller."""
    n = len(strings)
    ns, done = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)
    for pattern, unit in ((_AWARE, pa.timestamp("us", tz="UTC")), (_NAIVE, pa.timestamp("us"))):
        rest = np.flatnonzero(~done)  # the shapes exclude each other: a value matched is not tried again
        if not len(rest):
            break
        candidates = strings if len(rest) == n else strings.take(pa.array(rest))
        match = _aware_fixed(candidates) if pattern is _AWARE else None
        if match is None:
            match = pc.match_substring_regex(candidates, pattern).fill_null(False).to_numpy(zero_copy_only=False)
        if not match.any():
            continue
        where = rest[np.flatnonzero(match)]
        try:  # a well-shaped impossible date (02-30) fails the whole cast: parse_ts says which
            shaped = candidates if match.all() else candidates.filter(match)
            us = shaped.cast(unit).cast(pa.int64()).to_numpy()
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
        fits = np.abs(us) < _US_LIMIT
        where, us = where[fits], us[fits]
        if unit.tz is None:
            local = pd.DatetimeIndex(us * 1000).tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
            utc = local.asi8
            keep = ~local.isna()
            where, utc = where[keep], utc[keep]
        else:
            utc = us * 1000
        inside = (utc >= MIN_NS) & (utc <= MAX_NS)  # the rest: parse_ts says why not
        where, utc = where[inside], utc[inside]
        ns[where] = utc
        done[where] = True
    return ns, done


#: The aware shape without a fraction, by byte length: (position, lowest, highest) of each
#: byte, and the two-digit fields (position, highest) — exactly what ``_AWARE`` accepts.
_FIXED = {
    25: ("0000-00-00T00:00:00+00:00", ((5, 12), (8, 31), (11, 23), (14, 59), (17, 59), (20, 23), (23, 59))),
    20: ("0000-00-00T00:00:00Z", ((5, 12), (8, 31), (11, 23), (14, 59), (17, 59))),
}


def _aware_fixed(strings: pa.Array) -> np.ndarray | None:
    """Which values match ``_AWARE``, checked byte by byte when all are text of one length
    of the shapes in ``_FIXED`` (faster than the regex); None otherwise (then the regex)."""
    n = len(strings)
    if not n or strings.null_count or not pa.types.is_string(strings.type):
        return None
    offsets = np.frombuffer(strings.buffers()[1], dtype=np.int32)[strings.offset : strings.offset + n + 1]
    width = int(offsets[1] - offsets[0])
    if width not in _FIXED or offsets[-1] - offsets[0] != width * n or (np.diff(offsets) != width).any():
        return None
    template, fields = _FIXED[width]
    cells = np.frombuffer(strings.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]].reshape(n, width)
    digit = (cells >= ord("0")) & (cells <= ord("9"))
    ok = np.ones(n, dtype=bool)
    for i, char in enumerate(template):
        if char == "0":
            ok &= digit[:, i]
        elif char == "T":
            ok &= (cells[:, i] == ord("T")) | (cells[:, i] == ord(" "))
        elif char == "+":
            ok &= (cells[:, i] == ord("+")) | (cells[:, i] == ord("-"))
        else:
            ok &= cells[:, i] == ord(char)
    for i, highest in fields:
        value = (cells[:, i].astype(np.int16) - ord("0")) * 10 + cells[:, i + 1] - ord("0")
        ok &= (value <= highest) & (value >= (1 if highest in (12, 31) else 0))
    return ok
