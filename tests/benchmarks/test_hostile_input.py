"""The hostile-input sweep (benchmarks/hostile_input.py) runs: the first case of each class is
handled, and the full sweep tries more than 300 inputs."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def _load():
    spec = importlib.util.spec_from_file_location("hostile_input", BENCH / "hostile_input.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["hostile_input"] = module
    spec.loader.exec_module(module)
    return module


sweep = _load()


def test_the_first_case_of_every_class_is_handled(capsys):
    assert sweep.main(["--quick"]) == 0
    assert f"tried {len(sweep.CLASSES)}, handled {len(sweep.CLASSES)}" in capsys.readouterr().out


def test_the_sweep_holds_more_than_300_inputs():
    assert sum(len(make()) for make in sweep.CLASSES) > 300
