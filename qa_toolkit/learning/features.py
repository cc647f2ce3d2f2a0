"""The feature step of a learned criterion, a scikit-learn transformer so it composes in the
Pipeline, cross-validates and is stored with skops like any stock step: a views table
(``rubric.checks._views``) → the chosen text views, the position counts log-scaled, and the
outcome of the rule the model reads (``none`` without one)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
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
        out = pd.DataFrame({v: X[v].astype("string").fillna("").to_numpy(dtype=object) for v in self.views},
                           index=X.index)
        if self.counts:
            for c in COUNTS:
                out[c] = np.log1p(X[c].astype("float64").fillna(0).clip(lower=0))
        out[RULE] = X[RULE].astype("string").fillna("none").to_numpy(dtype=object)
        return out

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self, "columns_")
        return np.asarray(self.columns_, dtype=object)
