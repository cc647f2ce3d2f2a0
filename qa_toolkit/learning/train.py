"""Train a criterion model from human grades: the graded conversations' views (and, when the
rubric has a rule for the criterion, that rule's outcome) through the pipeline of
``learning.pipeline``, cross-validated over conversations before it is fitted on all of them.

``train_criterion`` returns a ``LearnedModel`` whose card holds the data fingerprint, the rubric
id and version, the counts per class, the cross-validated accuracy, Cohen's κ and precision /
recall of ``fail``, and the features that weigh most.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold

from qa_toolkit.learning.card import build_card
from qa_toolkit.learning.features import FOCUS
from qa_toolkit.learning.grades import Grades
from qa_toolkit.learning.model import LearnedModel
from qa_toolkit.learning.pipeline import build_pipeline, candidates
from qa_toolkit.learning.search import choose
from qa_toolkit.problems import InputError, Problem
from qa_toolkit.rubric import checks
from qa_toolkit.rubric.checks._base import Chunk, outcome_labels
from qa_toolkit.rubric.checks._views import RULE, conversation_views
from qa_toolkit.rubric.schema import Rubric

#: The types of check a rule feature never holds: they are not rules.
NOT_RULES = ("manual", "learned")


def rule_of(rubric: Rubric | None, criterion_id: str) -> str | None:
    """The rubric's automatic rule for ``criterion_id`` (its check without manual or learned
    parts, and its ``when``) as JSON, or None when it has none."""
    criterion = next((c for _, c in rubric.criteria if c.id == criterion_id), None) if rubric else None
    check = _automatic(criterion.check) if criterion else None
    return None if check is None else checks.Rule(check=check, when=criterion.when).model_dump_json(by_alias=True)


def _automatic(check):
    """``check`` without its manual and learned parts (None when nothing is left)."""
    if check.type in NOT_RULES:
        return None
    if check.type in ("any", "all"):
        kept = [c for c in map(_automatic, check.checks) if c is not None]
        return None if not kept else kept[0] if len(kept) == 1 else check.model_copy(update={"checks": kept})
    return check


def rule_outcomes(frames: Chunk, rule: str) -> np.ndarray:
    """The outcome names the rule (JSON) gives the chunk's conversations."""
    parsed = checks.Rule.model_validate_json(rule)
    return outcome_labels(checks.evaluate(parsed.check, frames, parsed.when).outcome).to_numpy(dtype=object)


@dataclass
class TrainingSet:
    """The graded conversations found in the data: their views table and labels, and how many
    graded conversations the data lacks."""

    table: pd.DataFrame
    y: np.ndarray
    not_in_data: int = 0


def training_set(frames: Chunk, labels: pd.Series, rule: str | None) -> TrainingSet:
    """Views (with the rule's outcome) of the conversations ``labels`` grades, and their labels."""
    table = conversation_views(frames)
    if rule:
        table[RULE] = rule_outcomes(frames, rule)
    ids = table["conversation_id"].astype(str)
    found = ids.isin(labels.index).to_numpy()
    return TrainingSet(
        table[found].reset_index(drop=True),
        labels.reindex(ids[found]).to_numpy(dtype=object),
        int(len(labels) - found.sum()),
    )


def check_trainable(data: TrainingSet, criterion_id: str, folds: int) -> None:
    """InputError unless at least two outcomes have ``folds`` graded conversations or more."""
    counts = pd.Series(data.y, dtype=object).value_counts()
    if (counts >= folds).sum() < 2:
        found = ", ".join(f"{k} {v}" for k, v in counts.sort_index().items()) or "none"
        raise InputError(
            Problem(
                "--criterion",
                f"{criterion_id!r}: the grades found in the data give {found}; "
                f"{folds}-fold training needs at least {folds} conversations of each of two "
                "outcomes",
                field=criterion_id,
                code="too-few-grades",
            )
        )


@dataclass
class CrossValidation:
    """Out-of-fold predictions: every conversation judged by a model that never saw it."""

    predicted: np.ndarray
    folds: int
    seed: int


