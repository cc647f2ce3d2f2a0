"""`qa dispute export|import|resolution|resolve`: agents dispute lost points (申诉), leads decide."""

from __future__ import annotations

import datetime as dt

import click

from qa_toolkit.cli.common import (
    DAY,
    agents_option,
    count_option,
    fail,
    file_option,
    no_mask_option,
    output_option,
    print_problems,
    rubric_option,
    scores_option,
    today_option,
)
from qa_toolkit.review.calibration import read_grades
from qa_toolkit.review.dispute_books import (
    agent_workbook,
    read_agent_workbook,
    read_resolution,
    resolution_workbook,
    save,
)
from qa_toolkit.review.disputes import KEY, file_disputes, lost_points, resolve, within
from qa_toolkit.review.outcomes import final_outcomes
from qa_toolkit.review.register import merge, read_register, write_register
from qa_toolkit.rubric import require_rubrics
from qa_toolkit.scorefolder import read_score_dir

TODAY = today_option("The day it happens (default: today); deadlines are measured against it.")


@click.group()
def dispute() -> None:
    """Agents dispute lost points before a deadline; a QA lead accepts, rejects or partly accepts."""


def _scored_on(folder) -> dt.date:
    """The day the score folder was written (its run.json, else the folder itself)."""
    from pathlib import Path

    info = Path(folder) / "run.json"
    return dt.date.fromtimestamp((info if info.is_file() else Path(folder)).stat().st_mtime)


@dispute.command("export")
@scores_option("The `qa score` output folder.")
@file_option(
    "--grades", "grades_path", "grades.csv from `qa grade import`: graded outcomes replace the automatic ones."
)
@rubric_option("Rubric YAML, repeatable (default: the files run.json names, else the shipped ones).")
@output_option("Folder for one workbook per agent (申诉_AGENT.xlsx).", folder=True)
@click.option(
    "--scored-on",
    type=DAY,
    default=None,
    help="The scoring date a deadline counts from for automatic outcomes (default: the day the score "
    "folder was written); graded outcomes count from their grading date.",
)
@count_option("--deadline-days", default=7, minimum=0, help="Days an agent has to dispute a lost point.")
@click.option(
    "--period",
    default="all",
    show_default=True,
    help="Conversations started in: all | last_week | FROM..TO (e.g. 2026-11-02..2026-11-08).",
)
@TODAY
@agents_option("Only this agent, repeatable (default: every agent).")
@no_mask_option("Show personal data in the evidence unmasked (default: masked).")
def export_cmd(
    scores_dir: str,
    grades_path: str | None,
    rubric_paths: tuple[str, ...],
    output: str,
    scored_on: dt.date | None,
    deadline_days: int,
    period: str,
    today: dt.date | None,
    agents: tuple[str, ...],
    no_mask: bool,
) -> None:
    """Write, per agent, a workbook of the points they lost (graded outcomes over automatic ones),
    with the evidence, the deadline and a reason cell for each.

    Example: qa dispute export --scores out/ --grades grades.csv --period last_week -o disputes/
    """
    import re
    from pathlib import Path

    results, scores, info = read_score_dir(scores_dir)
    try:
        scores = within(scores, period, today)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--period") from None
    recorded = [r.get("file") for r in info.get("rubrics", [])]
    rubrics = require_rubrics(rubric_paths or [f for f in recorded if f and Path(f).is_file()] or None)[0]
    grades = read_grades(grades_path) if grades_path else None
    final, final_scores = final_outcomes(results, scores, rubrics, grades=grades)
    day = scored_on or _scored_on(scores_dir)
    lost = lost_points(final, final_scores, rubrics, scored_on=day, deadline_days=deadline_days)
    if agents:
        lost = lost[lost["agent_id"].isin(agents)]
    if lost.empty:
        fail("no lost point to dispute" + (f" for {', '.join(agents)}" if agents else ""), 1)
    for agent, part in lost.groupby("agent_id", sort=True):
        name = re.sub(r'[\\/:*?"<>|\s]', "_", str(agent))  # a file name on every system
        save(agent_workbook(part, str(agent), mask=not no_mask), Path(output) / f"申诉_{name}.xlsx")
    click.echo(
        f"{len(lost)} lost point(s) of {lost['agent_id'].nunique()} agent(s), "
        f"{int(lost['decided_by'].eq('grade').sum())} of them graded; deadline {deadline_days} day(s) after "
        f"the scoring ({day.isoformat()}) or grading date"
    )
    click.echo(f"wrote {lost['agent_id'].nunique()} workbook(s) to {output}", err=True)


