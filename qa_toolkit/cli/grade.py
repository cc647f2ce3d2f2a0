"""`qa grade export|import`: the human grading round trip through Excel workbooks."""

from __future__ import annotations

import glob
from pathlib import Path

import click

from qa_toolkit.cli.common import (
    data_file_option,
    data_options,
    fail,
    finish,
    load_dataset,
    no_mask_option,
    output_option,
    print_problems,
    progress_bar,
    risk_option,
    rubric_option,
)
from qa_toolkit.engine import score_chunks
from qa_toolkit.review.export import batch_frames, export_workbook
from qa_toolkit.review.importer import import_workbooks
from qa_toolkit.review.register import merge, read_register, write_register
from qa_toolkit.rubric import require_rubrics
from qa_toolkit.sampling import read_manifest
from qa_toolkit.scoring import read_risk

DATA = data_file_option("The export the batch was drawn from.")
RISK = risk_option("Risk scores for `model` criteria.")


@click.group()
def grade() -> None:
    """Export a grading workbook for a batch; import graders' filled workbooks."""


def _expand(patterns: tuple[str, ...]) -> list[str]:
    """Workbook paths; glob patterns are expanded here too (Windows shells do not)."""
    paths: list[str] = []
    for pattern in patterns:
        found = sorted(glob.glob(pattern)) if any(ch in pattern for ch in "*?[") else [pattern]
        if not found or not all(Path(p).is_file() for p in found):
            fail(f"no workbook matches '{pattern}'")
        paths.extend(p for p in found if p not in paths)
    return paths


@grade.command("export")
@click.argument("batch", type=click.Path(exists=True))
@DATA
@rubric_option(
    "Rubric YAML, repeatable: each conversation gets the criteria of the first rubric that admits "
    "it (default: the shipped ecommerce-zh then ecommerce-en)."
)
@output_option("Workbook to write (.xlsx).")
@RISK
@no_mask_option("Show personal data unmasked (default: masked).")
@click.option(
    "--no-prefill", is_flag=True, help="Leave every grade cell empty (default: automatic outcomes pre-filled)."
)
@data_options
def export_cmd(
    batch: str,
    data_path: str,
    rubric_paths: tuple[str, ...],
    output: str,
    risk_path: str | None,
    no_mask: bool,
    no_prefill: bool,
    read_opts: dict,
) -> None:
    """Write a grading workbook for BATCH (a `qa sample` folder or its manifest.csv).

    Example: qa grade export batch/ --data sample_data/conversations.jsonl -o grading.xlsx
    """
    rubrics = require_rubrics(rubric_paths)[0]
    manifest = read_manifest(batch)
    dataset = load_dataset(data_path, read_opts)
    conv, msgs, missing = batch_frames(manifest, dataset.conversations, dataset.messages)
    if missing:
        fail(f"{len(missing)} conversation(s) of the batch are not in {data_path}: {', '.join(missing[:10])}")
    results, scores = score_chunks(conv, msgs, rubrics, risk=read_risk(risk_path) if risk_path else None)
    with progress_bar(f"writing {Path(output).name}", total=2 * len(manifest)) as advance:
        path = export_workbook(
            manifest, conv, msgs, results, rubrics, output, advance=advance, mask=not no_mask, prefill=not no_prefill
        )
    per = ", ".join(
        f"{n} with {r.id} ({len(r.criteria)} criteria)"
        for r in rubrics
        if (n := int(scores["rubric_id"].eq(r.id).sum()))
    )
    click.echo(f"wrote {path}: {len(manifest)} conversation sheet(s): {per}", err=True)
    finish(dataset.log)


@grade.command("import")
@click.argument("workbooks", nargs=-1, required=True)
@DATA
@rubric_option(
    "The rubric(s) the workbooks were made with, repeatable (default: the shipped ecommerce-zh, ecommerce-en)."
)
@output_option(
    "grades.csv: one row per grader × conversation × criterion. An existing one is added to: "
    "a grader's conversation imported again replaces its rows, the same workbook twice changes nothing."
)
@click.option(
    "--scores-out",
    type=click.Path(dir_okay=False),
    default=None,
    help="Re-scored conversations per grader (default: OUTPUT with _scores before the suffix), added to like OUTPUT.",
)
@RISK
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="Write what is valid even when cells are invalid (those keep the automatic outcome); exit 1.",
)
@data_options
def import_cmd(
    workbooks: tuple[str, ...],
    data_path: str,
    rubric_paths: tuple[str, ...],
    output: str,
    scores_out: str | None,
    risk_path: str | None,
    skip_invalid: bool,
    read_opts: dict,
) -> None:
    """Read filled grading WORKBOOKS (several graders welcome), validate every cell, put human
    grades over the automatic ones (a pending critical fail counts once confirmed in its 复核
    cell; overturned, it passes) and re-score. Invalid cells: exit 2 and nothing written.

    Example: qa grade import grading_*.xlsx --data sample_data/conversations.jsonl -o grades.csv
    """
    paths = _expand(workbooks)
    rubrics = require_rubrics(rubric_paths)[0]
    dataset = load_dataset(data_path, read_opts)
    risk = read_risk(risk_path) if risk_path else None
    with progress_bar(f"reading {len(paths)} workbook(s)", total=len(paths)) as advance:
        res = import_workbooks(paths, dataset.conversations, dataset.messages, rubrics, risk=risk, advance=advance)
    print_problems(res.log.warnings, limit=20)
    errors = res.log.errors
    if errors:
        print_problems(errors)
        if not skip_invalid:
            fail(f"{len(errors)} invalid cell(s) or workbook problem(s); nothing written (fix them, or --skip-invalid)")
    if not res.sheets_read and not errors:
        click.echo("qa: no graded conversation sheet: fill the grader name and the grades, then import again", err=True)
        finish(dataset.log, findings=1)
    out = Path(output)
    scores_path = Path(scores_out) if scores_out else out.with_name(f"{out.stem}_scores{out.suffix or '.csv'}")
    unit = ["grader", "conversation_id"]
    grades = merge(read_register(out), res.grades, unit, ignore=["source"])
    scores = merge(read_register(scores_path), res.scores, unit)
    g = res.grades
    human = g[g["human_outcome"] != ""]
    overrides = human[
        human["auto_outcome"].isin(["pass", "fail", "na"]) & (human["human_outcome"] != human["auto_outcome"])
    ]
    review = g["critical_review"].value_counts()
    click.echo(
        f"{g['grader'].nunique()} grader(s), {g[unit].drop_duplicates().shape[0]} "
        f"graded conversation(s), {len(human)} human grade(s), {len(overrides)} overriding a rule; "
        f"critical fails: {review.get('confirm', 0)} confirmed, {review.get('overturn', 0)} overturned, "
        f"{int(res.scores['critical_pending'].fillna('').ne('').sum())} conversation(s) still pending; "
        f"{res.sheets_ungraded} sheet(s) ungraded"
    )
    if not grades.changed and not scores.changed:
        click.echo(
            f"nothing changed: all {grades.unchanged} graded sheet(s) are already in {out} "
            "(this workbook was imported before)"
        )
    else:
        written = [p for p in (write_register(grades, out), write_register(scores, scores_path)) if p]
        click.echo(f"{out}: {grades.describe('graded sheet')}", err=True)
        click.echo(f"wrote {' and '.join(map(str, written))}", err=True)
    finish(dataset.log, findings=len(errors))
