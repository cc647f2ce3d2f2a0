"""JSONL reader: one conversation object per line — the whole file, or one byte range of it
(``line_ranges`` cuts a file at line ends so several processes can each read their own share,
line numbers intact). UTF-8 lines go through the columnar front end (``arrow_jsonl``), which
hands back to the line rule here (orjson, line by line: the rule of record for a line's
problems) only the lines it flags; other encodings are read line by line (UTF-16/32 as UTF-8
lines decoded on the way). A line that is not valid in the file's encoding is a located
``bad_encoding`` problem and skipped, like a line that is not JSON."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import orjson
import pyarrow as pa

from qa_toolkit import collector
from qa_toolkit.frames import Dataset
from qa_toolkit.io.arrow_jsonl import read_lines
from qa_toolkit.io.columnar import add_records
from qa_toolkit.io.concat import concat_datasets
from qa_toolkit.io.encoding import DamagedLine, TextEncoding, ascii_compatible
from qa_toolkit.io.validate import REQUIRED, FrameBuilder
from qa_toolkit.problems import Problem


def _decoded(raw: bytes, encoding: str) -> object:
    return orjson.loads(raw.rstrip(b"\r\n").decode(encoding))


def _bad_line(path: Path, raw: bytes, number: int, encoding: str, damaged: Mapping[int, DamagedLine]) -> Problem:
    """The problem of a line that cannot be read: bytes not valid in the encoding (located by the
    encoding scan when it ran), or not JSON — truncated (no line end, or the JSON ends early) or
    invalid, with the parser's reason and column."""
    if number in damaged:  # found by the encoding scan: bad bytes, or UTF-8 text in a GB18030 file
        return damaged[number].problem(str(path), encoding, "line skipped")
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
    reading = JsonlReading(path, encoding.name, chunk_size, progress, damaged=encoding.damaged_lines())
    yield from iter_jsonl(reading, FrameBuilder(source=str(path), **builder_args))


@dataclass(frozen=True)
class JsonlReading:
    """What to read of a JSONL file, and how: its ``encoding``, a Dataset every ``chunk_size``
    records, ``progress`` told the bytes read, only the lines of ``span`` (a byte range of an
    ASCII-compatible encoding), and the encoding scan's ``damaged`` lines by number."""

    path: Path
    encoding: str = "utf-8"
    chunk_size: int = 1 << 62
    progress: Callable[[int], None] | None = None
    span: LineRange | None = None
    damaged: Mapping[int, DamagedLine] = field(default_factory=dict)


def iter_jsonl(reading: JsonlReading, builder: FrameBuilder) -> Iterator[Dataset]:
    """The lines' objects through ``builder``'s rules, a Dataset every ``chunk_size`` records
    (blank lines skipped, not counted) and one more at the end. UTF-8 goes by columns
    (``_columnar_chunks``), other encodings line by line (``iter_lines``)."""
    read = _columnar_chunks if reading.encoding in _UTF8 else iter_lines
    yield from read(reading, builder)


def iter_lines(reading: JsonlReading, builder: FrameBuilder) -> Iterator[Dataset]:
    """``iter_jsonl`` line by line (orjson, a chunk of records at a time through
    ``columnar.add_records``): the line rule, the route of encodings other than UTF-8."""
    path, encoding, span = reading.path, reading.encoding, reading.span
    with path.open("rb") as fh:
        fh.seek(span.start if span else 0)
        if ascii_compatible(encoding):
            raw_lines = _lines_until(fh, span.end) if span else fh
        else:
            raw_lines, encoding = _utf8_lines(fh, encoding), "utf-8"
        lines = enumerate(raw_lines, start=span.first_line if span else 1)
        more = True
        while more:
            with collector.paused():
                more = _read_chunk(
                    lines, path, builder, encoding, reading.chunk_size, reading.progress, reading.damaged
                )
                dataset = builder.take()
            yield dataset


_UTF8 = ("utf-8", "utf-8-sig")
_BOM = b"\xef\xbb\xbf"
#: A line that could not be read as a record (any JSON value, null included, is a record).
_UNREAD = object()


def _columnar_chunks(reading: JsonlReading, builder: FrameBuilder) -> Iterator[Dataset]:
    """``iter_jsonl`` for a UTF-8 file: the chunks the line rule makes, each read by the columnar
    front end (``arrow_jsonl.read_lines``), the lines it flags by the line rule."""
    path, span, chunk_size, progress = reading.path, reading.span, reading.chunk_size, reading.progress
    with pa.memory_map(str(path)) as source:
        data = source.read_buffer()
        low, high = (span.start, span.end) if span else (0, data.size)
        first = span.first_line if span else 1
        starts, ends = _lines(data, low, high, skip_bom=first == 1)
        nonblank = np.cumsum(_nonblank(data, starts, ends))
        total = int(nonblank[-1]) if len(nonblank) else 0
        cuts = [0, *(np.searchsorted(nonblank, range(chunk_size, total + 1, chunk_size)) + 1).tolist(), len(starts)]
        edges = np.append(starts, high)
        edges[0] = low  # progress counts every byte, a BOM and blank lines included
        for a, b in zip(cuts, cuts[1:], strict=False):
            if progress and edges[b] > edges[a]:
                progress(int(edges[b] - edges[a]))
            if a == b:
                yield builder.take()
                continue
            base = int(starts[a])
            bounds = np.append(starts[a:b], ends[b - 1]) - base
            by_line = partial(_by_line, data, starts[a:b], ends[a:b], first + a, reading, builder)
            pieces = read_lines(data.slice(base, int(ends[b - 1]) - base), bounds, builder, by_line)
            yield pieces[0] if len(pieces) == 1 else concat_datasets(pieces)


