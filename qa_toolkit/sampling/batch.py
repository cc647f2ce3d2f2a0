"""Draw a batch: period and exclusions, candidate frame, strata, one design per cell
(agent × period unit), the seeded draw, the manifest and what could not be met."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from qa_toolkit.frames import MANIFEST, conform, empty
from qa_toolkit.problems import InputError, Problem
from qa_toolkit.sampling.design import RANDOM, build_cell, cell_rng, choose, draw, inclusion_probabilities
from qa_toolkit.sampling.ledger import earlier_ids, recorded_ids
from qa_toolkit.sampling.plan import Period, Plan
from qa_toolkit.sampling.strata import NEEDED_COLUMN, NEEDS, match
from qa_toolkit.timing import conversation_handle_seconds, start_times

#: The stratum of automatic critical fails waiting for a grader (``critical: confirm``): drawn
#: whole, beside the quota, each with inclusion probability 1.
PENDING = "pending_critical"


@dataclass
class Batch:
    """A drawn batch: the manifest (frames.MANIFEST), coverage per agent × channel,
    shortfalls, and the facts recorded in ``batch.json``."""

    manifest: pd.DataFrame
    coverage: pd.DataFrame  # agent_id, channel, eligible, picked
    shortfalls: list[dict]
    info: dict = field(default_factory=dict)


def resolve_period(plan_period, started: pd.Series, today: dt.date | None) -> tuple[dt.date, dt.date]:
    """(from, to) dates, inclusive. ``last_week`` is the last full Monday–Sunday week before
    ``today`` (default: the day after the data's last start date)."""
    if isinstance(plan_period, Period):
        return plan_period.from_, plan_period.to
    dates = started.dropna().dt.date
    if dates.empty:
        raise InputError(
            Problem(
                "<data>",
                "no conversation has a start time; cannot place them in a period",
                field="started_at",
                code="period",
            )
        )
    if plan_period == "all":
        return dates.min(), dates.max()
    ref = today or (dates.max() + dt.timedelta(days=1))
    monday = ref - dt.timedelta(days=ref.weekday())
    return monday - dt.timedelta(days=7), monday - dt.timedelta(days=1)


def fingerprint(conversations: pd.DataFrame) -> str:
    """SHA-256 of the conversation facts the draw depends on (order-independent)."""
    cols = [
        c
        for c in ("conversation_id", "agent_id", "channel", "started_at", "ended_at", "csat", "customer_tier", "tags")
        if c in conversations.columns
    ]
    view = conversations[cols].sort_values("conversation_id", kind="stable")
    if "tags" in view.columns:
        view = view.assign(
            tags=view["tags"].map(lambda t: "|".join(map(str, t)) if isinstance(t, (list, tuple, np.ndarray)) else "")
        )
    hashed = pd.util.hash_pandas_object(view, index=False).to_numpy()
    return hashlib.sha256(hashed.tobytes()).hexdigest()


def _agent_message_counts(messages: pd.DataFrame) -> pd.Series:
    agent = messages[messages["role"] == "agent"]
    return agent.groupby("conversation_id").size()


class Candidates(NamedTuple):
    """The eligible conversations with derived columns, exclusion counts, the resolved period,
    and every (agent, period unit) with conversations in the period before exclusions."""

    frame: pd.DataFrame
    counts: dict
    period: tuple[dt.date, dt.date]
    active: dict[tuple[str, str], int]


def _period_columns(conv: pd.DataFrame, unit: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Add ``period`` (e.g. 2026-W45) and ``period_start`` (tz-aware, clipped to the period)."""
    local = conv["started_at"].dt.tz_localize(None).dt.normalize()
    if unit == "agent_week":
        iso = conv["started_at"].dt.isocalendar()
        conv["period"] = iso["year"].astype(str) + "-W" + iso["week"].astype(int).astype(str).str.zfill(2)
        monday = (local - pd.to_timedelta(local.dt.day_of_week, unit="D")).dt.date
        conv["period_start"] = monday.map(lambda d: max(d, start))
    else:
        conv["period"] = f"{start.isoformat()}..{end.isoformat()}"
        conv["period_start"] = start
    conv["period_start"] = pd.to_datetime(conv["period_start"]).dt.tz_localize(conv["started_at"].dt.tz)
    return conv


def candidates(
    conversations: pd.DataFrame,
    messages: pd.DataFrame,
    plan: Plan,
    *,
    today: dt.date | None = None,
    exclude_ids: set[str] = frozenset(),
    risk: pd.DataFrame | None = None,
    scores: pd.DataFrame | None = None,
    roster: pd.DataFrame | None = None,
) -> Candidates:
    """Eligible conversations of the period with derived columns (period label/start, handle
    time, risk, critical) and the count of each exclusion. A conversation without a start time
    starts at its first message; a pending critical (``scores.critical_pending``) is never
    excluded for having few agent messages."""
    conv = conversations.copy()
    started = start_times(conv, messages)
    counts = {"start_from_messages": int((conv["started_at"].isna() & started.notna()).sum())}
    conv["started_at"] = started
    if roster is not None and "hire_date" not in conv.columns:
        conv = conv.merge(roster[["agent_id", "hire_date"]], on="agent_id", how="left")
    start, end = resolve_period(plan.period, conv["started_at"], today)
    day = conv["started_at"].dt.date
    counts["no_start_time"] = int(conv["started_at"].isna().sum())
    conv = _period_columns(
        conv[conv["started_at"].notna() & (day >= start) & (day <= end)].copy(), plan.unit, start, end
    )
    counts["in_period"] = len(conv)
    active = {(str(a), str(p)): int(n) for (a, p), n in conv.groupby(["agent_id", "period"]).size().items()}
    n_agent = conv["conversation_id"].map(_agent_message_counts(messages)).fillna(0).astype(int)
    pending = conv["conversation_id"].isin(pending_ids(scores))
    rules = [
        ("ledger", conv["conversation_id"].isin(set(exclude_ids))),
        ("bot_only", pd.Series(plan.exclude.bot_only, index=conv.index) & (n_agent == 0) & ~pending),
        ("few_agent_messages", (n_agent < plan.exclude.min_agent_messages) & ~pending),
    ]
    keep = pd.Series(True, index=conv.index)
    for name, hit in rules:
        counts[f"excluded_{name}"] = int((keep & hit).sum())
        keep &= ~hit
    conv = conv[keep].copy()
    counts["eligible"] = len(conv)
    conv["handle_s"] = pd.array(conversation_handle_seconds(conv, messages), dtype="Float64")
    if risk is not None:
        conv = conv.merge(risk[["conversation_id", "risk_score"]], on="conversation_id", how="left")
    if scores is not None:
        keep_cols = [
            c
            for c in ("conversation_id", "critical_failed", "critical_criteria", "critical_pending")
            if c in scores.columns
        ]
        conv = conv.merge(scores[keep_cols], on="conversation_id", how="left")
    frame = conv.sort_values("conversation_id", kind="stable").reset_index(drop=True)
    return Candidates(frame, counts, (start, end), active)


def pending_ids(scores: pd.DataFrame | None) -> set[str]:
    """Conversations whose automatic critical fail waits for a grader (none without scores)."""
    if scores is None or "critical_pending" not in scores.columns:
        return set()
    return set(scores.loc[scores["critical_pending"].fillna("").ne("").to_numpy(dtype=bool), "conversation_id"])


def check_plan_inputs(plan: Plan, columns) -> list[Problem]:
    """Problems for strata (or backups) whose inputs are missing, before anything is drawn."""
    problems = []
    for i, stratum in enumerate(plan.strata):
        for spec in (stratum, stratum.backup):
            if spec is not None and spec.kind in NEEDED_COLUMN and NEEDED_COLUMN[spec.kind] not in columns:
                problems.append(
                    Problem(
                        "<plan>", f"stratum '{spec.kind}' needs {NEEDS[spec.kind]}", field=f"strata.{i}", code="plan"
                    )
                )
    return problems


def assign_groups(cand: pd.DataFrame, plan: Plan) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """(group, reason, backup_of, backup_reason) per candidate: the first stratum it matches,
    and — when it matches none — the first stratum whose backup it matches. Filled as arrays:
    masked assignment into Series cost a fifth of a small draw."""
    n = len(cand)
    group, reason, backup_of, backup_reason = (np.full(n, None, dtype=object) for _ in range(4))
    grouped, backed = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    for stratum in plan.strata:
        mask, why = match(cand, stratum)
        new = mask.to_numpy(dtype=bool) & ~grouped
        group[new], reason[new], grouped[new] = stratum.kind, why.to_numpy(dtype=object)[new], True
    for stratum in plan.strata:
        if stratum.backup is not None:
            mask, why = match(cand, stratum.backup)
            new = mask.to_numpy(dtype=bool) & ~grouped & ~backed
            backup_of[new], backup_reason[new], backed[new] = stratum.kind, why.to_numpy(dtype=object)[new], True
    return tuple(pd.Series(a, index=cand.index, dtype=object) for a in (group, reason, backup_of, backup_reason))


def draw_batch(
    conversations: pd.DataFrame,
    messages: pd.DataFrame,
    plan: Plan,
    *,
    seed: int | None = None,
    today: dt.date | None = None,
    exclude_ids: set[str] = frozenset(),
    risk: pd.DataFrame | None = None,
    scores: pd.DataFrame | None = None,
    roster: pd.DataFrame | None = None,
    batch_id: str | None = None,
    ledger: pd.DataFrame | None = None,
) -> Batch:
    """Draw a seeded batch by ``plan``. Same data + plan + seed → the same manifest, whatever
    the input order. ``ledger`` (``sampling.ledger``): the conversations of its other batches
    are not drawn again, so a rerun of a batch it already holds gives that batch again
    (``info["rerun"]``). Pending criticals (``scores.critical_pending``) are all drawn, beside
    the quota (stratum ``pending_critical``, inclusion probability 1). Raises InputError when a
    stratum's input is missing or the ledger holds ``batch_id`` with other conversations."""
    seed = seed if seed is not None else (plan.seed if plan.seed is not None else secrets.randbelow(2**31))
    if batch_id is None:
        start, end = resolve_period(plan.period, start_times(conversations, messages), today)
        batch_id = f"{start.isoformat()}_{end.isoformat()}_s{seed}"
    exclude = set(exclude_ids) | (earlier_ids(ledger, batch_id) if ledger is not None else set())
    cand, counts, (start, end), active = candidates(
        conversations, messages, plan, today=today, exclude_ids=exclude, risk=risk, scores=scores, roster=roster
    )
    problems = check_plan_inputs(plan, cand.columns)
    if problems:
        raise InputError(problems)
    group, reason, backup_of, backup_reason = assign_groups(cand, plan)
    chan_key = (
        cand["channel"].fillna("(none)").astype(str) if plan.coverage.channels else pd.Series("*", index=cand.index)
    ).to_numpy(dtype=object)
    targets = [(s.kind, s.target(plan.quota)) for s in plan.strata]
    group_arr, backup_arr = group.to_numpy(dtype=object), backup_of.to_numpy(dtype=object)
    ids, channels = cand["conversation_id"].to_numpy(dtype=object), cand["channel"].to_numpy(dtype=object)
    pending = cand["conversation_id"].isin(pending_ids(scores)).to_numpy(dtype=bool)

    rows = [
        {
            "batch_id": batch_id,
            "conversation_id": ids[i],
            "agent_id": cand["agent_id"].iat[i],
            "channel": channels[i],
            "period": cand["period"].iat[i],
            "stratum": PENDING,
            "reason": f"critical pending confirmation: {cand['critical_pending'].iat[i]}",
            "inclusion_prob": 1.0,
            "seed": seed,
        }
        for i in np.flatnonzero(pending)
    ]
    shortfalls = []
    rest = np.flatnonzero(~pending)
    for (agent, period), idx in cand.iloc[rest].groupby(["agent_id", "period"], sort=True).indices.items():
        idx = rest[np.sort(idx)]
        cell = build_cell(
            str(agent),
            str(period),
            plan.quota,
            chan_key[idx].tolist(),
            group_arr[idx].tolist(),
            backup_arr[idx].tolist(),
            targets,
        )
        pi = inclusion_probabilities(cell)
        counts["zero_by_design"] = counts.get("zero_by_design", 0) + int((pi <= 0).sum())
        rng = cell_rng(seed, str(agent), str(period))
        design = choose(cell, rng)
        shortfalls.extend(cell.shortfalls + (design.shortfalls if design is not cell else []))
        for pos, step in draw(design, rng):
            i = idx[pos]
            if step.stratum == RANDOM:
                why = f"random draw from the rest ({step.channel})" if plan.coverage.channels else "random draw"
            elif step.backup:
                why = f"backup for {step.stratum}: {backup_reason.iat[i]}"
            else:
                why = str(reason.iat[i])
            rows.append(
                {
                    "batch_id": batch_id,
                    "conversation_id": ids[i],
                    "agent_id": agent,
                    "channel": channels[i],
                    "period": period,
                    "stratum": step.stratum,
                    "reason": why,
                    "inclusion_prob": float(pi[pos]),
                    "seed": seed,
                }
            )
    drawn = set(cand.iloc[rest].groupby(["agent_id", "period"]).groups) if len(rest) else set()
    n_pending = cand[pending].groupby(["agent_id", "period"]).size() if pending.any() else pd.Series(dtype=int)
    for agent, period in sorted(set(active) - {(str(a), str(p)) for a, p in drawn}):
        beside = int(n_pending.get((agent, period), 0))
        shortfalls.append(
            {
                "agent_id": agent,
                "period": period,
                "kind": "quota",
                "stratum": "",
                "wanted": plan.quota,
                "got": 0,
                "message": f"no eligible conversation: all {active[(agent, period)]} "
                "in the period were excluded"
                + (f" or are pending criticals ({beside}, drawn beside the quota)" if beside else ""),
            }
        )
    manifest = conform(pd.DataFrame(rows), MANIFEST) if rows else empty(MANIFEST)
    manifest = manifest.sort_values(["agent_id", "period", "conversation_id"], kind="stable").reset_index(drop=True)
    before = recorded_ids(ledger, batch_id) if ledger is not None else set()
    if before and before != set(manifest["conversation_id"]):
        raise InputError(
            Problem(
                "<ledger>",
                f"batch {batch_id} is already in the ledger with {len(before)} other "
                "conversation(s): give this batch another --batch-id (or seed)",
                field="batch_id",
                code="ledger",
            )
        )
    cand["picked"] = cand["conversation_id"].isin(set(manifest["conversation_id"]))
    coverage = (
        cand.groupby(["agent_id", "channel"], dropna=False)
        .agg(eligible=("conversation_id", "size"), picked=("picked", "sum"))
        .reset_index()
    )
    counts.setdefault("zero_by_design", 0)
    zero = counts["in_period"] - counts["eligible"] + counts["zero_by_design"]
    info = {
        "batch_id": batch_id,
        "seed": seed,
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "unit": plan.unit,
        "quota": plan.quota,
        "plan": plan.model_dump(mode="json", by_alias=True),
        "data_fingerprint": fingerprint(conversations),
        "counts": {
            **counts,
            "picked": len(manifest),
            "pending_critical": int(pending.sum()),
            "zero_probability": zero,
            "agents": int(cand["agent_id"].nunique()),
            "cells": int(cand.groupby(["agent_id", "period"]).ngroups),
        },
        "zero_probability_share": round(zero / counts["in_period"], 4) if counts["in_period"] else 0.0,
        "picked_by_stratum": {k: int(v) for k, v in manifest["stratum"].value_counts().sort_index().items()},
        "shortfalls": shortfalls,
        "rerun": bool(before),
    }
    return Batch(manifest, coverage, shortfalls, info)
