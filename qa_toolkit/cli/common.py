"""Options and helpers shared by commands that read conversation exports."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import wraps
from pathlib import Path

import click

from qa_toolkit.frames import DEFAULT_TZ
from qa_toolkit.io import read_conversations
from qa_toolkit.io.formats import NAMES
from qa_toolkit.io.validate import FIRST_TIME, LAST_TIME
from qa_toolkit.problems import InputError, ProblemLog
from qa_toolkit.scorefolder import open_score_folder


class Day(click.ParamType):
    """A day on the command line (YYYY-MM-DD) as a ``datetime.date``, within the times the
    readers accept: a year-9999 ``--to`` is a usage error, never an overflow later on."""

    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx) -> dt.date:
        if isinstance(value, dt.date):
            day = value
        else:
            try:
                day = dt.date.fromisoformat(str(value).strip())
            except ValueError:
                self.fail(f"'{value}' is not a date like 2026-09-07", param, ctx)
        if not FIRST_TIME.date() <= day <= LAST_TIME.date():
            self.fail(f"{day} is outside the supported days {FIRST_TIME:%Y-%m-%d} .. {LAST_TIME:%Y-%m-%d}", param, ctx)
        return day


DAY = Day()


def data_options(func: Callable | None = None, *, format_flag: str = "--format") -> Callable:
    """--format/--mapping/--encoding/--tz/--roster/--strict/--max-problems, gathered into a
    ``read_opts`` dict argument ready for ``qa_toolkit.io.read_conversations``. A command whose
    own ``--format`` means something else spells the input one differently
    (``@data_options(format_flag="--data-format")``)."""
    if func is None:
        return lambda f: data_options(f, format_flag=format_flag)

    @click.option(
        format_flag,
        "fmt",
        type=click.Choice(NAMES),
        default=None,
        help="Input format (default: from the file extension).",
    )
    @click.option(
        "--mapping",
        default=None,
        help="Column mapping: a preset name (default, zh) or a YAML mapping file. Default: detected.",
    )
    @click.option("--encoding", default=None, help="Text encoding of CSV/JSONL (default: detected).")
    @click.option("--tz", default=DEFAULT_TZ, show_default=True, help="Time zone for timestamps without one.")
    @click.option(
        "--roster",
        type=click.Path(exists=True, dir_okay=False),
        default=None,
        help="Agent roster (CSV/XLSX: agent_id, name, team, hire_date).",
    )
    @click.option("--strict", is_flag=True, help="Any input problem is an error (exit 2) instead of a skip.")
    @click.option("--max-problems", default=20, show_default=True, help="Problems printed in full before totals.")
    @wraps(func)
    def wrapper(*args, fmt, mapping, encoding, tz, roster, strict, max_problems, **kwargs):
        kwargs["read_opts"] = {
            "format": fmt,
            "mapping": mapping,
            "encoding": encoding,
            "tz": tz,
            "roster": roster,
            "strict": strict,
            "max_problems": max_problems,
        }
        return func(*args, **kwargs)

    return wrapper


allow_mismatch_option = click.option(
    "--allow-mismatch",
    is_flag=True,
    help="Use --scores computed from another export than the data given (e.g. from a file of only the sampled "
    "conversations); without it that stops with exit 2, since rows would join onto other conversations.",
)


def open_scores(path: str | os.PathLike, data: str | os.PathLike, allow_mismatch: bool):
    """The score folder at ``path`` (``scorefolder.open_score_folder``), checked to be scored
    from ``data`` by its SHA-256: a mismatch stops (exit 2) unless allowed, then it warns."""
    folder = open_score_folder(path)
    problem = folder.input_mismatch(data)
    if problem is not None and not allow_mismatch:
        raise InputError(
            replace(
                problem,
                message=f"{problem.message}: give the export that was scored, or pass "
                "--allow-mismatch to use these scores anyway",
            )
        )
    if problem is not None:
        click.echo(f"qa: {replace(problem, level='warning')} (--allow-mismatch)", err=True)
    return folder


def load_dataset(path: str | os.PathLike, read_opts: dict, quiet: bool = False):
    """Read an export with a progress bar; print the problem summary to stderr.
    With ``strict`` the library raises InputError, which the root group turns into exit 2."""
    opts = dict(read_opts)
    max_problems = opts.pop("max_problems", 20)
    size = Path(path).stat().st_size if Path(path).is_file() else 0
    with progress_bar(f"reading {Path(path).name}", total=size) as advance:
        dataset = read_conversations(path, progress=advance, **opts)
    if dataset.log.problems and not quiet:
        click.echo(dataset.log.summary(max_full=max_problems), err=True)
    return dataset


@contextmanager
def progress_bar(description: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """Yield ``advance(n)``; draws a rich progress bar on stderr only when it is a terminal."""
    if not sys.stderr.isatty() or not total:
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TimeRemainingColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        "{task.percentage:>3.0f}%",
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n: bar.advance(task, n)


def print_problems(problems: list, limit: int = 50) -> None:
    """Each problem as ``qa: file:line: message`` on stderr, the first ``limit`` in full."""
    for p in problems[:limit]:
        click.echo(f"qa: {p}", err=True)
    if len(problems) > limit:
        click.echo(f"qa: ... and {len(problems) - limit} more", err=True)


def fail(message: str, code: int = 2) -> None:
    """Print ``qa: message`` on stderr and exit with ``code`` (2: usage or unusable input)."""
    click.echo(f"qa: {message}", err=True)
    raise SystemExit(code)


def exit_code(*logs: ProblemLog, findings: int = 0) -> int:
    """The exit code of every command that runs to its end — the one rule: 0 clean; 1 when a
    record was skipped or the input had any problem (every log given), or the command has
    ``findings`` of its own (nothing sampled, invalid grades, failed examples). Usage errors
    and unusable input exit 2 before (click, InputError); ``--strict`` makes any reading
    problem an InputError, so a skip becomes 2."""
    return 1 if findings or any(log.problems or log.records_skipped for log in logs) else 0


def finish(*logs: ProblemLog, findings: int = 0) -> None:
    """End a command by ``exit_code``: return when it is 0, exit with it otherwise."""
    code = exit_code(*logs, findings=findings)
    if code:
        raise SystemExit(code)
