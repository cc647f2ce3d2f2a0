"""The weekly round trip through the CLI: sample → grade export → graders fill → grade import → calibrate."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from qa_toolkit.cli import main
from qa_toolkit.resources import default_rubric, sample_conversations
from qa_toolkit.review.importer import workbook_input_cells
from qa_toolkit.review.layout import allowed_grades
from qa_toolkit.rubric import load_rubric

pytestmark = pytest.mark.slow  # reads the sample export several times

DATA = str(sample_conversations())
CRITERIA = {c.id: c for _, c in load_rubric(default_rubric())[0].criteria}


def run(*args):
    return CliRunner().invoke(main, list(args))


def fill(book, dest, grader: str, flip_every: int, manual_grade) -> None:
    """Grade every sheet: confirm the pre-filled rule outcomes except every ``flip_every``-th,
    give manual criteria ``manual_grade(i)`` ("pass" = the top of the scale, "fail" = 0)."""
    wb = load_workbook(book)
    rows = workbook_input_cells(book)
    for i, (sheet, cell, _cid, crit, kind, prefill) in enumerate(rows):
        ws = wb[sheet]
        if kind == "grader":
            ws[cell] = grader
        elif kind == "date":
            ws[cell] = "2026-11-20"
        elif kind == "grade":
            if not prefill:
                grade = manual_grade(i)
                options = allowed_grades(CRITERIA[crit])
                ws[cell] = {"pass": options[0], "fail": options[-2]}.get(grade, grade)
            elif prefill in ("pass", "fail") and i % flip_every == 0:
                ws[cell] = "fail" if prefill == "pass" else "pass"
    wb.save(dest)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """One batch (1 per agent, last week) and its grading workbook, shared by the tests."""
    tmp = tmp_path_factory.mktemp("round")
    r = run("sample", DATA, "--quota", "1", "--period", "last_week", "--seed", "11", "-o", str(tmp / "batch"))
    assert r.exit_code == 0, r.output
    book = tmp / "grading.xlsx"
    r = run("grade", "export", str(tmp / "batch"), "--data", DATA, "-o", str(book))
    assert r.exit_code == 0, r.output
    return tmp, book


@pytest.fixture(scope="module")
def graded_by_wang(exported) -> Path:
    """The workbook as 王芳 grades it (every seventh rule outcome overturned, manual criteria top
    of the scale), filled once for the tests that import it."""
    tmp, book = exported
    fill(book, tmp / "wang.xlsx", "王芳", flip_every=7, manual_grade=lambda i: "pass")
    return tmp / "wang.xlsx"


def test_round_trip_through_the_cli(exported, graded_by_wang, tmp_path):
    batch_dir, book = exported
    n = len(pd.read_csv(batch_dir / "batch" / "manifest.csv", encoding="utf-8-sig"))
    wb = load_workbook(book)
    assert len(wb.sheetnames) == 4 + n  # the batch sheet, three very hidden sheets, one per conversation

    shutil.copy(graded_by_wang, tmp_path / "g_wang.xlsx")
    fill(book, tmp_path / "g_li.xlsx", "李雷", flip_every=5, manual_grade=lambda i: "pass" if i % 3 else "fail")
    grades = tmp_path / "grades.csv"
    r = run("grade", "import", str(tmp_path / "g_*.xlsx"), "--data", DATA, "-o", str(grades))  # glob, as on Windows
    assert r.exit_code == 0, r.output
    assert "2 grader(s)" in r.output
    g = pd.read_csv(grades, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    assert set(g["grader"]) == {"王芳", "李雷"} and g["conversation_id"].nunique() == n
    flipped = g[
        (g["human_outcome"] != "")
        & g["auto_outcome"].isin(["pass", "fail"])
        & (g["human_outcome"] != g["auto_outcome"])
    ]
    assert len(flipped) > 0 and (flipped["outcome"] == flipped["human_outcome"]).all()
    scores = pd.read_csv(tmp_path / "grades_scores.csv", encoding="utf-8-sig")
    assert len(scores) == 2 * n and scores["total"].dropna().between(0, 100).all()  # NaN: rubric n/a

    r = run("calibrate", str(grades), "--json")
    assert r.exit_code == 0, r.output
    cal = json.loads(r.output)
    both_scored = int((scores.dropna(subset=["total"]).groupby("conversation_id").size() == 2).sum())
    assert cal["totals"]["conversations"] == both_scored > 0
    assert {p["grader_a"] for p in cal["pairs"]} == {"李雷"}  # pairs sorted by name
    assert cal["auto"] and all(0 <= a["agreement"] <= 1 for a in cal["auto"])
    r = run("calibrate", str(grades))
    assert r.exit_code == 0 and "Cohen" in r.output and "leniency" in r.output
    assert "greeting" not in r.output.split("Cohen")[1].split("graders:")[0]  # pooled pairs only
    r = run("calibrate", str(grades), "--details")
    assert "greeting" in r.output.split("Cohen")[1].split("graders:")[0]


def test_import_with_a_bad_cell_exits_2_and_writes_nothing(graded_by_wang, tmp_path):
    bad = tmp_path / "bad.xlsx"
    wb = load_workbook(graded_by_wang)
    sheet, cell = next((r[0], r[1]) for r in workbook_input_cells(graded_by_wang) if r[4] == "grade" and not r[5])
    wb[sheet][cell] = "great"
    wb.save(bad)
    out = tmp_path / "grades.csv"
    r = run("grade", "import", str(bad), "--data", DATA, "-o", str(out))
    assert r.exit_code == 2, r.output
    assert f"{sheet}!{cell}" in r.output and "'great'" in r.output and "Traceback" not in r.output
    assert not out.exists()
    r = run("grade", "import", str(bad), "--data", DATA, "-o", str(out), "--skip-invalid")
    assert r.exit_code == 1 and out.exists()


def test_importing_an_untouched_workbook_says_so(exported, tmp_path):
    _, book = exported
    r = run("grade", "import", str(tmp_path / "nothing_*.xlsx"), "--data", DATA, "-o", str(tmp_path / "g.csv"))
    assert r.exit_code == 2 and "no workbook matches" in r.output
    r = run("grade", "import", str(book), "--data", DATA, "-o", str(tmp_path / "grades.csv"))
    assert r.exit_code == 1 and "no graded conversation sheet" in r.output
    assert not (tmp_path / "grades.csv").exists()


def test_grades_arrive_one_workbook_at_a_time_and_the_same_one_twice_changes_nothing(
    exported, graded_by_wang, tmp_path
):
    _, book = exported
    shutil.copy(graded_by_wang, tmp_path / "wang.xlsx")
    fill(book, tmp_path / "li.xlsx", "李雷", flip_every=5, manual_grade=lambda i: "fail")
    grades = tmp_path / "grades.csv"
    r = run("grade", "import", str(tmp_path / "wang.xlsx"), "--data", DATA, "-o", str(grades))
    assert r.exit_code == 0, r.output
    first, first_scores = grades.read_bytes(), (tmp_path / "grades_scores.csv").read_bytes()
    r = run("grade", "import", str(tmp_path / "wang.xlsx"), "--data", DATA, "-o", str(grades))
    assert r.exit_code == 0 and "nothing changed: all" in r.output and "imported before" in r.output
    assert grades.read_bytes() == first and (tmp_path / "grades_scores.csv").read_bytes() == first_scores
    r = run("grade", "import", str(tmp_path / "li.xlsx"), "--data", DATA, "-o", str(grades))
    assert r.exit_code == 0 and "graded sheet(s) added, 0 changed, 0 already there" in r.output
    g = pd.read_csv(grades, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    assert (
        set(g["grader"]) == {"王芳", "李雷"} and not g.duplicated(["grader", "conversation_id", "criterion_id"]).any()
    )
    scores = pd.read_csv(tmp_path / "grades_scores.csv", dtype=str, encoding="utf-8-sig")
    assert len(scores) == 2 * g["conversation_id"].nunique()
