"""Human grades in the report: a grade overrides the automatic outcome (both kept), graded
conversations are re-scored, manual criteria count once graded, every point lost is listed
with its evidence highlighted as written, and `qa report --grades` reads `qa grade import`'s file."""

import pandas as pd
import pytest
from click.testing import CliRunner
from tiny_rubric import RUBRIC, data, row, score

from qa_toolkit.cli import main
from qa_toolkit.metrics import compute_metrics
from qa_toolkit.problems import InputError
from qa_toolkit.report import ReportInput
from qa_toolkit.report.grades import Reviewed
from qa_toolkit.report.html import highlight
from qa_toolkit.report.view import lost_points, match_parts
from qa_toolkit.review.calibration import read_grades

CONVS = (
    ("c1", "x", [("customer", "投诉"), ("agent", "您好，不知道，加我QQ 123")]),
    ("c2", "x", [("agent", "您好")]),
    ("c3", "y", [("agent", "您好")]),
)


def grades(*rows, graded_on="2026-11-20", grader="王"):
    """grades.csv rows as `qa grade import` writes them (the columns the report reads)."""
    return pd.DataFrame(
        [
            {
                "grader": grader,
                "graded_on": graded_on,
                "conversation_id": c,
                "criterion_id": k,
                "auto_outcome": "",
                "human_outcome": o,
                "outcome": o,
                "points": p,
                "max_points": m,
                "comment": "",
                "total": 0.0,
                "critical_review": "",
                "confirmed": False,
            }
            for c, k, o, p, m in rows
        ]
    )


def apply_grades(results, scores, frame, rubrics):
    return Reviewed(rubrics, grades=frame)(results, scores)


@pytest.fixture()
def scored():
    results, scores = score(*CONVS)
    return results, scores


def test_a_human_grade_overrides_the_rule_and_the_conversation_is_rescored(scored):
    results, scores = scored
    before = row(scores, "c2")
    assert before["n_review"] == 1  # the manual criterion waits for a human
    res, new = apply_grades(
        results, scores, grades(("c2", "greet", "fail", 0.0, 10.0), ("c2", "grade", "pass", 10.0, 10.0)), [RUBRIC]
    )
    c2 = res[res["conversation_id"] == "c2"].set_index("criterion_id")
    assert c2.loc["greet", ["outcome", "auto_outcome", "source"]].tolist() == ["fail", "pass", "graded"]
    assert c2.loc["greet", "auto_points"] == 10 and c2.loc["greet", "points"] == 0
    after = row(new, "c2")
    assert after["n_review"] == 0 and bool(after["human_graded"]) and after["auto_total"] == before["total"]
    assert after["section_s2"] == 100  # the manual criterion counts once graded
    assert after["total"] != before["total"]
    untouched = row(new, "c3")
    assert not untouched["human_graded"] and untouched["total"] == row(scores, "c3")["total"]
    assert (res.loc[res["conversation_id"] != "c2", "source"] == "auto").all()


def test_the_latest_grade_of_a_criterion_wins(scored):
    results, scores = scored
    g = pd.concat(
        [
            grades(("c2", "greet", "fail", 0.0, 10.0), graded_on="2026-11-21", grader="late"),
            grades(("c2", "greet", "pass", 10.0, 10.0), graded_on="2026-11-20", grader="early"),
        ]
    )
    res, _ = apply_grades(results, scores, g, [RUBRIC])
    greet = res[(res["conversation_id"] == "c2") & (res["criterion_id"] == "greet")].iloc[0]
    assert greet["outcome"] == "fail" and greet["grader"] == "late"


def test_agents_count_graded_auto_only_and_pending_conversations(scored):
    results, scores = scored
    ds = data(*CONVS)
    res, new = apply_grades(results, scores, grades(("c2", "grade", "pass", 10.0, 10.0)), [RUBRIC])
    m = compute_metrics(ds.conversations, ds.messages, new, res)
    x = m.agent("x")
    assert (x["n_human"], x["n_auto_only"], x["n_review"]) == (1, 0, 1)
    assert m.agent("y")["n_review"] == 1 and m.agent("y")["n_human"] == 0


