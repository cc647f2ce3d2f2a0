"""A click group that imports a command's module only when that command runs, so
`qa --help` and `qa rubric lint` in a pre-commit hook start without loading pandas.

That import (pandas, pyarrow, pydantic's models: ~160,000 objects the cycle collector tracks,
next to none of them garbage) runs with the collector paused, and what it made is frozen out of
the collector's scans (``collector.frozen_heap``) before the collector runs again, until the
command's context closes: otherwise the collector walks the growing heap again and again while
importing, and once more in its first collection after — ~0.08 CPU s of every command."""

from __future__ import annotations

import importlib

import click

from qa_toolkit import collector


class LazyGroup(click.Group):
    """``lazy`` maps a command name to ``("module:attribute", "one-line help")``."""

    def __init__(self, *args, lazy: dict[str, tuple[str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

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
        rows = []
        for name in self.list_commands(ctx):
            if name in self.lazy:
                rows.append((name, self.lazy[name][1]))
            else:
                cmd = super().get_command(ctx, name)
                if cmd is not None and not cmd.hidden:
                    rows.append((name, cmd.get_short_help_str()))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
