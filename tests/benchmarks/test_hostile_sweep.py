"""The one hostile-input sweep (benchmarks/hostile_sweep.py) runs: it holds several hundred
inputs through the CLI, the first case of each class is handled, every output-safety probe is
handled, and its judge reads a wrong command line or a traceback as not handled."""

from __future__ import annotations

import re

import pytest
from bench_scripts import BENCH, load_script


@pytest.fixture(scope="module")
def sweep():
    """The sweep script, loaded by the worker that runs these tests (not at collection, which every
    worker does for every module)."""
    return load_script("hostile_sweep", BENCH / "hostile_sweep.py")


def test_the_sweep_tries_more_than_300_hostile_inputs_through_the_cli(sweep, capsys):
    assert sweep.main(["--list", "-n", "1"]) == 0
    through_cli = int(re.search(r"(\d+) through the CLI", capsys.readouterr().out).group(1))
    assert through_cli > 300
    assert {c.cls.split("-")[0] for c in sweep.CASES} >= {
        "export",
        "rubric",
        "workbook",
        "risk",
        "output",
        "reading",
        "personal",
        "privacy",
        "options",
        "plan",
        "mapping",
    }


def test_the_first_case_of_every_class_is_handled(sweep, capsys):
    assert sweep.main(["--quick", "-n", "1"]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    tried = int(re.search(r"tried (\d+), handled (\d+)", out).group(1))
    assert f"tried {tried}, handled {tried}," in out and tried == len({c.cls for c in sweep.CASES})


def test_every_output_safety_probe_is_handled(sweep, capsys):
    assert sweep.main(["--only", "privacy", "-n", "60", "--seed", "5"]) == 0, capsys.readouterr().out
    assert re.search(r"tried (\d+), handled \1,", capsys.readouterr().out)
    assert sum(c.cls.startswith("privacy") for c in sweep.CASES) == 60 * 12


def test_the_judge_reads_a_wrong_command_line_and_a_traceback_as_not_handled(sweep, tmp_path):
    case = sweep.Case("output", "x", make=lambda folder: [])
    usage = "Usage: qa report [OPTIONS]\nTry 'qa report --help' for help.\n\nError: Missing option '--data'.\n"
    assert "command is wrong" in sweep.judge(case, tmp_path, [["report"]], [(2, usage, None)], 1)
    assert "traceback" in sweep.judge(case, tmp_path, [["score"]], [(1, "", "Traceback ...\nMemoryError")], 1)
    assert "the rule says 1" in sweep.judge(
        sweep.Case("x", "y", codes=(1,)), tmp_path, [["score"]], [(0, "scored 3", None)], 1
    )
    assert sweep.judge(case, tmp_path, [["score"]], [(1, "data.jsonl:3: csat: ... [bad_csat]", None)], 1) is None
