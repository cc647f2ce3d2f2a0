"""Scale-out on Dask: the Parquet long table read by ``dask.dataframe.read_parquet`` one row
group per partition, and ``map_partitions`` running the same chunk function as the local
runner (``score_task``) on each. Workers read the rubric, the input and write the part files
by path, so on a real cluster those paths must be on storage every worker sees. Optional:
``pip install 'qa-toolkit[dask]'``."""

from __future__ import annotations

import os
import warnings
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from qa_toolkit.engine.parts import ScoreJob, load, score_task
from qa_toolkit.engine.runner import RunOutcome, merged
from qa_toolkit.engine.sinks import PartFiles, PartSink, Provenance
from qa_toolkit.engine.tables import dataset_from_rows, row_group_starts
from qa_toolkit.frames import DEFAULT_TZ
from qa_toolkit.io.formats import FORMATS
from qa_toolkit.problems import InputError, Problem

INSTALL = "pip install 'qa-toolkit[dask]'"


def score_dask(
    path: str | os.PathLike,
    job: ScoreJob,
    *,
    scheduler: str | None = None,
    workers: int = 2,
    mapping: str | os.PathLike | None = None,
    tz: str = DEFAULT_TZ,
    strict: bool = False,
) -> RunOutcome:
    """Score a Parquet export on Dask. ``scheduler``: a distributed scheduler address
    (``tcp://host:8786``), a local scheduler name (``synchronous``, ``processes``), or None for
    a ``LocalCluster`` of ``workers`` processes. A score folder as ``score_file`` writes it (the
    part sink);
    with ``strict`` any reading problem is an InputError and the folder is left as it was."""
    try:
        import dask.dataframe as dd
    except ImportError:
        raise InputError(Problem("dask", f"the Dask engine needs Dask: {INSTALL}", code="missing_dependency")) from None
    path = str(path)
    if Path(path).suffix.lower() not in FORMATS["parquet"].suffixes:
        raise InputError(
            Problem(
                path,
                "the Dask engine reads Parquet long tables (one row per message, as "
                "`qa data synth --formats parquet` writes them); for other formats use "
                "--engine local --workers N",
                field="format",
                code="not_parquet",
            )
        )
    scorer = load(job)  # a broken rubric fails here, not on every worker
    try:
        ZoneInfo(tz)
    except (ValueError, KeyError, OSError):
        raise InputError(
            Problem(tz, f"unknown time zone '{tz}' (e.g. Asia/Shanghai, UTC)", field="tz", code="bad_tz")
        ) from None
    starts = row_group_starts(path, mapping)
    frame = dd.read_parquet(path, split_row_groups=True)
    if frame.npartitions != len(starts):
        raise InputError(
            Problem(
                path,
                f"expected one Dask partition per row group ({len(starts)}), got {frame.npartitions}",
                code="partitions",
            )
        )
    meta = pd.DataFrame({"number": pd.Series(dtype="int64"), "partial": pd.Series(dtype=object)})
    provenance = Provenance(scorer.rubrics, job.rubric_paths, path, job.mask)
    with (
        PartSink(job.output, provenance) as sink,
        _scheduler(scheduler, workers) as compute_opts,
        warnings.catch_warnings(),
    ):
        warnings.filterwarnings("ignore", message="The inplace keyword")  # dask's own pandas 3 deprecation
        sink.reset()
        parts = frame.map_partitions(
            score_partition, job, sink.writer, path, starts, mapping, tz, meta=meta, enforce_metadata=False
        ).compute(**compute_opts)
        partials = [p for _, p in sorted(zip(parts["number"], parts["partial"]), key=lambda x: x[0])]
        for p in partials:
            sink.add(p.pop("written"))
        run = merged(path, partials, strict=strict)
        sink.finish(run.summary, run.log, engine={"engine": "dask", "workers": workers, "parts": run.parts})
    return run


def score_partition(
    rows: pd.DataFrame,
    job: ScoreJob,
    writer: PartFiles,
    path: str,
    starts: list[int],
    mapping: str | os.PathLike | None,
    tz: str,
    partition_info: dict | None = None,
) -> pd.DataFrame:
    """The Dask task: one row group → Dataset → ``score_task``; one row holding its partial."""
    number = partition_info["number"] if partition_info else 0
    ds = dataset_from_rows(rows, source=path, first_row=starts[number], mapping=mapping, tz=tz)
    return pd.DataFrame({"number": [number], "partial": [score_task(ds, number, job, writer)]})


@contextmanager
def _scheduler(scheduler: str | None, workers: int):
    """compute() options: a Client for an address or a fresh LocalCluster, else a local scheduler name."""
    if scheduler and "://" not in scheduler and ":" not in scheduler:
        yield {"scheduler": scheduler}
        return
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield {"scheduler": client}
        return
    with (
        LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        yield {"scheduler": client}
