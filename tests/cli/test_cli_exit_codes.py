"""One exit-code rule for every command that reads an export (``cli.common.exit_code``): 0 clean,
1 when a record was skipped or the input had a problem (the outputs are still written),
2 with --strict (and for usage or unusable input)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from qa_toolkit.cli import main
from qa_toolkit.cli.common import exit_code
from qa_toolkit.problems import Problem, ProblemLog

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data" / "conversations.jsonl"
LABEL = "csat <= 2 or 'complaint' in tags"


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """A clean export, the same with one line that is not JSON, and what the commands need
    beside it (scores, a batch, a model), made from the clean one."""
    tmp = tmp_path_factory.mktemp("exit")
    lines = SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)[:80]
    clean, broken = tmp / "clean.jsonl", tmp / "broken.jsonl"
    clean.write_text("".join(lines), encoding="utf-8")
    broken.write_text("".join(lines[:40]) + "{not json\n" + "".join(lines[40:]), encoding="utf-8")
    assert invoke("score", clean, "-o", tmp / "scores").exit_code == 0
    assert invoke("sample", clean, "-o", tmp / "batch", "--quota", "1", "--seed", "1").exit_code == 0
    result = invoke("risk", "train", clean, "--label", LABEL, "-o", tmp / "m.skops", "--folds", "2")
    assert result.exit_code == 0, result.output
    return {"clean": clean, "broken": broken, "tmp": tmp}


COMMANDS = {
    "inspect": ["data", "inspect", "{data}"],
    "score": ["score", "{data}", "-o", "{out}"],
    "score --workers 2": ["score", "{data}", "-o", "{out}", "--workers", "2", "--chunk-size", "30"],
    "sample": ["sample", "{data}", "-o", "{out}", "--quota", "1", "--seed", "1"],
    "risk train": ["risk", "train", "{data}", "--label", LABEL, "-o", "{out}.skops", "--folds", "2"],
    "risk evaluate": ["risk", "evaluate", "{data}", "--label", LABEL, "--model", "{tmp}/m.skops"],
    "risk predict": ["risk", "predict", "{data}", "--model", "{tmp}/m.skops", "-o", "{out}.csv"],
    "grade export": ["grade", "export", "{tmp}/batch", "--data", "{data}", "-o", "{out}.xlsx"],
    "report": [
        "report",
        "--scores",
        "{tmp}/scores",
        "--data",
        "{data}",
        "-o",
        "{out}",
        "--format",
        "html",
        "--allow-mismatch",
    ],
    "rubric diff": [
        "rubric",
        "diff",
        str(ROOT / "rubrics" / "ecommerce-zh.yaml"),
        str(ROOT / "rubrics" / "ecommerce-zh.yaml"),
        "--data",
        "{data}",
    ],
}


@pytest.mark.parametrize("command", COMMANDS)
def test_exit_0_clean_1_skipped_2_strict(command, inputs, tmp_path):
    def run(data: str, *extra: str):
        args = [
            a.format(data=inputs[data], out=tmp_path / f"out-{data}-{len(extra)}", tmp=inputs["tmp"])
            for a in COMMANDS[command]
        ]
        return invoke(*args, *extra)

    clean = run("clean")
    assert clean.exit_code == 0, clean.output
    skipped = run("broken")
    assert skipped.exit_code == 1 and "broken.jsonl:41" in skipped.output, skipped.output
    assert skipped.exception is None or isinstance(skipped.exception, SystemExit)
    strict = run("broken", "--strict")
    assert strict.exit_code == 2 and "broken.jsonl:41" in strict.output, strict.output


def test_the_rule_itself():
    warned = ProblemLog(problems=[Problem("f", "agent not in roster", level="warning")])
    assert exit_code(ProblemLog(records_read=3)) == 0
    assert exit_code(ProblemLog(records_read=3, records_skipped=1)) == 1
    assert exit_code(warned) == 1 and exit_code(ProblemLog(), findings=2) == 1
