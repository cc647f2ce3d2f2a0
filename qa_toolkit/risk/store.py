"""Saving and loading risk models with skops — never pickle, whose loading runs code.

Loading first lists the types the file would create; anything outside skops' own safe set
and the few types our pipeline uses is refused with an InputError, before anything is built.
Random bytes, a pickle, a foreign skops file or a tampered one are refused the same way, and so
is a payload whose fields were edited into nonsense (a threshold that is not a number in
[0, 1], a card that is not JSON) or whose pipeline cannot score the table this qa-toolkit makes
(trained on other columns): it is tried on one probe row before it is handed out.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd

from qa_toolkit.atomic import write_bytes
from qa_toolkit.problems import InputError, Problem
from qa_toolkit.risk.features import NUMERIC_SOURCES, TEXT_COLUMNS
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


def save_model(model, path: str | os.PathLike) -> Path:
    """Write ``model`` (a RiskModel) to ``path`` as a skops archive, atomically."""
    import skops.io as sio

    payload = {
        "kind": KIND,
        "format_version": FORMAT_VERSION,
        "pipeline": model.pipeline,
        "threshold": float(model.threshold),
        "label": model.label,
        "label_fields": list(model.label_fields),
        "card_json": json.dumps(model.card, ensure_ascii=False),
    }
    return write_bytes(path, sio.dumps(payload))


def _refuse(path: Path, message: str) -> InputError:
    return InputError(Problem(str(path), f"refusing to load the model: {message}", code="untrusted-model"))


def load_model(path: str | os.PathLike):
    """Read a model written by ``save_model``; InputError for anything else."""
    import skops.io as sio

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputError(Problem(str(path), f"cannot read the model file: {err.strerror or err}",
                                 code="unreadable")) from None
    try:
        untrusted = sio.get_untrusted_types(data=data)
    except Exception as err:  # skops raises zipfile/json/KeyError for anything not its own archive
        raise _refuse(path, f"not a skops model archive ({type(err).__name__}); "
                            "pickles and other formats are never loaded") from None
    foreign = sorted(set(untrusted) - TRUSTED_TYPES)
    if foreign:
        raise _refuse(path, "it contains types qa-toolkit does not trust: " + ", ".join(foreign[:5])
                      + (" ..." if len(foreign) > 5 else ""))
    try:
        payload = sio.loads(data, trusted=sorted(untrusted))
    except Exception as err:
        raise _refuse(path, f"the archive is damaged or was altered ({type(err).__name__}: {err})") from None
    if not isinstance(payload, dict) or payload.get("kind") != KIND:
        raise _refuse(path, "it is not a qa-toolkit risk model (wrong or missing 'kind')")
    if payload.get("format_version") != FORMAT_VERSION:
        raise _refuse(path, f"model format {payload.get('format_version')!r} is not supported "
                            f"(this qa-toolkit reads format {FORMAT_VERSION}); retrain it")
    return _checked(path, payload)


def _checked(path: Path, payload: dict):
    """The RiskModel of a payload whose every field is what ``save_model`` writes and whose
    pipeline scores a probe row; InputError naming the first field that is not."""
    threshold = payload.get("threshold")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not math.isfinite(threshold) \
            or not 0 <= threshold <= 1:
        raise _refuse(path, f"its threshold {threshold!r} is not a number from 0 to 1")
    label, fields = payload.get("label"), payload.get("label_fields")
    if not isinstance(label, str) or not isinstance(fields, (list, tuple)) or \
            not all(isinstance(f, str) for f in fields):
        raise _refuse(path, "its label or label fields are not text")
    try:
        card = json.loads(payload.get("card_json"))
    except (TypeError, ValueError):
        card = None
    if not isinstance(card, dict):
        raise _refuse(path, "its model card is not a JSON object")
    model = RiskModel(pipeline=payload.get("pipeline"), threshold=float(threshold), label=label,
                      label_fields=tuple(fields), card=card)
    try:
        probe = model.score(_probe_table())
        usable = probe.shape == (1,) and bool(np.isfinite(probe).all()) and 0 <= probe[0] <= 1
    except Exception as err:  # a foreign pipeline can fail in any of scikit-learn's ways
        raise _refuse(path, f"it cannot score the conversations this qa-toolkit reads, e.g. trained on other "
                            f"columns ({type(err).__name__}: {str(err)[:200]}); retrain it") from None
    if not usable:
        raise _refuse(path, "its pipeline does not give a risk from 0 to 1; retrain it")
    return model


def _probe_table() -> pd.DataFrame:
    """One conversation as ``conversation_table`` makes it: no text, every number 0."""
    return pd.DataFrame({"conversation_id": ["probe"], **{c: pd.array([""], dtype="string") for c in TEXT_COLUMNS},
                         **{c: [0.0] for c in NUMERIC_SOURCES}})
