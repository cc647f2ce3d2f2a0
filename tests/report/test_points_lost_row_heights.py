"""A point lost's row in the report workbook is tall enough for its wrapped evidence and its wrapped
note alike: the notes (the rule's reason, a grader's comment, the dispute) overlapped the next
row in LibreOffice when only the evidence sized it. The note column is one width on the agent
sheets and the points-lost sheet."""

from __future__ import annotations

from grading_batch import chat_records
from openpyxl import load_workbook

from qa_toolkit.engine import score_chunks
from qa_toolkit.excel import LINE_POINTS, lines_in
from qa_toolkit.io import conversations_from_records
from qa_toolkit.report.xlsx import EVIDENCE_WIDTH, NOTE_WIDTH
from qa_toolkit.reporting import write_report
from qa_toolkit.rubric import require_rubrics


def test_every_point_lost_row_fits_its_evidence_and_its_note(tmp_path):
    rubric = require_rubrics(())[0][0]
    data = conversations_from_records(chat_records(3, "好的"))  # no greeting, no closing: long rule notes
    results, scores = score_chunks(data.conversations, data.messages, rubric)
    write_report(data, results, scores, tmp_path, rubric=rubric)
    wb = load_workbook(tmp_path / "report.xlsx")
    lost, agent = wb["失分明细"], wb[next(name for name in wb.sheetnames if name.startswith("A1"))]
    checked = 0
    for ws, evidence_col, note_col in ((lost, 7, 10), (agent, 5, 8)):
        width = ws.column_dimensions[ws.cell(1, note_col).column_letter].width
        assert NOTE_WIDTH <= width < NOTE_WIDTH + 1  # (the file stores the width with Excel's padding)
        for row in range(1, ws.max_row + 1):
            if ws.cell(row, evidence_col - 3).value in ("c0", "c1", "c2"):  # the conversation column
                note = str(ws.cell(row, note_col).value or "")
                evidence = str(ws.cell(row, evidence_col).value or "")
                lines = max(lines_in(note, NOTE_WIDTH), lines_in(evidence, EVIDENCE_WIDTH))
                assert ws.row_dimensions[row].height >= lines * LINE_POINTS, (ws.title, row, note)
                checked += lines > 1
    assert checked >= 6  # the long notes were there to fit, on both sheets
