"""What the grading workbook holds cell by cell, and how typed cells read back: long transcript
texts wrap across the text columns (short ones stay on one line, unmerged), every grade cell
has the drop-down of its criterion, every criterion row its rubric texts and comment cell (a
section's name on its first row only), and grades Excel stores as numbers import as typed."""

from __future__ import annotations

import pytest
from grading_batch import batch_manifest, chat_records
from openpyxl import load_workbook

from qa_toolkit.engine import score_chunks
from qa_toolkit.io import conversations_from_records
from qa_toolkit.resources import default_rubric
from qa_toolkit.review.export import export_workbook
from qa_toolkit.review.importer import import_workbooks, workbook_input_cells
from qa_toolkit.rubric import load_rubric, require_rubrics

LONG = "客户您好，" + "关于您反映的物流延迟问题，我们已经联系快递公司加急处理。" * 6
RECORDS = chat_records(2, LONG)


@pytest.fixture()
def book(tmp_path):
    rubric = require_rubrics(())[0][0]
    data, path = _export(rubric, tmp_path / "g.xlsx")
    return rubric, data, path


def _export(rubric, dest):
    data = conversations_from_records(RECORDS)
    results, _ = score_chunks(data.conversations, data.messages, rubric)
    manifest = batch_manifest(data.conversations, ["c0", "c1"])
    return data, export_workbook(manifest, data.conversations, data.messages, results, rubric, dest)


def test_rubric_texts_that_start_like_a_formula_are_text_on_every_sheet(tmp_path):
    text = default_rubric().read_text(encoding="utf-8")
    label, guidance = '=HYPERLINK("http://x","点我")', "-先问候再办理"
    text = text.replace("name: 开场白", f"name: '{label}'", 1).replace(
        "description: 客服的第一句话", f"description: {guidance}", 1
    )
    (tmp_path / "r.yaml").write_text(text, encoding="utf-8")
    rubric, problems = load_rubric(tmp_path / "r.yaml")
    assert rubric is not None, problems
    _, path = _export(rubric, tmp_path / "g.xlsx")
    wb = load_workbook(path)
    for sheet in ("C001", "C002"):
        ws = wb[sheet]
        row = next(r for r in range(1, 40) if ws.cell(r, 2).value == "greeting")
        shown, guide = ws.cell(row, 3), ws.cell(row, 4)
        assert shown.value == label and shown.data_type == "s" and shown.quotePrefix
        assert guide.value.startswith(guidance) and guide.data_type == "s" and guide.quotePrefix
        assert not ws.cell(row + 1, 3).quotePrefix  # the next criterion's plain label: no prefix


def _ids(path) -> list[tuple]:
    return workbook_input_cells(path)


def test_a_long_message_wraps_across_the_text_columns_and_a_short_one_stays_on_one_line(book):
    _, _, path = book
    ws = load_workbook(path)["C001"]
    rows = {ws.cell(r, 4).value: r for r in range(1, ws.max_row + 1) if ws.cell(r, 3).value in ("customer", "agent")}
    long_row, short_row = rows[LONG], rows["在吗"]
    merged = {str(m) for m in ws.merged_cells.ranges}
    assert f"D{long_row}:J{long_row}" in merged and ws.cell(long_row, 4).alignment.wrap_text
    assert not any(m.endswith(f"J{short_row}") for m in merged) and not ws.cell(short_row, 4).alignment.wrap_text


def test_every_grade_cell_has_the_drop_down_of_its_criterion(book):
    rubric, _, path = book
    wb = load_workbook(path)
    allowed = {c.id: c for _, c in rubric.criteria}
    grade_cells = [(sheet, cell, crit) for sheet, cell, _, crit, kind, _ in _ids(path) if kind == "grade"]
    assert len(grade_cells) == 2 * len(rubric.criteria)
    for sheet, cell, crit in grade_cells:
        lists = [dv.formula1 for dv in wb[sheet].data_validations.dataValidation if cell in dv.sqref]
        scale = allowed[crit].scale if allowed[crit].kind == "standard" else "binary"
        expected = {"binary": '"pass,fail,na"', "3-point": '"2,1,0,na"', "5-point": '"4,3,2,1,0,na"'}[scale]
        assert lists == [expected], (sheet, cell, crit)


def test_grades_stored_as_numbers_import_as_typed(book, tmp_path):
    rubric, data, path = book
    wb = load_workbook(path)
    for sheet, cell, _cid, crit, kind, _ in _ids(path):
        if kind == "grader":
            wb[sheet][cell] = "王芳"
        elif kind == "grade" and crit == "empathy":
            wb[sheet][cell] = 2 if sheet == "C001" else 7  # numbers, as Excel stores a typed 2
    wb.save(tmp_path / "filled.xlsx")
    res = import_workbooks([tmp_path / "filled.xlsx"], data.conversations, data.messages, rubric)
    empathy = res.grades[res.grades["criterion_id"].eq("empathy")]
    assert empathy["human_grade"].tolist() == ["2", "7"] and empathy["human_outcome"].tolist() == ["pass", ""]
    assert empathy["points"].iloc[0] == 10.0
    assert [p.message for p in res.log.errors] == [
        "C002!H" + str(_row(path, "C002", "empathy")) + ": '7' is not a grade for empathy (allowed: 2, 1, 0, na)"
    ]


def _row(path, sheet: str, crit: str) -> int:
    return next(int(cell[1:]) for s, cell, _, c, kind, _ in _ids(path) if s == sheet and c == crit and kind == "grade")


def test_every_criterion_row_shows_its_rubric_texts_and_a_section_name_heads_its_rows(book):
    rubric, _, path = book
    wb = load_workbook(path)
    first = {section.criteria[0].id: section.name for section in rubric.sections}
    for sheet in ("C001", "C002"):
        ws = wb[sheet]
        rows = {ws.cell(r, 2).value: r for r in range(7, 7 + len(rubric.criteria))}
        for _, criterion in rubric.criteria:
            r = rows[criterion.id]
            assert ws.cell(r, 3).value.startswith(criterion.name) and ws.cell(r, 4).value, (sheet, criterion.id)
            assert ws.cell(r, 1).value == first.get(criterion.id), (sheet, criterion.id)  # None below the first
            assert ws.cell(r, 9).protection.locked is False  # the comment cell takes typing on every row


def test_a_sheet_states_the_facts_the_export_gives_and_leaves_out_the_ones_it_does_not(book):
    _, _, path = book
    ws = load_workbook(path)["C001"]
    facts = next(c.value for row in ws.iter_rows(max_row=5) for c in row if str(c.value).startswith("agent_id="))
    assert facts.startswith("agent_id=A1; channel=chat; started_at=2026-11-10 10:00:00+08:00")
    assert "csat" not in facts and "<NA>" not in facts and "nan" not in facts  # these chats have no csat