def _by_line(
    data: pa.Buffer,
    starts: np.ndarray,
    ends: np.ndarray,
    first: int,
    reading: JsonlReading,
    builder: FrameBuilder,
    i: int,
    j: int,
) -> Dataset:
    """Lines i..j-1 of a chunk (its line ``k`` is the file's line ``first + k``) by the line rule,
    as it reads them with the whole chunk: a required field is checked when a line of the chunk
    has it (``columnar.add_records`` checks the fields its records have)."""
    numbered = ((first + k, data[int(starts[k]) : int(ends[k])].to_pybytes()) for k in range(i, j))
    chunk = data[int(starts[0]) : int(ends[-1])].to_pybytes()
    required = tuple(name for name in REQUIRED if f'"{name}"'.encode() in chunk)
    with collector.paused():
        _read_chunk(numbered, reading.path, builder, reading.encoding, 1 << 62, None, reading.damaged, required)
        return builder.take()


def _lines(data: pa.Buffer, low: int, high: int, *, skip_bom: bool) -> tuple[np.ndarray, np.ndarray]:
    """(start, end) byte offsets of the lines of ``data[low:high]`` (ends past the line end; a
    BOM on the file's first line left out), found block by block."""
    raw = np.frombuffer(data, dtype=np.uint8)
    found = [np.flatnonzero(raw[at : min(at + _SCAN, high)] == 10) + (at + 1) for at in range(low, high, _SCAN)]
    ends = np.concatenate(found) if found else np.zeros(0, np.int64)
    if high > low and (not len(ends) or ends[-1] < high):
        ends = np.append(ends, high)  # the last line, without its line end
    starts = np.concatenate([[low], ends[:-1]]).astype(np.int64)
    if skip_bom and len(starts) and data[low : low + 3].to_pybytes() == _BOM:
        starts[0] += 3
    return starts, ends.astype(np.int64)


_SCAN = 1 << 24  # bytes searched for line ends at a time


def _nonblank(data: pa.Buffer, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Whether each line holds more than whitespace (the line rule skips the others)."""
    raw = np.frombuffer(data, dtype=np.uint8)
    out = np.ones(len(starts), bool)
    if len(starts):
        opens = np.zeros(len(starts), bool)
        filled = starts < ends
        opens[filled] = raw[starts[filled]] == 123  # a line that starts with "{" is not blank
        for k in np.flatnonzero(~opens).tolist():
            line = data[starts[k] : ends[k]].to_pybytes()
            out[k] = bool(line) and not line.isspace()
    return out


def _utf8_lines(fh, encoding: str) -> Iterator[bytes]:
    """The lines of a UTF-16/32 file (a BOM read as such), as UTF-8 bytes."""
    for line in io.TextIOWrapper(fh, encoding=encoding, newline="\n"):
        yield line.encode("utf-8")


def _read_chunk(
    lines: Iterator[tuple[int, bytes]],
    path: Path,
    builder: FrameBuilder,
    encoding: str,
    chunk_size: int,
    progress: Callable[[int], None] | None,
    damaged: Mapping[int, DamagedLine],
    required: tuple[str, ...] = (),
) -> bool:
    """Up to ``chunk_size`` records (bad lines included) into ``builder``; False at the end of the
    input. ``required``: fields checked even when no record has them (``columnar.add_records``)."""
    utf8 = encoding in _UTF8
    pending = 0
    records: list = []
    numbers: list[int] = []
    for number, raw in lines:
        if progress:
            progress(len(raw))
        if number == 1 and raw.startswith(_BOM):
            raw = raw[3:]
        if not raw or raw.isspace():
            continue
        record = _UNREAD
        if number not in damaged:  # the encoding scan's damaged lines (bad bytes, or UTF-8 in GB18030) are not parsed
            try:  # UTF-8 lines are parsed as read: JSON ignores the line end
                record = orjson.loads(raw) if utf8 else _decoded(raw, encoding)
            except (orjson.JSONDecodeError, UnicodeDecodeError):
                pass
        if record is not _UNREAD:
            records.append(record)
            numbers.append(number)
        else:
            add_records(builder, records, numbers, required)  # the records before it first: problems stay in line order
            records, numbers = [], []
            builder.log.records_read += 1
            builder.log.records_skipped += 1
            builder.log.add(_bad_line(path, raw, number, encoding, damaged))
        pending += 1
        if pending >= chunk_size:
            add_records(builder, records, numbers, required)
            return True
    add_records(builder, records, numbers, required)
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
