"""The parsed-rubric cache: ruamel's round-trip parse is most of what loading a rubric costs
(~0.12 s for the shipped Chinese one, on every command that scores or reports), so the parsed
document (``yamldoc.Document``: plain values and the line/column of every node, as JSON — data,
never code) is kept in the user's cache folder under the SHA-256 of the rubric's text and the
qa-toolkit version, as ruff and mypy keep theirs. Validation and lint still run on every load,
so problems and their ``file:line:col`` are those of a fresh parse.

The folder: ``$QA_TOOLKIT_CACHE_DIR`` if set, else platformdirs' user cache folder when it is
installed, else ``$XDG_CACHE_HOME/qa-toolkit`` (``~/.cache/qa-toolkit``); ``QA_TOOLKIT_NO_CACHE=1``
switches the cache off. A cache that is missing, stale, corrupt or unwritable is never an
error: the text is parsed as if there were none (and the entry rewritten, atomically)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from qa_toolkit import __version__
from qa_toolkit.atomic import write_text
from qa_toolkit.problems import Problem
from qa_toolkit.yamldoc import Document, decode, document, encode, parse_yaml

DIR_VARIABLE = "QA_TOOLKIT_CACHE_DIR"
OFF_VARIABLE = "QA_TOOLKIT_NO_CACHE"
#: The layout of an entry; a change makes older entries stale.
FORMAT = 1


def cache_dir() -> Path | None:
    """The cache folder, or None when the cache is switched off."""
    if os.environ.get(OFF_VARIABLE, "") not in ("", "0"):
        return None
    if os.environ.get(DIR_VARIABLE):
        return Path(os.environ[DIR_VARIABLE])
    try:
        import platformdirs
    except ImportError:
        try:
            base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        except RuntimeError:  # no home folder to be found: no cache
            return None
        return Path(base) / "qa-toolkit"
    return Path(platformdirs.user_cache_dir("qa-toolkit", appauthor=False))


def read_document(text: str, source: str) -> tuple[Document | None, Problem | None]:
    """(the Document of ``text``, None) from the cache, or parsed (``yamldoc.parse_yaml``) and
    stored; (None, the syntax problem) when it is not valid YAML (never cached)."""
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    entry = _entry(digest)
    cached = _load(entry, digest) if entry is not None else None
    if cached is not None:
        return cached, None
    tree, problem = parse_yaml(text, source)
    if problem is not None:
        return None, problem
    doc = document(tree)
    if entry is not None:
        _store(entry, digest, doc)
    return doc, None


def _entry(digest: str) -> Path | None:
    folder = cache_dir()
    return None if folder is None else folder / __version__ / "rubrics" / f"{digest}.json"


def _load(entry: Path, digest: str) -> Document | None:
    """The Document stored at ``entry`` for ``digest``; None when there is none or it is unusable."""
    try:
        stored = json.loads(entry.read_text(encoding="utf-8"))
        if not isinstance(stored, dict) or stored.get("format") != FORMAT or stored.get("sha256") != digest:
            return None
        return decode(stored.get("document"))
    except (OSError, ValueError, RecursionError):  # missing, unreadable, not JSON, not a document
        return None


def _store(entry: Path, digest: str, doc: Document) -> None:
    """Keep ``doc`` at ``entry`` when JSON holds it exactly; when it cannot be written, do nothing."""
    encoded = encode(doc)
    if encoded is None:
        return
    try:
        write_text(entry, json.dumps({"format": FORMAT, "sha256": digest, "document": encoded}, ensure_ascii=False))
    except (OSError, ValueError):  # a folder that cannot be written; text UTF-8 cannot hold
        pass
