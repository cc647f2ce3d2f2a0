"""The agreement gate through the CLI on the sample data: a shadow criterion is computed and shown
but not counted; `qa calibrate --gate` fails on live criteria that disagree with the graders;
`qa rubric promote` makes a shadow criterion live only when it clears the floor, writing the
evidence into the rubric and leaving the rest of the file as it was. Grades are the rule's own
outcomes with some flipped, as a grader who mostly agrees would give them."""

from __future__ import annotations

import json
from itertools import islice
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from qa_toolkit.cli import main
from qa_toolkit.engine import score_chunks
from qa_toolkit.io import read_conversations
from qa_toolkit.resources import sample_conversations
from qa_toolkit.review.calibration import gate_table
from qa_toolkit.rubric import require_rubric
from qa_toolkit.rubric.schema import Rubric
from qa_toolkit.scoring import SHADOW

RUBRIC = """\
# yaml-language-server: $schema=./schema.json
# 试运行评分表：新规则先 shadow，和质检员对齐后再计分
id: gate-test
version: "1"
name: gate test
language: zh
applies_to: {languages: [zh]}
gate: {min_n: 50, min_kappa: 0.6}
sections:
  - id: attitude
    name: 服务态度
    weight: 100
    criteria:
      - id: greeting
        name: 开场白
        points: 10
        check: {type: keywords, phrases: [您好, 你好, 亲, 在的], first_turns: 1}
      - id: closing
        name: 结束语
        points: 10
        status: shadow   # 试运行，不计分
        check:
          type: keywords
          phrases: [还有其他, 再见, 感谢,
                    谢谢]   # wrapped by hand
          last_turns: 3
      - id: empathy
        name: 同理心
        points: 10
        check: {type: manual}
"""


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The first 400 sample conversations and the rule outcomes the test rubric gives them."""
    tmp = tmp_path_factory.mktemp("gate")
    data = tmp / "conversations.jsonl"
    with open(sample_conversations(), encoding="utf-8") as src:
        data.write_text("".join(islice(src, 400)), encoding="utf-8")
    rubric = tmp / "base.yaml"
    rubric.write_text(RUBRIC, encoding="utf-8")
    d = read_conversations(data)
    results, _ = score_chunks(d.conversations, d.messages, require_rubric(rubric))
    return data, rubric, results


def write_grades(
    path: Path, results: pd.DataFrame, flips: dict[str, int], n: int = 200, auto: dict[str, str] | None = None
) -> Path:
    """grades.csv for the first ``n`` conversations the rules decided: the human outcome is the
    rule's, flipped on every ``flips[criterion]``-th conversation (0: never); ``auto`` replaces a
    criterion's recorded automatic outcome (as a workbook made before the criterion existed)."""
    decided = results[results["outcome"].isin(["pass", "fail"]) & results["criterion_id"].isin(list(flips))]
    ids = decided["conversation_id"].drop_duplicates().head(n)
    rows = decided[decided["conversation_id"].isin(ids)].reset_index(drop=True)
    rank = rows.groupby("criterion_id").cumcount().to_numpy()
    every = rows["criterion_id"].map(flips).to_numpy(dtype="int64")
    flip = (every > 0) & (rank % np.maximum(every, 1) == 0)
    outcome = rows["outcome"].to_numpy(dtype=object)
    human = np.where(flip, np.where(outcome == "pass", "fail", "pass"), outcome)
    auto = auto or {}
    recorded = [auto.get(c, o) for c, o in zip(rows["criterion_id"], rows["outcome"])]
    pd.DataFrame(
        {
            "grader": "王芳",
            "conversation_id": rows["conversation_id"],
            "criterion_id": rows["criterion_id"],
            "auto_outcome": recorded,
            "human_outcome": human,
            "points": (human == "pass") * 10.0,
            "total": 100.0,
        }
    ).to_csv(path, index=False, encoding="utf-8-sig")
    return path


