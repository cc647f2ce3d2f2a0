"""Building blocks of the review workbooks (grading, disputes, resolution): formula-safe rows,
yellow unlocked input cells, drop-downs, very hidden id sheets and print setup — so every
workbook people fill in looks and behaves the same, and importers read the hidden ids,
never the visible layout.

The workbooks are written with XlsxWriter (``excel.new_workbook``), once, on ``close``; rows
and columns here are 1-based, as in the A1 addresses the hidden id sheets record and the
importers read with openpyxl."""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from qa_toolkit import collector
from qa_toolkit.atomic import atomic_path
from qa_toolkit.excel import lines_in, new_workbook, put, put_rows, row_points, written_as_is

_INPUT = {"locked": False, "bg_color": "#FFF2CC", "pattern": 1, "valign": "top"}
_WRAP = {"text_wrap": True, "valign": "top"}


class Formats:
    """The formats of one review workbook, made once: headers, titles, wrapped text and the
    yellow unlocked input cells (plain, wrapped, dates)."""

    def __init__(self, wb: xlsxwriter.Workbook):
        self.head = wb.add_format({"bold": True})
        self.head_wrap = wb.add_format({"bold": True, **_WRAP})
        self.title = wb.add_format({"bold": True, "font_size": 13})
        self.wrap = wb.add_format(_WRAP)
        self.input = wb.add_format(_INPUT)
        self.input_wrap = wb.add_format({**_INPUT, **_WRAP})
        self.input_date = wb.add_format({**_INPUT, "num_format": "yyyy-mm-dd"})


#: A review workbook still to write: fills a new workbook with the formats made for it.
Book = Callable[[xlsxwriter.Workbook, Formats], None]


def save(book: Book, dest: str | os.PathLike) -> Path:
    """Write ``book`` atomically to ``dest`` (XlsxWriter writes a file once, on ``close``)."""
    with atomic_path(dest) as tmp, collector.paused():
        wb = new_workbook(tmp, in_memory=True)  # no temporary file per sheet
        book(wb, Formats(wb))
        wb.close()
    return Path(dest)


def address(row: int, col: int) -> str:
    """The A1 address of 1-based (``row``, ``col``)."""
    return xl_rowcol_to_cell(row - 1, col - 1)


def cell(ws: Worksheet, row: int, col: int, value: Any, fmt: Format | None = None) -> None:
    """``value`` at 1-based (``row``, ``col``), formula-safe (ids and text come from the data)."""
    put(ws, row - 1, col - 1, value, fmt)


def write_rows(ws: Worksheet, rows: list[list], start: int = 1, fmt: Format | None = None) -> None:
    """Rows from row ``start``, every value formula-safe (an empty value without a format writes no cell)."""
    put_rows(ws, start - 1, 0, rows, [(fmt, fmt)] * max(map(len, rows), default=0))


class Cells:
    """Cells every sheet of one kind repeats (labels, headers, a rubric's texts, empty input
    cells): each value checked once (``written_as_is``), then written straight on every sheet."""

    def __init__(self) -> None:
        self.texts: list[tuple[int, int, str, Format | None]] = []  # 0-based (row, col), as put writes them
        self.others: list[tuple[int, int, Any, Format | None]] = []  # the rest, through put on each sheet

    def add(self, row: int, col: int, value: Any, fmt: Format | None = None) -> None:
        """``value`` at 1-based (``row``, ``col``) on every sheet ``write`` fills."""
        (self.texts if written_as_is(value) else self.others).append((row - 1, col - 1, value, fmt))

    def add_rows(self, rows: list[list], start: int, fmt: Format | None = None) -> None:
        """Rows from row ``start``, as ``write_rows`` writes them."""
        for r, values in enumerate(rows, start=start):
            for c, value in enumerate(values, start=1):
                self.add(r, c, value, fmt)

    def write(self, ws: Worksheet) -> None:
        """The cells, into ``ws``."""
        string = ws.write_string
        for row, col, text, fmt in self.texts:
            string(row, col, text, fmt)
        for row, col, value, fmt in self.others:
            put(ws, row, col, value, fmt)


def dropdown(options: tuple[str, ...], where: list[str]) -> tuple[str, dict]:
    """(first cell, XlsxWriter validation) of a drop-down of ``options`` on the cells at A1
    addresses ``where``: one validation for them all (XlsxWriter copies it, so it can be reused)."""
    return where[0], {
        "validate": "list",
        "source": list(options),
        "ignore_blank": True,
        "show_error": True,
        "error_title": "请选择 choose",
        "error_message": "请选择 choose: " + ", ".join(options),
        "multi_range": " ".join(where),
    }


class Dropdowns:
    """Drop-down cells of one sheet, gathered per list of options and written as one validation
    per list (``add`` as the cells are written, ``write`` once the sheet is done)."""

    def __init__(self) -> None:
        self.cells: dict[tuple[str, ...], list[str]] = defaultdict(list)

    def add(self, options: tuple[str, ...], where: str) -> None:
        """A drop-down of ``options`` on the cell at A1 address ``where``."""
        self.cells[options].append(where)

    def validations(self) -> list[tuple[str, dict]]:
        """(first cell, XlsxWriter validation) of each list of options: what ``write`` writes, kept
        by a caller that writes the same drop-downs on many sheets."""
        return [dropdown(options, where) for options, where in self.cells.items()]

    def write(self, ws: Worksheet) -> None:
        """The gathered drop-downs, into ``ws``."""
        for first, validation in self.validations():
            ws.data_validation(first, validation)


def widths(ws: Worksheet, columns: tuple[float, ...]) -> None:
    """Column widths from column A on."""
    for col, width in enumerate(columns):
        ws.set_column(col, col, width)


def fit_row(ws: Worksheet, row: int, lines: int) -> None:
    """Make ``row`` tall enough for ``lines`` lines of wrapped text: spreadsheet programs do not
    grow a row for text a program wrote (LibreOffice clips it), so the writer sizes it."""
    if lines > 1:
        ws.set_row(row - 1, row_points(lines))


def fit_values(ws: Worksheet, row: int, values: Sequence[Any], columns: Sequence[float]) -> None:
    """Make ``row`` tall enough for its texts ``values`` wrapped in columns ``columns`` wide (from A)."""
    fit_row(ws, row, max((lines_in(v, w) for v, w in zip(values, columns) if isinstance(v, str)), default=1))


def print_setup(ws: Worksheet) -> None:
    """Landscape, one page wide: people print these."""
    ws.set_landscape()
    ws.fit_to_pages(1, 0)


def hidden_sheet(wb: xlsxwriter.Workbook, name: str, rows: list[list] | None = None) -> Worksheet:
    """A new very hidden (Excel's menus cannot show it), protected sheet: ids and facts the
    importer reads; ``rows`` written now, or later by the caller (the sheet's place in the
    workbook is where it was added)."""
    ws = wb.add_worksheet(name)
    ws.very_hidden()
    ws.protect()
    print_setup(ws)
    if rows:
        write_rows(ws, rows)
    return ws
