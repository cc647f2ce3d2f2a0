"""`qa calibrate`: agreement between graders, and between the automatic rules and graders; with
`--gate`, the check that every live automatic criterion agrees with the graders enough to count."""

from __future__ import annotations

import json
import sys

import click

from qa_toolkit.cli.common import (
    data_file_option,
    data_options,
    disputes_option,
    json_option,
    load_dataset,
    rubric_option,
)
from qa_toolkit.review.calibration import calibrate as run
from qa_toolkit.review.calibration import gate_failures, gate_table, read_grades, rescore
from qa_toolkit.review.register import read_register
from qa_toolkit.rubric import require_rubric


@click.command()
@click.argument("grades", type=click.Path(exists=True, dir_okay=False))
@click.option("--tolerance", default=10.0, show_default=True, help="Totals agree when they differ by at most this.")
@json_option("Print every statistic as JSON.")
@click.option("--details", is_flag=True, help="Also print Cohen's κ per grader pair and criterion.")
@disputes_option(
    "The dispute register (`qa dispute import/resolve`): accepted disputes of automatic outcomes count as overturned."
)
@rubric_option(
    "Measure each automatic criterion of this rubric against the grades: status, n, κ, the gate floor.",
    dest="rubric_file",
    multiple=False,
)
@click.option(
    "--gate",
    is_flag=True,
    help="Exit 1 naming every live criterion of --rubric below its agreement floor "
    "(the rubric's `gate:`, default n ≥ 50 graded conversations, κ ≥ 0.6).",
)
@data_file_option(
    "Re-score the graded conversations of this export with --rubric first (automatic outcomes as the "
    "rubric gives them now, also for criteria added since the workbook was made).",
    required=False,
)
@data_options
def calibrate(
    grades: str,
    tolerance: float,
    as_json: bool,
    details: bool,
    disputes: str | None,
    rubric_file: str | None,
    gate: bool,
    data_path: str | None,
    read_opts: dict,
) -> None:
    """Calibration of GRADES (from `qa grade import`): per-criterion agreement and Krippendorff's α,
    Cohen's κ per grader pair, grader leniency, totals within ±tolerance, how far each
    automatic rule agrees with the graders (precision/recall/κ of its fails), and per
    criterion the automatic outcomes graders and accepted disputes overturned (rule errors).

    Exit 0; with --gate, 1 when a live criterion is below the floor.

    Examples: qa calibrate grades.csv --disputes disputes.csv;
    qa calibrate grades.csv --rubric rubrics/shop.yaml --data export.jsonl --gate
    """
    if (gate or data_path) and not rubric_file:
        raise click.UsageError("--gate and --data need --rubric")
    rubric_, frame = graded(grades, rubric_file, data_path, read_opts)
    cal = run(frame, tolerance=tolerance, disputes=read_register(disputes) if disputes else None)
    table = gate_table(rubric_, frame) if rubric_ is not None else None
    failures = gate_failures(table) if gate else None
    if as_json:
        out = cal.to_dict()
        if table is not None:
            out["gate"] = {**rubric_.gate.model_dump(), "criteria": _records(table)}
        if failures is not None:
            out["gate"]["below_floor"] = failures["criterion_id"].tolist()
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        _print(cal, details, table, rubric_)
    if failures is not None and not as_json:
        click.echo(_verdict(failures))
    if failures is not None and len(failures):
        raise SystemExit(1)


def graded(grades: str, rubric_file: str | None, data_path: str | None, read_opts: dict):
    """(the rubric or None, the grades frame), its automatic outcomes re-scored from ``data_path``
    with the rubric when given — shared by `qa calibrate` and `qa rubric promote`."""
    frame = read_grades(grades)
    if rubric_file is None:
        return None, frame

    rubric_ = require_rubric(rubric_file)
    if data_path:
        data = load_dataset(data_path, read_opts)
        frame = rescore(frame, data.conversations, data.messages, rubric_)
    return rubric_, frame


def _records(frame) -> list[dict]:
    import numpy as np

    return frame.replace({np.nan: None}).to_dict(orient="records")


def _verdict(failures) -> str:
    if not len(failures):
        return "gate: every live automatic criterion clears the floor"
    named = ", ".join(f"{r.criterion_id} ({r.reason})" for r in failures.itertuples())
    return f"gate: {len(failures)} live criterion(s) below the floor: {named}"


def _fmt(value) -> str:
    if value is None or value != value:  # NaN
        return "-"
    if type(value).__name__ in ("bool", "bool_"):  # Python's or numpy's
        return "yes" if value else "no"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _print(cal, details: bool, table, rubric_) -> None:
    from pandas.api.types import is_bool_dtype, is_numeric_dtype
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 200)
    t = cal.totals
    console.print(
        f"totals: {t['conversations']} conversation(s) with a total from 2+ graders; "
        f"within ±{t['tolerance']:g} points: "
        f"{_fmt(t['share_within'])}; Krippendorff α (interval): {_fmt(t['alpha_interval'])}",
        markup=False,
    )
    frames = [
        ("criteria: agreement between graders", cal.criteria),
        (
            "grader pairs: Cohen's κ (* = all criteria)",
            cal.pairs if details else cal.pairs[cal.pairs["criterion_id"] == "*"],
        ),
        ("graders: leniency = mean(own total − others' mean)", cal.graders),
        ("automatic rules vs graders (positive = fail)", cal.auto),
        ("overturned automatic outcomes (evidence of rule errors)", cal.overturns),
    ]
    if table is not None:
        frames.append(
            (
                f"agreement gate of {rubric_.id} (n ≥ {rubric_.gate.min_n} graded conversations, "
                f"κ ≥ {rubric_.gate.min_kappa:g}; shadow criteria are not counted)",
                table,
            )
        )
    for title, frame in frames:
        grid = Table(title=title)
        for col in frame.columns:
            numeric = is_numeric_dtype(frame[col]) and not is_bool_dtype(frame[col])
            grid.add_column(col, justify="right" if numeric else "left")
        for row in frame.itertuples(index=False):
            grid.add_row(*[_fmt(v) for v in row])
        if len(frame):
            console.print(grid)
        else:
            console.print(f"{title}: nothing to compare", markup=False)
