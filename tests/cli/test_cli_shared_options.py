"""Options several commands share are declared once (``cli/common``) and behave the same in each:
a required one left out is a usage error naming it (exit 2), a day is a YYYY-MM-DD within the
supported range, a comma-separated list names its choices when given another."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from qa_toolkit.cli import main


@pytest.fixture()
def files(tmp_path):
    data = tmp_path / "data.jsonl"
    record = {"conversation_id": "c1", "agent_id": "a1", "messages": [{"role": "agent", "text": "您好"}]}
    data.write_text(json.dumps(record) + "\n", encoding="utf-8")
    (tmp_path / "scores").mkdir()
    return {"data": str(data), "scores": str(tmp_path / "scores"), "out": str(tmp_path / "out")}


def invoke(files, command):
    return CliRunner().invoke(main, [a.format(**files) for a in command])


@pytest.mark.parametrize(
    ("command", "missing"),
    [
        (["score", "{data}"], "'-o' / '--output'"),
        (["sample", "{data}"], "'-o' / '--output'"),
        (["report", "--data", "{data}", "-o", "{out}"], "'--scores'"),
        (["report", "--scores", "{scores}", "-o", "{out}"], "'--data'"),
        (["criterion", "train", "--data", "{data}", "--criterion", "x", "-o", "{out}"], "'--grades'"),
        (["criterion", "train", "--grades", "{data}", "--criterion", "x", "-o", "{out}"], "'--data'"),
        (["dispute", "export", "--scores", "{scores}"], "'-o' / '--output'"),
        (["dispute", "resolve", "{data}"], "'--register'"),
        (["risk", "predict", "{data}", "-o", "{out}"], "'--model'"),
        (["rubric", "diff", "{data}", "{data}"], "'--data'"),
        (["data", "synth"], "'-o' / '--out'"),
    ],
)
def test_a_required_shared_option_left_out_is_a_usage_error_naming_it(files, command, missing):
    result = invoke(files, command)
    assert result.exit_code == 2, result.output
    assert f"Missing option {missing}" in result.output


@pytest.mark.parametrize(
    "command",
    [
        ["dispute", "resolve", "{data}", "--register", "{data}", "--today", "{day}"],
        ["dispute", "export", "--scores", "{scores}", "-o", "{out}", "--scored-on", "{day}"],
        ["sample", "{data}", "-o", "{out}", "--today", "{day}"],
    ],
)
@pytest.mark.parametrize(
    ("day", "says"), [("2026-13-01", "is not a date like"), ("2300-01-01", "is outside the supported days")]
)
def test_a_day_option_takes_only_a_supported_day(files, command, day, says):
    result = invoke({**files, "day": day}, command)
    assert result.exit_code == 2, result.output
    assert says in result.output


def test_a_comma_list_names_its_choices(files):
    synth = invoke(files, ["data", "synth", "-n", "0", "-o", "{out}", "--formats", "jsonl,xml"])
    assert synth.exit_code == 2 and "choose from jsonl, csv, parquet (got 'jsonl,xml')" in synth.output
    report = invoke(files, ["report", "--scores", "{scores}", "--data", "{data}", "-o", "{out}", "--format", "pdf"])
    assert report.exit_code == 2 and "choose from xlsx, html (got 'pdf')" in report.output
    upper = invoke(files, ["data", "synth", "-n", "0", "-o", "{out}", "--formats", "JSONL"])
    assert upper.exit_code == 0, upper.output
