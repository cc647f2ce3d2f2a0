"""Model files, shared by the risk model and learned criteria: skops archives (never pickle,
whose loading runs code) holding a dict with a ``kind`` and a ``format_version``, and the card
written beside each model (``.card.json`` for machines, ``.card.md`` for people).

Format 2 (both kinds) writes each TF-IDF vocabulary as one array of its terms; format 1 wrote
it as a dict and is still read.

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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from qa_toolkit.atomic import write_bytes, write_json, write_text
from qa_toolkit.problems import InputError, Problem

_LIBRARIES = ("qa-toolkit", "scikit-learn", "numpy", "scipy", "pandas", "skops")


def save_archive(path: str | os.PathLike, kind: str, format_version: int, pipeline, card: dict, fields: dict) -> Path:
    """Write a model as a skops archive, atomically and deflated: a dict of its ``kind``,
    ``format_version``, ``pipeline``, its own ``fields`` and its card (as JSON text). The
    pipeline's vocabularies are written as arrays of terms (``_terms_as_arrays``)."""
    import skops.io as sio

    payload = {
        "kind": kind,
        "format_version": format_version,
        "pipeline": pipeline,
        **fields,
        "card_json": json.dumps(card, ensure_ascii=False),
    }
    with _terms_as_arrays(pipeline):
        data = sio.dumps(payload, compression=zipfile.ZIP_DEFLATED)
    return write_bytes(path, data)


def _vocabulary_holders(estimator) -> list:
    """Every fitted scikit-learn estimator reachable from ``estimator`` that has a ``vocabulary_``
    (a text vectorizer inside a pipeline, a column transformer, a calibrated classifier)."""
    holders, seen, stack = [], set(), [estimator]
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
            if getattr(obj, "vocabulary_", None) is not None:
                holders.append(obj)
            stack.extend(value for name, value in vars(obj).items() if name != "vocabulary_")
    return holders


@contextmanager
def _terms_as_arrays(estimator) -> Iterator[None]:
    """Each vocabulary (term -> index) reachable from ``estimator`` held, while the archive is
    written, as one array of its terms in index order, then given back: skops writes a dict entry
    by entry (~250 bytes of JSON a term, nearly all of a model's saving and loading time) and an
    array as one file. A vocabulary an array cannot hold exactly is written as it is."""
    kept = []  # (holder, its vocabulary): each holder once (``_vocabulary_holders``)
    for holder in _vocabulary_holders(estimator):
        terms = _term_array(holder.vocabulary_)
        if terms is not None:
            kept.append((holder, holder.vocabulary_))
            holder.vocabulary_ = terms
    try:
        yield
    finally:
        for holder, vocabulary in kept:
            holder.vocabulary_ = vocabulary


def _term_array(vocabulary) -> np.ndarray | None:
    """The terms of ``vocabulary`` in index order as a string array; None unless its indices are
    0..n-1 and the array gives back every term exactly (numpy drops a term's trailing NULs)."""
    if not isinstance(vocabulary, dict):
        return None
    terms = [None] * len(vocabulary)
    for term, index in vocabulary.items():
        if not 0 <= index < len(terms) or terms[index] is not None:
            return None
        terms[index] = term
    array = np.array(terms, dtype=str)
    return array if array.tolist() == terms else None


def _terms_as_vocabularies(estimator) -> bool:
    """Undo ``_terms_as_arrays`` on a loaded pipeline: each term array becomes term -> index.
    False (nothing changed) when an array is not distinct terms, one after the other."""
    holders = [h for h in _vocabulary_holders(estimator) if isinstance(h.vocabulary_, np.ndarray)]
    vocabularies = []
    for holder in holders:
        terms = holder.vocabulary_
        if terms.ndim != 1 or terms.dtype.kind != "U":
            return False
        vocabulary = {term: index for index, term in enumerate(terms.tolist())}
        if len(vocabulary) != len(terms):
            return False
        vocabularies.append(vocabulary)
    for holder, vocabulary in zip(holders, vocabularies):
        holder.vocabulary_ = vocabulary
    return True


def refused(path: str | os.PathLike, message: str) -> InputError:
    """The InputError of a model file that is not loaded, and why."""
    return InputError(Problem(str(path), f"refusing to load the model: {message}", code="untrusted-model"))


def load_archive(
    path: str | os.PathLike, *, kind: str, format_version: int, trusted: frozenset[str], what: str
) -> dict:
    """The payload of a skops archive written by ``save_archive`` for ``kind`` (``what``: its name
    in messages, e.g. "a qa-toolkit risk model") in any format from 1 to ``format_version``,
    creating no type outside skops' safe set and ``trusted``; InputError for anything else."""
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
    version = payload.get("format_version")
    if isinstance(version, bool) or version not in range(1, format_version + 1):
        raise refused(
            path,
            f"model format {version!r} is not supported "
            f"(this qa-toolkit reads formats 1 to {format_version}); retrain it",
        )
    if not _terms_as_vocabularies(payload.get("pipeline")):
        raise refused(path, "the archive is damaged or was altered (a vocabulary is not a list of distinct terms)")
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
