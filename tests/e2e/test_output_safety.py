"""Hostile values planted in an export never reach an output unsafely, through every command and
every output format: personal data in tags, queue, tier, message text and invalid field values
is masked in every output a person reads (stderr, run.json, inspect, workbooks, HTML, CSV
evidence); formula-like ids, customer text, grader names and comments are quoted in every CSV
and read back exactly by the commands that read those CSVs; NUL, control characters and
bidirectional overrides in ids leave well-formed workbooks and HTML that shows them replaced."""

from __future__ import annotations

import csv
import json
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from qa_toolkit.cli import main
from qa_toolkit.excel import FORMULA_PREFIXES
from qa_toolkit.resources import default_rubric, sample_conversations
from qa_toolkit.review.importer import workbook_input_cells
from qa_toolkit.review.layout import allowed_grades
from qa_toolkit.rubric import load_rubric

pytestmark = pytest.mark.slow  # runs every command once on a planted export

PLANTED = re.compile(r"13900000\d\d\d")  # every planted mobile; masked they read 139****0xxx
FORMULA_ID = '=HYPERLINK("http://evil.example","点我")'
AT_AGENT, SPOOF_AGENT = "@SUM(1+1)", "A\x00\x07\u202eA016"
EVIL_TEXT = '=HYPERLINK("http://evil.example","点我") 您的手机号13900000099，身份证号码请提供'


def _planted_export(path: Path) -> None:
    """The first 160 sample conversations with personal data, formula-like values and control
    characters planted in fields, invalid values and texts."""
    lines = sample_conversations().read_text(encoding="utf-8").splitlines()[:160]
    out = []
    for i, line in enumerate(lines):
        r = json.loads(line)
        if i % 10 == 0:
            r.update(tags=r["tags"] + ["13900000001"], queue="13900000002", customer_tier="13900000003")
        if i % 10 == 1:
            r["agent_id"] = AT_AGENT
        if i % 10 == 2:
            r["agent_id"] = SPOOF_AGENT
        if i == 3:
            r["conversation_id"] = FORMULA_ID
        if i % 10 == 4:
            r["messages"][0]["text"] = EVIL_TEXT  # the agent's opener: pii evidence in results.csv
        r["messages"][-1]["text"] += " 电话13900000008" if i % 7 == 0 else ""
        if i == 5:
            r["csat"] = "13900000005"
        if i == 6:
            r["started_at"] = "x13900000006"
        if i == 7:
            r["messages"][1]["role"] = "13900000007"
        if i == 8:
            r["messages"][2]["ts"] = "13900000013 o clock"
        out.append(json.dumps(r, ensure_ascii=False))
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def run(*args) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


def _grade(book: Path, dest: Path) -> None:
    """A grader named like a formula, a formula-like comment, the pre-filled grades confirmed."""
    criteria = {c.id: c for _, c in load_rubric(default_rubric())[0].criteria}
    wb = load_workbook(book)
    for sheet, cell, _, criterion, kind, prefill in workbook_input_cells(book):
        if kind == "grader":
            wb[sheet][cell] = "=cmd|' /C calc'!A0"
        elif kind == "date":
            wb[sheet][cell] = "2026-11-20"
        elif kind == "grade" and not prefill:
            wb[sheet][cell] = allowed_grades(criteria[criterion])[0]
        elif kind == "comment":
            wb[sheet][cell] = "+SUM(1,1) 已核对"
    wb.save(dest)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("hostile")
    data = tmp / "data.jsonl"
    _planted_export(data)
    out: dict = {"dir": tmp, "data": data}
    out["inspect"] = run("data", "inspect", data)
    out["inspect_json"] = run("data", "inspect", data, "--json")
    out["score"] = run("score", data, "-o", tmp / "score")
    out["sample"] = run(
        "sample",
        data,
        "--quota",
        "1",
        "--period",
        "all",
        "--seed",
        "3",
        "-o",
        tmp / "batch",
        "--ledger",
        tmp / "ledger.csv",
    )
    out["export"] = run("grade", "export", tmp / "batch", "--data", data, "-o", tmp / "grading.xlsx")
    _grade(tmp / "grading.xlsx", tmp / "graded.xlsx")
    out["import"] = run("grade", "import", tmp / "graded.xlsx", "--data", data, "-o", tmp / "grades.csv")
    out["calibrate"] = run("calibrate", tmp / "grades.csv")
    out["train"] = run("risk", "train", data, "--label", "csat <= 3", "--folds", "2", "-o", tmp / "model.skops")
    out["predict"] = run("risk", "predict", data, "--model", tmp / "model.skops", "-o", tmp / "risk.csv")
    out["rescore"] = run("score", data, "--risk", tmp / "risk.csv", "-o", tmp / "score2")
    info = json.loads((tmp / "score" / "run.json").read_text(encoding="utf-8"))
    for part in ("results", "scores"):  # the report reads the CSVs back: a run of CSVs only
        (tmp / "score" / f"{part}.parquet").unlink()
        info["files"].pop(f"{part}.parquet")
    (tmp / "score" / "run.json").write_text(json.dumps(info), encoding="utf-8")
    out["report"] = run(
        "report",
        "--scores",
        tmp / "score",
        "--data",
        data,
        "-o",
        tmp / "report",
        "--format",
        "xlsx,html",
        "--manifest",
        tmp / "batch",
    )
    return out