def test_a_shadow_criterion_is_in_the_results_but_not_in_the_totals(sample, tmp_path):
    data, rubric, _ = sample
    live = tmp_path / "live.yaml"
    live.write_text(RUBRIC.replace("status: shadow", "status: live"), encoding="utf-8")
    for name, path in (("shadow", rubric), ("live", live)):
        r = run("score", data, "--rubric", path, "-o", tmp_path / name)
        assert r.exit_code == 0, r.output
    res = pd.read_csv(tmp_path / "shadow" / "results.csv", encoding="utf-8-sig", dtype={"conversation_id": str})
    closing = res[res["criterion_id"] == "closing"]
    assert set(closing["outcome"]) >= {"pass", "fail"}  # computed and shown, with its evidence
    decided = closing[closing["outcome"].isin(["pass", "fail"])]
    assert decided["note"].str.startswith(SHADOW).all() and decided["evidence_text"].notna().all()
    assert not res.loc[res["criterion_id"] == "greeting", "note"].fillna("").str.startswith(SHADOW).any()
    shadow = pd.read_csv(tmp_path / "shadow" / "scores.csv", encoding="utf-8-sig").set_index("conversation_id")
    counted = pd.read_csv(tmp_path / "live" / "scores.csv", encoding="utf-8-sig").set_index("conversation_id")
    greeting = res[res["criterion_id"] == "greeting"].set_index("conversation_id")["outcome"]
    judged = greeting.index[greeting.isin(["pass", "fail"])]
    # only greeting counts: its outcome alone decides the total; with closing live, totals move
    assert (shadow.loc[judged, "total"] == greeting[judged].eq("pass") * 100.0).all()
    assert (shadow["total"] != counted["total"]).sum() > 0


def test_a_shadow_critical_criterion_never_zeroes_a_total(sample):
    data, rubric, results = sample
    doc = require_rubric(rubric).model_dump(exclude_defaults=True)
    closing = doc["sections"][0]["criteria"][1]
    closing["critical"] = True
    d = read_conversations(data)
    _, scores = score_chunks(d.conversations, d.messages, Rubric.model_validate(doc))
    failed = results.loc[(results["criterion_id"] == "closing") & (results["outcome"] == "fail"), "conversation_id"]
    mine = scores.set_index("conversation_id").loc[failed.tolist()]
    assert len(mine) and not mine["critical_failed"].any() and (mine["total"].dropna() > 0).any()
    closing["status"] = "live"
    _, live = score_chunks(d.conversations, d.messages, Rubric.model_validate(doc))
    assert live.set_index("conversation_id").loc[failed.tolist(), "critical_failed"].all()


def test_calibrate_gate_exits_0_when_every_live_criterion_clears_the_floor(sample, tmp_path):
    data, rubric, results = sample
    grades = write_grades(tmp_path / "g.csv", results, {"greeting": 25, "closing": 2})  # closing: shadow, ignored
    r = run("calibrate", grades, "--rubric", rubric, "--gate")
    assert r.exit_code == 0, r.output
    assert "agreement gate of gate-test" in r.output and "every live automatic criterion clears" in r.output


def test_calibrate_gate_exits_1_naming_each_live_criterion_below_the_floor(sample, tmp_path):
    data, rubric, results = sample
    grades = write_grades(tmp_path / "g.csv", results, {"greeting": 3})
    r = run("calibrate", grades, "--rubric", rubric, "--gate")
    assert r.exit_code == 1, r.output
    assert "1 live criterion(s) below the floor: greeting (κ" in r.output and "< 0.6" in r.output
    few = write_grades(tmp_path / "few.csv", results, {"greeting": 0}, n=30)
    r = run("calibrate", few, "--rubric", rubric, "--gate", "--json")
    assert r.exit_code == 1
    gate = json.loads(r.output)["gate"]
    assert gate["below_floor"] == ["greeting"] and gate["min_n"] == 50
    row = next(c for c in gate["criteria"] if c["criterion_id"] == "greeting")
    assert row["n"] == 30 and row["kappa"] == 1.0 and row["reason"] == "n 30 < 50" and row["status"] == "live"


