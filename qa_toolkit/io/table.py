"""Long tables (CSV, XLSX, Parquet): one row per message, conversation columns repeated.

Rows are read in chunks (every column as text for CSV/XLSX, so Excel-mangled long numbers are
not mangled again), renamed through a column mapping, grouped into JSONL-shaped records and
validated by ``FrameBuilder``. A conversation's rows must be consecutive (a later run of rows
with the same id is a duplicate, whatever the chunking); they are never split across chunks:
the last conversation of a chunk is carried into the next one. Problem rows are spreadsheet rows
(header = row 1).

A row the file itself damaged — bytes not valid in the CSV's encoding, a Parquet text value
stored as bytes that are not UTF-8, a CSV row with one field more than the header (an unquoted
comma shifts every column after it) — is marked while reading, and its conversation is skipped
with that problem.
"""

from __future__ import annotations

import dataclasses
import io
import os
import re
import warnings
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from qa_toolkit.frames import CONVERSATIONS, DEFAULT_TZ, MESSAGES, Dataset, conform
from qa_toolkit.io import columnar
from qa_toolkit.io.columnar import ArrowRows, Window
from qa_toolkit.io.encoding import TextEncoding
from qa_toolkit.io.mapping import REQUIRED_COLUMNS, get_mapping
from qa_toolkit.io.validate import (
    CONTRACT_FIELDS,
    FIRST_TIME,
    LAST_TIME,
    MAX_NS,
    MIN_NS,
    FieldError,
    FrameBuilder,
    as_text,
    cell_value,
    is_missing,
    typed_extras,
)
from qa_toolkit.problems import InputError, Problem
from qa_toolkit.workbook_guard import require_safe_workbook

MESSAGE_COLUMNS = ("seq", "ts", "role", "text")
Progress = Callable[[int], None] | None
#: Damaged rows by spreadsheet row: the problem that skips the conversation holding the row.
Marks = dict[int, Problem]
#: A format's reader of raw columns: (path, encoding, rows per chunk, progress, marks) → headers, chunks.
Columns = Callable[[Path, TextEncoding | None, int, Progress, Marks], tuple[list[str], Iterator[pd.DataFrame]]]
_SPARE = "\x00one field too many"  # a CSV column past the header: filled only by a row with an extra field


class _Counting(io.RawIOBase):
    """A binary file that reports every byte read to ``progress``."""

    def __init__(self, fh, progress: Callable[[int], None]):
        self._fh, self._progress = fh, progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self._fh.readinto(buffer)
        self._progress(n or 0)
        return n


def _unreadable(path: Path, fmt: str, err: Exception, lines: bool = False) -> InputError:
    """The input error of a file the ``fmt`` library cannot read (``lines``: its message names the line)."""
    first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    line = re.search(r"line ([0-9]+)", first) if lines else None
    return InputError(
        Problem(
            str(path),
            f"cannot read this file as {fmt.upper()}: {first}",
            line=int(line.group(1)) if line else None,
            code="unreadable",
        )
    )


def csv_columns(
    path: Path, encoding: TextEncoding | None, chunk_rows: int, progress: Progress, marks: Marks
) -> tuple[list[str], Iterator[pd.DataFrame]]:
    """The header and the chunks, every cell as text; rows with one field too many and the rows
    of damaged lines (read with U+FFFD for the bad bytes) are put in ``marks``."""
    encoding = encoding or TextEncoding("utf-8")
    options = {
        "dtype": str,
        "keep_default_na": False,
        "encoding": encoding.name,
        "skipinitialspace": False,
        "encoding_errors": "replace" if encoding.damaged else "strict",
    }
    try:
        headers = list(pd.read_csv(path, nrows=0, **options).columns)
    except pd.errors.EmptyDataError:
        raise InputError(Problem(str(path), "empty file: no header row", code="empty_file")) from None
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as err:
        raise _unreadable(path, "csv", err, lines=True) from None
    rows = csv_rows(path, [(d.line, d.col) for d in encoding.damaged])
    for damaged in encoding.damaged:  # row 1, the header, is reported by ``iter_table``
        marks.setdefault(rows[damaged.line], damaged.problem(str(path), encoding.name, line=rows[damaged.line]))

    def chunks() -> Iterator[pd.DataFrame]:
        first = 2
        with path.open("rb") as raw:
            source = io.BufferedReader(_Counting(raw, progress)) if progress else raw
            try:  # index_col=False: extra fields in the first row never become an index
                reader = pd.read_csv(
                    source,
                    chunksize=chunk_rows,
                    header=None,
                    skiprows=1,
                    index_col=False,
                    names=[*headers, _SPARE],
                    **options,
                )
                while (chunk := _quietly(reader)) is not None:
                    for i in np.flatnonzero(chunk.pop(_SPARE).to_numpy() != "").tolist():
                        marks[first + i] = Problem(
                            str(path),
                            f"this row has more fields than the header's "
                            f"{len(headers)} (an unquoted comma shifts every column after "
                            "it)",
                            line=first + i,
                            code="extra_field",
                        )
                    first += len(chunk)
                    yield chunk
            except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as err:
                raise _unreadable(path, "csv", err, lines=True) from None

    return headers, chunks()


