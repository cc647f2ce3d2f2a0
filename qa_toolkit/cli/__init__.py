"""The `qa` command line: a thin layer that parses options, calls the library and prints.

Exit codes, one rule for every command (``cli.common.exit_code``): 0 clean, 1 records skipped,
input problems or findings, 2 usage or input error (--strict: any input problem).
"""

from __future__ import annotations

import os
import sys

import click

from qa_toolkit import __version__
from qa_toolkit.cli.lazy import LazyGroup, Section
from qa_toolkit.problems import InputError

#: The commands in the order of a QA team's work, by when it runs them (``qa --help`` shows these sections).
SECTIONS: dict[str, Section] = {
    "Every week": {
        "score": ("qa_toolkit.cli.score:score", "Score conversations against a rubric (results + scores)."),
        "sample": ("qa_toolkit.cli.sample:sample", "Draw a seeded, auditable QA sample batch."),
        "grade": ("qa_toolkit.cli.grade:grade", "Export a grading workbook; import graders' workbooks."),
        "dispute": ("qa_toolkit.cli.dispute:dispute", "Agents dispute lost points (申诉); leads decide."),
        "report": ("qa_toolkit.cli.report:report", "Per-agent and team reports (Excel, HTML)."),
    },
    "Set up and improve": {
        "data": ("qa_toolkit.cli.data:data", "Inspect a conversation export; generate synthetic data."),
        "rubric": ("qa_toolkit.cli.rubric:rubric", "Lint, test, document and compare YAML rubrics."),
        "calibrate": (
            "qa_toolkit.cli.calibrate:calibrate",
            "Agreement between graders, and between rules and graders.",
        ),
        "criterion": (
            "qa_toolkit.cli.criterion:criterion",
            "Learn criteria from the team's own grades (type: learned).",
        ),
        "risk": ("qa_toolkit.cli.risk:risk", "Train, evaluate and apply the complaint/escalation risk model."),
    },
    "All at once": {
        "run": ("qa_toolkit.cli.run:run", "Run the whole pipeline from a YAML config."),
        "demo": ("qa_toolkit.cli.run:demo", "Run the whole pipeline on the bundled sample data."),
    },
}


class QAGroup(LazyGroup):
    """Root group: turns InputError (bad input, with locations) and file-system errors (an
    output folder that cannot be created or written) into a message and exit 2. (What loading a
    command made is frozen out of the cycle collector's scans by ``LazyGroup``.)"""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except InputError as err:
            for problem in err.problems:
                click.echo(f"qa: {problem}", err=True)
            ctx.exit(2)
        except OSError as err:
            where = f": {err.filename}" if err.filename else ""
            click.echo(f"qa: {err.strerror or err}{where}", err=True)
            ctx.exit(2)


@click.group(cls=QAGroup, lazy=SECTIONS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="qa")
def main() -> None:
    """qa-toolkit: quality inspection (质检) and agent scoring for customer service.

    Typical week: `qa data inspect` an export, `qa score` it, `qa sample` a batch,
    `qa grade export/import` the human review, `qa dispute` agents' objections,
    `qa report` for supervisors.
    `qa demo` runs everything on the bundled sample data.
    """


def launch() -> None:
    """The `qa` executable: ``main``, then a fast exit (as mypy's): a finished command's outputs are
    written (atomically) and closed, so freeing every object it made (~0.2 CPU s of an everyday
    command) is skipped; stdout and stderr are flushed first. Under a profiler, a tracer or a
    coverage monitor the exit is the ordinary one, so their reports are written at exit. Tests
    call ``main`` (CliRunner)."""
    try:
        main()
    except SystemExit as done:
        code = done.code
    else:  # pragma: no cover - click's standalone mode always exits
        code = 0
    if isinstance(code, str):  # as Python's own exit would: the text to stderr, exit 1
        print(code, file=sys.stderr)
    status = code if isinstance(code, int) else int(code is not None)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (qa ... | head): nothing more to say
            pass
    if _watched():
        sys.exit(status)
    os._exit(status)


def _watched() -> bool:
    """Whether a profiler, tracer or monitoring tool (cProfile, a debugger, coverage) is attached."""
    monitoring = getattr(sys, "monitoring", None)  # Python 3.12+
    tools = [monitoring.get_tool(i) for i in range(6)] if monitoring else []
    return sys.getprofile() is not None or sys.gettrace() is not None or any(t is not None for t in tools)


if __name__ == "__main__":  # pragma: no cover
    launch()
