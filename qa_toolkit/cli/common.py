"""Options and helpers shared by the commands: every option several commands take is declared
once here (a factory fixes its flags, type and default; the command gives the help that says what
it means there), with reading an export, progress bars, problems and exit codes."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable, Iterator, Sequence
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


SEED = click.IntRange(0, 2**32 - 1)


def output_option(
    help: str,
    *,
    dest: str = "output",
    folder: bool = False,
    required: bool = True,
    default: str | None = None,
    flag: str = "--output",
) -> Callable:
    """-o/--output (or another long ``flag``): a folder (``folder``) or a file to write; required
    unless it has a default."""
    return click.option(
        "-o",
        flag,
        dest,
        required=required and default is None,
        type=click.Path(file_okay=not folder, dir_okay=folder),
        help=help,
        **({} if default is None else {"default": default, "show_default": True}),
    )


def rubric_option(help: str, *, dest: str = "rubric_paths", multiple: bool = True) -> Callable:
    """--rubric: a rubric YAML file, repeatable unless ``multiple`` is False."""
    return click.option("--rubric", dest, type=click.Path(exists=True, dir_okay=False), multiple=multiple, help=help)


def data_file_option(help: str, *, dest: str = "data_path", required: bool = True, dir_okay: bool = True) -> Callable:
    """--data: the conversation export a command reads beside its own input."""
    return click.option("--data", dest, required=required, type=click.Path(exists=True, dir_okay=dir_okay), help=help)


def scores_option(help: str, *, dest: str = "scores_dir", required: bool = True, file_okay: bool = False) -> Callable:
    """--scores: a `qa score` output folder (``file_okay``: or a file in it)."""
    return click.option(
        "--scores", dest, required=required, type=click.Path(exists=True, file_okay=file_okay), help=help
    )


def file_option(flag: str, dest: str, help: str, *, required: bool = False, dir_okay: bool = False) -> Callable:
    """An existing file a command reads (--risk, --grades, --disputes, --model, ...; ``dir_okay``: or a folder)."""
    return click.option(flag, dest, required=required, type=click.Path(exists=True, dir_okay=dir_okay), help=help)


def risk_option(help: str) -> Callable:
    """--risk: risk scores from `qa risk predict`."""
    return file_option("--risk", "risk_path", help)


def disputes_option(help: str) -> Callable:
    """--disputes: the dispute register of `qa dispute import/resolve`."""
    return file_option("--disputes", "disputes", help)


def no_mask_option(help: str) -> Callable:
    """--no-mask: personal data shown unmasked (masked by default)."""
    return click.option("--no-mask", is_flag=True, help=help)


def json_option(help: str) -> Callable:
    """--json: print JSON instead of tables."""
    return click.option("--json", "as_json", is_flag=True, help=help)


def agents_option(help: str) -> Callable:
    """--agent: only these agents, repeatable."""
    return click.option("--agent", "agents", multiple=True, help=help)


def seed_option(help: str, *, default: int | None = None) -> Callable:
    """--seed: a random seed numpy and scikit-learn accept (0 .. 2**32 - 1)."""
    return click.option("--seed", type=SEED, default=default, show_default=default is not None, help=help)


def folds_option(help: str) -> Callable:
    """--folds: cross-validation folds, 2 to 20."""
    return click.option("--folds", type=click.IntRange(2, 20), default=5, show_default=True, help=help)


def count_option(*decls: str, default: int, minimum: int, help: str) -> Callable:
    """A whole number of at least ``minimum``, its default shown."""
    return click.option(*decls, type=click.IntRange(min=minimum), default=default, show_default=True, help=help)


def chunk_size_option(help: str) -> Callable:
    """--chunk-size: conversations handled at a time (bounds memory)."""
    return count_option("--chunk-size", default=20000, minimum=1, help=help)


def today_option(help: str) -> Callable:
    """--today: the reference day (default: decided by the command)."""
    return click.option("--today", type=DAY, default=None, help=help)


def comma_list(value: str, choices: Sequence[str], param_hint: str) -> list[str]:
    """A comma-separated option value as a list of ``choices``; a usage error names the others."""
    chosen = [item.strip().lower() for item in value.split(",") if item.strip()]
    if not chosen or any(item not in choices for item in chosen):
        raise click.BadParameter(f"choose from {', '.join(choices)} (got {value!r})", param_hint=param_hint)
    return chosen


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
    opts, max_problems = reader_opts(read_opts)
    size = Path(path).stat().st_size if Path(path).is_file() else 0
    with progress_bar(f"reading {Path(path).name}", total=size) as advance:
        dataset = read_conversations(path, progress=advance, **opts)
    if not quiet:
        print_log(dataset.log, max_problems)
    return dataset


def reader_opts(read_opts: dict) -> tuple[dict, int]:
    """``read_opts`` of ``data_options`` as the readers take them, and how many problems to print in full."""
    opts = dict(read_opts)
    return opts, opts.pop("max_problems", 20)


def print_log(log: ProblemLog, max_problems: int) -> None:
    """The reading problems' summary on stderr (the first ``max_problems`` in full), if any."""
    if log.problems:
        click.echo(log.summary(max_full=max_problems), err=True)


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
