"""The two steps of a learned criterion's pipeline that scikit-learn does not ship, written to
its estimator contract so they compose, cross-validate and are stored with skops like stock
steps: ``ViewFeatures`` (a views table from ``rubric.checks._views`` → the chosen text views, the
position counts log-scaled, the outcome of the rule the model reads) and ``RuleOutcome`` (the
candidate model that gives the rule's own outcome)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from qa_toolkit.rubric.checks._views import COUNTS, RULE, TEXT_VIEWS

#: The text views each focus reads (``qa criterion train --focus``).
FOCUS: dict[str, tuple[str, ...]] = {
    "opening": ("opening",),
    "closing": ("closing",),
    "agent": ("agent", "prompts"),
    "whole": tuple(TEXT_VIEWS),
}


class ViewFeatures(TransformerMixin, BaseEstimator):
    """Views table → model inputs: the ``views`` text columns, log1p of the position counts
    (``counts``), and the rule outcome column."""

    def __init__(self, views: tuple[str, ...] = tuple(TEXT_VIEWS), counts: bool = True):
        self.views = views
        self.counts = counts

    def fit(self, X: pd.DataFrame, y=None) -> ViewFeatures:
        unknown = [v for v in self.views if v not in TEXT_VIEWS]
        if unknown:
            raise ValueError(f"unknown view(s): {', '.join(unknown)} (known: {', '.join(TEXT_VIEWS)})")
        self.columns_ = [*self.views, *(COUNTS if self.counts else ()), RULE]
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        check_is_fitted(self, "columns_")
        out = pd.DataFrame(
            {v: X[v].astype("string").fillna("").to_numpy(dtype=object) for v in self.views}, index=X.index
        )
        if self.counts:
            for c in COUNTS:
                out[c] = np.log1p(X[c].astype("float64").fillna(0).clip(lower=0))
        out[RULE] = X[RULE].astype("string").fillna("none").to_numpy(dtype=object)
        return out

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self, "columns_")
        return np.asarray(self.columns_, dtype=object)


class RuleOutcome(ClassifierMixin, BaseEstimator):
    """A classifier that gives the rule's own outcome: it reads the rule's one-hot columns (in
    ``categories`` order, as the pipeline's encoder writes them) and answers with that outcome,
    or with the most graded outcome when the rule's is not one the grades have (e.g. ``review``).
    The learned criterion falls back to it when the text does not beat the rule."""

    def __init__(self, categories: tuple[str, ...] = ()):
        self.categories = categories

    def fit(self, X, y) -> RuleOutcome:
        self.classes_, counts = np.unique(np.asarray(y, dtype=object).astype(str), return_counts=True)
        self.fallback_ = self.classes_[np.argmax(counts)]
        return self

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self, "classes_")
        said = np.asarray(self.categories, dtype=object)[np.asarray(X.argmax(axis=1)).reshape(-1)]
        return np.where(np.isin(said, self.classes_), said, self.fallback_).astype(object)

    def predict_proba(self, X) -> np.ndarray:
        return (self.predict(X)[:, np.newaxis] == self.classes_[np.newaxis, :]).astype("float64")

    def decision_function(self, X) -> np.ndarray:
        return self.predict_proba(X)
