"""Text encoding of an export: BOM → UTF-8 → GB18030 → a charset detector — and the lines that
are damaged in it (bad bytes, or UTF-8 text pasted into a GB18030 file).

Excel/WPS on Chinese Windows writes code page 936 (read as GB18030, its superset); "CSV UTF-8"
adds a BOM. A file is taken to be in an encoding when all of it decodes, or when it does but
for a few damaged lines: no more damaged lines than lines with valid non-ASCII text. So one bad
byte, or one GBK line pasted into a UTF-8 file, never makes the whole file read in a guessed
code page; the damaged lines are returned, located (line, byte offset), for the readers to
report and skip. The detector is asked only about a file that is neither UTF-8 nor GB18030.
UTF-16/32 (found by their BOM, or named) must decode throughout. The strict passes stream the
whole file so a late damaged byte is not missed.
"""

from __future__ import annotations

import codecs
import os
from dataclasses import dataclass
from pathlib import Path

from qa_toolkit.problems import InputError, Problem

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_BLOCK = 1 << 20
_SAMPLE = 64 * 1024
#: Damaged lines after which a scan that has seen fewer good lines gives up on an encoding.
_MANY = 1000


@dataclass(frozen=True)
class DamagedLine:
    """A line holding bytes that are not valid in the file's encoding: its 1-based number, the
    1-based byte column and the 0-based file offset of the first bad bytes (None when only the
    line is known), and those bytes. Or a line of UTF-8 text in a GB18030 file whose bytes are
    valid GB18030 too: ``misread`` is what it would say read as GB18030 (mojibake)."""

    line: int
    col: int
    offset: int | None
    raw: bytes  # the bad bytes; of a UTF-8 line, its text from the first non-ASCII byte on
    misread: str = ""

    def problem(
        self, path: str, encoding: str, consequence: str = "", *, line: int | None = None, level: str = "error"
    ) -> Problem:
        """The Problem of this line; ``line``: the number of the record holding it when that is
        not the line (a table row), ``consequence``: what the reader did about it."""
        own = line in (None, self.line)
        if self.misread:
            text, said = (_clipped(t) for t in (self.raw.decode("utf-8", errors="replace"), self.misread))
            message = (
                f"UTF-8 text in a {encoding.upper()} file{'' if own else f' (line {self.line})'}: '{text}' would"
                f" read as '{said}'; save the file in one encoding"
            )
        else:
            where = f"byte offset {self.offset}" if self.offset is not None else f"byte {self.col}"
            shown = " ".join(f"0x{b:02X}" for b in self.raw[:4])
            message = f"{shown} at {where}{'' if own else f' (line {self.line})'} is not valid {encoding.upper()} text"
        return Problem(
            path,
            message + (f"; {consequence}" if consequence else ""),
            line=self.line if own else line,
            col=self.col if own else None,
            level=level,
            code="bad_encoding",
        )


@dataclass(frozen=True)
class TextEncoding:
    """The codec to read a file with, and its damaged lines (in line order)."""

    name: str
    damaged: tuple[DamagedLine, ...] = ()

    def damaged_lines(self) -> dict[int, DamagedLine]:
        """The damaged lines by line number, for the readers."""
        return {d.line: d for d in self.damaged}


def detect_encoding(path: str | os.PathLike, override: str | None = None) -> TextEncoding:
    """The encoding to read ``path`` with and its damaged lines; ``override`` (``--encoding``)
    wins when it names a text encoding. InputError when no encoding fits."""
    path = Path(path)
    if override:
        name = text_codec(override)
        return _fitted(path, name, forced=True)
    marked = bom_encoding(path)
    if marked and marked != "utf-8-sig":
        return _fitted(path, marked, forced=True)
    for name in (marked or "utf-8", "gb18030"):
        fitted = _fitted(path, name)
        if fitted is not None:
            return fitted
    guess = _detect(path)
    fitted = _fitted(path, guess) if guess else None
    if fitted is None:
        raise InputError(
            Problem(
                str(path),
                "cannot tell the text encoding; pass --encoding (e.g. gb18030, utf-8)",
                field="encoding",
                code="bad_encoding",
            )
        )
    return fitted


def text_codec(name: str, source: str = "--encoding") -> str:
    """The canonical name of the text codec ``name``; InputError for an unknown name or a codec
    that does not turn bytes into text (base64, zlib, rot13, ...)."""
    try:
        canonical = codecs.lookup(name).name
        b"a".decode(canonical)  # bytes.decode refuses a codec that is not a text encoding
    except UnicodeDecodeError:  # a text encoding ("a" alone is no UTF-16 text)
        pass
    except LookupError as err:
        known = "unknown encoding" if "unknown encoding" in str(err) else "not a text encoding"
        raise InputError(
            Problem(source, f"{known} '{name}' (e.g. utf-8, gb18030, utf-16)", field="encoding", code="bad_encoding")
        ) from None
    return canonical


def bom_encoding(path: str | os.PathLike) -> str | None:
    """The encoding a byte-order mark at the start of the file names, or None."""
    with Path(path).open("rb") as fh:
        head = fh.read(4)
    return next((name for bom, name in _BOMS if head.startswith(bom)), None)


def ascii_compatible(name: str) -> bool:
    """Whether ``name`` writes ASCII as ASCII (so lines end at the byte ``\\n``): not UTF-16/32."""
    try:
        return b"a\n".decode(name) == "a\n"
    except UnicodeDecodeError:
        return False


