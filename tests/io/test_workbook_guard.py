"""An xlsx zip bomb is refused from the zip's directory before any reader unpacks it — conversation
exports (`qa data inspect`, `qa score`), rosters (`--roster`) and grading workbooks (`qa grade
import`) — while ordinary workbooks open as before."""

import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from qa_toolkit import workbook_guard
from qa_toolkit.cli import main
from qa_toolkit.resources import sample_data_dir

DATA = sample_data_dir() / "conversations.jsonl"


def workbook(path: Path, rows: list[list]) -> Path:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    wb.save(path)
    return path


def bomb(path: Path, padding: int = 20 << 20) -> Path:
    """A real workbook whose first sheet carries ``padding`` blanks between elements (valid XML):
    it packs about a thousand to one, as a zip bomb does."""
    plain = workbook(path.with_suffix(".plain.xlsx"), [["agent_id", "name"], ["a1", "Ann"]])
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * padding)
            dst.writestr(item.filename, data)
    return path


def test_a_bomb_is_refused_from_its_directory(tmp_path):
    problem = workbook_guard.workbook_problem(bomb(tmp_path / "b.xlsx"))
    assert problem.code == "zip-bomb" and "xl/worksheets/sheet1.xml" in problem.message
    assert workbook_guard.workbook_problem(workbook(tmp_path / "ok.xlsx", [["a"], [1]])) is None
    assert workbook_guard.workbook_problem(tmp_path / "missing.xlsx") is None  # left to the reader


def test_total_size_and_entry_count_have_limits(tmp_path, monkeypatch):
    path = workbook(tmp_path / "ok.xlsx", [["a"], [1]])
    monkeypatch.setattr(workbook_guard, "MAX_UNPACKED", 1000)
    assert "would unpack to" in workbook_guard.workbook_problem(path).message
    monkeypatch.setattr(workbook_guard, "MAX_UNPACKED", 1 << 30)
    monkeypatch.setattr(workbook_guard, "MAX_ENTRIES", 3)
    assert "parts" in workbook_guard.workbook_problem(path).message


@pytest.mark.parametrize(
    "command",
    [
        lambda b, tmp: ["data", "inspect", b],
        lambda b, tmp: ["score", b, "-o", tmp / "out"],
        lambda b, tmp: ["data", "inspect", DATA, "--roster", b],
        lambda b, tmp: ["grade", "import", b, "--data", DATA, "-o", tmp / "g.csv"],
    ],
    ids=["inspect", "score", "roster", "grade import"],
)
def test_every_xlsx_reader_refuses_a_bomb(tmp_path, command):
    path = bomb(tmp_path / "bomb.xlsx")
    result = CliRunner().invoke(main, [str(a) for a in command(path, tmp_path)])
    assert result.exit_code == 2, result.output
    assert "zip-bomb" in result.output and str(path) in result.output and "Traceback" not in result.output