def _texts(path: Path) -> list[str]:
    """The text of an output file (each XML part of a workbook; a Parquet file as CSV)."""
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as z:
            return [z.read(n).decode("utf-8") for n in z.namelist()]
    if path.suffix == ".parquet":
        return [pd.read_parquet(path).astype(str).to_csv()]
    if path.suffix == ".skops":
        return []
    return [path.read_text(encoding="utf-8")]


def test_every_command_ran(outputs):
    codes = {k: v[0] for k, v in outputs.items() if isinstance(v, tuple)}
    # the planted export has a record that is skipped (a bad value): every command that reads it exits 1
    assert codes == {
        "inspect": 1,
        "inspect_json": 1,
        "score": 1,
        "sample": 1,
        "export": 1,
        "import": 1,
        "calibrate": 0,
        "train": 1,
        "predict": 1,
        "rescore": 1,
        "report": 1,
    }, outputs


def test_planted_personal_data_is_masked_in_every_output(outputs):
    """Terminal output (problem messages quote the invalid values), run.json, inspect's text and
    JSON (top tags), the grading workbook (facts line), the report workbook and pages, CSV
    and Parquet outputs: not one planted number unmasked."""
    shown = {name: out for name, (_, out) in ((k, v) for k, v in outputs.items() if isinstance(v, tuple))}
    files = [
        p
        for p in outputs["dir"].rglob("*")
        if p.is_file() and p.name != "data.jsonl" and p.suffix != ".skops" and p.name != "graded.xlsx"
    ]  # the grader's own workbook holds what the grader typed
    for name, text in [*shown.items(), *((str(p), t) for p in files for t in _texts(p))]:
        assert not PLANTED.findall(text), (name, PLANTED.findall(text)[:3])
    assert "139****0005" in shown["score"] and "139****0001" in shown["inspect_json"]  # masked, still there
    assert any("139****0002" in t for t in _texts(outputs["dir"] / "grading.xlsx"))


def test_csv_cells_never_start_a_formula_and_read_back_exactly(outputs):
    """Every text cell of every CSV output that a spreadsheet would run as a formula is quoted;
    the commands that read those CSVs back (grade export, calibrate, score --risk, report) found
    every id, grader and conversation (their exit codes above); the CSV report kept the ids."""
    tmp = outputs["dir"]
    checked = 0
    for path in [*tmp.glob("*/*.csv"), *tmp.glob("*.csv")]:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    checked += 1
                    if cell.startswith(FORMULA_PREFIXES):
                        float(cell)  # only numbers (negative ones) may start with '-'
    assert checked > 1000
    results = pd.read_csv(tmp / "score" / "results.csv", dtype=str, encoding="utf-8-sig")
    assert (results["evidence_text"].dropna().str.startswith("'=HYPERLINK")).any()
    assert results["conversation_id"].eq("'" + FORMULA_ID).any()
    scores = pd.read_csv(tmp / "score" / "scores.csv", dtype=str, encoding="utf-8-sig")
    assert scores["agent_id"].eq("'" + AT_AGENT).any()
    grades = pd.read_csv(tmp / "grades.csv", dtype=str, encoding="utf-8-sig", keep_default_na=False)
    assert set(grades["grader"]) == {"'=cmd|' /C calc'!A0"} and grades["comment"].str.startswith("'+SUM").any()
    manifest = pd.read_csv(tmp / "batch" / "manifest.csv", dtype=str, encoding="utf-8-sig")
    assert manifest["agent_id"].eq("'" + AT_AGENT).any()
    risk = pd.read_csv(tmp / "risk.csv", dtype=str, encoding="utf-8-sig")
    assert risk["conversation_id"].eq("'" + FORMULA_ID).any()
    report = load_workbook(tmp / "report" / "report.xlsx")
    ids = {c.value for ws in report.worksheets for row in ws.iter_rows() for c in row}
    assert FORMULA_ID in ids and AT_AGENT in ids  # read back without the quote, stored as text


def test_control_and_bidi_characters_leave_valid_workbooks_and_visible_marks(outputs):
    tmp = outputs["dir"]
    for book in (tmp / "report" / "report.xlsx", tmp / "grading.xlsx"):
        with zipfile.ZipFile(book) as z:
            for part in z.namelist():
                if part.endswith(".xml") or part.endswith(".rels"):
                    ElementTree.fromstring(z.read(part))  # well-formed
        load_workbook(book)
    names = load_workbook(tmp / "report" / "report.xlsx").sheetnames
    assert any("A\ufffd\ufffd\ufffdA016" in n for n in names)
    pages = list((tmp / "report").rglob("*.html"))
    assert pages
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert not re.search("[\x00-\x08\u202a-\u202e\u2066-\u2069]", html), page
    assert any("A\ufffd\ufffd\ufffdA016" in p.read_text(encoding="utf-8") for p in pages)
