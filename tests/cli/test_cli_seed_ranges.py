"""A seed numpy or scikit-learn cannot take (negative, or past 2**32 - 1) is a usage error naming
the option or the plan line (exit 2), never a ValueError/OverflowError traceback (found by the
hostile sweep)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from qa_toolkit.cli import main


@pytest.fixture()
def data(tmp_path):
    path = tmp_path / "data.jsonl"
    record = {"conversation_id": "c1", "agent_id": "a1", "messages": [{"role": "agent", "text": "您好"}]}
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("seed", ["-1", str(2**32), str(2**70)])
@pytest.mark.parametrize(
    "command",
    [
        ["sample", "{data}", "--period", "all"],
        ["risk", "train", "{data}", "--label", "csat <= 2"],
        ["criterion", "train", "--grades", "{data}", "--data", "{data}", "--criterion", "empathy"],
        ["data", "synth", "-n", "1"],
    ],
)
def test_a_seed_out_of_range_is_a_usage_error(tmp_path, data, command, seed):
    args = [a.format(data=data) for a in command] + ["--seed", seed, "-o", str(tmp_path / "out")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Invalid value for '--seed'" in result.output


def test_a_plan_seed_out_of_range_is_a_located_error(tmp_path, data):
    plan = tmp_path / "plan.yaml"
    plan.write_text("quota: 1\nseed: -1\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["sample", str(data), "--plan", str(plan), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"{plan.name}:2:" in result.output and "seed" in result.output


@pytest.mark.parametrize("section", ["sample", "risk"])
def test_a_run_config_seed_out_of_range_is_a_located_error(tmp_path, data, section):
    config = tmp_path / "run.yaml"
    config.write_text(f"data: {data.name}\n{section}:\n  seed: -1\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(config), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"{config.name}:3:" in result.output and f"{section}.seed" in result.output
