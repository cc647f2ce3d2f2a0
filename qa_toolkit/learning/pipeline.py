"""The pipeline of a learned criterion: the feature step (``features.ViewFeatures``), TF-IDF of
character n-grams per text view, the scaled position counts and the rule's outcome one-hot
(weighted up, so the rule acts as a strong prior the text must overcome), then a multinomial
logistic regression. Its regularisation and class weighting — and, when it reads a rule,
whether the text helps at all (the rule's own outcome is a candidate too) — are chosen by Cohen's
κ in an inner cross-validation (``search``), the simplest candidate within one standard error of the best:
on a few hundred grades the text must beat the rule clearly, not by the luck of a split."""

from __future__ import annotations

from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from qa_toolkit.frames import OUTCOMES
from qa_toolkit.learning.features import RuleOutcome, ViewFeatures
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
#: The rule column's values, in the order of its one-hot columns.
RULE_CATEGORIES = (*OUTCOMES, "none")


def build_pipeline(views: tuple[str, ...], *, C: float = 1.0, seed: int = 0) -> Pipeline:
    """The untrained pipeline reading ``views`` (see ``features.FOCUS``)."""
    columns = ColumnTransformer(
        [
            *((view, char_ngrams(), view) for view in views),
            ("counts", StandardScaler(), list(COUNTS)),
            ("rule", OneHotEncoder(categories=[list(RULE_CATEGORIES)], handle_unknown="ignore"), [RULE]),
        ],
        transformer_weights={"rule": RULE_WEIGHT},
    )
    # saga: ~20x faster than lbfgs on wide TF-IDF; seeded, so the same grades train the same model
    classifier = LogisticRegression(C=C, solver="saga", tol=1e-3, max_iter=5000, random_state=seed)
    return Pipeline([("features", ViewFeatures(views=views)), ("columns", columns), ("classifier", classifier)])


def candidates(views: tuple[str, ...], *, rule: bool) -> list[dict]:
    """The settings ``search.choose`` tries, from the simplest up: with a ``rule``, the rule's own
    outcome (the text and counts dropped); then each ``C`` from the strongest regularisation, each
    with every class weighting."""
    rule_alone = {
        **{f"columns__{v}": "drop" for v in (*views, "counts")},
        "classifier": RuleOutcome(categories=RULE_CATEGORIES),
    }
    text = [{"classifier__C": c, "classifier__class_weight": w} for c in C_GRID for w in CLASS_WEIGHTS]
    return [*([rule_alone] if rule else []), *text]
