"""`qa score` into part files (several workers, Dask or a big input): parse, call the engine, print.
Imported by `qa score` only when it writes part files."""

from __future__ import annotations

from pathlib import Path

import click

from qa_toolkit.cli.common import fail, finish, print_log, progress_bar, reader_opts
from qa_toolkit.engine import ScoreJob, score_file
from qa_toolkit.scoring import format_summary


def score_to_parts(
    data: str,
    rubric_paths: tuple[str, ...],
    outdir: str,
    risk_path: str | None,
    mask: bool,
    chunk_size: int,
    workers: int,
    engine: str,
    scheduler: str | None,
    read_opts: dict,
) -> None:
    """Run the chunked engine (it writes the score folder); print the summary like the single-file path."""
    opts, max_problems = reader_opts(read_opts)
    job = ScoreJob(tuple(str(p) for p in rubric_paths), str(outdir), risk_path, mask)
    if engine == "dask":
        from qa_toolkit.engine.dask import score_dask

        if opts.get("roster"):
            fail("--roster is not supported with --engine dask (join the roster before scoring)")
        run = score_dask(
            data,
            job,
            scheduler=scheduler,
            workers=workers,
            mapping=opts["mapping"],
            tz=opts["tz"],
            strict=opts["strict"],
        )
    else:
        with progress_bar(f"scoring {Path(data).name}", total=Path(data).stat().st_size) as advance:
            run = score_file(data, job, workers=workers, chunk_size=chunk_size, read_opts=opts, progress=advance)
    print_log(run.log, max_problems)
    click.echo(format_summary(run.summary))
    click.echo(f"wrote {outdir}/results/, scores/ ({run.parts} Parquet part(s) each), run.json", err=True)
    finish(run.log)
