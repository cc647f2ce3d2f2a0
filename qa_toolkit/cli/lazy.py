"""A click group that imports a command's module only when that command runs, so
`qa --help` and `qa rubric lint` in a pre-commit hook start without loading pandas.

That import (pandas, pyarrow, pydantic's models: ~160,000 objects the cycle collector tracks,
next to none of them garbage) runs with the collector paused, and what it made is frozen out of
the collector's scans (``collector.frozen_heap``) before the collector runs again, until the
command's context closes: otherwise the collector walks the growing heap again and again while
importing, and once more in its first collection after — ~0.08 CPU s of every command."""

from __future__ import annotations

import importlib
from collections.abc import Mapping

import click

from qa_toolkit import collector

#: A help section's commands: name -> ("module:attribute", "one-line help"), in the order listed.
Section = Mapping[str, tuple[str, str]]


class LazyGroup(click.Group):
    """``lazy`` maps each help section's title to its commands (``Section``); help shows the
    sections in order, so a group can list its commands the way they are used."""

    def __init__(self, *args, lazy: Mapping[str, Section] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.sections = {title: dict(commands) for title, commands in (lazy or {}).items()}
        self.lazy = {name: entry for commands in self.sections.values() for name, entry in commands.items()}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy:
            target, _ = self.lazy[name]
            module, attr = target.split(":")
            with collector.paused():
                command = getattr(importlib.import_module(module), attr)
                ctx.with_resource(collector.frozen_heap())
            return command
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        for title, commands in self.sections.items():
            with formatter.section(title):
                formatter.write_dl([(name, help_text) for name, (_, help_text) in commands.items()])
        eager = [(name, super().get_command(ctx, name)) for name in super().list_commands(ctx)]
        rows = [(name, cmd.get_short_help_str()) for name, cmd in eager if cmd is not None and not cmd.hidden]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
