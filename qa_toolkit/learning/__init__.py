"""Criteria learned from the team's own grades: grades as labels (``grades``), the feature step
and pipeline (``features``, ``pipeline``), training with cross-validation (``train``), the card,
and the model file (``model``, ``store``) a rubric's ``learned`` check reads."""
