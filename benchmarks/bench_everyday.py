"""Benchmark the everyday commands on the shipped sample (3,000 conversations): `qa report`
(with and without grades), `qa grade export`, `qa grade import` and `qa run`. Each command runs
in its own subprocess; we report its CPU seconds (user + sys, children included) next to the
wall time, since the machine is shared and wall time says more about the neighbours.

    python benchmarks/bench_everyday.py                 # every command once
    python benchmarks/bench_everyday.py report -r 3     # one command, best of three
    python benchmarks/bench_everyday.py --work W        # set up W once, then reuse it (compare two venvs)

Parsed rubrics are cached in W/rubric-cache, warmed before the first timed command (a user's
cache is warm from their second command on). The grading workbook is filled by a script (200 sheets: grader, date, manual criteria, a few
overrides) so that `qa grade import` and `qa report --grades` have real grades to read.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
DATA = SAMPLE / "conversations.jsonl"
ROSTER = SAMPLE / "roster.csv"


#: The commands run as an installed package does: pip compiles its modules to bytecode on install,
#: while this machine sets PYTHONDONTWRITEBYTECODE, under which a checkout's changed modules would
#: be compiled from source on every run (~0.15 s a command).
ENV = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}, "COLUMNS": "120"}


def compile_package() -> None:
    """Bytecode for every module of the qa_toolkit this interpreter imports (not timed)."""
    code = "import compileall, os, qa_toolkit; compileall.compile_dir(os.path.dirname(qa_toolkit.__file__), quiet=1)"
    subprocess.run([sys.executable, "-c", code], check=True, env=ENV)


def qa(*args: str, cwd: Path) -> tuple[float, float]:
    """Run ``qa ARGS`` in ``cwd``; (wall seconds, CPU seconds of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "qa_toolkit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=ENV,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        sys.exit(f"qa {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def fill_workbook(src: Path, dest: Path, sheets: int = 200) -> None:
    """A grader's work on the first ``sheets`` conversation sheets: name, date, every manual
    criterion graded, every pending critical fail confirmed, every fifth greeting overturned."""
    from openpyxl import load_workbook

    from qa_toolkit.review.importer import workbook_input_cells

    wb = load_workbook(src)
    ids = workbook_input_cells(src)
    order = list(dict.fromkeys(r[0] for r in ids))
    chosen = {name: i for i, name in enumerate(order[:sheets])}
    for sheet, cell, _cid, crit, kind, prefill in ids:
        if sheet not in chosen:
            continue
        ws, i = wb[sheet], chosen[sheet]
        if kind == "grader":
            ws[cell] = "王质检" if i % 2 else "Lee"
        elif kind == "date":
            ws[cell] = "2026-11-20"
        elif kind == "comment":
            continue
        elif kind == "review":
            ws[cell] = "confirm"
        elif prefill in (None, ""):
            ws[cell] = "1"
        elif crit == "greeting" and i % 5 == 0:
            ws[cell] = "fail"
    wb.save(dest)


def setup(work: Path) -> None:
    """Scores, a sample batch, a filled grading workbook and its grades (not timed)."""
    for args in (
        ["score", str(DATA), "-o", "score"],
        [
            "sample",
            str(DATA),
            "--scores",
            "score",
            "--quota",
            "3",
            "--period",
            "all",
            "-o",
            "batch",
            "--seed",
            "1",
            "--no-ledger-update",
        ],
        ["grade", "export", "batch", "--data", str(DATA), "-o", "grading.xlsx"],
    ):
        qa(*args, cwd=work)
    fill_workbook(work / "grading.xlsx", work / "graded.xlsx")
    qa("grade", "import", "graded.xlsx", "--data", str(DATA), "-o", "grades.csv", cwd=work)


COMMANDS = {
    "report": ["report", "--scores", "score", "--data", str(DATA), "--roster", str(ROSTER), "-o", "rep"],
    "report-grades": [
        "report",
        "--scores",
        "score",
        "--data",
        str(DATA),
        "--roster",
        str(ROSTER),
        "--grades",
        "grades.csv",
        "--manifest",
        "batch",
        "-o",
        "rep",
    ],
    "grade-export": ["grade", "export", "batch", "--data", str(DATA), "-o", "grading2.xlsx"],
    "grade-import": ["grade", "import", "graded.xlsx", "--data", str(DATA), "-o", "grades2.csv"],
    "run": ["run", str(SAMPLE / "run.yaml"), "-o", "run_out"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("commands", nargs="*", help=f"any of {', '.join(COMMANDS)} (default: all)")
    parser.add_argument("-r", "--repeat", type=int, default=1, help="runs per command (best reported)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (printed)")
    parser.add_argument("--work", type=Path, help="work folder to set up once and reuse (kept)")
    args = parser.parse_args()
    unknown = [c for c in args.commands if c not in COMMANDS]
    if unknown:
        parser.error(f"unknown command(s) {', '.join(unknown)}: choose from {', '.join(COMMANDS)}")
    work = args.work or Path(tempfile.mkdtemp(prefix="bench_everyday_"))
    ENV["QA_TOOLKIT_CACHE_DIR"] = str(work / "rubric-cache")  # the work folder's own, warm as a user's is
    try:
        if not (work / "grades.csv").exists():
            work.mkdir(parents=True, exist_ok=True)
            setup(work)
        compile_package()
        qa("rubric", "lint", *map(str, sorted((ROOT / "rubrics").glob("*.yaml"))), cwd=work)  # warms the cache
        print(f"{'command':<14} {'cpu s':>7} {'wall s':>7}")
        for name in args.commands or list(COMMANDS):
            runs = [qa(*COMMANDS[name], cwd=work) for _ in range(args.repeat)]
            wall, cpu = min(runs, key=lambda r: r[1])
            print(f"{name:<14} {cpu:7.2f} {wall:7.2f}", flush=True)
    finally:
        if args.keep or args.work:
            print(f"work folder: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
