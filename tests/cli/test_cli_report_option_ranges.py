"""`qa report` options out of their range are usage errors naming the option (exit 2), never a
pydantic traceback (found by the hostile sweep: `--sla -1`)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from qa_toolkit.cli import main


@pytest.mark.parametrize(
    "option, named",
    [
        (["--sla", "-1"], "--sla"),
        (["--sla", "nan"], "--sla"),
        (["--sla", "inf"], "--sla"),
        (["--sla-channel", "email=-5"], "--sla-channel"),
        (["--fcr-days", "0"], "--fcr-days"),
        (["--min-graded", "0"], "--min-graded"),
    ],
)
def test_report_options_out_of_range_are_usage_errors(tmp_path, option, named):
    data, scores = tmp_path / "data.jsonl", tmp_path / "scores"
    data.write_text("{}\n", encoding="utf-8")
    scores.mkdir()
    args = ["report", "--data", str(data), "--scores", str(scores), "-o", str(tmp_path / "r"), *option]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Invalid value" in result.output and named in result.output
