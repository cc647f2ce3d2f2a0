"""--engine dask: map_partitions over Parquet row groups gives exactly the local engine's
results, in-process (synchronous) and on a real 2-process LocalCluster; inputs it cannot
take are input errors with a message."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

pytest.importorskip("dask.dataframe")
pytest.importorskip("distributed")

from synth_parquet import canonical, write_synth_parquet  # noqa: E402

from qa_toolkit.cli import main  # noqa: E402
from qa_toolkit.engine import ScoreJob, score_file  # noqa: E402
from qa_toolkit.engine.dask import score_dask  # noqa: E402
from qa_toolkit.problems import InputError  # noqa: E402
from qa_toolkit.resources import default_rubric, sample_data_dir  # noqa: E402
from qa_toolkit.scorefolder import open_score_folder  # noqa: E402

RUBRIC = str(default_rubric())


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    """(Parquet path, the local engine's output folder and run) for 4 row groups."""
    folder = tmp_path_factory.mktemp("dask")
    path = write_synth_parquet(folder / "in")
    local = score_file(path, ScoreJob(RUBRIC, str(folder / "local")), workers=1)
    return path, folder / "local", local


def same_outputs(a, b) -> None:
    a, b = open_score_folder(a), open_score_folder(b)
    assert canonical(a.results(), ["conversation_id", "criterion_id"]) == canonical(
        b.results(), ["conversation_id", "criterion_id"]
    )
    assert canonical(a.scores(), ["conversation_id"]) == canonical(b.scores(), ["conversation_id"])


def test_synchronous_scheduler_matches_local_engine(tmp_path, synth):
    path, local_out, local = synth
    run = score_dask(path, ScoreJob(RUBRIC, str(tmp_path)), scheduler="synchronous")
    assert run.parts == local.parts == 4
    assert run.summary == local.summary and not run.log.problems
    same_outputs(tmp_path, local_out)


def test_local_cluster_of_two_processes_matches_local_engine(tmp_path, synth):
    from distributed import LocalCluster

    path, local_out, local = synth
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        run = score_dask(path, ScoreJob(RUBRIC, str(tmp_path)), scheduler=cluster.scheduler_address)
    assert run.summary == local.summary
    same_outputs(tmp_path, local_out)


def test_not_parquet_or_a_bad_zone_is_an_input_error(tmp_path, synth):
    with pytest.raises(InputError) as err:
        score_dask(sample_data_dir() / "conversations.jsonl", ScoreJob(RUBRIC, str(tmp_path)), scheduler="synchronous")
    assert "Parquet" in str(err.value)
    with pytest.raises(InputError) as err:
        score_dask(synth[0], ScoreJob(RUBRIC, str(tmp_path)), scheduler="synchronous", tz="Mars/Base")
    assert err.value.problems[0].code == "bad_tz"


def test_cli_engine_dask(tmp_path, synth):
    path, local_out, local = synth
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        ["score", str(path), "-o", str(out), "--engine", "dask", "--rubric", RUBRIC, "--scheduler", "synchronous"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert f"of {local.summary['conversations']} conversations" in result.output
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["engine"]["engine"] == "dask"
    assert len(pd.read_parquet(out / "scores")) == local.summary["conversations"]
    same_outputs(out, local_out)
    bad = CliRunner().invoke(
        main,
        [
            "score",
            str(sample_data_dir() / "conversations.jsonl"),
            "-o",
            str(tmp_path / "x"),
            "--engine",
            "dask",
            "--scheduler",
            "synchronous",
        ],
    )
    assert bad.exit_code == 2 and "Parquet" in bad.output
