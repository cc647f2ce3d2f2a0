"""The run summary (run.json's ``summary``, what ``qa score`` prints): each chunk yields a small
mergeable ``partial`` of counts, ``merge`` turns the partials of a run into one summary, so a
run never needs every result row at once. A partial is counted from a chunk's verdict codes
(``chunk_partial``) or, for frames already built (a subset, re-scored grades), from the RESULTS
and SCORES frames (``frame_partial``); both count through ``_partial``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
import pandas as pd

from qa_toolkit.frames import OUTCOMES
from qa_toolkit.rubric.schema import Rubric
from qa_toolkit.scoring.evaluate import OUT_OF_SCOPE, Evaluated, Scored, as_rubrics


def bonus_ids(rubric: Rubric | Sequence[Rubric]) -> set[str]:
    """Criterion ids that are bonus items in any of the rubrics (an unearned bonus is no failure)."""
    return {c.id for r in as_rubrics(rubric) for _, c in r.criteria if c.kind == "bonus"}


def chunk_partial(scored: Scored, rubric: Rubric | Sequence[Rubric]) -> dict:
    """The mergeable counts of one chunk scored with ``rubric`` (one or the ordered list),
    counted from the verdict codes rather than the RESULTS frame."""
    counts, outside = [], []
    for _, ev in scored.parts:
        if ev.k:
            by = np.bincount(
                np.tile(np.arange(ev.k), ev.frames.n) * len(OUTCOMES) + ev.outcome, minlength=ev.k * len(OUTCOMES)
            ).reshape(ev.k, len(OUTCOMES))
            counts.extend(zip((c.id for _, c in ev.rubric.criteria), by.tolist()))
        outside.append(ev.frames.conversations["conversation_id"][_out_of_scope(ev)])
    results = sum(ev.frames.n * ev.k for _, ev in scored.parts)
    return _partial(counts, int(pd.concat(outside).nunique()), results, scored.scores, bonus_ids(rubric))


def frame_partial(results: pd.DataFrame, scores: pd.DataFrame, rubric: Rubric | Sequence[Rubric]) -> dict:
    """The mergeable counts of RESULTS and SCORES frames (outcomes other than ``OUTCOMES`` are
    not counted)."""
    criterion, ids = pd.factorize(results["criterion_id"])
    outcome = pd.Index(OUTCOMES).get_indexer(results["outcome"])
    known = (criterion >= 0) & (outcome >= 0)
    by = np.bincount(criterion[known] * len(OUTCOMES) + outcome[known], minlength=len(ids) * len(OUTCOMES)).reshape(
        len(ids), len(OUTCOMES)
    )
    outside = results.loc[results["note"].eq(OUT_OF_SCOPE).fillna(False).to_numpy(), "conversation_id"].nunique()
    return _partial(list(zip(map(str, ids), by.tolist())), int(outside), len(results), scores, bonus_ids(rubric))


def _partial(
    counts: list[tuple[str, list[int]]], outside: int, results: int, scores: pd.DataFrame, bonus: set[str]
) -> dict:
    """A partial from per-criterion outcome counts (criterion id, one count per ``OUTCOMES``)
    and the chunk's SCORES frame: plain Python and a float array, cheap to pickle."""
    fails, judged, outcomes = Counter(), Counter(), Counter()
    for criterion_id, row in counts:
        by_outcome = dict(zip(OUTCOMES, row))
        outcomes.update(by_outcome)
        fails[criterion_id] += 0 if criterion_id in bonus else by_outcome["fail"]
        judged[criterion_id] += by_outcome["pass"] + by_outcome["fail"]
    return {
        "conversations": len(scores),
        "results": results,
        "outside_scope": outside,
        "by_rubric": Counter({str(k): int(v) for k, v in scores["rubric_id"].value_counts().items()}),
        "totals": scores["total"].dropna().to_numpy(dtype="float64"),
        "bands": Counter({str(k): int(v) for k, v in scores["band"].fillna("(none)").value_counts().items()}),
        "outcomes": +outcomes,
        "critical_failures": int(scores["critical_failed"].fillna(False).sum()),
        "critical_pending": int(scores["critical_pending"].fillna("").ne("").sum()),
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
    """One summary from the chunks' partials: totals, bands, outcomes, the most failed criteria
    (bonus items not earned are not failures here), critical failures and those waiting for a
    grader's confirmation, conversations per rubric and those no rubric admits."""
    total = pd.Series(np.concatenate([p["totals"] for p in partials]) if partials else [], dtype="float64")
    sums = {k: sum((p[k] for p in partials), Counter()) for k in ("bands", "outcomes", "fails", "judged", "by_rubric")}
    fails, judged = sums["fails"], sums["judged"]
    return {
        "conversations": sum(p["conversations"] for p in partials),
        "scored": int(total.size),
        "outside_scope": sum(p["outside_scope"] for p in partials),
        "by_rubric": dict(sorted(sums["by_rubric"].items())),
        "results": sum(p["results"] for p in partials),
        "total": {
            "mean": _r(total.mean()),
            "min": _r(total.min()),
            "p25": _r(total.quantile(0.25)),
            "median": _r(total.median()),
            "p75": _r(total.quantile(0.75)),
            "max": _r(total.max()),
        },
        "bands": dict(sorted(sums["bands"].items())),
        "outcomes": dict(sorted(sums["outcomes"].items())),
        "critical_failures": sum(p["critical_failures"] for p in partials),
        "critical_pending": sum(p["critical_pending"] for p in partials),
        "needs_review": sum(p["needs_review"] for p in partials),
        "top_failed": [
            {"criterion_id": k, "fails": v, "fail_rate": _r(v / judged.get(k, v))}
            for k, v in sorted(fails.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
        ],
    }


def summarise(results: pd.DataFrame, scores: pd.DataFrame, rubric: Rubric | Sequence[Rubric], top: int = 5) -> dict:
    """The summary of whole RESULTS and SCORES frames (``merge`` of their one partial)."""
    return merge([frame_partial(results, scores, rubric)], top)


def _r(value: float) -> float | None:
    return None if pd.isna(value) else round(float(value), 2)


def format_summary(summary: dict) -> str:
    """The short text ``qa score`` prints."""
    t = summary["total"]
    outside = summary["conversations"] - summary["scored"]
    lines = [
        f"scored {summary['scored']} of {summary['conversations']} conversations "
        f"({summary['results']} criterion results)"
        + (
            f"; {outside} have no score ({summary['outside_scope']} outside every rubric's scope, "
            f"{outside - summary['outside_scope']} all N/A)"
            if outside
            else ""
        ),
        "rubrics: " + ", ".join(f"{k} {v}" for k, v in summary["by_rubric"].items()),
        f"total: mean {t['mean']}, min {t['min']}, p25 {t['p25']}, median {t['median']}, "
        f"p75 {t['p75']}, max {t['max']}",
        "bands: " + ", ".join(f"{k} {v}" for k, v in summary["bands"].items()),
        "outcomes: " + ", ".join(f"{k} {v}" for k, v in summary["outcomes"].items()),
        f"critical failures: {summary['critical_failures']}; waiting for confirmation: "
        f"{summary['critical_pending']}; waiting for review: {summary['needs_review']}",
    ]
    if summary["top_failed"]:
        lines.append(
            "most failed criteria: "
            + ", ".join(f"{x['criterion_id']} {x['fails']} ({x['fail_rate']:.0%})" for x in summary["top_failed"])
        )
    return "\n".join(lines)
