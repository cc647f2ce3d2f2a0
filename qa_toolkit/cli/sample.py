"""`qa sample`: draw a seeded, auditable QA sample batch (manifest.csv + batch.json)."""

from __future__ import annotations

import datetime as dt
import sys

import click

from qa_toolkit.cli.common import (
    allow_mismatch_option,
    data_options,
    fail,
    file_option,
    finish,
    load_dataset,
    open_scores,
    output_option,
    print_problems,
    risk_option,
    scores_option,
    seed_option,
    today_option,
)
from qa_toolkit.sampling import append_ledger, draw_batch, read_ledger, write_batch
from qa_toolkit.sampling.plan import build_plan
from qa_toolkit.scoring import read_risk


@click.command()
@click.argument("data", type=click.Path(exists=True))
@file_option("--plan", "plan_path", "Sampling plan YAML (see sample_data/plan.yaml). Options below override it.")
@output_option("Batch folder: manifest.csv and batch.json.", dest="outdir", folder=True)
@click.option("--quota", type=click.IntRange(min=1), default=None, help="Conversations per agent per unit (default 5).")
@click.option("--period", default=None, help="all | last_week | FROM..TO (e.g. 2026-11-01..2026-11-30).")
@click.option(
    "--unit",
    type=click.Choice(["agent_week", "agent_period"]),
    default=None,
    help="Quota per agent per ISO week, or per agent over the whole period.",
)
@click.option(
    "--strata",
    default=None,
    help="Targeted strata in priority order: complaint,low_csat,vip,new_hire,long_handle,high_risk,critical "
    "(kind:N = a count, kind:0.2 = a share of the quota; default count 1).",
)
@seed_option("Random seed (default: the plan's, else a fresh one, recorded).")
@today_option("Reference day for last_week (default: the day after the data's last date).")
@click.option(
    "--ledger",
    type=click.Path(dir_okay=False),
    default=None,
    help="Ledger CSV of earlier batches: excluded, then appended to.",
)
@click.option("--no-ledger-update", is_flag=True, help="Read the ledger but do not append this batch.")
@click.option(
    "--min-agent-messages",
    type=click.IntRange(min=0),
    default=None,
    help="Skip conversations with fewer agent messages (default 1).",
)
@risk_option("Risk scores (from `qa risk predict`) for the high_risk stratum.")
@scores_option(
    "The `qa score` output folder of DATA (either layout; or a file in it): for the critical "
    "stratum, and every critical fail pending confirmation is drawn (stratum pending_critical).",
    dest="scores_path",
    required=False,
    file_okay=True,
)
@allow_mismatch_option
@click.option("--batch-id", default=None, help="Batch id (default: FROM_TO_sSEED).")
@data_options
def sample(
    data: str,
    plan_path: str | None,
    outdir: str,
    today: dt.date | None,
    no_ledger_update: bool,
    risk_path: str | None,
    scores_path: str | None,
    allow_mismatch: bool,
    batch_id: str | None,
    read_opts: dict,
    **plan_options,  # --quota, --period, --unit, --strata, --seed, --ledger, --min-agent-messages
) -> None:
    """Draw a QA sample from DATA: a quota per agent (and week), every channel covered, targeted
    strata first, the rest random; seeded and replayable; conversations in the ledger skipped.

    Example: qa sample sample_data/conversations.jsonl --plan sample_data/plan.yaml --roster sample_data/roster.csv -o batch/
    """
    plan, problems = build_plan(plan_path, **plan_options)
    if plan is None:
        print_problems(problems)
        fail("the sampling plan has errors")
    scores = open_scores(scores_path, data, allow_mismatch).scores() if scores_path else None
    dataset = load_dataset(data, read_opts)
    batch = draw_batch(
        dataset.conversations,
        dataset.messages,
        plan,
        seed=plan.seed,
        today=today,
        ledger=read_ledger(plan.exclude.ledger) if plan.exclude.ledger else None,
        risk=read_risk(risk_path) if risk_path else None,
        scores=scores,
        roster=dataset.roster,
        batch_id=batch_id,
    )
    path = write_batch(batch, outdir)
    _print_coverage(batch)
    counts = batch.info["counts"]
    if counts["zero_probability"]:
        design = counts["zero_by_design"]
        click.echo(
            f"qa: warning: {counts['zero_probability']} of {counts['in_period']} conversation(s) in the period "
            f"({batch.info['zero_probability_share']:.0%}) have inclusion probability 0: "
            f"{counts['zero_probability'] - design} excluded (see above), {design} that this plan can never "
            "draw (targeted strata take their channel's whole share of the quota, leaving no random draw "
            "there); the sample and any weighted estimate say nothing about them",
            err=True,
        )
    if batch.info["rerun"]:
        click.echo(
            f"ledger {plan.exclude.ledger}: batch {batch.info['batch_id']} is already there with the same "
            "conversations (a rerun): nothing appended",
            err=True,
        )
    elif plan.exclude.ledger and not no_ledger_update:
        added = append_ledger(plan.exclude.ledger, batch.manifest)
        click.echo(f"ledger {plan.exclude.ledger}: +{added} conversation(s)", err=True)
    click.echo(
        f"batch {batch.info['batch_id']} (seed {batch.info['seed']}): {counts['picked']} conversation(s) "
        f"from {counts['eligible']} eligible, {counts['agents']} agent(s); wrote {path}",
        err=True,
    )
    if not counts["picked"]:
        click.echo(
            f"qa: nothing sampled: {counts['in_period']} conversation(s) in the period, {counts['eligible']} eligible",
            err=True,
        )
    finish(dataset.log, findings=not counts["picked"])