def test_every_point_lost_is_listed_with_evidence_as_written_and_its_source(scored):
    results, scores = scored
    ds = data(*CONVS)
    res, new = apply_grades(results, scores, grades(("c2", "greet", "fail", 0.0, 10.0)), [RUBRIC])
    res.loc[res["criterion_id"] == "taboo", "evidence_match"] = "加我qq"  # matches are stored lower-cased
    m = compute_metrics(ds.conversations, ds.messages, new, res)
    rep = ReportInput(m, ds.messages)
    lost = lost_points(rep, "x").set_index(["conversation_id", "criterion_id"])
    assert lost.loc[("c2", "greet"), "source"] == "graded" and lost.loc[("c2", "greet"), "points_lost"] == 10
    assert lost.loc[("c2", "greet"), "auto_outcome"] == "pass" and lost.loc[("c2", "greet"), "changed"]
    assert ("c1", "sorry") in lost.index  # the complaint was not apologised for
    assert not any(k == "bonus" for _, k in lost.index)  # a bonus not earned is no point lost
    taboo = lost.loc[("c1", "taboo")]
    assert taboo["evidence_text"] == "您好，不知道，加我QQ 123"
    assert [p for p, hit in match_parts(taboo["evidence_text"], taboo["evidence_match"]) if hit] == ["加我QQ"]
    assert match_parts("您好，加我QQ 123", "加我qq") == [("您好，", False), ("加我QQ", True), (" 123", False)]
    assert str(highlight("say WeChat <b>", "wechat")) == "say <mark>WeChat</mark> &lt;b&gt;"


def test_a_file_that_is_not_grades_is_a_located_input_error(tmp_path):
    path = tmp_path / "g.csv"
    path.write_text("conversation_id,total\nc1,80\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_grades(path)
    assert "g.csv" in str(err.value) and "auto_outcome" in str(err.value)


def test_qa_report_with_grades_shows_the_graded_state(tmp_path):
    import json

    records = [
        {
            "conversation_id": cid,
            "channel": "chat",
            "agent_id": agent,
            "started_at": "2026-03-02 09:00:00",
            "csat": 2,
            "messages": [{"role": r, "text": t, "ts": "2026-03-02 09:00:00"} for r, t in msgs],
        }
        for cid, agent, msgs in CONVS
    ]
    src = tmp_path / "d.jsonl"
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    rubric = tmp_path / "r.yaml"
    rubric.write_text(
        json.dumps(RUBRIC.model_dump(mode="json", exclude_none=True), ensure_ascii=False), encoding="utf-8"
    )
    runner = CliRunner()
    out = runner.invoke(main, ["score", str(src), "--rubric", str(rubric), "-o", str(tmp_path / "s")])
    assert out.exit_code == 0, out.output
    g = grades(("c2", "greet", "fail", 0.0, 10.0)).assign(human_grade="fail")
    g.to_csv(tmp_path / "grades.csv", index=False)
    out = runner.invoke(
        main,
        [
            "report",
            "--scores",
            str(tmp_path / "s"),
            "--data",
            str(src),
            "--rubric",
            str(rubric),
            "--grades",
            str(tmp_path / "grades.csv"),
            "-o",
            str(tmp_path / "r"),
            "--lang",
            "en",
        ],
    )
    assert out.exit_code == 0, out.output
    page = (tmp_path / "r/agents/x.html").read_text(encoding="utf-8")
    assert 'data-source="graded"' in page and "Human-graded <strong>1</strong>" in page
    bad = runner.invoke(
        main,
        [
            "report",
            "--scores",
            str(tmp_path / "s"),
            "--data",
            str(src),
            "--rubric",
            str(rubric),
            "--grades",
            str(src),
            "-o",
            str(tmp_path / "r2"),
        ],
    )
    assert bad.exit_code == 2 and "Traceback" not in bad.output


def test_the_counting_graders_comment_stays_on_its_result(scored):
    results, scores = scored
    frame = grades(("c2", "greet", "fail", 0.0, 10.0), ("c2", "grade", "pass", 10.0, 10.0))
    frame["comment"] = ["  ", "耐心 · 好"]
    res, _ = apply_grades(results, scores, frame, [RUBRIC])
    c2 = res[res["conversation_id"] == "c2"].set_index("criterion_id")["comment"]
    assert c2["grade"] == "耐心 · 好" and pd.isna(c2["greet"])  # a blank comment is no comment
    assert res.loc[res["conversation_id"] != "c2", "comment"].isna().all()
