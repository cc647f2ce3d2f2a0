"""Building blocks of the review workbooks (grading, disputes, resolution): formula-safe rows,
yellow unlocked input cells, drop-downs, very hidden id sheets and print setup — so every
workbook people fill in looks and behaves the same, and importers read the hidden ids,
never the visible layout."""

from __future__ import annotations

from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation

from qa_toolkit.excel import styled, write_cell

INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
HEAD = Font(bold=True)
TITLE = Font(bold=True, size=13)
WRAP = Alignment(wrap_text=True, vertical="top")
UNLOCKED = Protection(locked=False)


def write_rows(ws, rows: list[list], start: int = 1) -> None:
    """Rows from row ``start``, every value formula-safe (ids come from the data)."""
    for r, values in enumerate(rows, start=start):
        for c, value in enumerate(values, start=1):
            write_cell(ws, r, c, value)


def input_cell(ws, row: int, col: int, value=None):
    """A yellow cell the sheet protection leaves open for typing."""
    return styled(write_cell(ws, row, col, value), protection=UNLOCKED, fill=INPUT_FILL)


def dropdown(ws, validations: dict, options: tuple[str, ...], row: int, col: int) -> None:
    """A drop-down of ``options`` on one cell (one validation per distinct list and sheet)."""
    if options not in validations:
        dv = DataValidation(
            type="list",
            formula1='"' + ",".join(options) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="请选择 choose",
            error="请选择 choose: " + ", ".join(options),
        )
        ws.add_data_validation(dv)
        validations[options] = dv
    validations[options].add(ws.cell(row, col))


def print_setup(ws) -> None:
    """Landscape, one page wide: people print these."""
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0


def hide(ws) -> None:
    """Very hidden (Excel's menus cannot show it) and protected: ids and facts the importer reads."""
    ws.sheet_state = "veryHidden"
    ws.protection.sheet = True


def hidden_sheet(wb, name: str, rows: list[list]):
    """A new very hidden sheet holding ``rows``."""
    ws = wb.create_sheet(name)
    write_rows(ws, rows)
    hide(ws)
    return ws
