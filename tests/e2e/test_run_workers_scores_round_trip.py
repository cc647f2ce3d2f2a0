"""`qa run` scores through the runner: ``workers: 2`` in run.yaml writes the same score folder
as one process, and `qa report --scores` and `qa sample --scores` read it."""

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from qa_toolkit.cli import main
from qa_toolkit.resources import sample_conversations, sample_roster

CONFIG = """\
data: c.jsonl
roster: roster.csv
workers: {workers}
sample: {{seed: 1, plan: {{quota: 2}}}}
report: {{formats: [html], min_graded: 2, agents: [A001]}}
"""


def project(folder: Path, workers: int) -> Path:
    """The first 120 sample conversations, the roster and a run config with ``workers``."""
    folder.mkdir(parents=True)
    lines = sample_conversations().read_text(encoding="utf-8").splitlines()[:120]
    (folder / "c.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    shutil.copy(sample_roster(), folder / "roster.csv")
    (folder / "run.yaml").write_text(CONFIG.format(workers=workers), encoding="utf-8")
    return folder / "run.yaml"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.slow
def test_run_with_two_workers_writes_the_scores_one_process_writes_and_they_round_trip(tmp_path):
    folders = {}
    for workers in (1, 2):
        config = project(tmp_path / f"w{workers}", workers)
        result = run("run", config, "-o", tmp_path / f"out{workers}")
        assert result.exit_code in (0, 1), result.output
        folders[workers] = tmp_path / f"out{workers}" / "score"
    for name in ("results.csv", "results.parquet", "scores.csv", "scores.parquet"):
        assert (folders[1] / name).read_bytes() == (folders[2] / name).read_bytes(), name

    data = tmp_path / "w2" / "c.jsonl"
    report = run("report", "--scores", folders[2], "--data", data, "-o", tmp_path / "report", "--format", "html")
    assert report.exit_code == 0, report.output
    assert (tmp_path / "report" / "index.html").is_file()
    sample = run("sample", data, "--scores", folders[2], "--strata", "critical:2", "--seed", "3", "-o", tmp_path / "b")
    assert sample.exit_code == 0, sample.output
    assert (tmp_path / "b" / "manifest.csv").read_text(encoding="utf-8-sig").count("\n") > 1
