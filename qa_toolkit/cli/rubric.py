"""`qa rubric lint|test|schema|doc|diff`: keep a rubric correct in CI, document it for
trainers, and see what a change in the standard does to scores."""

from __future__ import annotations

import click

from qa_toolkit.cli.common import data_options, finish, load_dataset


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
    from qa_toolkit.rubric.formatters import FORMATTERS
    from qa_toolkit.rubric.loader import load_with_locator

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
    from qa_toolkit.rubric.examples import run_examples
    from qa_toolkit.rubric.loader import load_with_locator

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
    import json

    from qa_toolkit.rubric.model import json_schema

    click.echo(json.dumps(json_schema(), ensure_ascii=False, indent=2))


@rubric.command()
@click.argument("rubric_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["md", "html"]), default="md", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write to FILE instead of stdout.")
def doc(rubric_file: str, fmt: str, output: str | None) -> None:
    """Render a rubric as a handbook for trainers and agents (Markdown or HTML)."""
    from qa_toolkit.atomic import write_text
    from qa_toolkit.rubric import require_rubric
    from qa_toolkit.rubric.doc import render

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
@click.option("--data", "data_path", required=True, type=click.Path(exists=True), help="Conversations to re-score.")
@click.option("-o", "--output", "outdir", type=click.Path(file_okay=False), default=None,
              help="Write criteria_diff.csv and agents_diff.csv into this folder.")
@data_options
def diff(old: str, new: str, data_path: str, outdir: str | None, read_opts: dict) -> None:
    """Re-score the same conversations with OLD and NEW rubrics: per-criterion pass rates and
    per-agent mean totals, before and after."""
    from pathlib import Path

    from qa_toolkit.atomic import write_frame
    from qa_toolkit.rubric import require_rubric
    from qa_toolkit.rubric.diff import diff_rubrics, format_diff

    old_r, new_r = require_rubric(old), require_rubric(new)
    data = load_dataset(data_path, read_opts)
    criteria, agents = diff_rubrics(old_r, new_r, data.conversations, data.messages)
    click.echo(format_diff(criteria, agents))
    if outdir:
        write_frame(criteria, Path(outdir) / "criteria_diff.csv")
        write_frame(agents, Path(outdir) / "agents_diff.csv")
        click.echo(f"wrote {outdir}/criteria_diff.csv, {outdir}/agents_diff.csv", err=True)
    finish(data.log)
