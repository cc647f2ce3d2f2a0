"""`qa score`: score every conversation of an export against one or more rubrics."""

from __future__ import annotations

import click

from qa_toolkit.cli.common import (
    chunk_size_option,
    count_option,
    data_options,
    finish,
    load_dataset,
    no_mask_option,
    output_option,
    progress_bar,
    risk_option,
    rubric_option,
)
from qa_toolkit.cli.score_parts import score_to_parts
from qa_toolkit.engine import FrameSink, Provenance, Scorer, score_dataset
from qa_toolkit.engine.runner import wants_parts
from qa_toolkit.rubric import require_rubrics
from qa_toolkit.scoring import format_summary, read_risk


@click.command()
@click.argument("data", type=click.Path(exists=True))
@rubric_option(
    "Rubric YAML; repeat for several: each conversation is scored by the first whose applies_to "
    "admits it (default: the shipped ecommerce-zh then ecommerce-en)."
)
@output_option("Folder for results.csv/.parquet, scores.csv/.parquet and run.json.", dest="outdir", folder=True)
@risk_option("Risk scores (CSV/Parquet from `qa risk predict`) for `model` criteria.")
@no_mask_option("Keep personal data in evidence_text (default: masked).")
@chunk_size_option("Conversations scored at a time (with part files: JSONL lines or CSV/XLSX rows per chunk).")
@count_option("--workers", default=1, minimum=1, help="Worker processes; more than 1 writes part files.")
@click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="dask: score a Parquet long table with map_partitions (pip install 'qa-toolkit[dask]').",
)
@click.option(
    "--scheduler",
    default=None,
    help="With --engine dask: a scheduler address (tcp://host:8786); default a local cluster.",
)
@click.option(
    "--parts",
    is_flag=True,
    help="Write results/ and scores/ as Parquet part folders (bounded memory; implied by "
    "--workers > 1, --engine dask and inputs over 1 GiB).",
)
@data_options
def score(
    data: str,
    rubric_paths: tuple[str, ...],
    outdir: str,
    risk_path: str | None,
    no_mask: bool,
    chunk_size: int,
    workers: int,
    engine: str,
    scheduler: str | None,
    parts: bool,
    read_opts: dict,
) -> None:
    """Score conversations in DATA against one or more rubrics: results (per criterion, with evidence)
    and scores (per conversation) in OUTDIR.

    Example: qa score sample_data/conversations.jsonl -o out/score
    """
    rubrics, paths = require_rubrics(rubric_paths)
    rubric_paths = tuple(str(p) for p in paths)
    if scheduler and engine != "dask":
        raise click.UsageError("--scheduler needs --engine dask")
    if wants_parts(data, workers=workers, engine=engine, parts=parts):
        score_to_parts(
            data, rubric_paths, outdir, risk_path, not no_mask, chunk_size, workers, engine, scheduler, read_opts
        )
        return
    dataset = load_dataset(data, read_opts)
    scorer = Scorer(rubrics, read_risk(risk_path) if risk_path else None, not no_mask)
    sink = FrameSink(outdir, Provenance(rubrics, rubric_paths, data, not no_mask))
    with progress_bar("scoring", total=len(dataset.conversations)) as advance:
        run = score_dataset(dataset, scorer, sink, chunk_size=chunk_size, progress=advance)
    click.echo(format_summary(run.summary))
    click.echo(f"wrote {sink.written[0].parent}/results.csv, scores.csv (+ .parquet), run.json", err=True)
    finish(dataset.log)
