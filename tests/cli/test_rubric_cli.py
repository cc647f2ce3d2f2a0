"""`qa rubric lint|test|schema|doc|diff` through click, as CI and a trainer would use them."""

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from qa_toolkit.cli import main
from qa_toolkit.problems import Problem
from qa_toolkit.resources import rubrics_dir, sample_conversations
from qa_toolkit.rubric.formatters import github
from qa_toolkit.rubric.schema import json_schema

ZH = rubrics_dir() / "ecommerce-zh.yaml"
EN = rubrics_dir() / "ecommerce-en.yaml"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def broken(tmp_path: Path, old: str, new: str, name: str = "broken.yaml") -> Path:
    text = ZH.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_lint_clean_is_exit_0():
    result = run("rubric", "lint", ZH, EN)
    assert result.exit_code == 0 and result.output == ""


def test_lint_findings_exit_1_in_every_format(tmp_path):
    path = broken(tmp_path, "type: pii", "type: piii")
    text = run("rubric", "lint", path)
    assert text.exit_code == 1
    line = ZH.read_text(encoding="utf-8")[: ZH.read_text(encoding="utf-8").index("type: pii")].count("\n") + 1
    assert f"{path}:{line}:17: error: unknown check type \"piii\"" in text.output
    as_json = run("rubric", "lint", "--format", "json", path)
    assert as_json.exit_code == 1 and json.loads(as_json.output)[0]["line"] == line
    gh = run("rubric", "lint", "--format", "github", path)
    assert gh.output.startswith(f"::error file={path},line={line},col=17::[unknown-check] unknown check type")


def test_warnings_alone_pass_unless_strict(tmp_path):
    text = ZH.read_text(encoding="utf-8")
    start = text.index("        examples:\n          - name: 标准问候")
    end = text.index("      - id: closing")
    path = tmp_path / "warn.yaml"
    path.write_text(text[:start] + "\n" + text[end:], encoding="utf-8")
    assert run("rubric", "lint", path).exit_code == 0
    result = run("rubric", "lint", "--strict", path)
    assert result.exit_code == 1 and "has no examples" in result.output


def test_lint_unreadable_is_exit_2(tmp_path):
    result = run("rubric", "lint", tmp_path / "nope.yaml")
    assert result.exit_code == 2 and "cannot read rubric" in result.output


def test_github_escaping():
    out = github([Problem("a,b:c.yaml", "50% bad\nnext", line=3, col=4, code="x")])
    first = out.splitlines()[0]
    assert first == "::error file=a%2Cb%3Ac.yaml,line=3,col=4::[x] 50%25 bad%0Anext"


def test_test_command_passes_shipped_rubrics():
    result = run("rubric", "test", ZH, EN)
    assert result.exit_code == 0, result.output
    assert "examples passed" in result.output


def test_test_command_reports_a_failing_example_at_its_line(tmp_path):
    path = broken(
        tmp_path,
        "              - agent: 您好，很高兴为您服务，请问有什么可以帮您？",
        "              - agent: 嗯嗯，说吧。",
    )
    result = run("rubric", "test", path)
    assert result.exit_code == 1
    text = path.read_text(encoding="utf-8")
    line = text[: text.index("- name: 标准问候")].count("\n") + 1
    assert f"{path}:{line}:13: FAIL greeting: example '标准问候' expected pass, got fail" in result.output


def test_test_command_on_a_broken_rubric_is_exit_2(tmp_path):
    assert run("rubric", "test", broken(tmp_path, "weight: 30", "weight: x")).exit_code == 2


def test_schema_prints_the_json_schema():
    result = run("rubric", "schema")
    assert result.exit_code == 0 and json.loads(result.output) == json_schema()


def test_doc_markdown_and_escaped_html(tmp_path):
    md = run("rubric", "doc", ZH)
    assert md.exit_code == 0 and "# 电商客服质检评分表" in md.output and "一票否决" in md.output
    assert "keywords — phrases a role must" in md.output  # check docstrings as appendix
    path = broken(tmp_path, "name: 开场白", 'name: "<script>alert(1)</script>"')
    out = tmp_path / "doc.html"
    assert run("rubric", "doc", path, "--format", "html", "-o", out).exit_code == 0
    html = out.read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;" in html and "Content-Security-Policy" in html


def test_diff_reports_criterion_and_agent_changes(tmp_path):
    sample = tmp_path / "sample.jsonl"
    sample.write_text(
        "".join(sample_conversations().read_text(encoding="utf-8").splitlines(True)[:300]), encoding="utf-8"
    )
    new = broken(tmp_path, "max_seconds: 60\n", "max_seconds: 20\n", "new.yaml")
    result = run("rubric", "diff", ZH, new, "--data", sample, "-o", tmp_path / "d")
    assert result.exit_code == 0, result.output
    assert "first_response:" in result.output
    criteria = pd.read_csv(tmp_path / "d" / "criteria_diff.csv", encoding="utf-8-sig").set_index("criterion_id")
    assert criteria.loc["first_response", "change"] < 0
    assert (criteria.drop(index="first_response")["change"].fillna(0) == 0).all()
    agents = pd.read_csv(tmp_path / "d" / "agents_diff.csv", encoding="utf-8-sig")
    assert (agents["change"] <= 1e-9).all() and (agents["change"] < 0).any()


def test_pre_commit_hooks_run_real_commands():
    from ruamel.yaml import YAML

    hooks = YAML(typ="safe", pure=True).load((Path(__file__).parents[2] / ".pre-commit-hooks.yaml").read_text())
    assert {h["id"] for h in hooks} == {"qa-rubric-lint", "qa-rubric-test"}
    for hook in hooks:
        assert hook["language"] == "python" and hook["entry"].startswith("qa rubric ")
        args = hook["entry"].split()[1:]
        result = run(*args, ZH)
        assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "command",
    [
        ["score", "{data}", "--rubric", "{rubric}", "-o", "{out}"],
        ["rubric", "doc", "{rubric}"],
        ["rubric", "diff", "{rubric}", "{rubric}", "--data", "{data}"],
    ],
)
def test_a_broken_rubric_is_reported_at_its_line_by_every_command(tmp_path, command):
    from qa_toolkit.resources import sample_data_dir

    rubric = tmp_path / "broken.yaml"
    rubric.write_text(
        'id: x\nversion: "1"\nname: X\nlanguage: zh\nsections:\n  - id: s\n    name: S\n    weight: 1\n'
        '    criteria:\n      - id: c\n        name: C\n        points: 5\n'
        '        check: {type: keywords, phrases: [a], mode: bogus}\n',
        encoding="utf-8",
    )
    args = [
        a.format(data=sample_data_dir() / "conversations.jsonl", rubric=rubric, out=tmp_path / "out") for a in command
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert f"{rubric}:13:" in result.output and "run `qa rubric lint" in result.output
    assert "Traceback" not in result.output
