"""Where the input cells of a grading workbook are, as its very hidden sheets tell the importer.

Two layouts, told apart by ``_meta``'s ``id_layout`` row:

- per sheet (``id_layout = per-sheet``, every workbook written now): ``_layout`` describes the
  input cells of a sheet once per rubric (field, criterion, cell), and ``_ids`` has one row per
  conversation sheet: its conversation, its rubric, the pre-filled grades in ``_layout``'s order
  (comma-separated) and the criteria whose pending critical fail has a 复核 cell there;
- per cell (no ``id_layout`` row: workbooks handed out before it): ``_ids`` has one row per
  input cell (sheet, cell, conversation, criterion, field, prefill).

Both read as the same rows, one per input cell, so the importer checks and reads them alike."""

from __future__ import annotations

from collections.abc import Callable

from qa_toolkit.missing import is_missing
from qa_toolkit.problems import Problem
from qa_toolkit.review.layout import ID_KINDS, IDS_HEADER, IDS_SHEET

#: ``_meta`` key of the id layout, and its value in workbooks with one id row per sheet.
ID_LAYOUT_KEY, PER_SHEET = "id_layout", "per-sheet"
LAYOUT_SHEET = "_layout"  # very hidden: the input cells of a conversation sheet, once per rubric
LAYOUT_HEADER = ["rubric_id", "field", "criterion_id", "cell"]
SHEET_IDS_HEADER = ["sheet", "conversation_id", "rubric_id", "prefill", "review"]
_SEP = ","  # between pre-filled grades and between criterion ids (neither holds one)

#: One input cell: (sheet, A1 cell, conversation id, criterion id or "", field, prefill or "", (row, column)).
InputCell = tuple[str, str, str, str, str, str, tuple[int, int]]


def sheet_ids_row(sheet: str, conversation_id: str, rubric_id: str, prefill: list[str], review: list[str]) -> list:
    """The ``_ids`` row of one conversation sheet: its pre-filled grades (``""`` for none) in the
    order of its rubric's grade cells in ``_layout``, and the criteria with a 复核 cell."""
    return [sheet, conversation_id, rubric_id, _SEP.join(prefill), _SEP.join(review)]


def input_cells(
    file: str, meta: dict, rows: Callable[[str], list[tuple]], sheet_names: list[str]
) -> tuple[list[InputCell], Problem | None]:
    """Every input cell the id sheets list, in sheet order (grader, date, then per criterion its
    grade, comment and 复核 cells), or the first damaged id row as a problem naming its sheet and
    row: the ids cannot be trusted then, nor any cell read. ``rows(name)`` gives a hidden sheet's rows."""
    if str(meta.get(ID_LAYOUT_KEY) or "") != PER_SHEET:
        return _per_cell(file, rows(IDS_SHEET))
    if LAYOUT_SHEET not in sheet_names:
        return [], Problem(file, "hidden layout sheet is missing: export the workbook again", code="grade")
    layouts, problem = _layouts(file, rows(LAYOUT_SHEET))
    return ([], problem) if problem is not None else _per_sheet(file, rows(IDS_SHEET), layouts)


def _damaged(file: str, sheet: str, number: int, row: tuple) -> Problem:
    return Problem(
        file,
        f"hidden {'id' if sheet == IDS_SHEET else 'layout'} sheet is damaged at row {number} "
        f"({', '.join(map(repr, row))}): export the workbook again",
        line=number,
        sheet=sheet,
        code="grade",
    )


def _header_problem(file: str, sheet: str, rows: list[tuple], header: list[str]) -> Problem | None:
    if rows and list(rows[0][: len(header)]) == header:
        return None
    what = "id" if sheet == IDS_SHEET else "layout"
    return Problem(file, f"hidden {what} sheet is damaged", sheet=sheet, code="grade")


def _at(cell: object) -> tuple[int, int] | None:
    """(row, column) of an A1 address, None when it is not one."""
    from openpyxl.utils.cell import coordinate_to_tuple
    from openpyxl.utils.exceptions import CellCoordinatesException

    try:
        row, col = coordinate_to_tuple(str(cell))
    except (ValueError, CellCoordinatesException):
        return None
    return (row, col) if row > 0 and col > 0 else None


def _valid(sheet: object, cid: object, crit: object, kind: object) -> bool:
    """Whether an input cell names its sheet, conversation, field and (but for grader and date) criterion."""
    return (
        not is_missing(sheet)
        and kind in ID_KINDS
        and not is_missing(cid)
        and (kind in ("grader", "date") or not is_missing(crit))
    )


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _per_cell(file: str, rows: list[tuple]) -> tuple[list[InputCell], Problem | None]:
    """The input cells of a workbook whose ``_ids`` lists every one."""
    header = _header_problem(file, IDS_SHEET, rows, IDS_HEADER)
    if header is not None:
        return [], header
    out = []
    for number, row in enumerate(rows[1:], start=2):
        sheet, cell, cid, crit, kind, prefill = (tuple(row) + (None,) * 6)[:6]
        at = _at(cell)
        if at is None or not _valid(sheet, cid, crit, kind):
            return [], _damaged(file, IDS_SHEET, number, tuple(row[:6]))
        out.append((str(sheet), str(cell), str(cid), _text(crit), kind, _text(prefill), at))
    return out, None


#: rubric id -> its sheets' input cells as (field, criterion id, A1 cell, (row, column)).
_Layouts = dict[str, list[tuple[str, str, str, tuple[int, int]]]]


def _layouts(file: str, rows: list[tuple]) -> tuple[_Layouts, Problem | None]:
    """``_layout``'s input cells per rubric."""
    header = _header_problem(file, LAYOUT_SHEET, rows, LAYOUT_HEADER)
    if header is not None:
        return {}, header
    out: _Layouts = {}
    for number, row in enumerate(rows[1:], start=2):
        rubric_id, kind, crit, cell = (tuple(row) + (None,) * 4)[:4]
        at = _at(cell)
        if at is None or is_missing(rubric_id) or not _valid("-", "-", crit, kind):
            return {}, _damaged(file, LAYOUT_SHEET, number, tuple(row[:4]))
        out.setdefault(str(rubric_id), []).append((kind, _text(crit), str(cell), at))
    return out, None


def _per_sheet(file: str, rows: list[tuple], layouts: _Layouts) -> tuple[list[InputCell], Problem | None]:
    """The input cells of a workbook whose ``_ids`` has one row per conversation sheet."""
    header = _header_problem(file, IDS_SHEET, rows, SHEET_IDS_HEADER)
    if header is not None:
        return [], header
    out: list[InputCell] = []
    for number, row in enumerate(rows[1:], start=2):
        sheet, cid, rubric_id, prefill, review = (tuple(row) + (None,) * 5)[:5]
        layout = layouts.get(_text(rubric_id), [])
        prefills = _text(prefill).split(_SEP)
        pending = set(_text(review).split(_SEP)) - {""}
        grades = sum(kind == "grade" for kind, *_ in layout)
        reviewable = {crit for kind, crit, *_ in layout if kind == "review"}
        if not layout or is_missing(sheet) or is_missing(cid) or len(prefills) != grades or pending - reviewable:
            return [], _damaged(file, IDS_SHEET, number, tuple(row[:5]))
        given = iter(prefills)
        for kind, crit, cell, at in layout:
            if kind != "review" or crit in pending:
                out.append((str(sheet), cell, str(cid), crit, kind, next(given) if kind == "grade" else "", at))
    return out, None
