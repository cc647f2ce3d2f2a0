"""Rows of the review workbooks are tall enough for the wrapped text they hold: spreadsheet
programs do not grow a row for text a program wrote (LibreOffice clipped guidance, evidence and
long messages to one line), so the writers size each row; rows of one line keep the default."""

from __future__ import annotations

import datetime as dt

import pytest
from grading_batch import batch_manifest, chat_records
from openpyxl import load_workbook

from qa_toolkit.engine import score_chunks
from qa_toolkit.excel import LINE_POINTS, lines_in
from qa_toolkit.io import conversations_from_records
from qa_toolkit.review.dispute_books import agent_workbook, save
from qa_toolkit.review.disputes import lost_points
from qa_toolkit.review.export import export_workbook
from qa_toolkit.review.layout import CRITERIA_TOP
from qa_toolkit.rubric import require_rubrics

#: 179 wide characters
LONG = "客户您好，" + "关于您反映的物流延迟问题，我们已经联系快递公司加急处理。" * 6


@pytest.fixture(scope="module")
def sheet(tmp_path_factory):
    rubric = require_rubrics(())[0][0]
    records = chat_records(1, LONG)
    records[0]["messages"].append({"role": "customer", "text": "好的"})
    data = conversations_from_records(records)
    results, _ = score_chunks(data.conversations, data.messages, rubric)
    manifest = batch_manifest(data.conversations, ["c0"])
    path = export_workbook(
        manifest, data.conversations, data.messages, results, rubric, tmp_path_factory.mktemp("g") / "g.xlsx"
    )
    return load_workbook(path)["C001"]


def _row_of(ws, column: int, value: str) -> int:
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, column).value == value)


def _height(ws, row: int) -> float | None:
    return ws.row_dimensions[row].height


def test_a_long_message_row_is_tall_enough_for_its_wrapped_lines_and_a_short_one_keeps_the_default(sheet):
    long_row = _row_of(sheet, 4, LONG)
    assert _height(sheet, long_row) >= 3 * LINE_POINTS  # 358 columns of text across D:J (159 wide)
    assert _height(sheet, _row_of(sheet, 4, "好的")) is None
    assert _height(sheet, _row_of(sheet, 4, "在吗")) is None


def test_a_criterion_with_guidance_on_several_lines_gets_a_row_for_every_line(sheet):
    row = _row_of(sheet, 2, "empathy")  # the rubric's description and its grader guidance, on lines of their own
    guidance = sheet.cell(row, 4).value
    assert guidance.count("\n") >= 1
    assert _height(sheet, row) >= (guidance.count("\n") + 1) * LINE_POINTS


def test_a_criterion_row_grows_with_the_evidence_quoted_beside_it(sheet):
    row = _row_of(sheet, 2, "greeting")  # its evidence quotes the agent's long first message
    evidence = sheet.cell(row, 7).value
    assert len(evidence) > 100
    assert _height(sheet, row) >= 4 * LINE_POINTS


def test_the_criteria_header_wraps_its_two_language_labels_onto_two_lines(sheet):
    assert sheet.cell(CRITERIA_TOP, 5).value == "自动结果 Auto"
    assert sheet.cell(CRITERIA_TOP, 5).alignment.wrap_text
    assert _height(sheet, CRITERIA_TOP) == 2 * LINE_POINTS


def test_a_disputed_point_with_long_evidence_gets_a_row_tall_enough_to_read_it(tmp_path):
    rubric = require_rubrics(())[0][0]
    data = conversations_from_records(chat_records(1, LONG))
    results, scores = score_chunks(data.conversations, data.messages, rubric)
    lost = lost_points(results, scores, rubric, scored_on=dt.date(2026, 11, 11))
    ws = load_workbook(save(agent_workbook(lost, "A1"), tmp_path / "a1.xlsx"))["申诉 Disputes"]
    rows = [r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == "c0"]
    needed = {row: lines_in(str(ws.cell(row, 11).value or ""), 48) for row in rows}
    assert len(rows) == len(lost) and max(needed.values()) > 1
    for row, lines in needed.items():
        assert _height(ws, row) is None if lines == 1 else _height(ws, row) >= lines * LINE_POINTS


@pytest.mark.parametrize(
    ("text", "width", "lines"),
    [
        ("short", 10, 1),
        ("", 10, 1),  # an empty cell is still one line
        ("a" * 19, 20, 1),  # a column's padding takes one of its characters
        ("a" * 20, 20, 2),  # a word wider than the column is broken
        ("aaaaaaa bbbbbbb ccccccc", 13, 3),  # between words: 23 characters, but no two words share a line
        ("自动结果 Auto", 10, 2),
        ("质" * 10, 21, 1),  # wide characters take two columns each and break anywhere
        ("质" * 11, 21, 2),
        ("one\ntwo\r\nthree\rfour", 40, 4),  # every kind of line break starts a line
    ],
)
def test_lines_in_wraps_between_words_counts_wide_characters_twice_and_every_line_break(text, width, lines):
    assert lines_in(text, width) == lines
