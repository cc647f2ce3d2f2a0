"""The risk model: a scikit-learn Pipeline (conversation features → TF-IDF character 1–3-grams
on customer and on agent text + scaled numbers → calibrated logistic regression), trained with
stratified cross-validation, with a flag threshold chosen for a target precision or recall.

``train_model`` returns a ``RiskModel`` (pipeline, threshold, label, model card);
``predict_risk`` turns a chunk's frames into the RISK frame — a pure function, so chunks and
Dask partitions work the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from qa_toolkit import frames
from qa_toolkit.problems import InputError, Problem, ProblemLog
from qa_toolkit.risk.card import build_card, data_fingerprint
from qa_toolkit.risk.explain import explain
from qa_toolkit.risk.features import (
    ConversationFeatures,
    char_ngrams,
    conversation_table,
    numeric_feature_columns,
)
from qa_toolkit.risk.labels import Label
from qa_toolkit.risk.metrics import binary_metrics, choose_threshold, reliability_table

CALIBRATION_FOLDS = 3


def build_pipeline(exclude_fields: tuple[str, ...] = (), *, max_features: int = 100_000, C: float = 1.0) -> Pipeline:
    """The untrained pipeline. ``exclude_fields`` are the label's fields (kept out of features)."""
    columns = ColumnTransformer(
        [
            ("customer", char_ngrams(max_features), "customer_text"),
            ("agent", char_ngrams(max_features), "agent_text"),
            ("numeric", StandardScaler(), numeric_feature_columns(exclude_fields)),
        ]
    )
    # liblinear's dual solver: ~3x faster than the primal on wide TF-IDF (measured, same AUC);
    # it visits samples in random order, so its seed is fixed: the same data trains the same model
    classifier = CalibratedClassifierCV(
        LogisticRegression(C=C, solver="liblinear", dual=True, tol=1e-3, max_iter=2000, random_state=0),
        method="sigmoid",
        cv=CALIBRATION_FOLDS,
    )
    return Pipeline(
        [
            ("features", ConversationFeatures(exclude_fields=tuple(exclude_fields))),
            ("columns", columns),
            ("classifier", classifier),
        ]
    )


@dataclass
class RiskModel:
    """A trained model with everything needed to use and audit it."""

    pipeline: Pipeline
    threshold: float
    label: str
    label_fields: tuple[str, ...]
    card: dict = field(default_factory=dict)

    def score(self, table: pd.DataFrame) -> np.ndarray:
        """Calibrated risk (0..1) for each row of a conversation table."""
        return self.scored(table)[0]

    def inputs(self, table: pd.DataFrame):
        """The classifier's input for each row of a conversation table: every step before it."""
        return self.pipeline[:-1].transform(table)

    def scored(self, table: pd.DataFrame, inputs=None) -> tuple[np.ndarray, object]:
        """Calibrated risk (0..1) for each row, and the classifier's input it came from (None for
        no rows), which the reasons reuse instead of computing the features again; ``inputs``:
        that input when the caller has it."""
        if table.empty:
            return np.zeros(0), None
        if inputs is None:
            inputs = self.inputs(table)
        return self.pipeline[-1].predict_proba(inputs)[:, 1], inputs


@dataclass
class CVResult:
    """Out-of-fold scores of stratified cross-validation, and per-fold ROC-AUC."""

    scores: np.ndarray
    fold_roc_auc: list[float]
    folds: int
    seed: int


def labelled_table(
    conversations: pd.DataFrame, messages: pd.DataFrame, label: Label, table: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, np.ndarray, int, np.ndarray]:
    """The conversation table of the conversations that have a label, their labels, how many
    were excluded because a field the label reads is missing, and which those labelled are (a
    mask over ``conversations``). ``table``: the conversation table of all ``conversations``
    when the caller has it (its rows are taken, not recomputed)."""
    result = label.evaluate(conversations)
    known = result.known.to_numpy(dtype=bool)
    if table is None:
        table = conversation_table(conversations[known], messages)
    else:
        table = table[known].reset_index(drop=True)
    return table, result.y[known].to_numpy(dtype=bool), result.n_missing, known


def check_trainable(y: np.ndarray, folds: int, label: str) -> None:
    """InputError unless both classes have enough conversations for the folds."""
    pos, neg = int(y.sum()), int((~y).sum())
    need = folds * 2
    if min(pos, neg) < need:
        raise InputError(
            Problem(
                "--label",
                f"{label!r} gives {pos} positive and {neg} negative conversations; "
                f"{folds}-fold training needs at least {need} of each",
                code="too-few-labels",
            )
        )


