"""The output-safety sweep (benchmarks/sweep_privacy.py) runs and finds every generated input
handled: personal data masked, near misses kept, CSV cells quoted, display characters replaced."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SWEEP = Path(__file__).resolve().parents[2] / "benchmarks" / "sweep_privacy.py"


def test_the_sweep_handles_every_input_it_tries():
    spec = importlib.util.spec_from_file_location("sweep_privacy", SWEEP)
    sweep = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sweep)
    lines: list[str] = []
    assert sweep.main(["-n", "60", "--seed", "5"], report=lines.append) == 0, lines
    assert lines[-1].split()[2] == lines[-1].split()[4] and int(lines[-1].split()[2]) >= 700
