"""Text encoding of an export: BOM → strict UTF-8 → strict GB18030 → a charset detector.

Excel/WPS on Chinese Windows writes code page 936 (read as GB18030, its superset); "CSV UTF-8"
adds a BOM. The strict passes stream the whole file so a late non-UTF-8 byte is not missed.
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path

from qa_toolkit.problems import InputError, Problem

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_BLOCK = 1 << 20
_SAMPLE = 64 * 1024


def detect_encoding(path: str | os.PathLike, override: str | None = None) -> str:
    """The codec name to read ``path`` with; ``override`` (``--encoding``) wins when valid."""
    path = Path(path)
    if override:
        try:
            return codecs.lookup(override).name
        except LookupError:
            raise InputError(Problem(str(path), f"unknown encoding '{override}'", field="encoding",
                                     code="bad_encoding")) from None
    with path.open("rb") as fh:
        head = fh.read(4)
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    for name in ("utf-8", "gb18030"):
        if _decodes(path, name):
            return name
    return _detect(path)


def _decodes(path: Path, name: str) -> bool:
    decoder = codecs.getincrementaldecoder(name)(errors="strict")
    try:
        with path.open("rb") as fh:
            while block := fh.read(_BLOCK):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _detect(path: Path) -> str:
    import chardet

    with path.open("rb") as fh:
        sample = fh.read(_SAMPLE)
    guess = chardet.detect(sample).get("encoding")
    if guess:
        try:
            return codecs.lookup(guess).name
        except LookupError:
            pass
    raise InputError(Problem(str(path), "cannot tell the text encoding; pass --encoding (e.g. gb18030, utf-8)",
                             field="encoding", code="bad_encoding"))
