"""The pipeline of a learned criterion: the feature step (``features.ViewFeatures``), TF-IDF of
character n-grams per text view, the scaled position counts and the rule's outcome one-hot
(weighted up, so the rule acts as a strong prior the text must overcome), then a multinomial
logistic regression. Its regularisation and class weighting — and, when it reads a rule,
whether the text helps at all (the rule-only model is a candidate too, preferred on a tie) —
are chosen by Cohen's κ in an inner cross-validation."""

from __future__ import annotations

from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import cohen_kappa_score, make_scorer
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from qa_toolkit.frames import OUTCOMES
from qa_toolkit.learning.features import ViewFeatures
from qa_toolkit.risk.features import char_ngrams
from qa_toolkit.rubric.checks._views import COUNTS, RULE

#: Regularisation strengths tried (inverse: larger fits the grades more closely) and class
#: weightings (balanced: a rare outcome weighs as much as a common one), chosen by κ in an
#: inner cross-validation of the training conversations.
C_GRID = (0.3, 1.0, 3.0, 10.0)
CLASS_WEIGHTS = (None, "balanced")
INNER_FOLDS = 3
#: How much the rule's one-hot outcome weighs against the (unit-length) text vectors.
RULE_WEIGHT = 3.0


def build_pipeline(views: tuple[str, ...], *, C: float = 1.0, seed: int = 0) -> Pipeline:
    """The untrained pipeline reading ``views`` (see ``features.FOCUS``)."""
    columns = ColumnTransformer([
        *((view, char_ngrams(), view) for view in views),
        ("counts", StandardScaler(), list(COUNTS)),
        ("rule", OneHotEncoder(categories=[[*OUTCOMES, "none"]], handle_unknown="ignore"), [RULE]),
    ], transformer_weights={"rule": RULE_WEIGHT})
    # saga: ~20x faster than lbfgs on wide TF-IDF; seeded, so the same grades train the same model
    classifier = LogisticRegression(C=C, solver="saga", tol=1e-3, max_iter=5000, random_state=seed)
    return Pipeline([("features", ViewFeatures(views=views)), ("columns", columns), ("classifier", classifier)])


def tuned(pipeline: Pipeline, views: tuple[str, ...], *, rule: bool, seed: int = 0) -> GridSearchCV:
    """``pipeline`` with ``C`` and the class weighting chosen by Cohen's κ in an inner stratified
    cross-validation (refit on all it is given); with a ``rule``, the model of the rule's outcome
    alone competes too, first, so it wins a tie."""
    weights = {"classifier__class_weight": list(CLASS_WEIGHTS)}
    rule_only = {**{f"columns__{v}": ["drop"] for v in (*views, "counts")}, **weights}
    grid = [*([rule_only] if rule else []), {"classifier__C": list(C_GRID), **weights}]
    return GridSearchCV(pipeline, grid, scoring=make_scorer(cohen_kappa_score),
                        cv=StratifiedKFold(INNER_FOLDS, shuffle=True, random_state=seed), error_score=0.0)