def cross_validate(
    table: pd.DataFrame, y: np.ndarray, base: Pipeline, *, folds: int = 5, seed: int = 0, progress=None
) -> CVResult:
    """Stratified k-fold CV of ``base`` (shuffled with ``seed``): every conversation scored by a
    model that never saw it. ``progress(i)`` is called after each fold."""
    scores = np.zeros(len(y))
    aucs = []
    for i, (train, test) in enumerate(StratifiedKFold(folds, shuffle=True, random_state=seed).split(table, y)):
        model = fit_pipeline(base, table.iloc[train], y[train])
        scores[test] = model.predict_proba(table.iloc[test])[:, 1]
        aucs.append(binary_metrics(y[test], scores[test], 0.5)["roc_auc"])
        if progress:
            progress(i + 1)
    return CVResult(scores=scores, fold_roc_auc=aucs, folds=folds, seed=seed)


def fit_pipeline(base: Pipeline, table: pd.DataFrame, y: np.ndarray) -> Pipeline:
    """``base`` cloned and fitted on ``table``; a text column in which TF-IDF finds no term
    (no agent text at all, e.g. a review corpus of customer messages) is left out of the model
    instead of failing the fit with "empty vocabulary"."""
    return fit_with_inputs(base, table, y)[0]


def fit_with_inputs(base: Pipeline, table: pd.DataFrame, y: np.ndarray) -> tuple[Pipeline, object]:
    """``fit_pipeline``, and the classifier's input the fit computed for ``table`` on the way
    (what ``RiskModel.inputs`` gives for the same rows): the steps are fitted one by one, as
    ``Pipeline.fit`` does."""
    model = clone(base)
    texts = model.named_steps["features"].fit_transform(table, y)
    columns = model.named_steps["columns"]
    try:
        inputs = columns.fit_transform(texts, y)
    except ValueError as err:
        if not _no_terms(err):
            raise
        for name, transformer, column in columns.transformers:
            if isinstance(transformer, TfidfVectorizer):
                try:
                    clone(transformer).fit(texts[column])
                except ValueError as err:
                    if not _no_terms(err):
                        raise
                    model.set_params(**{f"columns__{name}": "drop"})
        inputs = columns.fit_transform(texts, y)
    model.named_steps["classifier"].fit(inputs, y)
    return model, inputs


def _no_terms(err: ValueError) -> bool:
    """Whether scikit-learn's error says a text column gave TF-IDF no term to keep."""
    return "empty vocabulary" in str(err) or "no terms remain" in str(err)


def train_model(
    conversations: pd.DataFrame,
    messages: pd.DataFrame,
    label: Label,
    *,
    table: pd.DataFrame | None = None,
    **training,
) -> RiskModel:
    """Cross-validate, choose the threshold on out-of-fold scores, fit on all labelled data,
    and write the model card. ``table``: ``conversation_table(conversations, messages)`` when
    the caller has it; ``training``: ``folds`` (5), ``target_precision``, ``target_recall``,
    ``seed`` (0), ``source`` (for the card), ``progress`` (a callback), as ``_trained`` takes them.

    BLAS runs on one thread: the calibration's small optimisations only spin a second thread
    (a quarter of the training's CPU time on two cores), and one thread gives the same model
    on any number of cores."""
    return _trained(conversations, messages, label, table, **training)[0]


def train_and_score(
    conversations: pd.DataFrame,
    messages: pd.DataFrame,
    label: Label,
    table: pd.DataFrame,
    *,
    n_reasons: int = 3,
    lang: str = "auto",
    mask: bool = True,
    **training,
) -> tuple[RiskModel, pd.DataFrame]:
    """``train_model`` (``training``: its options) and the RISK frame of ``table``'s conversations
    (as ``risk_frame``). The labelled ones are scored from the inputs the final fit computed for
    them rather than computing their features again."""
    model, known, fitted = _trained(conversations, messages, label, table, **training)
    rest = model.inputs(table[~known]) if not known.all() else None
    inputs = fitted if rest is None else _in_table_order(fitted, rest, known)
    return model, risk_frame(model, table, inputs=inputs, n_reasons=n_reasons, lang=lang, mask=mask)


def _in_table_order(fitted, rest, known: np.ndarray):
    """The rows of ``fitted`` (where ``known``) and ``rest`` (elsewhere), in table order."""
    if sp.issparse(fitted) or sp.issparse(rest):
        stacked = sp.vstack([sp.csr_matrix(fitted), sp.csr_matrix(rest)], format="csr")
    else:
        stacked = np.vstack([fitted, rest])
    return stacked[np.argsort(np.r_[np.flatnonzero(known), np.flatnonzero(~known)], kind="stable")]


