"""`qa data synth`: write seeded synthetic conversations, roster and long tables."""

from __future__ import annotations

import datetime as dt
import time

import click

from qa_toolkit.cli.common import DAY, comma_list, count_option, fail, output_option, progress_bar, seed_option
from qa_toolkit.io.validate import LAST_TIME
from qa_toolkit.synth import iter_records, make_agents
from qa_toolkit.synth.writers import FORMATS, write_synth


@click.command("synth")
@count_option("-n", "--conversations", "n", default=3000, minimum=0, help="Number of conversations.")
@seed_option("Random seed: same seed, same bytes.", default=7)
@output_option("Output folder (created if missing).", dest="out_dir", folder=True, flag="--out")
@click.option(
    "--formats",
    default="jsonl,csv",
    show_default=True,
    help="Comma-separated: jsonl, csv (GB18030 long table), parquet.",
)
@click.option("--start", type=DAY, default="2026-09-07", show_default=True, help="First day (YYYY-MM-DD).")
@count_option("--weeks", default=8, minimum=1, help="Length of the period.")
@count_option("--agents", "n_agents", default=30, minimum=3, help="Number of agents (three teams).")
def synth_cmd(n: int, seed: int, out_dir: str, formats: str, start: dt.date, weeks: int, n_agents: int) -> None:
    """Generate realistic e-commerce customer-service conversations (mostly Chinese), seeded.

    Writes conversations.jsonl, conversations_gb18030.csv, roster.csv (and
    conversations.parquet) into OUT. Example: qa data synth -n 3000 --seed 7 -o sample_data
    """
    chosen = comma_list(formats, FORMATS, "--formats")
    if weeks > (LAST_TIME.date() - start).days // 7:
        raise click.BadParameter(
            f"{weeks} weeks from {start} run past the last supported day, {LAST_TIME:%Y-%m-%d}", param_hint="--weeks"
        )
    began = time.perf_counter()
    try:
        with progress_bar("generating", total=n) as advance:
            paths = write_synth(
                out_dir,
                iter_records(n, seed, start.isoformat(), weeks, n_agents),
                make_agents(n_agents, seed, start),
                chosen,
                progress=advance,
            )
    except OSError as err:
        fail(f"cannot write to {out_dir}: {err.strerror or err}")
    seconds = time.perf_counter() - began
    for path in paths.values():
        click.echo(str(path))
    rate = f", {n / seconds:,.0f} conversations/s" if seconds > 0 and n else ""
    click.echo(f"{n} conversations, {n_agents} agents, seed {seed} in {seconds:.1f} s{rate}", err=True)
