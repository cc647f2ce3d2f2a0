"""A scripted week on the sample data, through the CLI: score → sample (pending criticals
included) → grade export → a grader confirms one critical fail and overturns another →
import → dispute export → an agent disputes two points → import → a lead accepts one and
rejects the other → the scores a report will use show every change; calibrate counts the
overturned automatic outcomes; every import run twice changes nothing."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from qa_toolkit.cli import main
from qa_toolkit.resources import default_rubrics, sample_conversations
from qa_toolkit.review.calibration import read_grades
from qa_toolkit.review.importer import workbook_input_cells
from qa_toolkit.review.layout import allowed_grades
from qa_toolkit.review.outcomes import final_outcomes
from qa_toolkit.review.register import read_register
from qa_toolkit.rubric import require_rubrics
from qa_toolkit.scorefolder import read_score_dir

pytestmark = pytest.mark.slow  # the whole week on 3,000 conversations

DATA = str(sample_conversations())
SCORED_ON, FILED, RESOLVED, LATE = "2026-11-02", "2026-11-05", "2026-11-06", "2026-11-12"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def ids(book) -> list[tuple]:
    """The hidden id rows (a dispute workbook's: cell, then disputes.LOST: agent_id,
    conversation_id [2], started_at, section_id, criterion_id [5], ..., critical [11],
    decided_by [12], decided_on [13], deadline [14], evidence)."""
    return list(load_workbook(book)["_ids"].iter_rows(values_only=True))[1:]


def grade(book, dest) -> tuple[str, str]:
    """A grader fills every sheet: manual items pass; the first pending critical confirmed, the
    second overturned, the rest left pending. Returns (confirmed, overturned) conversation ids."""
    wb = load_workbook(book)
    meta = {r[0]: r[1] for r in wb["_meta"].iter_rows(values_only=True) if r and r[0]}
    criteria = {r.id: {c.id: c for _, c in r.criteria} for r in require_rubrics(list(default_rubrics()))[0]}
    cells = workbook_input_cells(book)
    reviews = [row for row in cells if row[4] == "review"]
    for sheet, cell, _cid, crit, kind, prefill in cells:
        if kind == "grader":
            wb[sheet][cell] = "王芳"
        elif kind == "date":
            wb[sheet][cell] = "2026-11-03"
        elif kind == "grade" and not prefill:  # a manual item: the top of its scale
            wb[sheet][cell] = allowed_grades(criteria[meta[f"rubric:{sheet}"]][crit])[0]
    (s1, c1, confirmed, *_), (s2, c2, overturned, *_) = reviews[:2]
    wb[s1][c1], wb[s2][c2] = "确认", "overturn"
    wb.save(dest)
    return confirmed, overturned


@pytest.fixture(scope="module")
def week(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("week")
    assert run("score", DATA, "-o", tmp / "score").exit_code == 0
    r = run(
        "sample",
        DATA,
        "--quota",
        "1",
        "--period",
        "last_week",
        "--seed",
        "11",
        "--scores",
        tmp / "score" / "scores.csv",
        "-o",
        tmp / "batch",
    )
    assert r.exit_code == 0, r.output
    assert run("grade", "export", tmp / "batch", "--data", DATA, "-o", tmp / "grading.xlsx").exit_code == 0
    return tmp


def test_the_week_from_scores_to_the_scores_a_report_uses(week, tmp_path):
    manifest = pd.read_csv(week / "batch" / "manifest.csv", dtype=str, encoding="utf-8-sig")
    pending = manifest[manifest["stratum"] == "pending_critical"]
    assert len(pending) >= 2 and (pending["inclusion_prob"].astype(float) == 1).all()

    confirmed, overturned = grade(week / "grading.xlsx", tmp_path / "wang.xlsx")
    grades = tmp_path / "grades.csv"
    r = run("grade", "import", tmp_path / "wang.xlsx", "--data", DATA, "-o", grades)
    assert r.exit_code == 0, r.output
    assert f"critical fails: 1 confirmed, 1 overturned, {len(pending) - 2} conversation(s) still pending" in r.output
    r = run("grade", "import", tmp_path / "wang.xlsx", "--data", DATA, "-o", grades)
    assert r.exit_code == 0 and "nothing changed" in r.output

    out = tmp_path / "disputes"
    r = run(
        "dispute",
        "export",
        "--scores",
        week / "score",
        "--grades",
        grades,
        "-o",
        out,
        "--scored-on",
        SCORED_ON,
        "--period",
        "last_week",
    )
    assert r.exit_code == 0, r.output
    # the agent of the confirmed critical disputes it and one automatic point of another conversation
    agent = manifest.set_index("conversation_id").loc[confirmed, "agent_id"]
    book = out / f"申诉_{agent}.xlsx"
    rows = ids(book)
    graded = next(r for r in rows if r[2] == confirmed and r[11] == "confirmed")
    automatic = next(r for r in rows if r[2] != confirmed and r[12] == "auto")
    assert graded[13] == "2026-11-03" and graded[14] == "2026-11-10"  # graded: 7 days from the grading date
    assert automatic[13] == SCORED_ON and automatic[14] == "2026-11-09"
    wb = load_workbook(book)
    ws = wb["申诉 Disputes"]
    ws[graded[0]], ws[automatic[0]] = "客户先辱骂，我只是复述", "已经道歉了，规则没识别"
    wb.save(tmp_path / "filled.xlsx")
    register = tmp_path / "disputes.csv"
    r = run("dispute", "import", tmp_path / "filled.xlsx", "-o", register, "--today", FILED)
    assert r.exit_code == 0 and "2 dispute(s) added" in r.output, r.output
    r = run("dispute", "import", tmp_path / "filled.xlsx", "-o", register, "--today", FILED)
    assert r.exit_code == 0 and "nothing changed" in r.output and "imported before" in r.output

    r = run("dispute", "resolution", register, "-o", tmp_path / "resolution.xlsx")
    assert r.exit_code == 0 and "2 open dispute(s)" in r.output
    wb = load_workbook(tmp_path / "resolution.xlsx")
    ws = wb["裁定 Resolution"]
    ws["C2"] = "组长 陈"
    decision = {(cid, crit): cell for cid, crit, cell, *_ in list(wb["_ids"].iter_rows(values_only=True))[1:]}
    ws[decision[(graded[2], graded[5])]] = "rejected"
    ws[decision[(automatic[2], automatic[5])]] = "accepted"
    wb.save(tmp_path / "decided.xlsx")
    r = run("dispute", "resolve", tmp_path / "decided.xlsx", "--register", register, "--today", RESOLVED)
    assert r.exit_code == 0 and "1 accepted, 1 rejected" in r.output, r.output
    r = run("dispute", "resolve", tmp_path / "decided.xlsx", "--register", register, "--today", RESOLVED)
    assert r.exit_code == 0 and "nothing changed" in r.output

    # the scores the report will use
    results, scores, _ = read_score_dir(week / "score")
    rubrics = require_rubrics(list(default_rubrics()))[0]
    final, final_scores = final_outcomes(
        results, scores, rubrics, grades=read_grades(grades), disputes=read_register(register)
    )
    s = final_scores.set_index("conversation_id")
    auto = scores.set_index("conversation_id")
    assert s.loc[confirmed, "total"] == 0 and s.loc[confirmed, "critical_failed"] and auto.loc[confirmed, "total"] > 0
    assert s.loc[confirmed, "auto_total"] == auto.loc[confirmed, "total"] and s.loc[confirmed, "n_disputes"] == 1
    assert not s.loc[overturned, "critical_failed"] and s.loc[overturned, "critical_pending"] == ""
    assert s.loc[overturned, "grader"] == "王芳"
    f = final.set_index(["conversation_id", "criterion_id"])
    accepted = f.loc[(automatic[2], automatic[5])]
    assert (accepted["auto_outcome"], accepted["outcome"], accepted["decided_by"], accepted["dispute"]) == (
        "fail",
        "pass",
        "dispute",
        "accepted",
    )
    assert s.loc[automatic[2], "total"] > auto.loc[automatic[2], "total"]
    assert s.loc[automatic[2], "n_disputes_accepted"] == 1
    rejected = f.loc[(graded[2], graded[5])]
    assert (rejected["outcome"], rejected["dispute"], bool(rejected["confirmed"])) == ("fail", "rejected", True)
    untouched = ~s.index.isin(manifest["conversation_id"]) & ~s.index.isin([automatic[2]])
    assert s[untouched]["total"].equals(auto[untouched]["total"])

    r = run("calibrate", grades, "--disputes", register, "--json")
    assert r.exit_code == 0, r.output
    counts = {o["criterion_id"]: o for o in json.loads(r.output)["overturns"]}
    assert counts[automatic[5]]["overturned_by_dispute"] == 1
    assert sum(o["critical_confirmed"] for o in counts.values()) == 1
    assert sum(o["critical_overturned"] for o in counts.values()) == 1

    # a dispute after its deadline is refused, the register unchanged
    before = register.read_bytes()
    wb = load_workbook(book)
    wb["申诉 Disputes"][next(r for r in rows if r[2] != automatic[2] and r[12] == "auto")[0]] = "太晚了"
    wb.save(tmp_path / "late.xlsx")
    r = run("dispute", "import", tmp_path / "late.xlsx", "-o", register, "--today", LATE)
    assert r.exit_code == 1 and "after its deadline 2026-11-09: refused" in r.output
    assert register.read_bytes() == before
