"""`qa criterion train` through the CLI: one model and card per --criterion, a summary line with
the cross-validated agreement, a model used for another criterion refused by `qa rubric lint`
and `qa score` with its file and reason, and unknown options as usage errors — never a traceback.
Grades are written here from the first sample conversations (a grader who passes empathy where
the agent apologises, and greeting where the agent's first words greet)."""

from __future__ import annotations

import json
from itertools import islice

import pandas as pd
import pytest
from click.testing import CliRunner
from service_rubric import service_rubric

from qa_toolkit.cli import main
from qa_toolkit.learning import pipeline
from qa_toolkit.resources import sample_conversations

KEYWORDS = "{type: keywords, phrases: [您好, 你好], first_turns: 1}"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def write_rubric(path, greeting: str = KEYWORDS, empathy: str = "{type: manual}"):
    criteria = {"greeting": ("开场白", greeting), "empathy": ("同理心", empathy)}
    path.write_text(service_rubric("cli-test", criteria, zh_only=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Both criteria trained through the CLI. The command is the point here, not the model search
    (tests/learning covers it): one regularisation strength and one class weighting instead of the
    grid's eight, the rule's own outcome still a candidate; an eighth of the classifier fits."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipeline, "C_GRID", (1.0,))
        patch.setattr(pipeline, "CLASS_WEIGHTS", (None,))
        return _train(tmp_path_factory.mktemp("criterion"))


def _train(folder):
    data = folder / "conversations.jsonl"
    with open(sample_conversations(), encoding="utf-8") as src:
        data.write_text("".join(islice(src, 200)), encoding="utf-8")
    rows = []
    for record in map(json.loads, data.read_text(encoding="utf-8").splitlines()):
        agent = [m["text"] for m in record["messages"] if m["role"] == "agent"]
        cid = record["conversation_id"]
        rows.append(
            {
                "conversation_id": cid,
                "criterion_id": "empathy",
                "outcome": "pass" if any(w in " ".join(agent) for w in ("抱歉", "不好意思")) else "fail",
            }
        )
        rows.append(
            {
                "conversation_id": cid,
                "criterion_id": "greeting",
                "outcome": "pass" if agent and ("您好" in agent[0] or "你好" in agent[0]) else "fail",
            }
        )
    pd.DataFrame(rows).to_csv(folder / "grades.csv", index=False)
    rubric = write_rubric(folder / "rubric.yaml")
    result = run(
        "criterion",
        "train",
        "--grades",
        folder / "grades.csv",
        "--data",
        data,
        "--criterion",
        "empathy",
        "--criterion",
        "greeting",
        "--rubric",
        rubric,
        "-o",
        folder / "models",
        "--folds",
        "3",
    )
    return folder, result


def test_train_writes_a_model_and_a_card_per_criterion(trained):
    folder, result = trained
    assert result.exit_code == 0, result.output
    for criterion in ("empathy", "greeting"):
        assert (folder / "models" / f"{criterion}.skops").is_file()
        card = json.loads((folder / "models" / f"{criterion}.card.json").read_text(encoding="utf-8"))
        assert card["criterion_id"] == criterion and card["rubric"] == {
            "id": "cli-test",
            "version": "1",
            "file": "rubric.yaml",
        }
        assert card["data"]["grades"] == "grades.csv" and card["data"]["source"] == "conversations.jsonl"
        assert card["data"]["fingerprint"].startswith("sha256:") and sum(card["data"]["per_class"].values()) > 100
        assert "| Cohen's κ |" in (folder / "models" / f"{criterion}.card.md").read_text(encoding="utf-8")
    assert "empathy: " in result.output and "graded conversations (fail" in result.output
    assert "3-fold CV: accuracy" in result.output
    assert "(the rule alone: " in result.output  # greeting has a keywords rule in the rubric


def test_a_model_for_another_criterion_is_refused_with_its_file_and_reason(trained):
    folder, _ = trained
    wrong = write_rubric(folder / "wrong.yaml", greeting="{type: learned, model: models/empathy.skops}")
    lint = run("rubric", "lint", wrong)
    assert lint.exit_code == 1
    assert "wrong.yaml:" in lint.output and "models/empathy.skops" in lint.output
    assert "trained for criterion 'empathy'" in lint.output and "[learned-model]" in lint.output
    score = run("score", folder / "conversations.jsonl", "--rubric", wrong, "-o", folder / "out-wrong")
    assert score.exit_code == 2 and "trained for criterion 'empathy'" in score.stderr
    assert "Traceback" not in score.output


def test_a_model_file_that_is_not_a_model_is_refused(trained):
    folder, _ = trained
    (folder / "models" / "fake.skops").write_bytes(b"\x80\x04not a skops archive")
    fake = write_rubric(folder / "fake.yaml", empathy="{type: learned, model: models/fake.skops}")
    lint = run("rubric", "lint", fake)
    assert lint.exit_code == 1 and "fake.skops: not a skops model archive" in lint.output
    assert "Traceback" not in lint.output


def test_train_refuses_unknown_options_with_a_message(trained):
    folder, _ = trained
    base = [
        "criterion",
        "train",
        "--grades",
        folder / "grades.csv",
        "--data",
        folder / "conversations.jsonl",
        "-o",
        folder / "m2",
    ]
    unknown = run(*base, "--criterion", "empathy", "--rubric", folder / "rubric.yaml", "--rule-from", "nope")
    assert unknown.exit_code == 2 and "the rubric has no criterion 'nope'" in unknown.stderr
    shipped = run(*base, "--criterion", "soothe")
    assert shipped.exit_code == 2 and "no shipped rubric has criterion soothe" in shipped.output
    missing = run(
        "criterion", "train", "--data", folder / "conversations.jsonl", "--criterion", "empathy", "-o", folder / "m3"
    )
    assert missing.exit_code == 2 and "--grades" in missing.output
