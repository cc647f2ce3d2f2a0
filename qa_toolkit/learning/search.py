"""Choose a learned criterion's settings by Cohen's κ in an inner stratified cross-validation and
refit the chosen one on all it is given — what ``GridSearchCV`` with ``simplest_within_one_se``
did, with the steps before the classifier (the TF-IDF vectorisers) fitted once per fold and
setting, not once per candidate: the regularisation and class-weight candidates share them."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import cohen_kappa_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline

from qa_toolkit.learning.pipeline import INNER_FOLDS

#: A candidate's κ on a fold where it cannot be fitted or scored (e.g. one outcome only).
FAILED = 0.0


def choose(pipeline: Pipeline, candidates: list[dict], table: pd.DataFrame, y: np.ndarray, *, seed: int) -> Pipeline:
    """``pipeline`` with the candidate settings ``simplest_within_one_se`` picks, fitted on ``table``."""
    scores = fold_scores(pipeline, candidates, table, y, seed=seed)
    mean = np.average(scores, axis=1)
    std = np.sqrt(np.average((scores - mean[:, np.newaxis]) ** 2, axis=1))
    best = simplest_within_one_se({"mean_test_score": mean, "std_test_score": std})
    return clone(pipeline).set_params(**clone(candidates[best], safe=False)).fit(table, y)


def fold_scores(
    pipeline: Pipeline, candidates: list[dict], table: pd.DataFrame, y: np.ndarray, *, seed: int
) -> np.ndarray:
    """κ of each candidate (rows) on each inner fold (columns), the feature steps fitted once per
    fold for all candidates that set them alike."""
    scores = np.full((len(candidates), INNER_FOLDS), FAILED)
    groups = _by_feature_settings(pipeline, candidates)
    folds = StratifiedKFold(INNER_FOLDS, shuffle=True, random_state=seed).split(table, y)
    for j, (train, test) in enumerate(folds):
        for settings, members in groups:
            features = clone(pipeline[:-1]).set_params(**settings)
            try:
                seen = features.fit_transform(table.iloc[train], y[train])
                unseen = features.transform(table.iloc[test])
            except ValueError:  # e.g. no n-gram in any training text: every member fails here
                continue
            for i in members:
                classifier = clone(pipeline).set_params(**clone(candidates[i], safe=False))[-1]
                try:
                    scores[i, j] = cohen_kappa_score(y[test], classifier.fit(seen, y[train]).predict(unseen))
                except ValueError:  # e.g. one outcome only in this fold's training part
                    pass
    return scores


def _by_feature_settings(pipeline: Pipeline, candidates: list[dict]) -> list[tuple[dict, list[int]]]:
    """The candidates grouped by their settings of the steps before the classifier, in order."""
    last = pipeline.steps[-1][0]
    groups: list[tuple[dict, list[int]]] = []
    for i, params in enumerate(candidates):
        settings = {k: v for k, v in params.items() if k != last and not k.startswith(f"{last}__")}
        same = next((members for known, members in groups if known == settings), None)
        if same is None:
            groups.append((settings, [i]))
        else:
            same.append(i)
    return groups


def simplest_within_one_se(results: dict) -> int:
    """The first (simplest) candidate whose mean κ is within one standard error of the best one's
    (the "one-standard-error rule" of model selection)."""
    mean = np.nan_to_num(np.asarray(results["mean_test_score"], dtype=float), nan=-1.0)
    best = int(np.argmax(mean))
    floor = mean[best] - float(results["std_test_score"][best]) / np.sqrt(INNER_FOLDS)
    return int(np.flatnonzero(mean >= floor)[0])