@dispute.command("import")
@click.argument("workbooks", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@output_option("disputes.csv, the register (added to; the same workbook twice changes nothing).")
@TODAY
def import_cmd(workbooks: tuple[str, ...], output: str, today: dt.date | None) -> None:
    """Read agents' filled dispute WORKBOOKS into the register: every reason written before its
    deadline is a dispute (open until a lead decides); later ones are refused (exit 1).

    Example: qa dispute import disputes/申诉_*.xlsx -o disputes.csv
    """
    import pandas as pd

    frames, problems = [], []
    for path in workbooks:
        filed, found = read_agent_workbook(path)
        frames.append(filed)
        problems.extend(found)
    if problems:
        print_problems(problems)
        fail(f"{len(problems)} unreadable workbook(s); nothing written")
    filed = pd.concat(frames, ignore_index=True)
    if filed.empty:
        fail("no dispute: no reason was written in any workbook", 1)
    register = read_register(output)
    rows, refused = file_disputes(register, filed, today or dt.date.today())
    print_problems(refused)
    merged = merge(register, rows, KEY)
    click.echo(f"{len(filed)} reason(s) read: {merged.describe('dispute')}, {len(refused)} refused")
    if merged.changed:
        write_register(merged, output)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(
            f"nothing changed in {output}" + (": these disputes were imported before" if merged.unchanged else "")
        )
    if refused:
        raise SystemExit(1)


@dispute.command("resolution")
@click.argument("register_path", metavar="REGISTER", type=click.Path(exists=True, dir_okay=False))
@output_option("Workbook to write (.xlsx).")
@no_mask_option("Show personal data in the evidence unmasked (default: masked).")
def resolution_cmd(register_path: str, output: str, no_mask: bool) -> None:
    """Write the lead's resolution workbook: every open dispute of REGISTER with a decision
    (accepted / rejected / partly), the points given back when partly, and a note.

    Example: qa dispute resolution disputes.csv -o resolution.xlsx
    """
    register = read_register(register_path)
    n_open = int(register["decision"].eq("").sum())
    if not n_open:
        fail(f"no open dispute in {register_path}", 1)
    save(resolution_workbook(register, mask=not no_mask), output)
    click.echo(f"{n_open} open dispute(s) of {register['agent_id'].nunique()} agent(s)")
    click.echo(f"wrote {output}", err=True)


@dispute.command("resolve")
@click.argument("resolution", type=click.Path(exists=True, dir_okay=False))
@file_option("--register", "register_path", "disputes.csv, the register the decisions go into.", required=True)
@TODAY
def resolve_cmd(resolution: str, register_path: str, today: dt.date | None) -> None:
    """Record a lead's decisions (a filled resolution workbook, or a CSV with conversation_id,
    criterion_id, decision, points_awarded, note, resolved_by, resolved_on) in the register.
    Invalid decisions: exit 2 and nothing written; the same decisions twice change nothing.

    Example: qa dispute resolve resolution.xlsx --register disputes.csv
    """
    decisions, problems = read_resolution(resolution)
    register = read_register(register_path)
    changed, invalid = resolve(register, decisions, today or dt.date.today())
    if problems or invalid:
        print_problems(problems + invalid)
        fail(f"{len(problems + invalid)} invalid decision(s) or unreadable file; nothing written")
    if changed.empty:
        fail(f"no decision in {resolution}", 1)
    merged = merge(register, changed, KEY)
    counts = changed["decision"].value_counts()
    click.echo(
        f"{len(changed)} decision(s): "
        + ", ".join(f"{counts.get(d, 0)} {d}" for d in counts.index)
        + f"; {merged.updated} recorded, {merged.unchanged} already there"
    )
    if merged.changed:
        write_register(merged, register_path)
        click.echo(f"wrote {register_path}", err=True)
    else:
        click.echo(f"nothing changed in {register_path}: these decisions were recorded before")
