"""`qa data`: look at an export before using it; make synthetic data."""

from __future__ import annotations

import click

from qa_toolkit.cli.lazy import LazyGroup


@click.group(
    cls=LazyGroup,
    lazy={
        "Commands": {
            "inspect": ("qa_toolkit.cli.inspect:inspect_cmd", "Counts, ranges and every problem in an export."),
            "synth": ("qa_toolkit.cli.synth:synth_cmd", "Generate realistic synthetic conversations (seeded)."),
        }
    },
)
def data() -> None:
    """Inspect conversation exports; generate synthetic data."""
