"""A text column with no terms (no agent messages at all, as in a review corpus of customer
messages) is left out of the risk model instead of failing training with "empty vocabulary" —
in `qa risk train`, in cross-validation and in benchmarks/risk_eval.py."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from risk_records import make_records

from qa_toolkit.cli import main
from qa_toolkit.io import conversations_from_records
from qa_toolkit.risk import parse_label, train_model
from qa_toolkit.risk.model import predict_risk

ROOT = Path(__file__).resolve().parents[2]


def only(role: str | None, keep_one: bool = False) -> list[dict]:
    """The risk test records with the other speaker's messages removed (``keep_one``: but for one
    conversation; None: every message kept but the agent's text blank)."""
    records = make_records(120)
    for i, record in enumerate(records):
        if role is None:
            for m in record["messages"]:
                if m["role"] == "agent":
                    m["text"] = ""
        elif not (keep_one and i == 0):
            record["messages"] = [m for m in record["messages"] if m["role"] == role]
    return records


@pytest.mark.parametrize("role, left_out", [("customer", "agent text"), ("agent", "customer text"), (None, None)])
def test_a_text_column_without_terms_is_left_out(role, left_out):
    ds = conversations_from_records(only(role))
    model = train_model(ds.conversations, ds.messages, parse_label("'complaint' in tags"), folds=3)
    if left_out:
        assert f"left out, no term in two conversations: {left_out}" in model.card["features"]["text"]
    else:  # blank agent messages still join into whitespace, a term of its own: nothing to leave out
        assert "left out" not in model.card["features"]["text"]
    risk = predict_risk(model, ds.conversations, ds.messages)
    assert len(risk) == 120 and risk["risk_score"].between(0, 1).all()


def test_one_conversation_with_agent_text_is_not_enough_for_a_term():
    ds = conversations_from_records(only("customer", keep_one=True))
    model = train_model(ds.conversations, ds.messages, parse_label("'complaint' in tags"), folds=3)
    assert "agent text" in model.card["features"]["text"].split("left out")[-1]


def test_both_columns_are_kept_when_both_have_terms():
    ds = conversations_from_records(make_records(120))
    model = train_model(ds.conversations, ds.messages, parse_label("'complaint' in tags"), folds=3)
    assert model.card["features"]["text"] == "TF-IDF character 1-3-grams, customer text and agent text separately"


def test_cli_and_benchmark_train_on_customer_messages_only(tmp_path, monkeypatch):
    data = tmp_path / "reviews.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in only("customer")), encoding="utf-8")
    result = CliRunner().invoke(
        main,
        ["risk", "train", str(data), "--label", "'complaint' in tags", "-o", str(tmp_path / "m.skops"), "--folds", "3"],
    )
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(
        main, ["risk", "predict", str(data), "--model", str(tmp_path / "m.skops"), "-o", str(tmp_path / "risk.csv")]
    )
    assert result.exit_code == 0, result.output
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import risk_eval

    monkeypatch.setattr(risk_eval, "FOLDS", 3)
    assert risk_eval.main([str(data), "--label", "'complaint' in tags"]) == 0
    sys.modules.pop("risk_eval", None)
