"""Saving and loading risk models through ``modelfile``: a skops archive whose non-default
types are the few our pipeline uses."""

from __future__ import annotations

import json
import os
from pathlib import Path

from qa_toolkit.modelfile import load_archive, save_archive
from qa_toolkit.risk.model import RiskModel

KIND = "qa-toolkit-risk-model"
FORMAT_VERSION = 1

#: The only non-default types a model file of ours may contain.
TRUSTED_TYPES = frozenset({
    "qa_toolkit.risk.features.ConversationFeatures",
    "qa_toolkit.risk.features.normalise_text",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
})


def save_model(model: RiskModel, path: str | os.PathLike) -> Path:
    """Write ``model`` to ``path`` as a skops archive, atomically."""
    return save_archive({
        "kind": KIND,
        "format_version": FORMAT_VERSION,
        "pipeline": model.pipeline,
        "threshold": float(model.threshold),
        "label": model.label,
        "label_fields": list(model.label_fields),
        "card_json": json.dumps(model.card, ensure_ascii=False),
    }, path)


def load_model(path: str | os.PathLike) -> RiskModel:
    """Read a model written by ``save_model``; InputError for anything else."""
    payload = load_archive(path, kind=KIND, format_version=FORMAT_VERSION, trusted=TRUSTED_TYPES,
                           what="a qa-toolkit risk model")
    return RiskModel(
        pipeline=payload["pipeline"],
        threshold=float(payload["threshold"]),
        label=str(payload["label"]),
        label_fields=tuple(payload["label_fields"]),
        card=json.loads(payload["card_json"]),
    )
