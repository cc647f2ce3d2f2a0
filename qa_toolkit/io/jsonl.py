"""JSONL reader: one conversation object per line, streamed line by line — the whole file, or
one byte range of it (``line_ranges`` cuts a file at line ends so several processes can each
read their own share, line numbers intact). UTF-16/32 files are read as UTF-8 lines decoded
on the way; a line that is not valid in the file's encoding is a located ``bad_encoding``
problem and skipped, like a line that is not JSON."""

from __future__ import annotations

import gc
import io
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import orjson

from qa_toolkit.frames import Dataset
from qa_toolkit.io.columnar import add_records
from qa_toolkit.io.encoding import DamagedLine, TextEncoding, ascii_compatible
from qa_toolkit.io.validate import FrameBuilder
from qa_toolkit.problems import Problem


def _decoded(raw: bytes, encoding: str) -> object:
    return orjson.loads(raw.rstrip(b"\r\n").decode(encoding))


def _bad_line(path: Path, raw: bytes, number: int, encoding: str, damaged: Mapping[int, DamagedLine]) -> Problem:
    """The problem of a line that cannot be read: bytes not valid in the encoding (located by the
    encoding scan when it ran), or not JSON — truncated (no line end, or the JSON ends early) or
    invalid, with the parser's reason and column."""
    ended = raw.endswith(b"\n")
    raw = raw.rstrip(b"\r\n")
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as err:
        bad = damaged.get(number) or DamagedLine(number, err.start + 1, None, raw[err.start : err.end])
        return bad.problem(str(path), encoding, "line skipped")
    reason, col = "unreadable line", None  # the parser's words for the line without its end, below
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError as err:
        reason, col = err.msg, err.colno
    truncated = "unexpected end" in reason or (not ended and "after document" not in reason)
    what = "truncated line (the JSON ends early)" if truncated else "invalid JSON"
    return Problem(
        str(path), f"{what}: {reason}", line=number, col=col, code="truncated_line" if truncated else "invalid_json"
    )


def read_jsonl(
    path: Path,
    builder_args: dict,
    *,
    mapping: str | os.PathLike | None,
    encoding: TextEncoding | None,
    chunk_size: int,
    progress: Callable[[int], None] | None,
) -> Iterator[Dataset]:
    """The JSONL format's reader: Datasets of ``chunk_size`` lines (``mapping`` is for tables, unused)."""
    encoding = encoding or TextEncoding("utf-8")
    yield from iter_jsonl(
        path,
        FrameBuilder(source=str(path), **builder_args),
        encoding.name,
        chunk_size,
        progress,
        damaged=encoding.damaged_lines(),
    )


def iter_jsonl(
    path: Path,
    builder: FrameBuilder,
    encoding: str,
    chunk_size: int,
    progress: Callable[[int], None] | None,
    span: LineRange | None = None,
    damaged: Mapping[int, DamagedLine] | None = None,
) -> Iterator[Dataset]:
    """Feed each line's object to ``builder`` (a chunk at a time, through ``columnar.add_records``);
    yield a Dataset every ``chunk_size`` records. ``span``: only the lines of that byte range
    (an ASCII-compatible encoding); ``damaged``: the encoding scan's damaged lines, by number."""
    with path.open("rb") as fh:
        fh.seek(span.start if span else 0)
        if ascii_compatible(encoding):
            raw_lines = _lines_until(fh, span.end) if span else fh
        else:
            raw_lines, encoding = _utf8_lines(fh, encoding), "utf-8"
        lines = enumerate(raw_lines, start=span.first_line if span else 1)
        more = True
        while more:
            with _paused_gc():
                more = _read_chunk(lines, path, builder, encoding, chunk_size, progress, damaged or {})
                dataset = builder.take()
            yield dataset


def _utf8_lines(fh, encoding: str) -> Iterator[bytes]:
    """The lines of a UTF-16/32 file (a BOM read as such), as UTF-8 bytes."""
    for line in io.TextIOWrapper(fh, encoding=encoding, newline="\n"):
        yield line.encode("utf-8")


@contextmanager
def _paused_gc() -> Iterator[None]:
    """The cyclic collector paused while a chunk is parsed and built: parsed JSON holds no
    cycles, and the collector would rescan the chunk's many young objects over and over
    (measured: a third of the reading time). Never paused across a ``yield``."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_chunk(
    lines: Iterator[tuple[int, bytes]],
    path: Path,
    builder: FrameBuilder,
    encoding: str,
    chunk_size: int,
    progress: Callable[[int], None] | None,
    damaged: Mapping[int, DamagedLine],
) -> bool:
    """Up to ``chunk_size`` records (bad lines included) into ``builder``; False at the end of the input."""
    utf8 = encoding in ("utf-8", "utf-8-sig")
    pending = 0
    records: list = []
    numbers: list[int] = []
    for number, raw in lines:
        if progress:
            progress(len(raw))
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if not raw or raw.isspace():
            continue
        try:  # UTF-8 lines are parsed as read: JSON ignores the line end
            records.append(orjson.loads(raw) if utf8 else _decoded(raw, encoding))
            numbers.append(number)
        except (orjson.JSONDecodeError, UnicodeDecodeError):
            add_records(builder, records, numbers)  # the records before it first: problems stay in line order
            records, numbers = [], []
            builder.log.records_read += 1
            builder.log.records_skipped += 1
            builder.log.add(_bad_line(path, raw, number, encoding, damaged))
        pending += 1
        if pending >= chunk_size:
            add_records(builder, records, numbers)
            return True
    add_records(builder, records, numbers)
    return False


@dataclass(frozen=True)
class LineRange:
    """Bytes ``start``..``end`` of a file, cut at line ends; ``first_line`` is the line number
    of its first line."""

    start: int
    end: int
    first_line: int


def _lines_until(fh, end: int) -> Iterator[bytes]:
    position = fh.tell()
    for raw in fh:
        if position >= end:
            return
        position += len(raw)
        yield raw


def line_ranges(path: str | Path, lines_per_range: int, block: int = 1 << 23) -> Iterator[LineRange]:
    """The file cut into ranges of ``lines_per_range`` lines (the last may be shorter), found
    by counting line ends block by block — yielded as found, so readers can start at once."""
    start, first, count, offset = 0, 1, 0, 0
    with Path(path).open("rb") as fh:
        while data := fh.read(block):
            at = 0
            while count + data.count(b"\n", at) >= lines_per_range:
                for _ in range(lines_per_range - count):
                    at = data.index(b"\n", at) + 1
                yield LineRange(start, offset + at, first)
                start, first, count = offset + at, first + lines_per_range, 0
            count += data.count(b"\n", at)
            offset += len(data)
    if offset > start:
        yield LineRange(start, offset, first)