def _trained(
    conversations: pd.DataFrame,
    messages: pd.DataFrame,
    label: Label,
    table: pd.DataFrame | None,
    *,
    folds: int = 5,
    target_precision: float | None = None,
    target_recall: float | None = None,
    seed: int = 0,
    source: str | None = None,
    progress=None,
) -> tuple[RiskModel, np.ndarray, object]:
    """``train_model``'s model, which conversations were labelled, and the final fit's inputs for them."""
    table, y, n_missing, known = labelled_table(conversations, messages, label, table)
    check_trainable(y, folds, label.text)
    with threadpool_limits(limits=1, user_api="blas"):
        cv = cross_validate(table, y, build_pipeline(label.fields), folds=folds, seed=seed, progress=progress)
        threshold, rule = choose_threshold(y, cv.scores, target_precision=target_precision, target_recall=target_recall)
        pipeline, inputs = fit_with_inputs(build_pipeline(label.fields), table, y)
    model = RiskModel(pipeline=pipeline, threshold=threshold, label=label.text, label_fields=label.fields)
    model.card = build_card(
        model,
        table,
        y,
        cv,
        n_excluded=n_missing,
        threshold_rule=rule,
        target_precision=target_precision,
        target_recall=target_recall,
        source=source,
    )
    return model, known, inputs


def predict_risk(
    model: RiskModel,
    conversations: pd.DataFrame,
    messages: pd.DataFrame,
    *,
    n_reasons: int = 3,
    lang: str = "auto",
    mask: bool = True,
) -> pd.DataFrame:
    """The RISK frame for one chunk: score, flag (score >= threshold) and, for flagged
    conversations, the top reasons in words. Pure: no state beyond the model."""
    return risk_frame(model, conversation_table(conversations, messages), n_reasons=n_reasons, lang=lang, mask=mask)


def risk_frame(
    model: RiskModel, table: pd.DataFrame, *, inputs=None, n_reasons: int = 3, lang: str = "auto", mask: bool = True
) -> pd.DataFrame:
    """``predict_risk`` of the conversations of a conversation table; ``inputs``: the model's
    input for its rows (``RiskModel.inputs``) when the caller has it."""
    scores, inputs = model.scored(table, inputs)
    flags = scores >= model.threshold
    reasons = pd.Series("", index=table.index, dtype="string")
    if flags.any():
        reasons[flags] = explain(model, table[flags], inputs=inputs[flags], n_reasons=n_reasons, lang=lang, mask=mask)
    out = pd.DataFrame(
        {
            "conversation_id": table["conversation_id"],
            "risk_score": scores,
            "risk_flag": flags,
            "risk_reasons": reasons,
        }
    )
    return frames.conform(out, frames.RISK)


def evaluate_model(model: RiskModel, conversations: pd.DataFrame, messages: pd.DataFrame, label: Label) -> dict:
    """Metrics of a trained model on labelled data (ideally held out): ranking, the flag at the
    model's threshold, confusion matrix and reliability table. ``same_as_training`` warns
    when these are the very conversations the model was trained on."""
    table, y, n_missing, _ = labelled_table(conversations, messages, label)
    if len(y) == 0:
        raise InputError(Problem("--label", f"no conversation has a value for {label.text!r}", code="too-few-labels"))
    scores = model.score(table)
    metrics = binary_metrics(y, scores, model.threshold)
    reliability = reliability_table(y, scores).astype(object)
    metrics["reliability"] = reliability.where(reliability.notna(), None).to_dict(orient="records")
    metrics["excluded_missing_label"] = n_missing
    metrics["label"] = label.text
    metrics["model_label"] = model.label
    metrics["same_as_training"] = data_fingerprint(table) == model.card.get("data", {}).get("fingerprint")
    return metrics


def predict_chunks(model: RiskModel, datasets, **options) -> tuple[pd.DataFrame, ProblemLog]:
    """``predict_risk`` over an iterable of Datasets (e.g. ``io.iter_conversations``): memory
    holds one chunk's messages at a time. Returns the RISK frame and the merged reading log."""
    log = ProblemLog()
    parts = []
    for chunk in datasets:
        parts.append(predict_risk(model, chunk.conversations, chunk.messages, **options))
        log.merge(chunk.log)
    risk = pd.concat(parts, ignore_index=True) if parts else frames.empty(frames.RISK)
    return frames.conform(risk, frames.RISK), log
