"""The inner search of a learned criterion (``learning.search.choose``) chooses what scikit-learn's
``GridSearchCV`` with the one-standard-error refit chooses, and fits the same model, while fitting
the feature steps (the TF-IDF vectorisers) once per inner fold and setting instead of once per
candidate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from learned_data import graded_records, write_rubric
from sklearn.metrics import cohen_kappa_score, make_scorer
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from qa_toolkit.io import conversations_from_records
from qa_toolkit.learning.features import FOCUS, ViewFeatures
from qa_toolkit.learning.grades import labels_from
from qa_toolkit.learning.pipeline import INNER_FOLDS, build_pipeline, candidates
from qa_toolkit.learning.search import choose, simplest_within_one_se
from qa_toolkit.learning.train import rule_of, training_set
from qa_toolkit.rubric import require_rubric
from qa_toolkit.rubric.checks._base import Chunk


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    records, grades = graded_records(60, seed=5)
    data = conversations_from_records(records)
    labels = labels_from(pd.DataFrame(grades), "outcome", "grades.csv")
    rubric = require_rubric(write_rubric(tmp_path_factory.mktemp("search") / "rubric.yaml"))
    return Chunk(data.conversations, data.messages), labels, rubric


@pytest.mark.parametrize(("criterion", "focus"), [("soothe", "whole"), ("greeting", "agent")])
def test_the_search_chooses_and_fits_what_grid_search_does(graded, criterion, focus):
    frames, labels, rubric = graded
    rule = rule_of(rubric, criterion)
    data = training_set(frames, labels.of(criterion), rule)
    views, seed = FOCUS[focus], 4
    pipeline, tried = build_pipeline(views, seed=seed), candidates(views, rule=rule is not None)
    reference = GridSearchCV(
        pipeline,
        [{k: [v] for k, v in params.items()} for params in tried],
        scoring=make_scorer(cohen_kappa_score),
        refit=simplest_within_one_se,
        cv=StratifiedKFold(INNER_FOLDS, shuffle=True, random_state=seed),
        error_score=0.0,
    ).fit(data.table, data.y)
    chosen = choose(pipeline, tried, data.table, data.y, seed=seed)
    assert chosen.get_params()["classifier"].get_params() == reference.best_estimator_["classifier"].get_params()
    np.testing.assert_array_equal(chosen.predict_proba(data.table), reference.predict_proba(data.table))


def test_the_feature_steps_are_fitted_once_per_fold_and_setting(graded, monkeypatch):
    frames, labels, rubric = graded
    rule = rule_of(rubric, "greeting")
    data = training_set(frames, labels.of("greeting"), rule)
    tried = candidates(FOCUS["whole"], rule=True)  # the rule alone, then C × class weight: two settings
    fits = []
    real = ViewFeatures.fit
    monkeypatch.setattr(ViewFeatures, "fit", lambda self, X, y=None: fits.append(len(X)) or real(self, X, y))
    choose(build_pipeline(FOCUS["whole"]), tried, data.table, data.y, seed=0)
    assert len(tried) == 9 and len(fits) == 2 * INNER_FOLDS + 1  # and the refit on all of them
    assert fits[-1] == len(data.y) > max(fits[:-1])
