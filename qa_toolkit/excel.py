"""Untrusted text in the files a person opens: workbook cells, CSV cells, HTML text.

Formula injection: text that starts with ``=``, ``+``, ``-``, ``@``, TAB, CR or LF becomes a live
formula when a spreadsheet opens it (``=HYPERLINK(…)`` turns into a link). In a workbook we
store such text as a string with Excel's quote prefix (``put``), which keeps the text
exactly and shows no apostrophe. A CSV cell has no such flag, so ``csv_safe`` does what
OWASP's CSV-injection guidance says — a leading ``'``, which spreadsheets show — and also adds
one to text that already starts with quotes before such a character, so that ``csv_restore``,
run by our own commands when they read a CSV back, gives every text back exactly.

Display safety: characters XML 1.0 forbids (NUL and the other C0 controls but TAB, LF and CR,
lone surrogates, U+FFFE and U+FFFF) make a malformed .xlsx, and the bidirectional overrides,
embeddings and isolates (U+202A–U+202E, U+2066–U+2069) let one id display as another (a
spoof). ``display_text`` replaces both with U+FFFD, in workbook cells, sheet titles and HTML.
Workbook text is capped at Excel's 32,767 characters per cell.

Workbooks are written with XlsxWriter (``new_workbook`` + ``put``: several times faster than
openpyxl's cell objects on the grading and report workbooks) and read with openpyxl.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import os
import re
import unicodedata
import weakref
from collections.abc import Iterable, Sequence
from itertools import count
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # XlsxWriter and pandas load when a workbook or a frame is written
    import pandas as pd
    import xlsxwriter
    from xlsxwriter.format import Format
    from xlsxwriter.worksheet import Worksheet as XlsxSheet

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
MAX_CELL_CHARS = 32_767
_TRUNCATED = "…[truncated]"
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]")
_FORMULA_START = "[" + "".join("\\" + c if c in "\\]^-" else c for c in FORMULA_PREFIXES) + "]"
_CSV_QUOTE = (f"^('*{_FORMULA_START})", r"'\1")  # (pattern, replacement): add a quote
_CSV_UNQUOTE = (f"^'('*{_FORMULA_START})", r"\1")  # take the added quote off


def display_text(text: str) -> str:
    """``text`` with the characters no XML file may hold and the bidirectional controls that
    reorder what is shown replaced by U+FFFD, so a reader sees that something was there."""
    return _UNSAFE.sub("\ufffd", text)


def display_width(text: str) -> int:
    """Columns a text needs in a spreadsheet: CJK (wide) characters count twice."""
    if text.isascii():
        return len(text)
    return len(text) + sum(unicodedata.east_asian_width(ch) in "WF" for ch in text if ord(ch) >= 0x1100)


#: Points one line of wrapped text takes (Excel's default row, 11-pt type, is 15), and the tallest row Excel allows.
LINE_POINTS, MAX_ROW_POINTS = 15.0, 409.0


def row_points(lines: int) -> float:
    """The height, in points, of a row showing ``lines`` lines of wrapped text (Excel's cap kept)."""
    return min(LINE_POINTS * max(lines, 1), MAX_ROW_POINTS)


def lines_in(text: str, width: float) -> int:
    """Lines ``text`` takes wrapped in a column ``width`` characters wide, as a spreadsheet wraps
    it: between words, or anywhere in a run of CJK (wide, two columns) characters; every line
    break starts a line."""
    return sum(_wrapped(line, max(width - 1, 1)) for line in _BREAKS.split(text))


#: Line breaks, and what wrapping sees: a word of printable ASCII (kept together), or a run of
#: other characters (CJK breaks anywhere), each with the spaces after it.
_BREAKS, _WORDS = re.compile(r"\r\n|\r|\n"), re.compile(r"[!-~]+ *|[^!-~ ]+ *| +")


def _wrapped(line: str, width: float) -> int:
    """Lines one line of text takes wrapped ``width`` columns wide (a word wider than that broken)."""
    if 2 * len(line) <= width:  # short enough whatever its characters: no closer look
        return 1
    lines, used = 1, 0
    for word in _WORDS.findall(line):
        size, spaces = _measure(word)
        if "!" <= word[0] <= "~":  # a word: on the next line when it does not fit, broken when wider
            if used and used + size > width:
                lines, used = lines + 1, 0
            while size > width:
                lines, size = lines + 1, size - width
            used += size + spaces
        else:  # a run that breaks anywhere: it fills the line, then as many more as it needs
            used += size
            if used > width:
                more = -(-(used - width) // width)
                lines, used = lines + more, used - more * width
            used += spaces
    return lines


@functools.lru_cache(maxsize=65536)  # the same words come back on every sheet
def _measure(word: str) -> tuple[int, int]:
    """Columns a word or run takes, and the spaces after it."""
    bare = word.rstrip(" ")
    return display_width(bare), len(word) - len(bare)


def safe_value(value: Any) -> Any:
    """A value a workbook cell can hold: text cleaned and capped, missing values as None, aware
    datetimes made naive (Excel has no time zones), numpy scalars as Python numbers."""
    if value is None:
        return None
    if type(value) is str:  # most cells: skip the checks below, which cannot apply
        return _capped(display_text(value))
    if type(value) in (int, bool):
        return value
    if isinstance(value, dt.datetime) and value == value:  # pandas' Timestamp too (its NaT is unequal to itself)
        return _naive(value)
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy / pandas scalars
        try:
            value = value.item()
        except (ValueError, AttributeError):
            pass
    try:
        import pandas as pd

        if value is pd.NaT or (not isinstance(value, (str, list, dict)) and pd.isna(value)):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dt.datetime):
        return _naive(value)
    if isinstance(value, (list, tuple)):
        value = "|".join(map(str, value))
    if isinstance(value, str):
        value = _capped(display_text(value))
    return value


def _naive(value: dt.datetime) -> dt.datetime:
    """A Python datetime of ``value``'s wall-clock time (pandas' Timestamp converted), without its time zone."""
    if type(value) is not dt.datetime and hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    return value if value.tzinfo is None else value.replace(tzinfo=None)


def _capped(text: str) -> str:
    """``text`` cut to what one Excel cell holds, marked as cut."""
    return text if len(text) <= MAX_CELL_CHARS else text[: MAX_CELL_CHARS - len(_TRUNCATED)] + _TRUNCATED


def new_workbook(dest: str | os.PathLike, **options: Any) -> xlsxwriter.Workbook:
    """An XlsxWriter workbook writing to ``dest`` that never turns text into a formula, a number
    or a link by itself (``put`` writes every value; dates show as ``yyyy-mm-dd hh:mm``)."""
    import xlsxwriter

    settings = {
        "strings_to_formulas": False,
        "strings_to_numbers": False,
        "strings_to_urls": False,
        "default_date_format": "yyyy-mm-dd hh:mm",
        **options,
    }
    return xlsxwriter.Workbook(os.fspath(dest), settings)


def put(ws: XlsxSheet, row: int, col: int, value: Any, fmt: Format | None = None) -> None:
    """Write ``value`` at (``row``, ``col``) (0-based, XlsxWriter's order) cleaned by
    ``safe_value``; text that starts like a formula is stored as text with Excel's quote prefix,
    as a person typing ``'=…`` would."""
    value = safe_value(value)
    if value is None or value == "":  # no text: a blank cell, as openpyxl writes it
        ws.write_blank(row, col, None, fmt)
    elif type(value) is str:
        ws.write_string(row, col, *_cell_text(ws, value, fmt))
    elif type(value) is bool:
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, (int, float)):
        ws.write_number(row, col, value, fmt)
    elif isinstance(value, (dt.datetime, dt.date, dt.time, dt.timedelta)):
        ws.write_datetime(row, col, value, fmt)
    else:
        ws.write_string(row, col, _capped(display_text(str(value))), fmt)


