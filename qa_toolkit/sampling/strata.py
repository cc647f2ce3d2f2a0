"""Stratum filters: for each kind, which candidate conversations match and why (in words).

Each filter takes the candidate frame built by ``candidates`` (conversations plus derived
columns ``handle_s``, ``period_start``, and ``risk_score`` / ``critical_failed`` when those
frames were given) and returns a boolean mask and a reason per row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from qa_toolkit.sampling.plan import Filter


def _tags_hit(tags, wanted: set[str]) -> str | None:
    if not isinstance(tags, (list, tuple, np.ndarray)):
        return None
    for tag in tags:
        if str(tag).strip().lower() in wanted:
            return str(tag)
    return None


def _complaint(c: pd.DataFrame, f: Filter, ctx: dict) -> tuple[pd.Series, pd.Series]:
    wanted = {t.lower() for t in f.tags}
    hit = c["tags"].map(lambda t: _tags_hit(t, wanted))
    reason = hit.map(lambda t: f"tag '{t}'" if isinstance(t, str) else None)
    if f.include_escalated and "escalated" in c.columns:
        esc = c["escalated"].astype("boolean").fillna(False).astype(bool)
        reason = reason.where(reason.notna() | ~esc, "escalated")
    mask = reason.notna()
    return mask, reason


def _low_csat(c, f, ctx):
    csat = c["csat"].astype("Float64")
    mask = (csat <= f.csat_max).fillna(False).astype(bool)
    return mask, csat.map(lambda v: f"CSAT {int(v)} ≤ {f.csat_max}" if pd.notna(v) else None)


def _vip(c, f, ctx):
    tiers = {t.lower() for t in f.tiers}
    tier = c["customer_tier"].astype("string").str.strip().str.lower()
    mask = tier.isin(tiers).fillna(False).astype(bool)
    return mask, c["customer_tier"].map(lambda v: f"customer tier '{v}'")


def _new_hire(c, f, ctx):
    if "hire_date" not in c.columns:
        raise KeyError("new_hire needs a roster (hire_date)")
    hired = pd.to_datetime(c["hire_date"], errors="coerce", utc=True)
    start = pd.to_datetime(c["period_start"], utc=True)
    mask = (hired >= start - pd.Timedelta(days=f.days)).fillna(False).astype(bool)
    reason = hired.map(lambda d: f"agent hired {d.date()} (≤ {f.days} days before the period)" if pd.notna(d) else None)
    return mask, reason


def _long_handle(c, f, ctx):
    handle = c["handle_s"].astype("Float64")
    known = handle.dropna()
    if known.empty:
        return pd.Series(False, index=c.index), pd.Series(None, index=c.index, dtype=object)
    limit = float(np.percentile(known.to_numpy(dtype=float), f.percentile))
    mask = (handle > limit).fillna(False).astype(bool)
    return mask, handle.map(lambda v: f"handle {v:.0f} s > p{f.percentile:g} {limit:.0f} s" if pd.notna(v) else None)


def _high_risk(c, f, ctx):
    if "risk_score" not in c.columns:
        raise KeyError("high_risk needs a risk frame (risk_score)")
    score = c["risk_score"].astype("Float64")
    mask = (score >= f.threshold).fillna(False).astype(bool)
    return mask, score.map(lambda v: f"risk {v:.2f} ≥ {f.threshold:g}" if pd.notna(v) else None)


def _critical(c, f, ctx):
    if "critical_failed" not in c.columns:
        raise KeyError("critical needs a scores frame (critical_failed)")
    mask = c["critical_failed"].astype("boolean").fillna(False).astype(bool)
    crit = c.get("critical_criteria", pd.Series("", index=c.index)).fillna("")
    return mask, crit.map(lambda v: f"critical failure {v}".strip())


FILTERS = {
    "complaint": _complaint,
    "low_csat": _low_csat,
    "vip": _vip,
    "new_hire": _new_hire,
    "long_handle": _long_handle,
    "high_risk": _high_risk,
    "critical": _critical,
}

#: What each stratum needs beyond the conversations frame (for clear errors up front).
NEEDS = {"new_hire": "a roster (--roster)", "high_risk": "a risk frame (--risk)", "critical": "a scores frame (--scores)"}
NEEDED_COLUMN = {"new_hire": "hire_date", "high_risk": "risk_score", "critical": "critical_failed"}


def match(candidates: pd.DataFrame, spec: Filter) -> tuple[pd.Series, pd.Series]:
    """Mask and reason of ``spec`` over the candidate frame."""
    mask, reason = FILTERS[spec.kind](candidates, spec, {})
    return mask.reindex(candidates.index, fill_value=False), reason.reindex(candidates.index)
