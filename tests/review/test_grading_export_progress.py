"""`qa grade export` reports progress: a step per conversation sheet built, as many again when saved."""

from grading_batch import batch_manifest, chat_records

from qa_toolkit.engine import score_chunks
from qa_toolkit.io import conversations_from_records
from qa_toolkit.review.export import export_workbook
from qa_toolkit.rubric import require_rubrics

RECORDS = chat_records(3, "您好，请问有什么可以帮您")


def test_export_advances_once_per_sheet_then_once_per_sheet_on_save(tmp_path):
    rubric = require_rubrics(())[0][0]
    data = conversations_from_records(RECORDS)
    results, _ = score_chunks(data.conversations, data.messages, rubric)
    manifest = batch_manifest(data.conversations, ["c0", "c1", "c2"])
    book = tmp_path / "g.xlsx"
    steps, saved = [], []
    export_workbook(
        manifest,
        data.conversations,
        data.messages,
        results,
        rubric,
        book,
        advance=lambda n: (steps.append(n), saved.append(book.exists())),
    )
    assert steps == [1, 1, 1, 3] and saved == [False, False, False, True]
