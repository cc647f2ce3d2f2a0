"""`qa run` and `qa report` through the CLI, as a user runs them (`qa demo`: tests/e2e)."""

import pytest
from click.testing import CliRunner
from pipeline_project import small_project

from qa_toolkit.cli import main

FAST = """\
data: c.jsonl
roster: roster.csv
sample: {seed: 3, plan: {quota: 2}}
report: {formats: [html], min_graded: 2}
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    base = tmp_path_factory.mktemp("cli")
    config = small_project(base, n=120, config=FAST)
    result = CliRunner().invoke(main, ["run", str(config), "-o", str(base / "out")])
    assert result.exit_code == 0, result.output
    return base, result


@pytest.mark.slow
def test_run_prints_stages_and_where_everything_went(project):
    base, result = project
    for stage in ("data", "score", "sample", "report"):
        assert f"] {stage}" in result.output
    assert "wrote to" in result.output and "report/index.html" in result.output
    assert not (base / "out/risk").exists()  # no model configured: no risk stage
    assert (base / "out/report/index.html").is_file() and not (base / "out/report/report.xlsx").exists()


@pytest.mark.slow
def test_report_command_on_the_run_output(project, tmp_path):
    base, _ = project
    args = [
        "report",
        "--scores",
        str(base / "out/score"),
        "--data",
        str(base / "c.jsonl"),
        "--roster",
        str(base / "roster.csv"),
        "-o",
        str(tmp_path),
        "--format",
        "xlsx",
        "--lang",
        "en",
        "--agent",
        "A001",
        "--period",
        "month",
        "--from",
        "2026-09-01",
        "--to",
        "2026-12-31",
        "--sla-channel",
        "email=86400",
        "--per-agent-workbooks",
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "report.xlsx").is_file() and (tmp_path / "agents/A001.xlsx").is_file()
    assert not (tmp_path / "index.html").exists()


@pytest.mark.slow
@pytest.mark.parametrize(
    "extra, message",
    [
        (["--format", "pdf"], "xlsx, html"),
        (["--agent", "NOPE"], "NOPE"),
        (["--sla-channel", "email"], "CHANNEL=SECONDS"),
        (["--from", "2030-01-01"], "no conversations"),
    ],
)
def test_report_usage_errors_exit_2(project, tmp_path, extra, message):
    base, _ = project
    result = CliRunner().invoke(
        main,
        ["report", "--scores", str(base / "out/score"), "--data", str(base / "c.jsonl"), "-o", str(tmp_path), *extra],
    )
    assert result.exit_code == 2 and message in result.output
    assert "Traceback" not in result.output


def test_bad_config_is_a_located_message(tmp_path):
    config = tmp_path / "run.yaml"
    config.write_text("data: c.jsonl\nreport:\n  lang: fr\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(config)])
    assert result.exit_code == 2
    assert f"{config}:3:3: error: field 'report.lang'" in result.output


def test_missing_data_file_is_a_message(tmp_path):
    config = tmp_path / "run.yaml"
    config.write_text("data: nowhere.jsonl\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(config), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2 and "nowhere.jsonl" in result.output and "Traceback" not in result.output


def test_report_when_nothing_could_be_scored(tmp_path):
    """One conversation on which every criterion is n/a: no score anywhere, yet a report."""
    data = tmp_path / "one.jsonl"
    data.write_text(
        '{"conversation_id":"c1","agent_id":"a1","channel":"chat",'
        '"messages":[{"role":"agent","text":"hi","ts":"2026-01-01T10:00:00"}]}\n',
        encoding="utf-8",
    )
    runner = CliRunner()
    scored = runner.invoke(main, ["score", str(data), "-o", str(tmp_path / "score")])
    assert scored.exit_code == 0, scored.output
    result = runner.invoke(
        main, ["report", "--scores", str(tmp_path / "score"), "--data", str(data), "-o", str(tmp_path / "report")]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "report/agents/a1.html").is_file()
