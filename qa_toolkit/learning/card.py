"""The card written beside every learned criterion model (JSON for machines, Markdown for
people): what it was trained for and on (criterion, rubric id and version, grades and data
fingerprint, conversations per outcome), how well it agreed with the graders in
cross-validation (accuracy, Cohen's κ, precision and recall of ``fail``, the confusion matrix,
and the rule's own κ on the same conversations when it reads one), and the features that weigh
most toward each outcome."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score

from qa_toolkit import modelfile
from qa_toolkit.learning.features import FOCUS
from qa_toolkit.learning.pipeline import C_GRID, INNER_FOLDS, RULE_WEIGHT
from qa_toolkit.rubric.checks._views import RULE, TEXT_VIEWS

TOP_FEATURES = 12


def agreement(human: np.ndarray, auto: np.ndarray) -> dict:
    """Accuracy, Cohen's κ (None when undefined), precision and recall of ``fail`` (the positive
    class: a lost point), and the confusion matrix (human outcome → automatic outcome → n)."""
    human, auto = np.asarray(human, dtype=object), np.asarray(auto, dtype=object)
    both = sorted(set(human.tolist()) | set(auto.tolist()))
    kappa = float(cohen_kappa_score(human, auto)) if len(both) > 1 else None
    auto_fail, human_fail = auto == "fail", human == "fail"
    hit = int((auto_fail & human_fail).sum())
    confusion = pd.crosstab(pd.Series(human, name="human"), pd.Series(auto, name="auto"))
    return {
        "n": int(len(human)),
        "accuracy": float((human == auto).mean()) if len(human) else None,
        "kappa": None if kappa is None or np.isnan(kappa) else kappa,
        "precision_fail": hit / int(auto_fail.sum()) if auto_fail.any() else None,
        "recall_fail": hit / int(human_fail.sum()) if human_fail.any() else None,
        "confusion": {str(h): {str(a): int(n) for a, n in row.items()} for h, row in confusion.iterrows()},
    }


def top_features(model, n: int = TOP_FEATURES) -> dict[str, list[dict]]:
    """Per outcome, the ``n`` features that push hardest toward it (weight against the other
    outcomes' mean), named ``view: n-gram``, ``count: name`` or ``rule: outcome``."""
    classifier = model.pipeline.named_steps["classifier"]
    if not hasattr(classifier, "coef_"):  # the rule's own outcome: no weights
        return {}
    names = model.pipeline.named_steps["columns"].get_feature_names_out()
    coef = classifier.coef_
    weights = np.vstack([-coef[0] / 2, coef[0] / 2]) if coef.shape[0] == 1 else coef
    weights = weights - weights.mean(axis=0, keepdims=True)
    out = {}
    for c, row in zip(model.classes, weights):
        best = np.argsort(-row)[:n]
        out[c] = [{"feature": _feature_name(names[i]), "weight": round(float(row[i]), 4)} for i in best if row[i] > 0]
    return out


def _feature_name(name: str) -> str:
    source, _, feature = name.partition("__")
    if source == RULE:
        return f"rule: {feature.removeprefix(RULE + '_')}"
    return f"{source}: {feature!r}" if source in TEXT_VIEWS else f"{source}: {feature}"


def build_card(model, data, cv, *, focus: str, rule_from: str, sources: dict[str, str | None]) -> dict:
    """The card as a JSON-ready dict (``data``: the TrainingSet, ``cv``: its CrossValidation;
    ``rule_from``: the criterion whose rule the model reads, if it reads one)."""
    counts = pd.Series(data.y).value_counts()
    rule_kappa = agreement(data.y, data.table[RULE].to_numpy(dtype=object)) if model.rule else None
    return {
        "model": "qa-toolkit learned criterion",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "criterion_id": model.criterion_id,
        "rubric": (
            {"id": model.rubric_id, "version": model.rubric_version, "file": sources.get("rubric")}
            if model.rubric_id
            else None
        ),
        "data": {
            "grades": sources.get("grades"),
            "source": sources.get("data"),
            "fingerprint": modelfile.fingerprint(
                data.table.assign(label=data.y), ["conversation_id", "agent", "customer", "label"]
            ),
            "conversations": int(len(data.y)),
            "per_class": {str(k): int(v) for k, v in counts.sort_index().items()},
            "graded_not_in_data": data.not_in_data,
        },
        "features": {
            "focus": focus,
            "views": {v: TEXT_VIEWS[v] for v in FOCUS[focus]},
            "text": "TF-IDF character 1-3-grams per view",
            "counts": "log1p of agent messages, customer messages, customer messages after the agent's last",
            "rule": model.rule,
            "rule_from": rule_from if model.rule else None,
        },
        "estimator": "Pipeline(ViewFeatures → ColumnTransformer(TF-IDF per view, scaled counts, rule one-hot "
        f"× {RULE_WEIGHT:g}) → LogisticRegression(multinomial))",
        "chosen": chosen(model.pipeline),
        "cross_validation": {
            "folds": cv.folds,
            "seed": cv.seed,
            "protocol": f"stratified {cv.folds}-fold over conversations (never split across folds), shuffled, "
            f"seed {cv.seed}; out-of-fold predictions",
            **agreement(data.y, cv.predicted),
            "rule_alone": rule_kappa,
        },
        "top_features": top_features(model),
        "versions": modelfile.library_versions(),
    }


def chosen(pipeline) -> dict:
    """What the inner cross-validation chose: the rule's own outcome, or the text model's C and
    class weighting."""
    classifier = pipeline.named_steps["classifier"]
    rule_alone = not hasattr(classifier, "C")
    return {
        "model": "the rule's own outcome" if rule_alone else "text",
        "C": None if rule_alone else float(classifier.C),
        "class_weight": None if rule_alone else classifier.class_weight or "none",
        "how": "C in {" + ", ".join(f"{c:g}" for c in C_GRID) + "} × class weight none/balanced, and the rule's "
        f"own outcome, by κ in an inner {INNER_FOLDS}-fold cross-validation (inside each outer fold too): the "
        "simplest within one standard error of the best",
    }


def _num(value) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def card_markdown(card: dict) -> str:
    """The card as Markdown for people."""
    data, cv, rubric = card["data"], card["cross_validation"], card["rubric"]
    rule = cv["rule_alone"]
    outcomes = sorted({a for row in cv["confusion"].values() for a in row} | set(cv["confusion"]))
    lines = [
        f"# Learned criterion `{card['criterion_id']}`",
        "",
        f"- rubric: {rubric['id']} {rubric['version']}" if rubric else "- rubric: none (no rule read)",
        f"- created: {card['created_at']}",
        f"- grades: {data['grades'] or 'in-memory'}; data: {data['source'] or 'in-memory frames'}, "
        f"fingerprint `{data['fingerprint']}`",
        f"- conversations: {data['conversations']} ("
        + ", ".join(f"{k} {v}" for k, v in data["per_class"].items())
        + ")"
        + (f"; {data['graded_not_in_data']} graded but not in the data" if data["graded_not_in_data"] else "")
        + "".join(
            f"; only {v} `{k}`: too few for every fold, the model seldom gives it"
            for k, v in data["per_class"].items()
            if v < cv["folds"]
        ),
        f"- features ({card['features']['focus']}): {card['features']['text']} of "
        + ", ".join(f"{k} ({v})" for k, v in card["features"]["views"].items())
        + f"; {card['features']['counts']}"
        + (f"; the outcome of the rule of `{card['features']['rule_from']}`" if card["features"]["rule"] else ""),
        f"- estimator: {card['estimator']}",
        "- chosen: "
        + (
            f"C {card['chosen']['C']:g}, class weight {card['chosen']['class_weight']}"
            if card["chosen"]["C"] is not None
            else "the rule's own outcome (the text did not beat it)"
        )
        + f" — {card['chosen']['how']}",
        "",
        f"## Agreement with the graders ({cv['protocol']})",
        "",
        "| | learned | rule alone |",
        "|---|---|---|",
        f"| accuracy | {_num(cv['accuracy'])} | {_num(rule['accuracy']) if rule else '—'} |",
        f"| Cohen's κ | {_num(cv['kappa'])} | {_num(rule['kappa']) if rule else '—'} |",
        f"| precision of fail | {_num(cv['precision_fail'])} | {_num(rule['precision_fail']) if rule else '—'} |",
        f"| recall of fail | {_num(cv['recall_fail'])} | {_num(rule['recall_fail']) if rule else '—'} |",
        "",
        "Confusion (rows: graders, columns: learned model):",
        "",
        "| human \\ model | " + " | ".join(outcomes) + " |",
        "|---|" + "---|" * len(outcomes),
        *(
            f"| {h} | " + " | ".join(str(cv["confusion"].get(h, {}).get(a, 0)) for a in outcomes) + " |"
            for h in outcomes
        ),
        "",
        "## Features that weigh most",
        "",
        *(
            f"- toward **{c}**: " + ", ".join(f"{f['feature']} ({f['weight']:+.2f})" for f in feats)
            for c, feats in card["top_features"].items()
        ),
        "",
    ]
    return modelfile.card_markdown(lines, card["versions"])


def write_card(card: dict, model_path: str | os.PathLike) -> tuple[Path, Path]:
    """Write the card as JSON and Markdown beside the model, atomically."""
    return modelfile.write_card(card, card_markdown(card), model_path)
