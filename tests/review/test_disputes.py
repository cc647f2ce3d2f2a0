"""Disputes and final outcomes on small frames: what can be disputed and until when, how a
lead's decision and a grader's grade change the outcome and the total, both kept beside the
automatic one; the dispute workbooks round trip and refuse what is invalid."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from qa_toolkit.cli import main
from qa_toolkit.engine import score_chunks
from qa_toolkit.io import conversations_from_records
from qa_toolkit.review.dispute_books import agent_workbook, read_agent_workbook, read_resolution, save
from qa_toolkit.review.disputes import DISPUTES, file_disputes, lost_points, resolve, within
from qa_toolkit.review.outcomes import final_outcomes
from qa_toolkit.review.register import as_text, read_register
from qa_toolkit.rubric.schema import Rubric

RUBRIC = Rubric.model_validate(
    {
        "id": "t",
        "version": "1",
        "name": "t",
        "language": "zh",
        "sections": [
            {
                "id": "s",
                "name": "s",
                "weight": 100,
                "criteria": [
                    {"id": "greet", "name": "问候", "points": 10, "check": {"type": "keywords", "phrases": ["您好"]}},
                    {
                        "id": "rude",
                        "name": "催促",
                        "points": 5,
                        "kind": "deduction",
                        "check": {"type": "keywords", "mode": "none", "phrases": ["急什么"]},
                    },
                    {"id": "pii", "name": "信息安全", "points": 10, "critical": "confirm", "check": {"type": "pii"}},
                    {"id": "care", "name": "同理心", "points": 10, "check": {"type": "manual"}},
                ],
            }
        ],
    }
)
SCORED_ON = dt.date(2026, 11, 2)


@pytest.fixture()
def scored():
    ds = conversations_from_records(
        [
            {
                "conversation_id": "a",
                "channel": "chat",
                "agent_id": "A1",
                "started_at": "2026-11-01T10:00:00+08:00",
                "messages": [{"role": "agent", "text": "说吧，急什么，您的手机13812345678"}],
            },
            {
                "conversation_id": "b",
                "channel": "chat",
                "agent_id": "A2",
                "started_at": "2026-10-20T10:00:00+08:00",
                "messages": [{"role": "agent", "text": "您好"}],
            },
        ]
    )
    return score_chunks(ds.conversations, ds.messages, RUBRIC)


def grade_rows(grader: str, day: str, outcomes: dict) -> pd.DataFrame:
    """A grades frame for conversation a: criterion -> (human outcome, points, max, review, confirmed)."""
    rows = [
        {
            "grader": grader,
            "graded_on": day,
            "conversation_id": "a",
            "criterion_id": crit,
            "human_outcome": o,
            "outcome": o,
            "points": p,
            "max_points": m,
            "critical_review": review,
            "confirmed": str(confirmed),
        }
        for crit, (o, p, m, review, confirmed) in outcomes.items()
    ]
    return pd.DataFrame(rows)


def dispute(crit: str, decision: str, awarded: str = "", cid: str = "a") -> dict:
    return {
        "conversation_id": cid,
        "criterion_id": crit,
        "decision": decision,
        "points_awarded": awarded,
        "resolved_on": "2026-11-06",
    }


def test_lost_points_are_fails_deductions_and_partial_grades_with_a_deadline(scored):
    results, scores = scored
    lost = lost_points(results, scores, RUBRIC, scored_on=SCORED_ON).set_index(["conversation_id", "criterion_id"])
    assert sorted(lost.index) == [("a", "greet"), ("a", "pii"), ("a", "rude")]  # b lost nothing; care waits
    assert lost.loc[("a", "rude"), "lost"] == 5 and lost.loc[("a", "pii"), "critical"] == "pending"
    assert (lost["deadline"] == "2026-11-09").all() and (lost["decided_by"] == "auto").all()
    assert len(lost_points(results, within(scores, "2026-10-19..2026-10-25"), RUBRIC, scored_on=SCORED_ON)) == 0
    with pytest.raises(ValueError, match="period is"):
        within(scores, "last month")


def test_a_grade_over_the_rule_and_a_confirmed_critical(scored):
    results, scores = scored
    grades = pd.concat(
        [
            grade_rows(
                "王芳",
                "2026-11-03",
                {"pii": ("fail", 0.0, 10.0, "confirm", True), "care": ("pass", 10.0, 10.0, "", False)},
            ),
            grade_rows("李雷", "2026-11-02", {"pii": ("pass", 10.0, 10.0, "overturn", False)}),  # older: does not count
        ]
    )
    final, final_scores = final_outcomes(results, scores, [RUBRIC], grades=grades)
    s = final_scores.set_index("conversation_id")
    assert s.loc["a", "total"] == 0 and s.loc["a", "critical_failed"] and s.loc["a", "grader"] == "王芳"
    assert s.loc["a", "auto_total"] == scores.set_index("conversation_id").loc["a", "total"]
    pending = final_outcomes(results, scores, [RUBRIC], grades=grades[grades["criterion_id"] == "care"])[1]
    a = pending.set_index("conversation_id").loc["a"]  # care graded, pii still pending: 5 of 30 points
    assert a["total"] == pytest.approx(100 * 5 / 30, abs=1e-4) and a["critical_pending"] == "pii"
    f = final.set_index(["conversation_id", "criterion_id"])
    assert (f.loc[("a", "care"), "auto_outcome"], f.loc[("a", "care"), "outcome"]) == ("review", "pass")
    assert f.loc[("a", "care"), "decided_by"] == "grade" and f.loc[("a", "greet"), "decided_by"] == "auto"
    assert s.loc["b", "total"] == scores["total"].iloc[1] and s.loc["b", "grader"] == ""  # nobody graded b


@pytest.mark.parametrize(
    ("crit", "decision", "awarded", "outcome", "points"),
    [
        ("greet", "accepted", "", "pass", 10.0),
        ("greet", "partly", "4", "pass", 4.0),
        ("rude", "accepted", "", "pass", 0.0),
        ("rude", "partly", "2", "fail", -3.0),
        ("greet", "rejected", "", "fail", 0.0),
    ],
)
def test_a_lead_decision_changes_the_outcome_and_keeps_the_automatic_one(
    scored, crit, decision, awarded, outcome, points
):
    results, scores = scored
    final, final_scores = final_outcomes(
        results, scores, [RUBRIC], disputes=pd.DataFrame([dispute(crit, decision, awarded)])
    )
    row = final.set_index(["conversation_id", "criterion_id"]).loc[("a", crit)]
    assert (row["outcome"], row["points"], row["dispute"]) == (outcome, points, decision)
    assert row["auto_outcome"] == "fail" and row["decided_by"] == ("auto" if decision == "rejected" else "dispute")
    assert bool(row["confirmed"]) is (decision == "rejected")
    s = final_scores.set_index("conversation_id").loc["a"]
    assert s["n_disputes"] == 1 and s["n_disputes_accepted"] == (decision != "rejected")


def test_an_accepted_dispute_of_a_critical_fail_lifts_it(scored):
    results, scores = scored
    rejected = final_outcomes(results, scores, [RUBRIC], disputes=pd.DataFrame([dispute("pii", "rejected")]))[1]
    assert rejected.set_index("conversation_id").loc["a", "total"] == 0  # a lead confirmed it
    accepted = final_outcomes(results, scores, [RUBRIC], disputes=pd.DataFrame([dispute("pii", "accepted")]))[1]
    a = accepted.set_index("conversation_id").loc["a"]
    assert a["critical_pending"] == "" and not a["critical_failed"] and a["total"] > a["auto_total"]


def lost_text(results, scores) -> pd.DataFrame:
    return as_text(lost_points(results, scores, RUBRIC, scored_on=SCORED_ON))


def test_filing_refuses_late_and_already_decided_disputes_and_keeps_what_is_there(scored):
    results, scores = scored
    lost = lost_text(results, scores).assign(source="a.xlsx[申诉 Disputes]!L5")
    filed = lost.assign(reason=["话术没问题", "客户先催", "核实身份"])
    rows, problems = file_disputes(None, filed, dt.date(2026, 11, 5))
    assert len(rows) == 3 and set(rows["filed_on"]) == {"2026-11-05"} and problems == []
    register = rows.assign(decision=["accepted", "", ""])
    again, problems = file_disputes(
        register, filed.assign(reason=["新理由", "客户先催", "改了"]), dt.date(2026, 11, 20)
    )
    assert [p.code for p in problems] == ["decided", "deadline"]
    assert "already decided (accepted)" in str(problems[0]) and "after its deadline 2026-11-09" in str(problems[1])
    assert again["reason"].tolist() == ["话术没问题", "客户先催"] and again["decision"].tolist() == ["accepted", ""]


def test_resolve_validates_each_decision_at_its_place(scored):
    results, scores = scored
    register = as_text(
        pd.DataFrame(
            file_disputes(None, lost_text(results, scores).assign(source="x", reason="r"), dt.date(2026, 11, 5))[0],
            columns=list(DISPUTES),
        )
    )

    def decide(**row):
        base = {
            "conversation_id": "a",
            "criterion_id": "greet",
            "decision": "",
            "points_awarded": "",
            "note": "",
            "resolved_by": "陈",
            "resolved_on": "",
            "where": "r.xlsx[裁定 Resolution]!I5",
        }
        return pd.DataFrame([{**base, **row}])

    changed, problems = resolve(
        register, decide(decision="部分接受", points_awarded="4", note="开场白有问候"), dt.date(2026, 11, 6)
    )
    assert problems == [] and changed[["decision", "points_awarded", "resolved_on"]].values.tolist() == [
        ["partly", "4", "2026-11-06"]
    ]
    for bad, message in [
        ({"decision": "maybe"}, "'maybe' is not a decision"),
        ({"decision": "partly", "points_awarded": "10"}, "between 0 and 10 (exclusive)"),
        ({"decision": "accepted", "resolved_by": ""}, "lead's name is empty"),
        ({"decision": "accepted", "criterion_id": "care"}, "no dispute of care on a"),
    ]:
        changed, problems = resolve(register, decide(**bad), dt.date(2026, 11, 6))
        assert changed.empty and len(problems) == 1 and message in str(problems[0])
        assert str(problems[0]).startswith("r.xlsx: error: r.xlsx[裁定 Resolution]!I5")


def test_the_agent_workbook_masks_evidence_and_reads_back_only_the_reasons(scored, tmp_path):
    results, scores = scored
    lost = lost_points(results, scores, RUBRIC, scored_on=SCORED_ON)
    book = save(agent_workbook(lost, "A1"), tmp_path / "a1.xlsx")
    wb = load_workbook(book)
    ws = wb["申诉 Disputes"]
    texts = "".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert "13812345678" not in texts and "138****5678" in texts
    assert ws.protection.sheet and ws["L5"].protection.locked is False and wb["_ids"].sheet_state == "veryHidden"
    ws["L6"] = "=HYPERLINK(\"x\")"  # whatever is typed stays text
    wb.save(book)
    filed, problems = read_agent_workbook(book)
    assert problems == [] and filed["reason"].tolist() == ["=HYPERLINK(\"x\")"]
    assert filed["source"].tolist() == [f"{book}[申诉 Disputes]!L6"]
    _, problems = read_resolution(book)
    assert "this is a dispute workbook, not a resolution workbook" in str(problems[0])


def test_cli_resolve_with_an_invalid_decision_exits_2_and_writes_nothing(scored, tmp_path):
    results, scores = scored
    rows, _ = file_disputes(None, lost_text(results, scores).assign(source="x", reason="r"), dt.date(2026, 11, 5))
    register = tmp_path / "disputes.csv"
    rows.to_csv(register, index=False, encoding="utf-8-sig")
    before = register.read_bytes()
    decisions = tmp_path / "decisions.csv"
    pd.DataFrame(
        [
            {
                "conversation_id": "a",
                "criterion_id": "greet",
                "decision": "partly",
                "points_awarded": "12",
                "resolved_by": "陈",
            }
        ]
    ).to_csv(decisions, index=False)
    r = CliRunner().invoke(main, ["dispute", "resolve", str(decisions), "--register", str(register)])
    assert r.exit_code == 2 and f"{decisions}:2" in r.output and "nothing written" in r.output
    assert register.read_bytes() == before
    pd.DataFrame(
        [{"conversation_id": "a", "criterion_id": "greet", "decision": "accepted", "resolved_by": "陈"}]
    ).to_csv(decisions, index=False)
    r = CliRunner().invoke(
        main, ["dispute", "resolve", str(decisions), "--register", str(register), "--today", "2026-11-06"]
    )
    assert r.exit_code == 0 and "1 accepted; 1 recorded, 0 already there" in r.output, r.output
    assert read_register(register).set_index("criterion_id").loc["greet", "resolved_on"] == "2026-11-06"


def test_a_point_disputed_twice_in_one_import_is_filed_once_with_the_last_reason(scored):
    results, scores = scored
    lost = lost_text(results, scores).assign(source=["a[s]!L5", "a[s]!L6", "a[s]!L7"], reason=["x", "y", "z"])
    rows, problems = file_disputes(
        None, pd.concat([lost, lost.head(1).assign(source="b[s]!L5", reason="again")]), dt.date(2026, 11, 5)
    )
    assert len(rows) == 3 and rows.set_index("criterion_id").loc["greet", "reason"] == "again"
    assert [p.code for p in problems] == ["twice"] and "a[s]!L5" in str(problems[0])
