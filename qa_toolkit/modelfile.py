"""Model files, shared by the risk model and learned criteria: skops archives (never pickle,
whose loading runs code) holding a dict with a ``kind`` and a ``format_version``, and the card
written beside each model (``.card.json`` for machines, ``.card.md`` for people).

Loading first lists the types the file would create; anything outside skops' own safe set and
the caller's allow-list is refused with an InputError, before anything is built. Random bytes,
a pickle, a foreign skops file, a tampered one or another kind of model are refused the same way.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import zipfile
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

import pandas as pd

from qa_toolkit.atomic import write_bytes, write_json, write_text
from qa_toolkit.problems import InputError, Problem

_LIBRARIES = ("qa-toolkit", "scikit-learn", "numpy", "scipy", "pandas", "skops")


def save_archive(path: str | os.PathLike, kind: str, format_version: int, pipeline, card: dict, fields: dict) -> Path:
    """Write a model as a skops archive, atomically and deflated: a dict of its ``kind``,
    ``format_version``, ``pipeline``, its own ``fields`` and its card (as JSON text). The
    pipeline's vocabularies are made plain first (``plain_vocabularies``)."""
    import skops.io as sio

    plain_vocabularies(pipeline)
    payload = {
        "kind": kind,
        "format_version": format_version,
        "pipeline": pipeline,
        **fields,
        "card_json": json.dumps(card, ensure_ascii=False),
    }
    return write_bytes(path, sio.dumps(payload, compression=zipfile.ZIP_DEFLATED))


def plain_vocabularies(estimator) -> None:
    """Make every fitted ``vocabulary_`` reachable from ``estimator`` map to Python ints, in place.

    scikit-learn's vectorizers keep numpy int64 term indices; skops stores each as its own array
    file (thousands per model, most of the saving time) where a Python int is one JSON value.
    The indices are equal, so the estimator transforms and scores exactly as before."""
    seen: set[int] = set()
    stack = [estimator]
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, (list, tuple)):
            stack.extend(obj)
        elif isinstance(obj, dict):
            stack.extend(obj.values())
        elif hasattr(obj, "get_params"):  # a scikit-learn estimator: its fitted parts are attributes
            vocabulary = getattr(obj, "vocabulary_", None)
            if isinstance(vocabulary, dict):
                obj.vocabulary_ = {term: int(index) for term, index in vocabulary.items()}
            stack.extend(value for name, value in vars(obj).items() if name != "vocabulary_")


def refused(path: str | os.PathLike, message: str) -> InputError:
    """The InputError of a model file that is not loaded, and why."""
    return InputError(Problem(str(path), f"refusing to load the model: {message}", code="untrusted-model"))


def load_archive(
    path: str | os.PathLike, *, kind: str, format_version: int, trusted: frozenset[str], what: str
) -> dict:
    """The payload of a skops archive written by ``save_archive`` for ``kind`` (``what``: its name
    in messages, e.g. "a qa-toolkit risk model"), creating no type outside skops' safe set and
    ``trusted``; InputError for anything else."""
    import skops.io as sio

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputError(
            Problem(str(path), f"cannot read the model file: {err.strerror or err}", code="unreadable")
        ) from None
    try:
        untrusted = sio.get_untrusted_types(data=data)
    except Exception as err:  # skops raises zipfile/json/KeyError for anything not its own archive
        raise refused(
            path, f"not a skops model archive ({type(err).__name__}); pickles and other formats are never loaded"
        ) from None
    foreign = sorted(set(untrusted) - trusted)
    if foreign:
        raise refused(
            path,
            "it contains types qa-toolkit does not trust: "
            + ", ".join(foreign[:5])
            + (" ..." if len(foreign) > 5 else ""),
        )
    try:
        payload = sio.loads(data, trusted=sorted(untrusted))
    except Exception as err:
        raise refused(path, f"the archive is damaged or was altered ({type(err).__name__}: {err})") from None
    if not isinstance(payload, dict) or payload.get("kind") != kind:
        raise refused(path, f"it is not {what} (wrong or missing 'kind')")
    if payload.get("format_version") != format_version:
        raise refused(
            path,
            f"model format {payload.get('format_version')!r} is not supported "
            f"(this qa-toolkit reads format {format_version}); retrain it",
        )
    return payload


def fingerprint(table: pd.DataFrame, columns: Sequence[str]) -> str:
    """SHA-256 over ``columns`` of ``table``: the same rows ⇒ the same fingerprint."""
    hashed = pd.util.hash_pandas_object(table[list(columns)], index=False)
    return "sha256:" + hashlib.sha256(hashed.to_numpy().tobytes()).hexdigest()


def library_versions() -> dict[str, str]:
    """Python's and the model libraries' versions, for the card."""
    out = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def card_paths(model_path: str | os.PathLike) -> tuple[Path, Path]:
    """``model.skops`` → (``model.card.json``, ``model.card.md``) beside it."""
    model_path = Path(model_path)
    stem = model_path.name[: -len(model_path.suffix)] if model_path.suffix else model_path.name
    return model_path.with_name(f"{stem}.card.json"), model_path.with_name(f"{stem}.card.md")


def card_markdown(lines: list[str], versions: dict[str, str]) -> str:
    """A card's Markdown: its own sections (``lines``), then the library ``versions`` it was made with."""
    return "\n".join([*lines, "## Versions", "", ", ".join(f"{k} {v}" for k, v in versions.items()), ""])


def write_card(card: dict, markdown: str, model_path: str | os.PathLike) -> tuple[Path, Path]:
    """Write the card as JSON and its Markdown beside the model, atomically."""
    json_path, md_path = card_paths(model_path)
    write_json(json_path, card)
    write_text(md_path, markdown)
    return json_path, md_path
