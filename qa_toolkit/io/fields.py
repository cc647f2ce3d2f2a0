"""One rule per standard conversation field, over a whole column: the values the rule leaves as
they are (or maps at once) are settled in Arrow, and only the rows it flags go through the
field's scalar rule in ``io.validate`` (``parse_csat``, ``parse_tags``, ``as_text_field``,
``parse_role``) — the
rule itself, and what the row-by-row ``FrameBuilder`` applies. Every route into a Dataset (JSONL
records, the Arrow JSONL front end, long tables, a worker's row group) converts these fields here.

Each function takes ``cells`` (the values as the scalar rule sees them: a list, or a callable
giving it, asked for only when a row is flagged) and optionally ``column``, the same values in
Arrow when the format holds them so (else Arrow is tried on the list), and returns the converted
values and the positions the scalar rule rejects (a problem for the row-by-row path to report).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from qa_toolkit.io.validate import FieldError, as_text_field, parse_csat, parse_role, parse_tags

Cells = Sequence | Callable[[], Sequence]
#: The characters ``str.isspace`` (and so ``str.strip``) takes for whitespace, as an RE2 class
#: body; written out because finding them (over every code point) took 0.2 s per import.
#: tests/test_fastread_times.py checks the list against Python's own.
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
