"""Saving and loading risk models through ``modelfile``: a skops archive whose non-default
types are the few our pipeline uses (random bytes, a pickle, a foreign, tampered or other-kind
file are refused there). A payload whose fields were edited into nonsense (a threshold that is
not a number in [0, 1], a card that is not JSON) or whose pipeline cannot score the table this
qa-toolkit makes (trained on other columns) is refused too: it is tried on one probe row before
it is handed out.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd

from qa_toolkit.modelfile import load_archive, refused, save_archive
from qa_toolkit.risk.features import NUMERIC_SOURCES, TEXT_COLUMNS
from qa_toolkit.risk.model import RiskModel

KIND = "qa-toolkit-risk-model"
FORMAT_VERSION = 2

#: The only non-default types a model file of ours may contain.
TRUSTED_TYPES = frozenset(
    {
        "qa_toolkit.risk.features.ConversationFeatures",
        "qa_toolkit.risk.features.normalise_text",
        "sklearn.calibration._CalibratedClassifier",
        "sklearn.calibration._SigmoidCalibration",
    }
)


def save_model(model: RiskModel, path: str | os.PathLike) -> Path:
    """Write ``model`` to ``path`` as a skops archive, atomically."""
    fields = {"threshold": float(model.threshold), "label": model.label, "label_fields": list(model.label_fields)}
    return save_archive(path, KIND, FORMAT_VERSION, model.pipeline, model.card, fields)


def load_model(path: str | os.PathLike) -> RiskModel:
    """Read a model written by ``save_model``; InputError for anything else."""
    payload = load_archive(
        path, kind=KIND, format_version=FORMAT_VERSION, trusted=TRUSTED_TYPES, what="a qa-toolkit risk model"
    )
    return _checked(path, payload)


def _checked(path: str | os.PathLike, payload: dict) -> RiskModel:
    """The RiskModel of a payload whose every field is what ``save_model`` writes and whose
    pipeline scores a probe row; InputError naming the first field that is not."""
    threshold = payload.get("threshold")
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, (int, float))
        or not math.isfinite(threshold)
        or not 0 <= threshold <= 1
    ):
        raise refused(path, f"its threshold {threshold!r} is not a number from 0 to 1")
    label, fields = payload.get("label"), payload.get("label_fields")
    if (
        not isinstance(label, str)
        or not isinstance(fields, (list, tuple))
        or not all(isinstance(f, str) for f in fields)
    ):
        raise refused(path, "its label or label fields are not text")
    try:
        card = json.loads(payload.get("card_json"))
    except (TypeError, ValueError):
        card = None
    if not isinstance(card, dict):
        raise refused(path, "its model card is not a JSON object")
    model = RiskModel(
        pipeline=payload.get("pipeline"), threshold=float(threshold), label=label, label_fields=tuple(fields), card=card
    )
    try:
        probe = model.score(_probe_table())
        usable = probe.shape == (1,) and bool(np.isfinite(probe).all()) and 0 <= probe[0] <= 1
    except Exception as err:  # a foreign pipeline can fail in any of scikit-learn's ways
        raise refused(
            path,
            f"it cannot score the conversations this qa-toolkit reads, e.g. trained on other "
            f"columns ({type(err).__name__}: {str(err)[:200]}); retrain it",
        ) from None
    if not usable:
        raise refused(path, "its pipeline does not give a risk from 0 to 1; retrain it")
    return model


def _probe_table() -> pd.DataFrame:
    """One conversation as ``conversation_table`` makes it: no text, every number 0."""
    return pd.DataFrame(
        {
            "conversation_id": ["probe"],
            **{c: pd.array([""], dtype="string") for c in TEXT_COLUMNS},
            **{c: [0.0] for c in NUMERIC_SOURCES},
        }
    )
