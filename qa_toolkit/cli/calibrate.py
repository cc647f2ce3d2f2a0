"""`qa calibrate`: agreement between graders, and between the automatic rules and graders."""

from __future__ import annotations

import sys

import click


@click.command()
@click.argument("grades", type=click.Path(exists=True, dir_okay=False))
@click.option("--tolerance", default=10.0, show_default=True, help="Totals agree when they differ by at most this.")
@click.option("--json", "as_json", is_flag=True, help="Print every statistic as JSON.")
@click.option("--details", is_flag=True, help="Also print Cohen's κ per grader pair and criterion.")
@click.option("--disputes", "disputes_path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="The dispute register (`qa dispute import/resolve`): accepted disputes of automatic outcomes "
                   "count as overturned.")
def calibrate(grades: str, tolerance: float, as_json: bool, details: bool, disputes_path: str | None) -> None:
    """Calibration of GRADES (from `qa grade import`): per-criterion agreement and Krippendorff's α,
    Cohen's κ per grader pair, grader leniency, totals within ±tolerance, how far each
    automatic rule agrees with the graders (precision/recall/κ of its fails), and per
    criterion the automatic outcomes graders and accepted disputes overturned (rule errors).

    Example: qa calibrate grades.csv --disputes disputes.csv
    """
    import json

    from qa_toolkit.review.calibration import calibrate as run, read_grades
    from qa_toolkit.review.register import read_register

    cal = run(read_grades(grades), tolerance=tolerance,
              disputes=read_register(disputes_path) if disputes_path else None)
    if as_json:
        click.echo(json.dumps(cal.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print(cal, details)


def _fmt(value) -> str:
    if value is None or value != value:  # NaN
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _print(cal, details: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 200)
    t = cal.totals
    console.print(f"totals: {t['conversations']} conversation(s) with a total from 2+ graders; "
                  f"within ±{t['tolerance']:g} points: "
                  f"{_fmt(t['share_within'])}; Krippendorff α (interval): {_fmt(t['alpha_interval'])}", markup=False)
    for title, frame in (("criteria: agreement between graders", cal.criteria),
                         ("grader pairs: Cohen's κ (* = all criteria)",
                          cal.pairs if details else cal.pairs[cal.pairs["criterion_id"] == "*"]),
                         ("graders: leniency = mean(own total − others' mean)", cal.graders),
                         ("automatic rules vs graders (positive = fail)", cal.auto),
                         ("overturned automatic outcomes (evidence of rule errors)", cal.overturns)):
        table = Table(title=title)
        for col in frame.columns:
            table.add_column(col, justify="left" if frame[col].dtype == object else "right")
        for row in frame.itertuples(index=False):
            table.add_row(*[_fmt(v) for v in row])
        if len(frame):
            console.print(table)
        else:
            console.print(f"{title}: nothing to compare", markup=False)