def cross_validate(
    data: TrainingSet,
    fit: Callable[[pd.DataFrame, np.ndarray], object],
    *,
    folds: int = 5,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> CrossValidation:
    """Stratified k-fold over conversations (one row each, so a conversation never straddles
    folds), shuffled with ``seed``; ``fit(table, y)`` trains each fold's model; ``progress(i)``
    after each fold."""
    predicted = np.empty(len(data.y), dtype=object)
    with _quiet():
        split = list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(data.table, data.y))
        for i, (train, test) in enumerate(split):
            model = fit(data.table.iloc[train], data.y[train])
            predicted[test] = model.predict(data.table.iloc[test])
            if progress:
                progress(i + 1)
    return CrossValidation(predicted, folds, seed)


@dataclass
class Trained:
    """A fitted pipeline with the data it was trained on and its cross-validation."""

    pipeline: object
    data: TrainingSet
    cv: CrossValidation
    rule: str | None


def fit_criterion(
    frames: Chunk,
    labels: pd.Series,
    criterion_id: str,
    rule: str | None,
    *,
    focus: str = "whole",
    folds: int = 5,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> Trained:
    """Cross-validate over the graded conversations of ``frames`` (the regularisation chosen
    inside each fold), then fit on all of them."""
    if focus not in FOCUS:
        raise InputError(Problem("--focus", f"unknown focus {focus!r} (known: {', '.join(FOCUS)})", code="usage"))
    data = training_set(frames, labels, rule)
    check_trainable(data, criterion_id, folds)
    base, tried = build_pipeline(FOCUS[focus], seed=seed), candidates(FOCUS[focus], rule=rule is not None)

    def fit(table: pd.DataFrame, y: np.ndarray):
        return choose(base, tried, table, y, seed=seed)

    cv = cross_validate(data, fit, folds=folds, seed=seed, progress=progress)
    with _quiet():
        pipeline = fit(data.table, data.y)
    return Trained(pipeline, data, cv, rule)


@contextmanager
def _quiet():
    """Fitting without two warnings that are expected here: an outcome graded fewer times than
    there are folds (it is still learned), and saga stopping at its iteration cap on a weakly
    regularised candidate (the inner cross-validation judges that candidate as it is)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "The least populated class", UserWarning)
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        yield


def train_criterion(
    conversations: pd.DataFrame,
    messages: pd.DataFrame,
    grades: Grades,
    criterion_id: str,
    *,
    rubric: Rubric | None = None,
    rule_from: str | None = None,
    focus: str = "whole",
    folds: int = 5,
    seed: int = 0,
    sources: dict[str, str | None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> LearnedModel:
    """Train the model of ``criterion_id`` from ``grades`` and write its card. ``rule_from``: the
    criterion whose rule's outcome is a feature (default: this one, when the rubric has a rule
    for it); ``sources``: the names of the grades file, the data and the rubric file, for the card."""
    labels = grades.of(criterion_id)
    if labels.empty:
        raise InputError(
            Problem(
                "--criterion",
                f"no grades for criterion {criterion_id!r} (graded: {', '.join(grades.criteria) or 'none'})",
                field=criterion_id,
                code="too-few-grades",
            )
        )
    if rule_from and not (rubric and any(c.id == rule_from for _, c in rubric.criteria)):
        raise InputError(
            Problem("--rule-from", f"the rubric has no criterion {rule_from!r}", field=rule_from, code="usage")
        )
    rule = rule_of(rubric, rule_from or criterion_id)
    trained = fit_criterion(
        Chunk(conversations, messages),
        labels,
        criterion_id,
        rule,
        focus=focus,
        folds=folds,
        seed=seed,
        progress=progress,
    )
    model = LearnedModel(
        pipeline=trained.pipeline,
        criterion_id=criterion_id,
        rubric_id=rubric.id if rubric else None,
        rubric_version=rubric.version if rubric else None,
        rule=rule,
    )
    model.card = build_card(
        model, trained.data, trained.cv, focus=focus, rule_from=rule_from or criterion_id, sources=sources or {}
    )
    return model
