"""Inverse-inclusion-probability weighted means (Horvitz–Thompson and Hájek) with a standard
error and a t-interval.

Why: a targeted sample over-samples complaints, low CSAT and long sessions on purpose, so the
raw mean QA score of an agent's sampled conversations is biased low as an estimate of the
agent's *typical* conversation. Weighting each graded conversation by ``1/π`` (π = the
manifest's ``inclusion_prob``) undoes that.

When to use which:

- **raw mean** — to describe what the graders saw (the batch itself), or when the sample was
  simple random (all π equal: weighted = raw).
- **Hájek** (``hajek_mean``, the default) — to estimate an agent's or team's mean over *all*
  their conversations from a targeted sample. Ratio estimator Σ(y/π)/Σ(1/π): slightly biased
  but stable, needs no population size. Use it in reports.
- **Horvitz–Thompson** (``ht_mean``) — unbiased Σ(y/π)/N when the population size N (the
  conversations the sample was drawn from) is known exactly; higher variance when weights vary.

Standard errors use the with-replacement (linearisation) approximation, which ignores the
finite-population correction and is therefore slightly conservative; with equal weights the
Hájek standard error reduces to s/√n.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

# the t quantile itself (scipy.stats.t.ppf adds ~20 ms a call); imported with the module, which only
# the commands that compute intervals load (with the collector paused: ~40,000 objects, no garbage)
from scipy.special import stdtrit


@dataclass(frozen=True)
class Estimate:
    """A mean with its standard error and ``level`` confidence interval (NaN when n < 2)."""

    method: str  # raw | hajek | ht
    mean: float
    se: float
    low: float
    high: float
    n: int
    sum_weights: float


def inverse_weights(inclusion_prob) -> np.ndarray:
    """1/π; ValueError when a probability is missing or outside (0, 1]."""
    p = np.asarray(inclusion_prob, dtype="float64")
    if np.isnan(p).any() or (p <= 0).any() or (p > 1 + 1e-12).any():
        raise ValueError("inclusion probabilities must be in (0, 1]")
    return 1.0 / p


def _finish(method: str, mean: float, se: float, n: int, sw: float, level: float) -> Estimate:
    if n < 2 or not np.isfinite(se):
        return Estimate(method, mean, np.nan, np.nan, np.nan, n, sw)
    half = float(stdtrit(n - 1, 0.5 + level / 2)) * se
    return Estimate(method, mean, se, mean - half, mean + half, n, sw)


def _clean(values, inclusion_prob) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(values, dtype="float64")
    w = inverse_weights(inclusion_prob) if inclusion_prob is not None else np.ones_like(y)
    keep = ~np.isnan(y)
    return y[keep], w[keep]


def raw_mean(values, level: float = 0.95) -> Estimate:
    """Unweighted mean of the non-missing values."""
    est = hajek_mean(values, None, level)
    return Estimate("raw", *[getattr(est, f) for f in ("mean", "se", "low", "high", "n", "sum_weights")])


def hajek_mean(values, inclusion_prob, level: float = 0.95) -> Estimate:
    """Hájek mean Σ(y/π)/Σ(1/π); missing values are left out (with their weights)."""
    y, w = _clean(values, inclusion_prob)
    n = len(y)
    if n == 0:
        return Estimate("hajek", np.nan, np.nan, np.nan, np.nan, 0, 0.0)
    sw = float(w.sum())
    mean = float(np.sum(w * y) / sw)
    se = float(np.sqrt(n / (n - 1) * np.sum(w**2 * (y - mean) ** 2) / sw**2)) if n > 1 else np.nan
    return _finish("hajek", mean, se, n, sw, level)


def ht_mean(values, inclusion_prob, population_size: int, level: float = 0.95) -> Estimate:
    """Horvitz–Thompson mean Σ(y/π)/N for a known population size N."""
    if population_size <= 0:
        raise ValueError("population_size must be positive")
    y, w = _clean(values, inclusion_prob)
    n = len(y)
    if n == 0:
        return Estimate("ht", np.nan, np.nan, np.nan, np.nan, 0, 0.0)
    z = w * y
    mean = float(z.sum() / population_size)
    se = float(np.sqrt(n / (n - 1) * np.sum((z - z.mean()) ** 2)) / population_size) if n > 1 else np.nan
    return _finish("ht", mean, se, n, float(w.sum()), level)


def weighted_means(
    df: pd.DataFrame,
    value: str,
    by: Sequence[str] = (),
    prob: str = "inclusion_prob",
    method: str = "hajek",
    level: float = 0.95,
) -> pd.DataFrame:
    """One row per group: ``by`` columns, n, mean, se, low, high (Hájek or raw). Pure over
    the frame, so per-agent / per-team tables are a groupby away."""
    if method not in ("hajek", "raw"):
        raise ValueError("method is 'hajek' or 'raw' (HT needs a population size per group: use ht_mean)")

    def one(part: pd.DataFrame) -> dict:
        est = hajek_mean(part[value], part[prob], level) if method == "hajek" else raw_mean(part[value], level)
        return {"n": est.n, "mean": est.mean, "se": est.se, "low": est.low, "high": est.high}

    if not by:
        return pd.DataFrame([one(df)])
    rows = [
        {**dict(zip(by, key if isinstance(key, tuple) else (key,))), **one(part)}
        for key, part in df.groupby(list(by), sort=True, dropna=False)
    ]
    return pd.DataFrame(rows, columns=[*by, "n", "mean", "se", "low", "high"])