def written_as_is(value: Any) -> bool:
    """Whether ``put`` writes ``value`` as the very text it is (nothing to clean, no CR, no quote
    prefix): such a text, checked once, can go straight to ``write_string`` wherever it repeats."""
    return (
        type(value) is str
        and value != ""
        and "\r" not in value
        and not value.startswith(FORMULA_PREFIXES)
        and safe_value(value) == value
    )


def put_rows(
    ws: XlsxSheet,
    row: int,
    col: int,
    rows: Iterable[Sequence[Any]],
    formats: Sequence[tuple[Format | None, Format | None]],
) -> None:
    """Write ``rows`` from (``row``, ``col``) (0-based) as ``put`` writes each value, the ``j``-th
    value of a row in ``formats[j]`` (its format for text, its format for anything else): the
    table writers' path, text, numbers and dates written without ``put``'s per-value checks, each
    distinct text cleaned once (names, labels and ids recur down a column)."""
    string, number, blank, date = ws.write_string, ws.write_number, ws.write_blank, ws.write_datetime
    held: dict[str, tuple[str, bool]] = {}  # text -> (as its cell holds it, whether it takes the quote prefix)
    for r, values in enumerate(rows, row):
        for c, value, (text_fmt, other_fmt) in zip(count(col), values, formats):
            kind = type(value)
            if kind is str:
                cell = held.get(value)
                if cell is None:
                    cell = held[value] = _held_text(_capped(display_text(value)))
                if cell[0]:
                    string(r, c, cell[0], _quoted(ws, text_fmt) if cell[1] else text_fmt)
                else:
                    blank(r, c, None, text_fmt)
            elif kind is int or (kind is float and value == value):
                number(r, c, value, other_fmt)
            elif isinstance(value, dt.datetime) and value == value:  # pandas' Timestamp too, not its NaT
                date(r, c, _naive(value), other_fmt)
            else:
                put(ws, r, c, value, other_fmt)


