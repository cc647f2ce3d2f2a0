"""`qa report`: per-agent and team reports (Excel, HTML) from a `qa score` folder and the data."""

from __future__ import annotations

import datetime as dt

import click

from qa_toolkit.cli.common import (
    DAY,
    agents_option,
    allow_mismatch_option,
    comma_list,
    count_option,
    data_file_option,
    data_options,
    disputes_option,
    file_option,
    finish,
    load_dataset,
    no_mask_option,
    open_scores,
    output_option,
    progress_bar,
    risk_option,
    rubric_option,
    scores_option,
)
from qa_toolkit.reporting import report_from_scores
from qa_toolkit.runconfig import ReportConfig


@click.command()
@scores_option(
    "The `qa score` output folder, either layout (results/scores .parquet or .csv, or part folders; run.json)."
)
@data_file_option("The conversation export that was scored (checked against run.json's SHA-256).", dest="data")
@allow_mismatch_option
@output_option("Folder for report.xlsx, index.html and agents/.", dest="outdir", folder=True)
@click.option("--format", "formats", default="xlsx,html", show_default=True, help="xlsx, html or both.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None, help="Labels (default: the rubric's language).")
@agents_option("Only these agents get a page/sheet (repeatable).")
@click.option(
    "--period", type=click.Choice(["week", "month", "all"]), default="week", show_default=True, help="Trend period."
)
@click.option("--from", "date_from", type=DAY, default=None, help="First day (conversations started on or after).")
@click.option("--to", "to", type=DAY, default=None, help="Last day (inclusive).")
@rubric_option("Rubric(s) for section/criterion names, repeatable (default: those run.json names).")
@file_option(
    "--manifest",
    "manifest_path",
    "Sample batch (folder or manifest.csv): marks sampled sessions; when the scores cover only "
    "the sample, quality is weighted by 1/inclusion probability.",
    dir_okay=True,
)
@risk_option("Risk scores (`qa risk predict` output) for risk flags.")
@file_option(
    "--grades",
    "grades",
    "grades.csv from `qa grade import`: human grades override the automatic outcomes (both shown), "
    "graded conversations are re-scored and manual criteria count.",
)
@disputes_option(
    "The dispute register (`qa dispute import/resolve`, as for `qa calibrate --disputes`): accepted "
    "disputes change the scores; the report lists each dispute and counts them per agent and criterion."
)
@count_option("--min-graded", default=5, minimum=1, help="Fewer graded conversations: not ranked.")
@click.option("--sla", "sla_seconds", default=180.0, show_default=True, help="Response SLA in seconds.")
@click.option(
    "--sla-channel",
    "sla_channel",
    multiple=True,
    metavar="CHANNEL=SECONDS",
    help="Per-channel SLA, e.g. email=86400 (repeatable).",
)
@count_option("--fcr-days", default=7, minimum=1, help="First-contact resolution window in days.")
@no_mask_option("Show personal data unmasked (default: masked).")
@click.option("--per-agent-workbooks", is_flag=True, help="Also write agents/<id>.xlsx, one workbook per agent.")
@data_options(format_flag="--data-format")
def report(
    scores_dir: str,
    data: str,
    allow_mismatch: bool,
    outdir: str,
    date_from: dt.date | None,
    rubric_paths: tuple[str, ...],
    manifest_path: str | None,
    risk_path: str | None,
    sla_channel: tuple[str, ...],
    no_mask: bool,
    read_opts: dict,
    **config,  # the ReportConfig fields, by the same names (as under `report:` in run.yaml)
) -> None:
    """Write the supervisor's reports: a team summary and a review page per agent.

    Example: qa report --scores out/score --data sample_data/conversations.jsonl
    --roster sample_data/roster.csv -o out/report
    (after the week's review: add --grades grades.csv --disputes disputes.csv)
    """
    try:
        sla_by_channel = {k.strip().lower(): float(v) for k, v in (s.split("=", 1) for s in sla_channel)}
    except ValueError:
        raise click.BadParameter("use CHANNEL=SECONDS, e.g. email=86400", param_hint="--sla-channel") from None
    if not all(0 < seconds < float("inf") for seconds in [config["sla_seconds"], *sla_by_channel.values()]):
        raise click.BadParameter("an SLA is a positive number of seconds", param_hint="--sla/--sla-channel")
    config["formats"] = comma_list(config["formats"], ("xlsx", "html"), "--format")
    config["agents"] = list(config["agents"]) or None
    options = ReportConfig(mask=not no_mask, sla_by_channel=sla_by_channel, **{"from": date_from}, **config)
    folder = open_scores(scores_dir, data, allow_mismatch)
    dataset = load_dataset(data, read_opts)
    written = report_from_scores(
        dataset,
        folder,
        outdir,
        options,
        rubric_path=list(rubric_paths) or None,
        manifest_path=manifest_path,
        risk_path=risk_path,
        bars=progress_bar,
    )
    for path in written[:3]:
        click.echo(f"wrote {path}")
    if len(written) > 3:
        click.echo(f"... and {len(written) - 3} more file(s) in {outdir}")
    finish(dataset.log)
