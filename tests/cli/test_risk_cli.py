"""`qa risk train / evaluate / predict` through the CLI, outputs opened the way a user does."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner
from risk_records import make_records

from qa_toolkit import frames
from qa_toolkit.cli import main


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("risk")
    data = folder / "conversations.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in make_records()), encoding="utf-8")
    result = CliRunner().invoke(
        main,
        [
            "risk",
            "train",
            str(data),
            "--label",
            "'complaint' in tags",
            "-o",
            str(folder / "model.skops"),
            "--folds",
            "3",
            "--target-recall",
            "0.8",
        ],
    )
    return folder, data, result


def test_train_writes_model_and_card(trained):
    folder, _, result = trained
    assert result.exit_code == 0, result.output
    assert "3-fold CV: ROC-AUC" in result.output and "threshold" in result.output
    card = json.loads((folder / "model.card.json").read_text(encoding="utf-8"))
    assert card["label"] == "'complaint' in tags"
    assert card["data"]["source"] == "conversations.jsonl"
    assert card["cross_validation"]["recall"] >= 0.8
    assert "recall" in card["threshold"]["rule"]
    md = (folder / "model.card.md").read_text(encoding="utf-8")
    assert "| ROC-AUC |" in md and f"{card['threshold']['value']:.4f}" in md


def test_evaluate_prints_metrics_confusion_and_reliability(trained):
    folder, data, _ = trained
    args = ["risk", "evaluate", str(data), "--model", str(folder / "model.skops"), "--label", "csat <= 2"]
    text = CliRunner().invoke(main, args)
    assert text.exit_code == 0, text.output
    assert "ROC-AUC" in text.output and "confusion matrix" in text.output and "reliability" in text.output
    out = CliRunner().invoke(main, [*args, "--json"])
    metrics = json.loads(out.stdout)
    conf = metrics["confusion"]
    assert sum(conf.values()) == metrics["n"] == 160 - metrics["excluded_missing_label"]
    assert metrics["excluded_missing_label"] == 18
    assert metrics["same_as_training"] is False  # fewer conversations than in training
    assert sum(r["n"] for r in metrics["reliability"]) == metrics["n"]


def test_evaluate_warns_on_the_training_data(trained):
    folder, data, _ = trained
    out = CliRunner().invoke(
        main, ["risk", "evaluate", str(data), "--model", str(folder / "model.skops"), "--label", "escalated == true"]
    )
    assert out.exit_code == 0
    assert "the data the model was trained on" in out.stderr


def test_predict_writes_the_risk_frame(trained):
    folder, data, _ = trained
    out = CliRunner().invoke(
        main, ["risk", "predict", str(data), "--model", str(folder / "model.skops"), "-o", str(folder / "risk.csv")]
    )
    assert out.exit_code == 0, out.output
    risk = pd.read_csv(folder / "risk.csv", encoding="utf-8-sig", keep_default_na=False)
    assert list(risk.columns) == list(frames.RISK)
    assert len(risk) == 160 and risk["risk_score"].between(0, 1).all()
    flagged = risk[risk["risk_flag"].astype(str) == "True"]
    assert len(flagged) and (flagged["risk_reasons"] != "").all()
    assert f"{len(flagged)} flagged" in out.output
    chunked = CliRunner().invoke(
        main,
        [
            "risk",
            "predict",
            str(data),
            "--model",
            str(folder / "model.skops"),
            "-o",
            str(folder / "risk_chunked.csv"),
            "--chunk-size",
            "33",
        ],
    )
    assert chunked.exit_code == 0, chunked.output
    pd.testing.assert_frame_equal(
        pd.read_csv(folder / "risk_chunked.csv", encoding="utf-8-sig", keep_default_na=False), risk
    )


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--label", "csat <"], "--label:1:7"),
        (["--label", "nope == 1"], "field 'nope' is not in the data"),
        (["--label", "csat <= 2", "--target-precision", "0.8", "--target-recall", "0.5"], "not both"),
    ],
)
def test_train_usage_and_label_errors_exit_2(trained, tmp_path, args, words):
    _, data, _ = trained
    out = CliRunner().invoke(main, ["risk", "train", str(data), "-o", str(tmp_path / "m.skops"), *args])
    assert out.exit_code == 2
    assert words in out.output + out.stderr
    assert not (tmp_path / "m.skops").exists()


def test_foreign_model_file_exits_2_with_a_message(trained, tmp_path):
    _, data, _ = trained
    bad = tmp_path / "model.skops"
    bad.write_bytes(b"\x80\x04K\x01.")  # a pickle
    out = CliRunner().invoke(main, ["risk", "predict", str(data), "--model", str(bad), "-o", str(tmp_path / "r.csv")])
    assert out.exit_code == 2
    assert "refusing to load the model" in out.stderr and "Traceback" not in out.output
    assert not (tmp_path / "r.csv").exists()


def test_predict_reports_skipped_records(trained, tmp_path):
    folder, data, _ = trained
    broken = tmp_path / "broken.jsonl"
    broken.write_text(data.read_text(encoding="utf-8") + "{not json\n", encoding="utf-8")
    out = CliRunner().invoke(
        main,
        [
            "risk",
            "predict",
            str(broken),
            "--model",
            str(folder / "model.skops"),
            "-o",
            str(tmp_path / "risk.parquet"),
            "--chunk-size",
            "50",
        ],
    )
    assert out.exit_code == 1, out.output  # a record skipped: written, and said by the exit code
    assert "broken.jsonl:161" in out.stderr and "skipped: 1" in out.stderr
    assert len(pd.read_parquet(tmp_path / "risk.parquet")) == 160