def put_link(ws: XlsxSheet, row: int, col: int, value: Any, location: str, fmt: Format | None = None) -> None:
    """Write ``value`` as ``put`` would, as a link to ``location`` in the workbook (``'Sheet'!A5``)."""
    text = safe_value(value)
    text, fmt = _cell_text(ws, "" if text is None else str(text), fmt)
    ws.write_url(row, col, f"internal:{location}", fmt, text)


def put_rich(
    ws: XlsxSheet, row: int, col: int, parts: Sequence[tuple[str, Format | None]], fmt: Format | None = None
) -> None:
    """Write the text made of ``parts`` ((piece, font format or None), from text ``safe_value``
    already cleaned) with each piece in its format; plain through ``put`` when no piece has one
    or cleaning would change the text."""
    text = "".join(piece for piece, _ in parts)
    if all(run is None for _, run in parts) or "\r" in text or safe_value(text) != text:
        put(ws, row, col, text, fmt)
        return
    tokens: list = []
    for piece, run in parts:
        if run is not None and len(parts) == 1 and len(piece) > 1:  # XlsxWriter wants two runs at least
            tokens += [run, piece[:1], run, piece[1:]]
        else:
            tokens += [run, piece] if run is not None else [piece]
    if len(tokens) <= 2:  # one formatted character: no rich text to write
        put(ws, row, col, text, fmt)
        return
    fmt = _cell_text(ws, text, fmt)[1]  # the text has no CR here: only the quote prefix matters
    ws.write_rich_string(row, col, *tokens, *([fmt] if fmt is not None else []))


def _cell_text(ws: XlsxSheet, text: str, fmt: Format | None) -> tuple[str, Format | None]:
    """``text`` as a cell holds it and the format that keeps it text (``_held_text``)."""
    text, quoted = _held_text(text)
    return text, (_quoted(ws, fmt) if quoted else fmt)


def _held_text(text: str) -> tuple[str, bool]:
    """``text`` as a cell holds it (CR as LF: XlsxWriter would store CR as the escape _x000D_,
    which readers show as is) and whether it needs Excel's quote prefix to stay text (it starts
    like a formula)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, text.startswith(FORMULA_PREFIXES)


_QUOTED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # worksheet -> {format id: quoted format}


def _quoted(ws: XlsxSheet, fmt: Format | None) -> Format:
    """``fmt`` with Excel's quote prefix added, made once per format and worksheet."""
    made = _QUOTED.setdefault(ws, {})
    key = id(fmt)
    if key not in made:
        quoted = ws.workbook_add_format() if fmt is None else _copy_format(ws, fmt)
        quoted.set_quote_prefix()
        made[key] = (quoted, fmt)  # fmt kept alive so that its id stays its own
    return made[key][0]


def _copy_format(ws: XlsxSheet, fmt: Format) -> Format:
    """A new format of ``ws``'s workbook with every property ``fmt`` set."""
    copy_of = ws.workbook_add_format()
    for name, value in vars(fmt).items():
        if not name.startswith("_") and name not in _FORMAT_BOOKKEEPING:
            setattr(copy_of, name, value)
    return copy_of


# XlsxWriter's own bookkeeping on a Format (indices it assigns when the workbook is written)
_FORMAT_BOOKKEEPING = frozenset(
    {
        "xf_format_indices",
        "dxf_format_indices",
        "xf_index",
        "dxf_index",
        "num_format_index",
        "font_index",
        "fill_index",
        "border_index",
    }
)


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` ready for a CSV a person opens in a spreadsheet: every text cell a spreadsheet
    would run as a formula gets a leading ``'`` (see the module docstring); numbers, dates and
    missing values are left as they are."""
    return _requoted(frame, *_CSV_QUOTE)


def csv_restore(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as read from a CSV written through ``csv_safe``: the quote it added taken off."""
    return _requoted(frame, *_CSV_UNQUOTE)


def _requoted(frame: pd.DataFrame, pattern: str, replacement: str) -> pd.DataFrame:
    """``frame`` with ``pattern`` replaced in the text cells: a column of text at once (RE2 on
    Arrow text), a column mixing text with other values cell by cell."""
    import pandas as pd

    out = frame.copy(deep=False)
    for name in out.columns:
        column = out[name]
        if isinstance(column.dtype, pd.StringDtype) or (
            column.dtype == object and pd.api.types.infer_dtype(column, skipna=True) in ("string", "empty")
        ):
            out[name] = column.str.replace(pattern, replacement, regex=True)
        elif isinstance(column.dtype, pd.CategoricalDtype) and column.cat.categories.dtype != "int64":
            categories = column.cat.categories
            out[name] = column.cat.rename_categories(
                [re.sub(pattern, replacement, c) if isinstance(c, str) else c for c in categories]
            )
        elif column.dtype == object:
            out[name] = column.map(lambda v: re.sub(pattern, replacement, v) if isinstance(v, str) else v)
    return out