def _print_coverage(batch) -> None:
    """Agent × channel table (picked/eligible) and every shortfall."""
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 200)
    cov = batch.coverage
    channels = sorted(cov["channel"].dropna().astype(str).unique())
    table = Table(title=f"coverage: picked / eligible ({batch.info['period']['from']} .. {batch.info['period']['to']})")
    table.add_column("agent")
    for ch in channels:
        table.add_column(ch, justify="right")
    table.add_column("total", justify="right")
    short_agents = {s["agent_id"] for s in batch.shortfalls if s["kind"] in ("quota", "channel")}
    for agent, part in cov.groupby("agent_id", sort=True):
        cells = {str(r.channel): f"{int(r.picked)}/{int(r.eligible)}" for r in part.itertuples()}
        mark = " *" if agent in short_agents else ""
        table.add_row(
            f"{agent}{mark}",
            *[cells.get(ch, "-") for ch in channels],
            f"{int(part['picked'].sum())}/{int(part['eligible'].sum())}",
        )
    console.print(table)
    c = batch.info["counts"]
    console.print(
        f"in period: {c['in_period']}; excluded: ledger {c['excluded_ledger']}, bot-only "
        f"{c['excluded_bot_only']}, too few agent messages {c['excluded_few_agent_messages']}; "
        f"eligible: {c['eligible']}"
        + (f"; {c['no_start_time']} without a start time (cannot be placed in a period)" if c["no_start_time"] else "")
        + (
            f"; {c['start_from_messages']} start time(s) taken from the first message"
            if c["start_from_messages"]
            else ""
        ),
        markup=False,
    )
    strata = batch.info["picked_by_stratum"]
    console.print("picked by stratum: " + (", ".join(f"{k}={v}" for k, v in strata.items()) or "-"), markup=False)
    by_stratum: dict[str, int] = {}
    for s in batch.shortfalls:
        if s["kind"] == "stratum":
            by_stratum[s["stratum"]] = by_stratum.get(s["stratum"], 0) + 1
        else:
            console.print(f"shortfall: {s['agent_id']} {s['period']}: {s['message']}", markup=False)
    if by_stratum:
        cells = batch.info["counts"]["cells"]
        console.print(
            "strata short of their target (quota passed on; details in batch.json): "
            + ", ".join(f"{k} in {v}/{cells} cells" for k, v in by_stratum.items()),
            markup=False,
        )
