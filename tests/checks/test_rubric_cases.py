"""Every YAML case under tests/checks/cases/ (sqlfluff style): a check config, a tiny conversation,
the expected outcome and evidence. One parametrised test runs them all."""

from pathlib import Path

import pandas as pd
import pytest
from ruamel.yaml import YAML

from qa_toolkit.io import conversations_from_records
from qa_toolkit.rubric.checks._base import Chunk
from qa_toolkit.rubric.schema import Criterion, Example
from qa_toolkit.rubric_examples import example_record
from qa_toolkit.scoring import evaluate_criterion

CASES_DIR = Path(__file__).parent / "cases"
CASE_KEYS = {"name", "expect", "channel", "fields", "risk_score", "messages"}


def _cases():
    yaml = YAML(typ="safe", pure=True)
    for path in sorted(CASES_DIR.glob("*.yml")):
        doc = yaml.load(path.read_text(encoding="utf-8"))
        for case in doc["cases"]:
            yield pytest.param(doc.get("check"), case, id=f"{path.stem}: {case['name']}")


@pytest.mark.parametrize(("default_check", "case"), list(_cases()))
def test_case(default_check, case):
    criterion = Criterion.model_validate(
        {"id": "c", "name": "c", "check": case.get("check", default_check), "when": case.get("when")}
    )
    example = Example.model_validate({k: v for k, v in case.items() if k in CASE_KEYS})
    data = conversations_from_records([example_record(example, "x")])
    assert not data.log.problems
    risk = pd.DataFrame({"conversation_id": ["x"], "risk_score": [example.risk_score]}).dropna()
    out = evaluate_criterion(criterion, Chunk(data.conversations, data.messages, risk)).loc["x"]
    assert out["outcome"] == case["expect"], out["note"]
    if "evidence_seq" in case:
        assert out["evidence_seq"] == case["evidence_seq"]
        assert out["evidence_text"] == example.messages[case["evidence_seq"]].text
    if "evidence_match" in case:
        assert out["evidence_match"] == case["evidence_match"]
