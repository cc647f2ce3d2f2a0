"""Saving and loading risk models with skops — never pickle, whose loading runs code.

Loading first lists the types the file would create; anything outside skops' own safe set
and the few types our pipeline uses is refused with an InputError, before anything is built.
Random bytes, a pickle, a foreign skops file or a tampered one are refused the same way.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from qa_toolkit.atomic import write_bytes
from qa_toolkit.problems import InputError, Problem

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

    from qa_toolkit.risk.model import RiskModel

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
    return RiskModel(
        pipeline=payload["pipeline"],
        threshold=float(payload["threshold"]),
        label=str(payload["label"]),
        label_fields=tuple(payload["label_fields"]),
        card=json.loads(payload["card_json"]),
    )
