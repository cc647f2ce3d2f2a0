"""The model card written beside every model (JSON for machines, Markdown for people): what
data it was trained on (fingerprint, counts, label rate), how well it did in cross-validation
(ROC-AUC, PR-AUC, F1, precision@top-k, calibration error), the threshold and why, versions."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from qa_toolkit import modelfile
from qa_toolkit.modelfile import library_versions
from qa_toolkit.risk.features import TEXT_COLUMNS, numeric_feature_columns
from qa_toolkit.risk.metrics import binary_metrics, reliability_table


def data_fingerprint(table: pd.DataFrame) -> str:
    """SHA-256 over the conversations' ids and texts: same conversations ⇒ same fingerprint."""
    return modelfile.fingerprint(table, ["conversation_id", "customer_text", "agent_text"])


def _text_features(pipeline) -> str:
    """The text features in words, naming a text column left out for want of terms."""
    used = [
        column
        for _, transformer, column in pipeline.named_steps["columns"].transformers_
        if column in TEXT_COLUMNS and not isinstance(transformer, str)
    ]  # "drop": left out
    names = " and ".join(c.replace("_", " ") for c in used) or "no text"
    left = [c.replace("_", " ") for c in TEXT_COLUMNS if c not in used]
    return f"TF-IDF character 1-3-grams, {names}{' separately' if len(used) > 1 else ''}" + (
        f"; left out, no term in two conversations: {', '.join(left)}" if left else ""
    )


def build_card(
    model,
    table: pd.DataFrame,
    y: np.ndarray,
    cv,
    *,
    n_excluded: int,
    threshold_rule: str,
    target_precision: float | None,
    target_recall: float | None,
    source: str | None,
) -> dict:
    """The card as a JSON-ready dict."""
    metrics = binary_metrics(y, cv.scores, model.threshold)
    aucs = [a for a in cv.fold_roc_auc if a is not None]
    return {
        "model": "qa-toolkit risk classifier",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "label": model.label,
        "label_fields_excluded_from_features": list(model.label_fields),
        "data": {
            "source": source,
            "fingerprint": data_fingerprint(table),
            "conversations_labelled": int(len(y)),
            "conversations_excluded_missing_label": int(n_excluded),
            "positives": int(y.sum()),
            "label_rate": float(y.mean()),
        },
        "features": {
            "text": _text_features(model.pipeline),
            "numeric": numeric_feature_columns(model.label_fields),
        },
        "estimator": "Pipeline(ConversationFeatures → ColumnTransformer → "
        "CalibratedClassifierCV(LogisticRegression, sigmoid))",
        "cross_validation": {
            "protocol": f"stratified {cv.folds}-fold, shuffled, seed {cv.seed}; out-of-fold scores",
            "roc_auc": metrics["roc_auc"],
            "roc_auc_fold_mean": float(np.mean(aucs)) if aucs else None,
            "roc_auc_fold_std": float(np.std(aucs)) if aucs else None,
            "pr_auc": metrics["pr_auc"],
            "precision": metrics["precision"],
            "recall": metrics["recall"],
            "f1": metrics["f1"],
            "precision_at_top": metrics["precision_at_top"],
            "ece": metrics["ece"],
            "confusion": metrics["confusion"],
            "reliability": [
                {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()}
                for row in reliability_table(y, cv.scores).to_dict(orient="records")
            ],
        },
        "threshold": {
            "value": model.threshold,
            "rule": threshold_rule,
            "target_precision": target_precision,
            "target_recall": target_recall,
        },
        "versions": library_versions(),
    }


def _num(value, digits: int = 3) -> str:
    return "n/a" if value is None or (isinstance(value, float) and np.isnan(value)) else f"{value:.{digits}f}"


def card_markdown(card: dict) -> str:
    """The card as Markdown for people."""
    data, cv, thr = card["data"], card["cross_validation"], card["threshold"]
    conf = cv["confusion"]
    lines = [
        "# Risk model card",
        "",
        f"- label: `{card['label']}` (fields kept out of the features: "
        f"{', '.join(card['label_fields_excluded_from_features']) or 'none'})",
        f"- created: {card['created_at']}",
        f"- data: {data['source'] or 'in-memory frames'}, fingerprint `{data['fingerprint']}`",
        f"- conversations: {data['conversations_labelled']} labelled, {data['positives']} positive "
        f"(label rate {data['label_rate']:.1%}); {data['conversations_excluded_missing_label']} excluded "
        "(label field missing)",
        f"- estimator: {card['estimator']}",
        f"- features: {card['features']['text']}; numeric: {', '.join(card['features']['numeric'])}",
        "",
        f"## Cross-validation ({cv['protocol']})",
        "",
        "| metric | value |",
        "|---|---|",
        f"| ROC-AUC | {_num(cv['roc_auc'])} (folds {_num(cv['roc_auc_fold_mean'])} ± {_num(cv['roc_auc_fold_std'])}) |",
        f"| PR-AUC (average precision) | {_num(cv['pr_auc'])} |",
        f"| precision at threshold | {_num(cv['precision'])} |",
        f"| recall at threshold | {_num(cv['recall'])} |",
        f"| F1 at threshold | {_num(cv['f1'])} |",
        *(
            f"| precision@top {p['fraction']:.0%} (k={p['k']}) | {_num(p['precision'])} |"
            for p in cv["precision_at_top"]
        ),
        f"| expected calibration error | {_num(cv['ece'])} |",
        "",
        f"Confusion at the threshold: TP {conf['tp']}, FP {conf['fp']}, FN {conf['fn']}, TN {conf['tn']}.",
        "",
        "## Threshold",
        "",
        f"{thr['value']:.4f} — {thr['rule']}.",
        "",
        "## Reliability (out-of-fold)",
        "",
        "| score bin | n | mean score | observed rate |",
        "|---|---|---|---|",
        *(
            f"| {r['bin']} | {r['n']} | {_num(r['mean_score'])} | {_num(r['observed_rate'])} |"
            for r in cv["reliability"]
            if r["n"]
        ),
        "",
    ]
    return modelfile.card_markdown(lines, card["versions"])


def write_card(card: dict, model_path: str | os.PathLike) -> tuple[Path, Path]:
    """Write the card as JSON and Markdown beside the model, atomically."""
    return modelfile.write_card(card, card_markdown(card), model_path)
