"""Rubric regexes never hang scoring nor crash it: what RE2 refuses runs on Python's engine under
a time budget, and `qa rubric lint` names the patterns that need it or can backtrack for ever."""

import json
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from qa_toolkit.cli import main
from qa_toolkit.rubric.bounded import nested_quantifier, python_syntax, re2_error

RUBRIC = """id: r
version: "1"
name: R
language: zh
sections:
  - id: s
    name: S
    weight: 100
    criteria:
      - id: c
        name: C
        points: 5
        check: {{type: regex, role: agent, pattern: {pattern}}}
        examples:
          - {{name: p, expect: pass, messages: [{{agent: 好的}}]}}
          - {{name: f, expect: fail, messages: [{{agent: 嗯}}]}}
"""


def rubric(tmp_path: Path, pattern: str) -> Path:
    path = tmp_path / "r.yaml"
    path.write_text(RUBRIC.format(pattern=json.dumps(pattern)), encoding="utf-8")
    return path


def lint(path: Path, *options: str):
    return CliRunner().invoke(main, ["rubric", "lint", *options, "--format", "json", str(path)])


@pytest.mark.parametrize("pattern", ["(a+)+(?=c)|好的", "(\\s*[0-9]+)+|好的", "(?:x*y?)*(?<!z)好的"])
def test_lint_refuses_a_nested_quantifier_that_runs_on_python(tmp_path, pattern):
    result = lint(rubric(tmp_path, pattern))
    assert result.exit_code == 1, result.output
    found = {(p["level"], p["code"]) for p in json.loads(result.output)}
    assert ("error", "regex-backtracking") in found
    assert all(p["line"] == 13 for p in json.loads(result.output) if p["code"].startswith("regex"))


@pytest.mark.parametrize("pattern", ["(?<![0-9])1[3-9][0-9]{9}|好的", "a{1001}|好的", "(x)\\1|好的"])
def test_lint_warns_of_a_pattern_re2_cannot_run(tmp_path, pattern):
    path = rubric(tmp_path, pattern)
    assert lint(path).exit_code == 0
    strict = lint(path, "--strict")
    assert strict.exit_code == 1
    assert [p["code"] for p in json.loads(strict.output)] == ["regex-engine"]
    assert "RE2 cannot run this pattern" in json.loads(strict.output)[0]["message"]


def test_lint_only_warns_of_a_nested_quantifier_re2_runs(tmp_path):
    result = lint(rubric(tmp_path, "(?:[0-9]+[ -])+好的"), "--strict")
    assert [(p["level"], p["code"]) for p in json.loads(result.output)] == [("warning", "regex-backtracking")]


def test_pattern_analysis_reads_the_parse_tree():
    assert nested_quantifier("(a+)+") and nested_quantifier("(a|b*)*") and nested_quantifier("(?=(a+)+)")
    assert not nested_quantifier("(?:[0-9]{3}-){2}") and not nested_quantifier("((a)?)+")
    assert not nested_quantifier("(ab)+") and not nested_quantifier("[a+]+")
    assert re2_error("(?=a)") and re2_error("a{1001}") and re2_error("(?:a{1000}){1000}")
    assert re2_error("[0-9]{1000}") is None
    assert python_syntax("\\s") and python_syntax("x$") and not python_syntax("[0-9]+元")


def score(tmp_path: Path, pattern: str, text: str):
    data = tmp_path / "d.jsonl"
    lines = [
        {
            "conversation_id": f"c{i}",
            "channel": "chat",
            "agent_id": "a",
            "customer_id": "u",
            "started_at": "2026-11-20T10:00:00+08:00",
            "messages": [{"ts": "2026-11-20T10:00:01+08:00", "role": "agent", "text": text}],
        }
        for i in range(8)
    ]
    data.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    start = time.monotonic()
    result = CliRunner().invoke(
        main, ["score", str(data), "--rubric", str(rubric(tmp_path, pattern)), "-o", str(tmp_path / "out")]
    )
    assert "Traceback" not in result.output
    return result, time.monotonic() - start


def outcomes(tmp_path: Path) -> set[str]:
    return set(pd.read_csv(tmp_path / "out" / "results.csv")["outcome"])


def test_a_pattern_that_runs_out_of_time_leaves_its_conversations_for_review(tmp_path):
    result, seconds = score(tmp_path, "(a+)\\1+c", "a" * 3000)  # no nested quantifier: lint only warns
    assert result.exit_code == 0, result.output
    assert outcomes(tmp_path) == {"review"} and seconds < 30


@pytest.mark.parametrize("pattern", ["(a+)+(?=c)", "((a+)+\\2)+c", "(\\s*a)+c"])
def test_score_refuses_a_pattern_that_can_backtrack_for_ever(tmp_path, pattern):
    result, _ = score(tmp_path, pattern, "a" * 40 + "b")
    assert result.exit_code == 2 and "[regex-backtracking]" in result.output


@pytest.mark.parametrize("pattern", ["a{1001}|b", "(?:a{1000}){1000}|b", "(?<=a)b"])
def test_score_runs_a_pattern_re2_refuses(tmp_path, pattern):
    result, _ = score(tmp_path, pattern, "a" * 40 + "b")
    assert result.exit_code == 0, result.output
    assert outcomes(tmp_path) == {"pass"}
