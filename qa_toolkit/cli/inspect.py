"""`qa data inspect`: counts, ranges and every problem in an export (table or --json)."""

from __future__ import annotations

import json

import click

from qa_toolkit.cli.common import data_options, finish, json_option, load_dataset
from qa_toolkit.io.inspect import summarize


@click.command("inspect")
@click.argument("path", type=click.Path(dir_okay=False))
@json_option("Print the summary as JSON (every problem included).")
@data_options
def inspect_cmd(path: str, as_json: bool, read_opts: dict) -> None:
    """Count conversations, messages, agents, channels, dates, roles, CSAT and tags in PATH and
    list every problem found. Exit 0 clean, 1 problems found, 2 unusable input or --strict."""
    dataset = load_dataset(path, read_opts, quiet=True)
    summary = summarize(dataset)
    if as_json:
        click.echo(json.dumps({"path": path, **summary}, ensure_ascii=False, indent=2))
    else:
        _print_tables(path, summary, read_opts.get("max_problems", 20))
    finish(dataset.log)


def _short(iso: str | None) -> str:
    return "-" if iso is None else f"{iso[:16].replace('T', ' ')} ({iso[19:] or 'UTC'})"


def _print_tables(path: str, s: dict, max_problems: int) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, soft_wrap=True)
    overview = Table(title=f"qa data inspect: {path}", show_header=False)
    rows = [
        ("conversations", s["conversations"]),
        ("messages", s["messages"]),
        ("agents", s["agents"]),
        ("customers", s["customers"]),
        ("date range", " .. ".join(_short(s["date_range"][k]) for k in ("first", "last"))),
        ("conversations without timestamps", s["conversations_without_timestamps"]),
        ("messages without timestamps", s["messages_without_timestamps"]),
    ]
    for name, value in rows:
        overview.add_row(name, str(value))
    for title, key in (
        ("channels", "channels"),
        ("teams", "teams"),
        ("messages per role", "messages_per_role"),
        ("CSAT", "csat"),
        ("top tags", "top_tags"),
    ):
        if key in s:
            overview.add_row(title, ", ".join(f"{k}: {v}" for k, v in s[key].items()) or "-")
    console.print(overview)
    problems = s["problems"]
    console.print(
        f"records read: {problems['records_read']}, skipped: {problems['records_skipped']}, "
        f"problems: {problems['total']} ({problems['errors']} errors, {problems['warnings']} warnings)",
        markup=False,
    )
    for item in problems["items"][:max_problems]:
        where = item["file"] + (f":{item['line']}" if item["line"] is not None else "")
        field = f" field '{item['field']}':" if item["field"] else ""
        console.print(f"  {where}: {item['level']}:{field} {item['message']} [{item['code']}]", markup=False)
    if problems["total"] > max_problems:
        console.print(f"  ... and {problems['total'] - max_problems} more", markup=False)
    if problems["by_code"]:
        console.print(
            "problems by kind: " + ", ".join(f"{k}={v}" for k, v in problems["by_code"].items()), markup=False
        )