def _quietly(reader) -> pd.DataFrame | None:
    """The next chunk of a pandas CSV reader, None at the end; pandas' warning that it dropped
    the fields past the spare column of a first row is silenced (that row is marked)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pd.errors.ParserWarning)
        return next(reader, None)


def csv_rows(path: str | os.PathLike, places: Iterable[tuple[int, int]]) -> dict[int, int]:
    """The spreadsheet row (header = 1), as pandas counts rows, holding each place (a physical
    line, ended by ``\n``, and a 1-based byte column in it), by line: a line inside a quoted
    field belongs to the row it continues, a lone ``\r`` ends a row too, blank rows are not
    counted."""
    wanted = dict(places)
    found: dict[int, int] = {}
    row, quoted = 0, False
    with Path(path).open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if len(found) == len(wanted):
                break
            end = 0
            for piece in raw.rstrip(b"\n").removesuffix(b"\r").split(b"\r"):
                if not quoted and piece.strip(b" \t"):
                    row += 1
                end += len(piece) + 1
                if number in wanted and number not in found and wanted[number] <= end:
                    found[number] = max(row, 1)
                if piece.count(b'"') % 2:
                    quoted = not quoted
            if number in wanted and number not in found:
                found[number] = max(row, 1)
    return found


def xlsx_columns(
    path: Path, encoding: TextEncoding | None, chunk_rows: int, progress: Progress, marks: Marks
) -> tuple[list[str], Iterator[pd.DataFrame]]:
    """The first sheet, streamed row by row (openpyxl read-only): cells keep their Python
    values (text, numbers, datetimes) and are converted like JSONL values. (No encoding, no
    damaged rows: ``encoding`` and ``marks`` are unused.)"""
    from openpyxl import load_workbook

    require_safe_workbook(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
    except Exception as err:  # openpyxl/zipfile raise many types on a corrupt or non-xlsx file
        raise _unreadable(path, "xlsx", err) from None
    if not header or all(is_missing(h) for h in header):
        book.close()
        raise InputError(Problem(str(path), "empty file: no header row in the first sheet", code="empty_file"))
    headers = [f"column_{i}" if is_missing(h) else str(h).strip() for i, h in enumerate(header, start=1)]

    def chunks() -> Iterator[pd.DataFrame]:
        width, batch = len(headers), []
        try:
            for values in rows:
                batch.append((tuple(values) + (None,) * width)[:width])
                if len(batch) == chunk_rows:
                    yield pd.DataFrame(batch, columns=headers, dtype=object)
                    batch = []
            if batch:
                yield pd.DataFrame(batch, columns=headers, dtype=object)
        except Exception as err:  # a damaged sheet surfaces only when read
            raise _unreadable(path, "xlsx", err) from None
        finally:
            book.close()
        if progress:
            progress(path.stat().st_size)

    return headers, chunks()


def parquet_columns(
    path: Path, encoding: TextEncoding | None, chunk_rows: int, progress: Progress, marks: Marks
) -> tuple[list[str], Iterator[pd.DataFrame]]:
    """The header and the chunks; text stored as bytes is decoded (``binary_as_text``), the rows
    of values that are not UTF-8 put in ``marks``. (``encoding`` is unused: Parquet is binary.)"""
    import pyarrow.parquet as pq

    try:
        pfile = pq.ParquetFile(path)
    except Exception as err:  # pyarrow raises ArrowInvalid/OSError on a corrupt file
        raise _unreadable(path, "parquet", err) from None
    size, rows = path.stat().st_size, max(pfile.metadata.num_rows, 1)

    def chunks() -> Iterator[pd.DataFrame]:
        first = 2
        try:
            for batch in pfile.iter_batches(batch_size=chunk_rows):
                if progress:
                    progress(size * batch.num_rows // rows)
                batch, bad = binary_as_text(batch)
                batch, late = zoned_times_in_range(batch, str(path), first)
                marks.update({**late, **not_utf8(str(path), bad, first)})
                first += batch.num_rows
                yield batch.to_pandas()
        except Exception as err:  # a corrupt row group surfaces only when read
            raise _unreadable(path, "parquet", err) from None

    return list(pfile.schema_arrow.names), chunks()


def binary_as_text(table):
    """A pyarrow Table or RecordBatch with its binary columns (text a writer stored as bytes)
    as text, and the (row, column) of each value that is not UTF-8 (read with U+FFFD)."""
    import pyarrow as pa

    bad: list[tuple[int, str]] = []
    for i, field in enumerate(table.schema):
        kind = field.type
        if not (pa.types.is_binary(kind) or pa.types.is_large_binary(kind) or pa.types.is_fixed_size_binary(kind)):
            continue
        column = table.column(i)
        try:
            text = column.cast(pa.large_string() if pa.types.is_large_binary(kind) else pa.string())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            values = []
            for row, value in enumerate(column.to_pylist()):
                try:
                    values.append(None if value is None else value.decode("utf-8"))
                except UnicodeDecodeError:
                    values.append(value.decode("utf-8", "replace"))
                    bad.append((row, field.name))
            text = pa.array(values, type=pa.string())
        table = table.set_column(i, pa.field(field.name, text.type), text)
    return table, sorted(bad)


def zoned_times_in_range(table, path: str, first_row: int):
    """A pyarrow Table or RecordBatch with the values of its zoned timestamp columns outside
    ``FIRST_TIME .. LAST_TIME`` made null, and ``marks`` for them (``time_out_of_range``, rows
    counted from ``first_row``): pandas turns such a value into a local time past what it (or
    Python's ``datetime``) holds, an overflow instead of a problem."""
    import pyarrow as pa
    import pyarrow.compute as pc

    marks: Marks = {}
    for i, field in enumerate(table.schema):
        if not pa.types.is_timestamp(field.type) or field.type.tz is None:
            continue
        column = table.column(i)
        per = 10 ** (3 * ("ns", "us", "ms", "s").index(field.type.unit))  # ns per unit
        raw = column.cast(pa.int64())
        outside = pc.fill_null(pc.or_(pc.less(raw, MIN_NS // per), pc.greater(raw, MAX_NS // per)), False)
        rows = np.flatnonzero(outside.to_numpy(zero_copy_only=False))
        if not len(rows):
            continue
        values = raw.fill_null(0).to_numpy(zero_copy_only=False)
        for row in rows.tolist():  # the first bad cell of a row is the one reported
            when = np.datetime64(int(values[row]), field.type.unit).astype("datetime64[s]")  # no digit run to mask
            marks.setdefault(
                first_row + row,
                Problem(
                    path,
                    f"timestamp {when}Z is outside the supported range {FIRST_TIME:%Y-%m-%d} .. {LAST_TIME:%Y-%m-%d}",
                    line=first_row + row,
                    field=field.name,
                    code="time_out_of_range",
                ),
            )
        table = table.set_column(i, field, pc.if_else(outside, pa.scalar(None, field.type), column))
    return table, marks


def not_utf8(path: str, cells: list[tuple[int, str]], first_row: int) -> Marks:
    """``marks`` for the cells ``binary_as_text`` could not read, rows counted from ``first_row``."""
    return {
        first_row + row: Problem(
            path,
            f"column '{column}' holds bytes that are not valid UTF-8 text",
            line=first_row + row,
            field=column,
            code="bad_encoding",
        )
        for row, column in reversed(cells)
    }  # the first bad cell of a row is the one reported


def iter_table(
    path: Path,
    builder_args: dict,
    *,
    columns: Columns,
    mapping: str | os.PathLike | None,
    encoding: TextEncoding | None,
    chunk_size: int,
    progress: Progress,
) -> Iterator[Dataset]:
    """Yield Datasets of whole conversations from a long table whose raw columns ``columns`` (a
    format's reader: ``csv_columns``, ``xlsx_columns``, ``parquet_columns``) gives ``chunk_size``
    rows at a time."""
    marks: Marks = {}
    headers, chunks = columns(path, encoding, chunk_size, progress, marks)
    colmap = get_mapping(mapping, headers)
    rename = colmap.resolve(headers)
    missing = [c for c in REQUIRED_COLUMNS if c not in rename.values()]
    if missing:
        names = ", ".join(f"'{m}'" for m in missing)
        raise InputError(
            Problem(
                str(path),
                f"required column {names} not found (mapping '{colmap.name}'); "
                f"headers found: {', '.join(map(str, headers))}",
                line=1,
                field=missing[0],
                code="missing_column",
            )
        )
    builder = FrameBuilder(
        source=str(path),
        role_aliases=colmap.values.get("role"),
        channel_aliases=colmap.values.get("channel"),
        **builder_args,
    )
    if 1 in marks:  # the header: its names hold U+FFFD
        header = marks.pop(1)
        builder.log.add(dataclasses.replace(header, level="warning", message=f"{header.message} (in the header)"))
    grouper = _Grouper(builder, marks)
    row = 2
    for batch in _batches((chunk.rename(columns=rename) for chunk in chunks), WINDOW_ROWS):
        yield from grouper.feed_frames(batch, row)
        row += sum(map(len, batch))
    if row == 2:
        raise InputError(Problem(str(path), "empty file: no rows below the header", code="empty_file"))
    yield grouper.finish()


#: Rows the columnar path takes at once: consecutive chunks are read ahead up to this many and
#: split again afterwards, so small chunks do not each pay the fixed cost of a window.
WINDOW_ROWS = 100_000


def _batches(chunks: Iterator[pd.DataFrame], rows: int) -> Iterator[list[pd.DataFrame]]:
    """Consecutive chunks grouped until they hold at least ``rows`` rows."""
    batch: list[pd.DataFrame] = []
    size = 0
    for chunk in chunks:
        batch.append(chunk)
        size += len(chunk)
        if size >= rows:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _rows(chunk: pd.DataFrame) -> list[dict]:
    """The chunk as row dicts (column-wise ``tolist`` is much faster than ``to_dict``)."""
    columns = [_values(chunk.iloc[:, i]) for i in range(chunk.shape[1])]
    names = list(chunk.columns)
    return [dict(zip(names, values)) for values in zip(*columns)]


def _values(column: pd.Series) -> list:
    """A column's values; a zoned time whose local time overflows pandas' range (the int64 edge)
    is given in UTC instead, so the row rule reports it as out of range rather than crashing."""
    try:
        return column.tolist()
    except pd.errors.OutOfBoundsDatetime:
        return column.dt.tz_convert("UTC").tolist()


class _Grouper:
    """Groups message rows into conversation records, holding back the last (maybe unfinished)
    conversation of each chunk until the next chunk shows it has ended."""

    def __init__(self, builder: FrameBuilder, marks: Marks | None = None):
        self.builder = builder
        self.marks = {} if marks is None else marks  # filled as chunks are read
        self.carry: list[tuple[int, dict]] = []
        self.held: tuple[pd.DataFrame, np.ndarray] | None = None  # the carry's rows as a frame, when known
        self.lazy = False  # the carry is ``held`` alone, not yet made into row dicts

    def feed_frame(self, chunk: pd.DataFrame, first_row: int, final: bool = False) -> Dataset:
        """The conversations this chunk completes (all of them if ``final``): by columns
        (``columnar.table_window``) with the carried rows, the conversations a rule flags row by
        row; every row by ``feed`` when the rows cannot be grouped by columns."""
        numbers = np.arange(first_row, first_row + len(chunk))
        window = self._window(chunk, numbers)
        found = self._by_columns(*window, final) if window else None
        if found is None:
            self.feed(_rows(chunk), first_row)
            if final:
                self.flush()
            carried = [n - first_row for n, _ in self.carry]
            inside = all(0 <= i < len(chunk) for i in carried)
            self.held = (chunk.iloc[carried], numbers[carried]) if inside else None
            return self.builder.take()
        self._hold(*window, found.held)
        return self._datasets(found, *window, [0, len(found.flagged)])[0]

    def feed_frames(self, chunks: list[pd.DataFrame], first_row: int) -> list[Dataset]:
        """``feed_frame`` over consecutive chunks, the same Datasets, through one window when the
        chunks' columns agree."""
        alike = all(
            list(c.columns) == list(chunks[0].columns) and list(c.dtypes) == list(chunks[0].dtypes) for c in chunks[1:]
        )
        if len(chunks) > 1 and alike:
            joined = pd.concat(chunks, ignore_index=True)
            window = self._window(joined, np.arange(first_row, first_row + len(joined)))
            found = self._by_columns(*window, False) if window else None
            if found is not None:
                self._hold(*window, found.held)
                # the row-by-row reader yields a conversation after the chunk holding the next one's first row
                splits = len(window[0]) - len(joined) + np.cumsum([0] + [len(c) for c in chunks[:-1]])
                chunk = np.searchsorted(splits, found.starts[1:], side="right") - 1
                return self._datasets(found, *window, np.searchsorted(chunk, np.arange(len(splits) + 1)).tolist())
        datasets = []
        for chunk in chunks:
            datasets.append(self.feed_frame(chunk, first_row))
            first_row += len(chunk)
        return datasets

    def _by_columns(self, rows: pd.DataFrame | ArrowRows, numbers: np.ndarray, final: bool) -> Window | None:
        """``columnar.table_window`` of the rows, the marked ones flagged."""
        marked = np.isin(numbers, list(self.marks)) if self.marks else None
        return columnar.table_window(rows, self.builder, final, marked)

    def _hold(self, rows: pd.DataFrame, numbers: np.ndarray, held: np.ndarray) -> None:
        self.held = (rows.iloc[held], numbers[held])
        self.carry, self.lazy = [], bool(len(held))

    def _datasets(
        self, window: Window, rows: pd.DataFrame | ArrowRows, numbers: np.ndarray, cuts: list[int]
    ) -> list[Dataset]:
        """A Dataset per range ``cuts[i]..cuts[i+1]`` of the window's conversations: the ones no
        rule flagged from the window's frames, the flagged ones row by row (``_add``), in their
        order; an empty range gives what the builder holds."""
        out = []
        for a, b in zip(cuts[:-1], cuts[1:]):
            if a == b:
                out.append(self.builder.take())
                continue
            conversations, messages, at = window.frames(a, b)
            kept = [
                i
                for i in (a + np.flatnonzero(window.flagged[a:b])).tolist()
                if self._add_rows(rows, numbers, window.rows(i))
            ]
            if kept:
                flagged = self.builder.take()
                out.append(
                    _merged(conversations, messages, at, np.diff(window.starts)[at], kept, flagged, self.builder.tz)
                )
                continue
            log = self.builder.take_log()
            log.records_read += len(at)
            out.append(Dataset(conversations, messages, log))
        return out

    def _add_rows(self, rows: pd.DataFrame | ArrowRows, numbers: np.ndarray, where: np.ndarray) -> bool:
        """``_add`` the conversation of the rows ``where``; whether it was kept."""
        before = len(self.builder.conv["conversation_id"])
        group = [
            (n, {**r, "conversation_id": as_text(r["conversation_id"])})
            for n, r in zip(numbers[where].tolist(), _rows(_take(rows, where)))
        ]
        self._add(group)
        return len(self.builder.conv["conversation_id"]) > before

    def _window(self, chunk: pd.DataFrame, numbers: np.ndarray) -> tuple[pd.DataFrame, np.ndarray] | None:
        """The carried rows and the chunk as one frame (None when their column types differ)."""
        if not self.carry and not self.lazy:
            return chunk, numbers
        if self.held is None:
            return None
        rows, held_numbers = self.held
        if list(rows.columns) != list(chunk.columns) or list(rows.dtypes) != list(chunk.dtypes):
            return None
        return pd.concat([rows, chunk], ignore_index=True), np.concatenate([held_numbers, numbers])

    def _unfold(self) -> None:
        """The held rows as the carry (row number, row dict) the row-by-row grouping keeps."""
        if self.lazy:
            rows, numbers = self.held
            self.carry = [
                (n, {**r, "conversation_id": as_text(r["conversation_id"])})
                for n, r in zip(numbers.tolist(), _rows(rows))
            ]
            self.lazy = False

    def feed(self, rows: list[dict], first_row: int) -> None:
        self._unfold()
        groups: list[list[tuple[int, dict]]] = [self.carry] if self.carry else []
        for number, row in enumerate(rows, start=first_row):
            cid = row.get("conversation_id")
            if all(is_missing(v) for v in row.values()):  # blank spreadsheet rows are not records
                continue
            if is_missing(cid):
                self._skip(number, "conversation_id", "missing required field", "missing_field")
                continue
            row["conversation_id"] = cid = as_text(cid)
            if groups and groups[-1][0][1]["conversation_id"] == cid:
                groups[-1].append((number, row))
            else:  # a new run of rows; an id seen before is then reported as a duplicate
                groups.append([(number, row)])
        self.carry = groups.pop() if groups else []
        for group in groups:
            self._add(group)

    def finish(self) -> Dataset:
        """The conversation held back at the end of the input (by columns when it can be), and
        whatever else the builder holds."""
        if self.lazy:
            rows, numbers = self.held
            rows = rows.reset_index(drop=True)
            found = self._by_columns(rows, numbers, True)
            if found is not None:
                self.lazy = False
                return self._datasets(found, rows, numbers, [0, len(found.flagged)])[0]
        self.flush()
        return self.builder.take()

    def flush(self) -> None:
        self._unfold()
        if self.carry:
            self._add(self.carry)
        self.carry = []

    def _conversation_fields(self, group: list[tuple[int, dict]]) -> dict:
        """The conversation-level cells of a conversation's rows (in message order): each from
        the first row that gives one; a contract column whose rows give two different values is
        a warning located at the row that differs (an export that joined the wrong rows)."""
        record = {k: cell_value(v, k) for k, v in group[0][1].items() if k not in MESSAGE_COLUMNS}
        for key in [k for k in record if k in CONTRACT_FIELDS and k != "conversation_id"]:
            given = [(n, value) for n, row in group if (value := cell_value(row[key], key)) is not None]
            if not given:
                continue
            (first_row, first), record[key] = given[0], given[0][1]
            other = next(((n, v) for n, v in given if not _same(v, first)), None)
            if other is not None:
                self.builder.log.add(
                    Problem(
                        self.builder.source,
                        f"'{key}' differs within conversation '{record['conversation_id']}': "
                        f"{first!r} (row {first_row}) and {other[1]!r}; the first is used",
                        line=other[0],
                        field=key,
                        level="warning",
                        code="conflicting_values",
                    )
                )
        return record

    def _skip_marked(self, number: int, row: dict, cid: str) -> None:
        """Skip a conversation for the problem of its marked row (the damaged column named when known)."""
        mark = self.marks.pop(number)
        field = mark.field or (_replaced_field(row) if mark.code == "bad_encoding" else None)
        log = self.builder.log
        log.records_read += 1
        log.records_skipped += 1
        log.add(dataclasses.replace(mark, field=field, message=f"{mark.message} — conversation '{cid}' skipped"))

    def _skip(self, row: int, field: str, message: str, code: str) -> None:
        log = self.builder.log
        log.records_read += 1
        log.records_skipped += 1
        log.add(Problem(self.builder.source, message, line=row, field=field, code=code))

    def _add(self, group: list[tuple[int, dict]]) -> None:
        marked = next(((n, r) for n, r in group if n in self.marks), None) if self.marks else None
        if marked:
            self._skip_marked(*marked, group[0][1]["conversation_id"])
            return
        if "seq" in group[0][1]:
            try:
                group = sorted(group, key=lambda item: _seq(item[1].get("seq")))
            except FieldError as err:
                bad = next(n for n, r in group if _bad_seq(r.get("seq")))
                cid = group[0][1]["conversation_id"]
                self._skip(bad, "seq", f"{err} — conversation '{cid}' skipped", err.code)
                return
        record = self._conversation_fields(group)
        record["messages"] = [
            {k: _cell_text(r[k]) if k == "text" else r[k] for k in ("ts", "role", "text") if k in r} for _, r in group
        ]
        self.builder.add(record, line=group[0][0], msg_lines=[n for n, _ in group])


def _merged(
    conversations: pd.DataFrame,
    messages: pd.DataFrame,
    at: np.ndarray,
    lengths: np.ndarray,
    kept: list[int],
    flagged: Dataset,
    tz: str,
) -> Dataset:
    """The conversations a window read by columns (at positions ``at``, with ``lengths``
    messages each) and the flagged ones kept row by row (at ``kept``, in ``flagged``), in
    their order."""
    if not len(at):
        return flagged
    counts = np.bincount(pd.factorize(flagged.messages["conversation_id"])[0], minlength=len(kept))
    conv_order = np.argsort(np.concatenate([at, kept]), kind="stable")
    msg_order = np.argsort(np.concatenate([np.repeat(at, lengths), np.repeat(kept, counts)]), kind="stable")
    conv = pd.concat([conversations, flagged.conversations], ignore_index=True).take(conv_order)
    msg = pd.concat([messages, flagged.messages], ignore_index=True).take(msg_order)
    flagged.log.records_read += len(at)
    conv = typed_extras(conform(conv.reset_index(drop=True), CONVERSATIONS, tz), CONVERSATIONS)
    return Dataset(conv, conform(msg.reset_index(drop=True), MESSAGES, tz), flagged.log)


def _take(rows: pd.DataFrame | ArrowRows, where: np.ndarray) -> pd.DataFrame:
    """Rows ``where`` of every column, as pandas."""
    return rows.take(list(rows.columns), where) if isinstance(rows, ArrowRows) else rows.iloc[where]


def _same(a: object, b: object) -> bool:
    """Equality of two cells, lists of tags (NumPy arrays from Parquet) included; true/false is
    not the number 1/0."""
    if isinstance(a, (bool, np.bool_)) != isinstance(b, (bool, np.bool_)):
        return False
    try:
        return bool(a == b)
    except (ValueError, TypeError):  # arrays: compared item by item
        return list(a) == list(b)


def _replaced_field(row: dict) -> str | None:
    """The first column of a row read with U+FFFD for damaged bytes that holds one."""
    return next((k for k, v in row.items() if isinstance(v, str) and "\ufffd" in v), None)


def _cell_text(value: object) -> object:
    """A message text cell: a number a spreadsheet typed (``42``) is the text it shows; other
    values are left for the builder to judge."""
    number = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
    return as_text(value) if number and not is_missing(value) else value


def _seq(value: object) -> float:
    if is_missing(value):
        return float("inf")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise FieldError("seq", f"message number {value!r} is not a number", "bad_seq") from None


def _bad_seq(value: object) -> bool:
    try:
        _seq(value)
    except FieldError:
        return True
    return False


def dataset_from_arrow(rows: ArrowRows, builder: FrameBuilder, first_row: int = 2) -> Dataset | None:
    """Whole conversations of a long-table slice held in Arrow (canonical column names) as
    ``dataset_from_rows`` makes them from its pandas read; None when its rows cannot be grouped
    by columns (then read it through ``dataset_from_rows``)."""
    window = columnar.table_window(rows, builder, True)
    if window is None:
        return None
    numbers = np.arange(first_row, first_row + len(rows))
    return _Grouper(builder)._datasets(window, rows, numbers, [0, len(window.flagged)])[0]


def dataset_from_rows(
    rows: pd.DataFrame,
    *,
    source: str,
    first_row: int = 2,
    mapping: str | os.PathLike | None = None,
    tz: str = DEFAULT_TZ,
    marks: Marks | None = None,
) -> Dataset:
    """Whole conversations of a long-table slice (one row per message, no conversation cut off)
    as a Dataset, through the reader's own grouping and validation; problems name ``source`` and
    the row; ``marks``: its damaged rows. Runners whose workers read their own row groups use it."""
    headers = list(rows.columns)
    colmap = get_mapping(mapping, headers)
    builder = FrameBuilder(
        tz=tz, source=source, role_aliases=colmap.values.get("role"), channel_aliases=colmap.values.get("channel")
    )
    grouper = _Grouper(builder, marks)
    return grouper.feed_frame(rows.rename(columns=colmap.resolve(headers)), first_row, final=True)