def test_calibrate_gate_needs_the_rubric(sample, tmp_path):
    _, _, results = sample
    r = run("calibrate", write_grades(tmp_path / "g.csv", results, {"greeting": 0}), "--gate")
    assert r.exit_code == 2 and "--gate and --data need --rubric" in r.output


def test_promote_refuses_below_the_floor_and_leaves_the_file(sample, tmp_path):
    _, base, results = sample
    rubric = tmp_path / "r.yaml"
    rubric.write_text(RUBRIC, encoding="utf-8")
    grades = write_grades(tmp_path / "g.csv", results, {"greeting": 0, "closing": 3})
    r = run("rubric", "promote", rubric, "--grades", grades)
    assert r.exit_code == 1, r.output
    assert "closing: stays shadow: κ" in r.output and "floor: n ≥ 50, κ ≥ 0.6" in r.output
    assert rubric.read_text(encoding="utf-8") == RUBRIC


def test_promote_writes_the_evidence_when_the_criterion_clears(sample, tmp_path):
    _, _, results = sample
    rubric = tmp_path / "r.yaml"
    rubric.write_text(RUBRIC, encoding="utf-8")
    grades = write_grades(tmp_path / "g.csv", results, {"greeting": 0, "closing": 20})
    r = run("rubric", "promote", rubric, "--grades", grades)
    assert r.exit_code == 0, r.output
    assert "closing: promoted to live (n=200, κ=" in r.output
    text = rubric.read_text(encoding="utf-8")
    before, after = RUBRIC.splitlines(), text.splitlines()
    at = before.index("        status: shadow   # 试运行，不计分")
    assert after[:at] == before[:at] and after[at + 2 :] == before[at + 1 :]  # every other line, comments, wrapping
    assert after[at] == "        status: live   # 试运行，不计分"
    assert after[at + 1].startswith("        agreement: {n: 200, kappa: 0.")
    promoted = {c.id: c for _, c in require_rubric(rubric).criteria}["closing"]
    assert promoted.status == "live" and promoted.agreement.n == 200 and 0.6 <= promoted.agreement.kappa < 1
    assert 0 < promoted.agreement.precision <= 1 and 0 < promoted.agreement.recall <= 1
    assert len(promoted.agreement.grades) == 64 and promoted.agreement.date[:2] == "20"
    recorded = gate_table(require_rubric(rubric)).set_index("criterion_id")  # what reports read, without grades
    assert recorded.loc["closing", "clears"] and recorded.loc["closing", "measured"] == promoted.agreement.date
    assert recorded.loc["greeting", "reason"] == "n 0 < 50; κ undefined"
    r = run("rubric", "promote", rubric, "--grades", grades)
    assert r.exit_code == 0 and "no shadow criteria" in r.output


def test_promote_rescores_with_data_when_the_grades_predate_the_criterion(sample, tmp_path):
    data, _, results = sample
    rubric = tmp_path / "r.yaml"
    rubric.write_text(RUBRIC, encoding="utf-8")
    # the workbook was made when closing was graded by hand: no automatic outcome recorded for it
    grades = write_grades(tmp_path / "g.csv", results, {"closing": 20}, auto={"closing": "review"})
    r = run("rubric", "promote", rubric, "--grades", grades, "--criterion", "closing")
    assert r.exit_code == 1 and "closing: stays shadow: n 0 < 50" in r.output
    r = run("rubric", "promote", rubric, "--grades", grades, "--criterion", "closing", "--data", data)
    assert r.exit_code == 0 and "closing: promoted to live (n=200" in r.output, r.output


def test_promote_names_an_unknown_criterion(sample, tmp_path):
    _, rubric, results = sample
    r = run(
        "rubric",
        "promote",
        rubric,
        "--grades",
        write_grades(tmp_path / "g.csv", results, {"greeting": 0}),
        "--criterion",
        "nope",
    )
    assert r.exit_code == 2 and "no automatic criterion nope" in r.output
