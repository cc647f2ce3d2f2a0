"""Saving and loading learned criterion models through ``modelfile`` (skops, a type
allow-list), and the per-process cache a rubric's ``learned`` checks read them from: each
file is loaded once per process (and again only when it changes on disk), so every chunk and
every worker process pays for it once."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

from qa_toolkit.learning.model import LearnedModel
from qa_toolkit.modelfile import load_archive, save_archive

KIND = "qa-toolkit-learned-criterion"
FORMAT_VERSION = 2

#: The only non-default types a learned criterion file may contain.
TRUSTED_TYPES = frozenset(
    {
        "qa_toolkit.learning.features.RuleOutcome",
        "qa_toolkit.learning.features.ViewFeatures",
        "qa_toolkit.risk.features.normalise_text",
    }
)


def save_model(model: LearnedModel, path: str | os.PathLike) -> Path:
    """Write ``model`` to ``path`` as a skops archive, atomically."""
    fields = {
        "criterion_id": model.criterion_id,
        "rubric_id": model.rubric_id,
        "rubric_version": model.rubric_version,
        "rule": model.rule,
    }
    return save_archive(path, KIND, FORMAT_VERSION, model.pipeline, model.card, fields)


def load_model(path: str | os.PathLike) -> LearnedModel:
    """Read a model written by ``save_model``; InputError for anything else."""
    payload = load_archive(
        path,
        kind=KIND,
        format_version=FORMAT_VERSION,
        trusted=TRUSTED_TYPES,
        what="a qa-toolkit learned criterion model",
    )
    return LearnedModel(
        pipeline=payload["pipeline"],
        criterion_id=str(payload["criterion_id"]),
        rubric_id=payload["rubric_id"],
        rubric_version=payload["rubric_version"],
        rule=payload["rule"],
        card=json.loads(payload["card_json"]),
    )


def cached_model(path: str | os.PathLike) -> LearnedModel:
    """``load_model`` once per process and file version (path, size, modification time)."""
    path = Path(path).resolve()
    try:
        stat = path.stat()
    except OSError:
        return load_model(path)  # InputError naming the file
    return _cached(path, stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=64)
def _cached(path: Path, size: int, mtime_ns: int) -> LearnedModel:
    return load_model(path)
