"""The grading workbook's hidden ids: new workbooks list each conversation sheet once (its cells
described once per rubric in ``_layout``), workbooks handed out before list every input cell;
both import exactly alike, and a damaged id row in either is a problem naming its sheet and row."""

from __future__ import annotations

import itertools
import json

import pandas as pd
import pytest
from grading_batch import batch_manifest
from openpyxl import load_workbook

from qa_toolkit.engine import score_chunks
from qa_toolkit.io import conversations_from_records
from qa_toolkit.resources import default_rubrics, sample_conversations
from qa_toolkit.review.export import export_workbook
from qa_toolkit.review.ids import ID_LAYOUT_KEY, LAYOUT_SHEET
from qa_toolkit.review.importer import import_workbooks, workbook_input_cells
from qa_toolkit.review.layout import IDS_HEADER, IDS_SHEET, META_SHEET
from qa_toolkit.rubric import require_rubrics


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A workbook of 12 sample conversations in both rubrics, some with a pending critical fail."""
    tmp = tmp_path_factory.mktemp("ids")
    rubrics = require_rubrics(default_rubrics())[0]
    with open(sample_conversations(), encoding="utf-8") as src:
        records = [json.loads(line) for line in itertools.islice(src, 400)]
    data = conversations_from_records(records)
    results, scores = score_chunks(data.conversations, data.messages, rubrics)
    pending = scores.loc[scores["critical_pending"].fillna("").ne(""), "conversation_id"].tolist()[:4]
    english = scores.loc[scores["rubric_id"].eq("ecommerce-en"), "conversation_id"].tolist()[:2]
    others = [c for c in scores["conversation_id"] if c not in pending + english][:6]
    ids = pending + english + others
    assert len(pending) == 4 and len(english) == 2
    manifest = batch_manifest(data.conversations, ids)
    book = export_workbook(manifest, data.conversations, data.messages, results, rubrics, tmp / "grading.xlsx")
    return rubrics, data, book


def _fill(book, dest):
    """Every sheet graded: a grader, a date, manual items given, pending fails confirmed, a comment."""
    wb = load_workbook(book)
    for n, (sheet, cell, _cid, _crit, kind, prefill) in enumerate(workbook_input_cells(book)):
        value = {"grader": "王芳", "date": "2026-11-20", "review": "confirm", "comment": f"note {n}"}.get(kind)
        if kind == "grade":
            value = None if prefill else "na"
        if value is not None and (kind != "comment" or n % 3 == 0):
            wb[sheet][cell] = value
    wb.save(dest)
    return dest


def _per_cell(src, dest):
    """``src`` as a workbook made before the per-sheet ids: ``_ids`` lists every input cell, no
    ``_layout`` sheet, no ``id_layout`` in ``_meta``."""
    cells = workbook_input_cells(src)
    wb = load_workbook(src)
    ids = wb[IDS_SHEET]
    ids.delete_rows(1, ids.max_row)
    for row in [IDS_HEADER, *cells]:
        ids.append(list(row))
    del wb[LAYOUT_SHEET]
    meta = wb[META_SHEET]
    [marker] = [r for r in range(1, meta.max_row + 1) if meta.cell(r, 1).value == ID_LAYOUT_KEY]
    meta.delete_rows(marker)
    wb.save(dest)
    return dest


@pytest.fixture(scope="module")
def graded(exported, tmp_path_factory):
    """The exported workbook filled in, in each id layout: {"per-sheet": new, "per-cell": old}."""
    tmp = tmp_path_factory.mktemp("graded")
    new = _fill(exported[2], tmp / "graded.xlsx")
    return {"per-sheet": new, "per-cell": _per_cell(new, tmp / "old.xlsx")}


def test_a_new_workbook_lists_each_sheet_once_and_describes_its_cells_once_per_rubric(exported):
    rubrics, _, book = exported
    wb = load_workbook(book)
    assert wb[IDS_SHEET].max_row == 1 + 12 and wb[LAYOUT_SHEET].sheet_state == "veryHidden"
    layout_rows = wb[LAYOUT_SHEET].max_row - 1
    assert layout_rows == sum(
        2 + 2 * len(r.criteria) + sum(r.needs_confirmation(c) for _, c in r.criteria) for r in rubrics
    )
    cells = workbook_input_cells(book)
    reviews = [c for c in cells if c[4] == "review"]
    assert len({c[0] for c in reviews}) == 4  # only the sheets whose critical fail is pending
    assert [c[4] for c in cells[:4]] == ["grader", "date", "grade", "comment"] and cells[0][1] == "C3"


def test_a_workbook_with_the_old_per_cell_ids_imports_exactly_as_a_new_one(exported, graded):
    rubrics, data, _ = exported
    new, old = graded["per-sheet"], graded["per-cell"]
    assert load_workbook(old)[IDS_SHEET].max_row > 100
    res_new = import_workbooks([new], data.conversations, data.messages, rubrics)
    res_old = import_workbooks([old], data.conversations, data.messages, rubrics)
    assert res_new.log.errors == [] and res_new.sheets_read == 12
    assert [p.message for p in res_old.log.problems] == [p.message for p in res_new.log.problems]
    pd.testing.assert_frame_equal(res_old.scores, res_new.scores)
    grades_new, grades_old = res_new.grades.drop(columns="source"), res_old.grades.drop(columns="source")
    pd.testing.assert_frame_equal(grades_old, grades_new)
    assert res_new.grades["critical_review"].eq("confirm").sum() >= 4


@pytest.mark.parametrize(
    ("layout", "sheet", "row", "col", "value"),
    [
        ("per-cell", IDS_SHEET, 3, 2, "not a cell"),
        ("per-cell", IDS_SHEET, 3, 2, None),
        ("per-cell", IDS_SHEET, 4, 5, "bogus"),
        ("per-cell", IDS_SHEET, 5, 3, None),
        ("per-cell", IDS_SHEET, 6, 4, None),
        ("per-sheet", IDS_SHEET, 3, 2, None),
        ("per-sheet", IDS_SHEET, 4, 3, "another-rubric"),
        ("per-sheet", IDS_SHEET, 5, 4, "pass,fail"),
        ("per-sheet", IDS_SHEET, 2, 5, "greeting"),
        ("per-sheet", LAYOUT_SHEET, 3, 4, "not a cell"),
        ("per-sheet", LAYOUT_SHEET, 4, 2, "bogus"),
        ("per-sheet", LAYOUT_SHEET, 5, 3, None),
    ],
    ids=[
        "bad address",
        "no address",
        "unknown kind",
        "no conversation",
        "no criterion",
        "sheet: no conversation",
        "sheet: unknown rubric",
        "sheet: too few prefills",
        "sheet: review cell the layout lacks",
        "layout: bad address",
        "layout: unknown kind",
        "layout: no criterion",
    ],
)
def test_a_damaged_hidden_id_cell_is_a_located_problem(exported, graded, tmp_path, layout, sheet, row, col, value):
    rubrics, data, _ = exported
    wb = load_workbook(graded[layout])
    wb[sheet].cell(row, col).value = value
    wb.save(tmp_path / "damaged.xlsx")
    res = import_workbooks([tmp_path / "damaged.xlsx"], data.conversations, data.messages, rubrics)
    [problem] = res.log.errors
    assert problem.sheet == sheet and problem.line == row and "damaged" in problem.message
    assert problem.file == str(tmp_path / "damaged.xlsx") and res.sheets_read == 0


@pytest.mark.parametrize("sheet", [IDS_SHEET, LAYOUT_SHEET])
def test_a_damaged_id_header_or_a_missing_layout_sheet_is_a_problem(exported, tmp_path, sheet):
    rubrics, data, book = exported
    wb = load_workbook(book)
    wb[sheet]["A1"] = "x"
    wb.save(tmp_path / "header.xlsx")
    del wb[LAYOUT_SHEET]
    wb.save(tmp_path / "no_layout.xlsx")
    for name, says in (("header.xlsx", "damaged"), ("no_layout.xlsx", "layout sheet is missing")):
        res = import_workbooks([tmp_path / name], data.conversations, data.messages, rubrics)
        [problem] = res.log.errors
        assert says in problem.message and res.sheets_read == 0
