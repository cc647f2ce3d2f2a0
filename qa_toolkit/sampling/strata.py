"""Stratum filters: for each kind, which candidate conversations match and why (in words).

Each filter takes the candidate frame built by ``candidates`` (conversations plus derived
columns ``handle_s``, ``period_start``, and ``hire_date`` / ``risk_score`` /
``critical_failed`` when a roster, risk or scores frame was given — ``check_plan_inputs``
makes sure they are) and returns a boolean mask and a reason for each matching row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from qa_toolkit.io.validate import as_bool
from qa_toolkit.sampling.plan import Filter
from qa_toolkit.tags import first_tag


def _why(mask: pd.Series, values: pd.Series, fmt) -> pd.Series:
    """Reason text for the matching rows only (formatting every row would be slow)."""
    out = pd.Series(None, index=mask.index, dtype=object)
    out[mask] = [fmt(v) for v in values[mask]]
    return out


def _complaint(c: pd.DataFrame, f: Filter) -> tuple[pd.Series, pd.Series]:
    hit = c["tags"].map(lambda t: first_tag(t, f.tags))
    mask = hit.notna()
    reason = _why(mask, hit, lambda t: f"tag '{t}'")
    if f.include_escalated and "escalated" in c.columns:
        esc = c["escalated"].map(lambda v: as_bool(v) is True).astype(bool) & ~mask
        reason[esc] = "escalated"
        mask = mask | esc
    return mask, reason


def _low_csat(c, f):
    csat = c["csat"].astype("Float64")
    mask = (csat <= f.csat_max).fillna(False).astype(bool)
    return mask, _why(mask, csat, lambda v: f"CSAT {int(v)} ≤ {f.csat_max}")


def _vip(c, f):
    tiers = {t.lower() for t in f.tiers}
    tier = c["customer_tier"].astype("string").str.strip().str.lower()
    mask = tier.isin(tiers).fillna(False).astype(bool)
    return mask, _why(mask, c["customer_tier"], lambda v: f"customer tier '{v}'")


def _new_hire(c, f):
    hired = pd.to_datetime(c["hire_date"], errors="coerce", utc=True)
    start = pd.to_datetime(c["period_start"], utc=True)
    mask = (hired >= start - pd.Timedelta(days=f.days)).fillna(False).astype(bool)
    return mask, _why(mask, hired, lambda d: f"agent hired {d.date()} (≤ {f.days} days before the period)")


def _long_handle(c, f):
    handle = c["handle_s"].astype("Float64")
    known = handle.dropna()
    if known.empty:
        return pd.Series(False, index=c.index), pd.Series(None, index=c.index, dtype=object)
    limit = float(np.percentile(known.to_numpy(dtype=float), f.percentile))
    mask = (handle > limit).fillna(False).astype(bool)
    return mask, _why(mask, handle, lambda v: f"handle {v:.0f} s > p{f.percentile:g} {limit:.0f} s")


def _high_risk(c, f):
    score = c["risk_score"].astype("Float64")
    mask = (score >= f.threshold).fillna(False).astype(bool)
    return mask, _why(mask, score, lambda v: f"risk {v:.2f} ≥ {f.threshold:g}")


def _critical(c, f):
    mask = c["critical_failed"].astype("boolean").fillna(False).astype(bool)
    crit = c["critical_criteria"].fillna("") if "critical_criteria" in c.columns else pd.Series("", index=c.index)
    return mask, _why(mask, crit, lambda v: f"critical failure {v}".strip())


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
NEEDS = {
    "new_hire": "a roster (--roster)",
    "high_risk": "a risk frame (--risk)",
    "critical": "a scores frame (--scores)",
}
NEEDED_COLUMN = {"new_hire": "hire_date", "high_risk": "risk_score", "critical": "critical_failed"}


def match(candidates: pd.DataFrame, spec: Filter) -> tuple[pd.Series, pd.Series]:
    """Mask and reason of ``spec`` over the candidate frame."""
    mask, reason = FILTERS[spec.kind](candidates, spec)
    return mask.reindex(candidates.index, fill_value=False), reason.reindex(candidates.index)
