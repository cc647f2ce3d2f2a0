"""The run summary of ``qa_toolkit.scoring.summarise`` built from per-chunk counts, so a run
over part files never holds every result row: each chunk yields a small ``partial``, the
runner merges them. A test pins ``merge(partials) == summarise(all results)``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
import pandas as pd

from qa_toolkit.frames import OUTCOMES
from qa_toolkit.rubric.schema import Rubric
from qa_toolkit.scoring import OUT_OF_SCOPE, Evaluated, Scored, _r, bonus_ids


def partial(scored: Scored, rubric: Rubric | Sequence[Rubric]) -> dict:
    """The mergeable counts of one chunk scored with ``rubric`` (one or the ordered list; plain
    Python and a float array: cheap to pickle), counted from the verdict codes rather than the
    RESULTS frame."""
    scores = scored.scores
    bonus = bonus_ids(rubric)
    fails, judged, outcomes = Counter(), Counter(), Counter()
    outside = []
    for _, ev in scored.parts:
        if ev.k:
            counts = np.bincount(np.tile(np.arange(ev.k), ev.frames.n) * len(OUTCOMES) + ev.outcome,
                                 minlength=ev.k * len(OUTCOMES)).reshape(ev.k, len(OUTCOMES))
            for (_, criterion), row in zip(ev.rubric.criteria, counts.tolist()):
                by_outcome = dict(zip(OUTCOMES, row))
                outcomes.update(by_outcome)
                fails[criterion.id] += 0 if criterion.id in bonus else by_outcome["fail"]
                judged[criterion.id] += by_outcome["pass"] + by_outcome["fail"]
        outside.append(ev.frames.conversations["conversation_id"][_out_of_scope(ev)])
    return {
        "conversations": len(scores),
        "results": sum(ev.frames.n * ev.k for _, ev in scored.parts),
        "outside_scope": int(pd.concat(outside).nunique()),
        "by_rubric": Counter({str(k): int(v) for k, v in scores["rubric_id"].value_counts().items()}),
        "totals": scores["total"].dropna().to_numpy(dtype="float64"),
        "bands": Counter({str(k): int(v) for k, v in scores["band"].fillna("(none)").value_counts().items()}),
        "outcomes": +outcomes,
        "critical_failures": int(scores["critical_failed"].fillna(False).sum()),
        "needs_review": int(scores["n_review"].fillna(0).gt(0).sum()),
        "fails": +fails,
        "judged": +judged,
    }


def _out_of_scope(ev: Evaluated) -> np.ndarray:
    """Mask over ``ev``'s conversations: some result of theirs has the out-of-scope note."""
    out = np.zeros(ev.frames.n, dtype=bool)
    for o in ev.outcomes:
        code = o.note.values.index(OUT_OF_SCOPE) if OUT_OF_SCOPE in o.note.values else -1
        out |= o.note.codes == code
    return out


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
