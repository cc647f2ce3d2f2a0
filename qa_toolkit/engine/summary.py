"""The run summary of ``qa_toolkit.scoring.summarise`` built from per-chunk counts, so a run
over part files never holds every result row: each chunk yields a small ``partial``, the
runner merges them. A test pins ``merge(partials) == summarise(all results)``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
import pandas as pd

from qa_toolkit.rubric.model import Rubric
from qa_toolkit.scoring import _r, bonus_ids, outside_scope


def partial(results: pd.DataFrame, scores: pd.DataFrame, rubric: Rubric | Sequence[Rubric]) -> dict:
    """The mergeable counts of one chunk (plain Python and a float array: cheap to pickle)."""
    bonus = bonus_ids(rubric)
    counts = _criterion_outcome_counts(results)
    return {
        "conversations": len(scores),
        "results": len(results),
        "outside_scope": outside_scope(results),
        "by_rubric": Counter({str(k): int(v) for k, v in scores["rubric_id"].value_counts().items()}),
        "totals": scores["total"].dropna().to_numpy(dtype="float64"),
        "bands": Counter({str(k): int(v) for k, v in scores["band"].fillna("(none)").value_counts().items()}),
        "outcomes": Counter({k: int(v) for k, v in counts.sum(axis=0).items()}),
        "critical_failures": int(scores["critical_failed"].fillna(False).sum()),
        "needs_review": int(scores["n_review"].fillna(0).gt(0).sum()),
        "fails": Counter({k: int(v) for k, v in _column(counts, "fail").items() if v and k not in bonus}),
        "judged": Counter({k: int(v) for k, v in (_column(counts, "pass") + _column(counts, "fail")).items() if v}),
    }


def _criterion_outcome_counts(results: pd.DataFrame) -> pd.DataFrame:
    """Result rows per criterion (index) and outcome (columns), in one grouping."""
    counts = results.groupby(["criterion_id", "outcome"]).size().unstack(fill_value=0)
    return counts.set_axis([str(c) for c in counts.index]).set_axis([str(o) for o in counts.columns], axis=1)


def _column(counts: pd.DataFrame, outcome: str) -> pd.Series:
    return counts[outcome].astype(int) if outcome in counts.columns else pd.Series(0, index=counts.index, dtype=int)


def merge(partials: list[dict], top: int = 5) -> dict:
    """One summary, shaped exactly like ``scoring.summarise``, from the chunks' partials."""
    total = pd.Series(np.concatenate([p["totals"] for p in partials]) if partials else [], dtype="float64")
    sums = {k: sum((p[k] for p in partials), Counter()) for k in ("bands", "outcomes", "fails", "judged", "by_rubric")}
    fails, judged = sums["fails"], sums["judged"]
    return {
        "conversations": sum(p["conversations"] for p in partials),
        "scored": int(total.size),
        "outside_scope": sum(p["outside_scope"] for p in partials),
        "by_rubric": dict(sorted(sums["by_rubric"].items())),
        "results": sum(p["results"] for p in partials),
        "total": {"mean": _r(total.mean()), "min": _r(total.min()), "p25": _r(total.quantile(0.25)),
                  "median": _r(total.median()), "p75": _r(total.quantile(0.75)), "max": _r(total.max())},
        "bands": dict(sorted(sums["bands"].items())),
        "outcomes": dict(sorted(sums["outcomes"].items())),
        "critical_failures": sum(p["critical_failures"] for p in partials),
        "needs_review": sum(p["needs_review"] for p in partials),
        "top_failed": [{"criterion_id": k, "fails": v, "fail_rate": _r(v / judged.get(k, v))}
                       for k, v in sorted(fails.items(), key=lambda kv: (-kv[1], kv[0]))[:top]],
    }
