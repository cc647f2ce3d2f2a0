"""A criterion model learned from human grades: the fitted Pipeline (conversation views →
features → linear classifier), what it was trained for (criterion, rubric id and version),
the rule whose outcome it reads (if any), and its card. Scoring it needs only numpy: the
pipeline's own steps do the work, so this module stays light for the check registry."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass
class LearnedModel:
    """A trained criterion model with everything needed to use and audit it."""

    pipeline: object  # sklearn Pipeline: views table -> classes
    criterion_id: str
    rubric_id: str | None
    rubric_version: str | None
    rule: str | None = None  # the rule (check + when) whose outcome is a feature, as JSON
    card: dict = field(default_factory=dict)

    @property
    def classes(self) -> list[str]:
        """The outcomes the model can give (pass, fail and, if the grades had it, na)."""
        return [str(c) for c in self.pipeline.classes_]

    def predict(self, table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """(outcome per row, its probability) for a views table."""
        if table.empty:
            return np.array([], dtype=object), np.zeros(0)
        proba = self.pipeline.predict_proba(table)
        best = proba.argmax(axis=1)
        return np.asarray(self.classes, dtype=object)[best], proba[np.arange(len(best)), best]

    def margins(self, table: pd.DataFrame) -> np.ndarray:
        """Per row and class, the linear score of that class against the others' mean: how hard
        the row's own features push toward it (rows × classes)."""
        scores = self.pipeline.decision_function(table)
        if scores.ndim == 1:  # two classes: one score for the second
            scores = np.stack([-scores / 2, scores / 2], axis=1)
        return scores - scores.mean(axis=1, keepdims=True)

    def binding(self) -> str:
        """What the model was trained for, in words: "criterion 'greeting' of rubric ecommerce-zh 1.2"."""
        rubric = f"rubric {self.rubric_id} {self.rubric_version}" if self.rubric_id else "no rubric"
        return f"criterion '{self.criterion_id}' of {rubric}"

    def mismatch(self, rubric_id: str, rubric_version: str, criterion_id: str) -> str | None:
        """Why this model must not judge ``criterion_id`` of that rubric, or None when it may."""
        if (self.criterion_id, self.rubric_id, self.rubric_version) == (criterion_id, rubric_id, rubric_version):
            return None
        return (
            f"it was trained for {self.binding()}, not for criterion '{criterion_id}' of rubric "
            f"{rubric_id} {rubric_version}; retrain it (`qa criterion train --criterion {criterion_id} "
            "--rubric <this rubric>`)"
        )
