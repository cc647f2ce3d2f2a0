"""`qa rubric lint|test|schema|doc|diff|promote`: keep a rubric correct in CI, document it for
trainers, see what a change in the standard does to scores, and let a shadow criterion count
once it agrees with the graders."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from qa_toolkit.atomic import write_frame, write_text
from qa_toolkit.cli.calibrate import graded
from qa_toolkit.cli.common import data_file_option, data_options, fail, file_option, finish, load_dataset, output_option
from qa_toolkit.review.calibration import evidence, gate_table
from qa_toolkit.rubric import require_rubric
from qa_toolkit.rubric.doc import render
from qa_toolkit.rubric.formatters import FORMATTERS
from qa_toolkit.rubric.loader import load_with_locator
from qa_toolkit.rubric.promote import promoted
from qa_toolkit.rubric.schema import json_schema
from qa_toolkit.rubric_diff import diff_rubrics, format_diff
from qa_toolkit.rubric_examples import run_examples
from qa_toolkit.scorefolder import fingerprint as file_sha256


@click.group()
def rubric() -> None:
    """Lint, test, document and compare YAML rubrics."""


@rubric.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text", show_default=True)
@click.option("--strict", is_flag=True, help="Warnings count as findings (exit 1).")
def lint(files: tuple[str, ...], fmt: str, strict: bool) -> None:
    """Check rubric FILES: YAML, schema and semantic rules, as file:line:col.

    Exit 0 clean, 1 findings, 2 a file could not be read.
    """
    problems = [p for f in files for p in load_with_locator(f)[2]]
    output = FORMATTERS[fmt](problems)
    if output or fmt == "json":
        click.echo(output)
    if any(p.code == "unreadable" for p in problems):
        raise SystemExit(2)
    finish(findings=sum(p.level == "error" or strict for p in problems))


@rubric.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("-v", "--verbose", is_flag=True, help="List every example, not only failures.")
def test(files: tuple[str, ...], verbose: bool) -> None:
    """Run every `examples` entry of rubric FILES; each failure as file:line. Exit 1 on failures."""
    failed = unreadable = 0
    for file in files:
        rubric_, locator, problems = load_with_locator(file)
        errors = [p for p in problems if p.level == "error"]
        if rubric_ is None or errors:
            for p in errors:
                click.echo(str(p), err=True)
            unreadable += 1
            continue
        results = run_examples(rubric_, locator)
        for r in results:
            if r.problem is not None:
                click.echo(f"{r.problem.location}: FAIL {r.problem.message}")
            elif verbose:
                click.echo(f"{file}: ok {r.criterion_id}: {r.name} ({r.actual})")
        failed += sum(not r.ok for r in results)
        click.echo(f"{file}: {len(results) - sum(not r.ok for r in results)}/{len(results)} examples passed")
    if unreadable:
        raise SystemExit(2)
    finish(findings=failed)


@rubric.command()
def schema() -> None:
    """Print the JSON Schema of rubric files (for editors and CI)."""
    click.echo(json.dumps(json_schema(), ensure_ascii=False, indent=2))


@rubric.command()
@click.argument("rubric_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["md", "html"]), default="md", show_default=True)
@output_option("Write to FILE instead of stdout.", required=False)
def doc(rubric_file: str, fmt: str, output: str | None) -> None:
    """Render a rubric as a handbook for trainers and agents (Markdown or HTML)."""
    rubric_ = require_rubric(rubric_file)
    text = render(rubric_, fmt)
    if output:
        write_text(output, text)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text)


@rubric.command()
@click.argument("old", type=click.Path(exists=True, dir_okay=False))
@click.argument("new", type=click.Path(exists=True, dir_okay=False))
@data_file_option("Conversations to re-score.")
@output_option(
    "Write criteria_diff.csv and agents_diff.csv into this folder.", dest="outdir", folder=True, required=False
)
@data_options
def diff(old: str, new: str, data_path: str, outdir: str | None, read_opts: dict) -> None:
    """Re-score the same conversations with OLD and NEW rubrics: per-criterion pass rates and
    per-agent mean totals, before and after."""
    old_r, new_r = require_rubric(old), require_rubric(new)
    data = load_dataset(data_path, read_opts)
    criteria, agents = diff_rubrics(old_r, new_r, data.conversations, data.messages)
    click.echo(format_diff(criteria, agents))
    if outdir:
        write_frame(criteria, Path(outdir) / "criteria_diff.csv")
        write_frame(agents, Path(outdir) / "agents_diff.csv")
        click.echo(f"wrote {outdir}/criteria_diff.csv, {outdir}/agents_diff.csv", err=True)
    finish(data.log)


@rubric.command()
@click.argument("rubric_file", type=click.Path(exists=True, dir_okay=False))
@file_option("--grades", "grades_file", "grades.csv from `qa grade import`.", required=True)
@click.option(
    "--criterion",
    "criteria",
    multiple=True,
    help="Promote only this criterion (repeatable; default: every shadow criterion).",
)
@data_file_option(
    "Re-score the graded conversations of this export with the rubric first (needed when the "
    "criterion is newer than the grading workbook).",
    required=False,
)
@data_options
def promote(
    rubric_file: str, grades_file: str, criteria: tuple[str, ...], data_path: str | None, read_opts: dict
) -> None:
    """Make shadow criteria of RUBRIC_FILE live when they clear its agreement gate on the grades
    (default n ≥ 50 graded conversations and Cohen's κ ≥ 0.6; the rubric's `gate:`), writing the
    evidence (n, κ, precision, recall of fail, date, grades sha256) beside each; the rest of the
    file is left as it is. Refuses, naming why, those below the floor.

    Exit 0 all promoted, 1 some refused, 2 unknown criterion or unreadable input.

    Example: qa rubric promote rubrics/shop.yaml --grades grades.csv --data export.jsonl
    """
    rubric_, grades = graded(grades_file, rubric_file, data_path, read_opts)
    table = gate_table(rubric_, grades).set_index("criterion_id")
    unknown = [c for c in criteria if c not in table.index]
    if unknown:
        fail(f"{rubric_file} has no automatic criterion {', '.join(unknown)} (known: {', '.join(table.index)})")
    wanted = list(criteria) or table.index[table["status"] == "shadow"].tolist()
    if not wanted:
        click.echo(f"{rubric_file}: no shadow criteria to promote")
        return
    floor = f"floor: n ≥ {rubric_.gate.min_n}, κ ≥ {rubric_.gate.min_kappa:g}"
    original = Path(rubric_file).read_bytes().decode("utf-8")  # line endings kept as they are
    text, refused, today = original, 0, dt.date.today().isoformat()
    fingerprint = file_sha256(grades_file)
    for cid in wanted:
        row = table.loc[cid]
        measured = f"n={row['n']}, κ={row['kappa']:.3f}"
        if row["status"] == "live":
            click.echo(f"{cid}: already live")
        elif row["clears"]:
            text = promoted(text, rubric_file, cid, evidence(row, fingerprint, today))
            click.echo(f"{cid}: promoted to live ({measured})")
        else:
            refused += 1
            click.echo(f"{cid}: stays shadow: {row['reason']} ({floor})")
    if text != original:
        write_text(rubric_file, text)
    if refused:
        raise SystemExit(1)
