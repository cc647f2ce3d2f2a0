"""How good a risk score is: ranking (ROC-AUC, PR-AUC), the flag at a threshold (precision,
recall, F1, confusion matrix), the top of the list (precision@k) and calibration (ECE and a
reliability table). Pure functions of labels and scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score

TOP_FRACTIONS = (0.01, 0.05, 0.10)


def reliability_table(y: np.ndarray, scores: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Equal-width score bins: count, mean predicted risk, observed positive rate."""
    y, scores = np.asarray(y, dtype=float), np.asarray(scores, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    idx = np.clip(np.digitize(scores, edges[1:-1], right=False), 0, bins - 1)
    rows = []
    for b in range(bins):
        sel = idx == b
        n = int(sel.sum())
        rows.append(
            {
                "bin": f"{edges[b]:.1f}–{edges[b + 1]:.1f}",
                "n": n,
                "mean_score": float(scores[sel].mean()) if n else float("nan"),
                "observed_rate": float(y[sel].mean()) if n else float("nan"),
            }
        )
    return pd.DataFrame(rows)


def expected_calibration_error(y: np.ndarray, scores: np.ndarray, bins: int = 10) -> float:
    """Count-weighted mean |observed rate − mean score| over the reliability bins."""
    table = reliability_table(y, scores, bins).query("n > 0")
    return float((table["n"] * (table["observed_rate"] - table["mean_score"]).abs()).sum() / table["n"].sum())


def precision_at_top(y: np.ndarray, scores: np.ndarray, fractions=TOP_FRACTIONS) -> list[dict]:
    """Share of real positives among the k highest scores, for k = each fraction of n."""
    y = np.asarray(y, dtype=float)
    order = np.argsort(-np.asarray(scores, dtype=float), kind="stable")
    out = []
    for frac in fractions:
        k = max(1, int(round(frac * len(y))))
        out.append({"fraction": frac, "k": k, "precision": float(y[order[:k]].mean())})
    return out


def binary_metrics(y: np.ndarray, scores: np.ndarray, threshold: float) -> dict:
    """Everything the model card and ``qa risk evaluate`` report, as plain JSON-ready values."""
    y = np.asarray(y, dtype=bool)
    scores = np.asarray(scores, dtype=float)
    flag = scores >= threshold
    tp, fp = int((flag & y).sum()), int((flag & ~y).sum())
    fn, tn = int((~flag & y).sum()), int((~flag & ~y).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    both = y.any() and (~y).any()
    return {
        "n": int(len(y)),
        "positives": int(y.sum()),
        "label_rate": float(y.mean()) if len(y) else float("nan"),
        "roc_auc": float(roc_auc_score(y, scores)) if both else None,
        "pr_auc": float(average_precision_score(y, scores)) if both else None,
        "threshold": float(threshold),
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "flagged": int(flag.sum()),
        "confusion": {"tp": tp, "fp": fp, "fn": fn, "tn": tn},
        "precision_at_top": precision_at_top(y, scores),
        "ece": expected_calibration_error(y, scores),
    }


def choose_threshold(
    y: np.ndarray, scores: np.ndarray, *, target_precision: float | None = None, target_recall: float | None = None
) -> tuple[float, str]:
    """The flag threshold and how it was chosen: the lowest threshold reaching the target
    precision (most recall), the highest reaching the target recall (most precision), or the
    best F1 when no target is given or the target cannot be reached."""
    precision, recall, thresholds = precision_recall_curve(np.asarray(y, dtype=bool), scores)
    precision, recall = precision[:-1], recall[:-1]  # align with thresholds
    if target_precision is not None:
        found = _best_where(precision >= target_precision, recall, thresholds)
        if found is not None:
            return found, f"lowest threshold with CV precision >= {target_precision:g}"
        note = f"target precision {target_precision:g} not reached in CV; best F1 instead"
    elif target_recall is not None:
        found = _best_where(recall >= target_recall, precision, thresholds)
        if found is not None:
            return found, f"threshold with CV recall >= {target_recall:g} and best precision"
        note = f"target recall {target_recall:g} not reached in CV; best F1 instead"
    else:
        note = "best F1 in cross-validation"
    f1 = np.where(precision + recall > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-12), 0)
    return float(thresholds[int(np.argmax(f1))]), note


def _best_where(reached: np.ndarray, best: np.ndarray, thresholds: np.ndarray) -> float | None:
    """The threshold, among those where the target is ``reached``, with the highest ``best``
    (the first of equals); None when the target is reached nowhere."""
    ok = np.flatnonzero(reached)
    return float(thresholds[ok[np.argmax(best[ok])]]) if ok.size else None