def _fitted(path: Path, name: str, forced: bool = False) -> TextEncoding | None:
    """``name`` with the file's damaged lines when the file is in ``name`` (``forced``: named by
    the user or a BOM, damage and all); None when it is not."""
    if _decodes(path, name):
        return TextEncoding(name, () if forced else _pasted_utf8(path, name))
    if not ascii_compatible(name):
        if not forced:
            return None
        offset = _first_error(path, name)
        raise InputError(
            Problem(str(path), f"not valid {name} text at byte offset {offset}", field="encoding", code="bad_encoding")
        )
    good, damaged, complete = _scan(path, name, stop=not forced)
    if forced:
        return TextEncoding(name, tuple(damaged))
    if complete and len(damaged) <= good:
        lines = {d.line: d for d in damaged} | {d.line: d for d in _pasted_utf8(path, name)}  # UTF-8 says more
        return TextEncoding(name, tuple(lines[n] for n in sorted(lines)))
    return None


def _pasted_utf8(path: Path, name: str) -> tuple[DamagedLine, ...]:
    """The lines of a file found to be GB18030 that are UTF-8 text pasted in, though their bytes
    decode as GB18030 too: valid UTF-8 that reads as fewer rare characters that way than in
    GB18030 (UTF-8's byte pattern lands outside GB2312, where everyday Chinese text written by
    Windows' code page 936 stays)."""
    if name != "gb18030":
        return ()
    found, offset = [], 0
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if not raw.isascii() and _looks_utf8(raw, name):
                start = next(i for i, byte in enumerate(raw) if byte >= 0x80)
                rest = raw[start:].rstrip(b"\r\n")
                found.append(DamagedLine(number, start + 1, offset + start, rest, rest.decode(name, errors="replace")))
            offset += len(raw)
    return tuple(found)


def _looks_utf8(raw: bytes, name: str) -> bool:
    """Whether the line ``raw`` is valid UTF-8 that reads as commoner characters that way than in ``name``."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return _uncommon(text) < _uncommon(raw.decode(name, errors="replace"))


def _clipped(text: str, most: int = 20) -> str:
    return text if len(text) <= most else text[:most] + "…"


def _uncommon(text: str) -> int:
    """Characters of ``text`` outside ASCII and GB2312 (the everyday simplified Chinese set)."""
    count = 0
    for ch in text:
        if not ch.isascii():
            try:
                ch.encode("gb2312")
            except UnicodeEncodeError:
                count += 1
    return count


def _scan(path: Path, name: str, stop: bool) -> tuple[int, list[DamagedLine], bool]:
    """(lines with valid non-ASCII text, damaged lines, whether the whole file was scanned): with
    ``stop``, the scan ends once damaged lines pass ``_MANY`` and outnumber the good ones."""
    decode = codecs.getdecoder("utf-8" if name == "utf-8-sig" else name)  # a BOM is valid UTF-8
    good, damaged, offset = 0, [], 0
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                decode(raw)
                good += not raw.isascii()
            except UnicodeDecodeError as err:
                damaged.append(DamagedLine(number, err.start + 1, offset + err.start, raw[err.start : err.end]))
                if stop and len(damaged) > _MANY and len(damaged) > good:
                    return good, damaged, False
            offset += len(raw)
    return good, damaged, True


def is_utf8(path: str | os.PathLike, block: int = 1 << 24) -> bool:
    """Whether the whole file is strict UTF-8, checked by Arrow block by block: about twice as
    fast as decoding in Python, no text objects made, and the GIL released (it can run in a
    thread beside other work)."""
    buffer = memoryview(bytearray(max(block, 8)))  # room for a cut character plus new bytes
    kept = 0  # bytes of a character cut by the previous block, moved to the front
    with Path(path).open("rb", buffering=0) as fh:
        while read := fh.readinto(buffer[kept:]):
            end = kept + read
            cut = _char_boundary(buffer[:end])
            if not _valid_utf8(buffer[:cut]):
                return False
            kept = end - cut
            buffer[:kept] = buffer[cut:end]
    return kept == 0


def _valid_utf8(data: memoryview) -> bool:
    import numpy as np
    import pyarrow as pa

    offsets = pa.py_buffer(np.array([0, data.nbytes], dtype=np.int32))
    try:
        pa.Array.from_buffers(pa.binary(), 1, [None, offsets, pa.py_buffer(data)]).cast(pa.string())
    except pa.ArrowInvalid:
        return False
    return True


def _char_boundary(view: memoryview) -> int:
    """The length of ``view`` without a UTF-8 sequence that its end cuts in two."""
    n = len(view)
    for back in range(1, min(4, n) + 1):
        byte = view[n - back]
        if byte < 0x80:
            return n
        if byte >= 0xC0:  # the lead byte of the last sequence: is the sequence complete?
            need = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return n if back >= need else n - back
    return n


def _decodes(path: Path, name: str) -> bool:
    if name in ("utf-8", "utf-8-sig"):
        return is_utf8(path)
    return _first_error(path, name) is None


def _first_error(path: Path, name: str) -> int | None:
    """The file offset where strict decoding in ``name`` fails (at the end: a cut character),
    or None when the whole file decodes."""
    decoder = codecs.getincrementaldecoder(name)(errors="strict")
    read = 0
    with path.open("rb") as fh:
        while True:
            block = fh.read(_BLOCK)
            start = read - len(decoder.getstate()[0])  # the file offset of the bytes decode sees
            try:
                decoder.decode(block, final=not block)
            except UnicodeError as err:  # UTF-16/32 without a BOM raise the base class, without a place
                return start + getattr(err, "start", 0)
            if not block:
                return None
            read += len(block)


def _detect(path: Path) -> str | None:
    import chardet

    with path.open("rb") as fh:
        sample = fh.read(_SAMPLE)
    guess = chardet.detect(sample).get("encoding")
    try:
        return codecs.lookup(guess).name if guess else None
    except LookupError:
        return None
