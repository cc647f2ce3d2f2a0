"""Long tables (CSV, XLSX, Parquet): one row per message, conversation columns repeated.

Rows are read in chunks (every column as text for CSV/XLSX, so Excel-mangled long numbers are
not mangled again), renamed through a column mapping, grouped into JSONL-shaped records and
validated by ``FrameBuilder``. A conversation's rows must be consecutive (a later run of rows
with the same id is a duplicate, whatever the chunking); they are never split across chunks:
the last conversation of a chunk is carried into the next one. Problem rows are spreadsheet rows
(header = row 1).
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from qa_toolkit.frames import DEFAULT_TZ, Dataset
from qa_toolkit.io import columnar
from qa_toolkit.io.mapping import REQUIRED_COLUMNS, get_mapping
from qa_toolkit.io.validate import FieldError, FrameBuilder, as_text, cell_value, is_missing
from qa_toolkit.problems import InputError, Problem, ProblemLog

MESSAGE_COLUMNS = ("seq", "ts", "role", "text")
Progress = Callable[[int], None] | None


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


def _unreadable(path: Path, fmt: str, err: Exception) -> InputError:
    first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    line = re.search(r"line ([0-9]+)", first) if fmt == "csv" else None
    return InputError(Problem(str(path), f"cannot read this file as {fmt.upper()}: {first}",
                              line=int(line.group(1)) if line else None, code="unreadable"))


def _csv_chunks(path: Path, encoding: str, chunk_rows: int, progress: Progress) -> tuple[list[str], Iterator]:
    options = {"dtype": str, "keep_default_na": False, "encoding": encoding, "skipinitialspace": False}
    try:
        headers = list(pd.read_csv(path, nrows=0, **options).columns)
    except pd.errors.EmptyDataError:
        raise InputError(Problem(str(path), "empty file: no header row", code="empty_file")) from None
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as err:
        raise _unreadable(path, "csv", err) from None

    def chunks() -> Iterator[pd.DataFrame]:
        with path.open("rb") as raw:
            source = io.BufferedReader(_Counting(raw, progress)) if progress else raw
            try:
                yield from pd.read_csv(source, chunksize=chunk_rows, **options)
            except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as err:
                raise _unreadable(path, "csv", err) from None

    return headers, chunks()


def _xlsx_chunks(path: Path, chunk_rows: int, progress: Progress) -> tuple[list[str], Iterator]:
    """The first sheet, streamed row by row (openpyxl read-only): cells keep their Python
    values (text, numbers, datetimes) and are converted like JSONL values."""
    from openpyxl import load_workbook

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


def _parquet_chunks(path: Path, chunk_rows: int, progress: Progress) -> tuple[list[str], Iterator]:
    import pyarrow.parquet as pq

    try:
        pfile = pq.ParquetFile(path)
    except Exception as err:  # pyarrow raises ArrowInvalid/OSError on a corrupt file
        raise _unreadable(path, "parquet", err) from None
    size, rows = path.stat().st_size, max(pfile.metadata.num_rows, 1)

    def chunks() -> Iterator[pd.DataFrame]:
        try:
            for batch in pfile.iter_batches(batch_size=chunk_rows):
                if progress:
                    progress(size * batch.num_rows // rows)
                yield batch.to_pandas()
        except Exception as err:  # a corrupt row group surfaces only when read
            raise _unreadable(path, "parquet", err) from None

    return list(pfile.schema_arrow.names), chunks()


def iter_table(path: Path, fmt: str, builder_args: dict, *, mapping: str | os.PathLike | None, encoding: str | None,
               chunk_size: int, progress: Progress) -> Iterator[Dataset]:
    """Yield Datasets of whole conversations from a long table (``chunk_size`` rows at a time)."""
    if fmt == "csv":
        headers, chunks = _csv_chunks(path, encoding or "utf-8", chunk_size, progress)
    elif fmt == "xlsx":
        headers, chunks = _xlsx_chunks(path, chunk_size, progress)
    else:
        headers, chunks = _parquet_chunks(path, chunk_size, progress)
    colmap = get_mapping(mapping, headers)
    rename = colmap.resolve(headers)
    missing = [c for c in REQUIRED_COLUMNS if c not in rename.values()]
    if missing:
        names = ", ".join(f"'{m}'" for m in missing)
        raise InputError(Problem(str(path), f"required column {names} not found (mapping '{colmap.name}'); "
                                            f"headers found: {', '.join(map(str, headers))}",
                                 line=1, field=missing[0], code="missing_column"))
    builder = FrameBuilder(source=str(path), role_aliases=colmap.values.get("role"),
                           channel_aliases=colmap.values.get("channel"), **builder_args)
    grouper = _Grouper(builder)
    row = 2
    for batch in _batches((chunk.rename(columns=rename) for chunk in chunks), WINDOW_ROWS):
        yield from grouper.feed_frames(batch, row)
        row += sum(map(len, batch))
    if row == 2:
        raise InputError(Problem(str(path), "empty file: no rows below the header", code="empty_file"))
    grouper.flush()
    yield builder.take()


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
    columns = [chunk.iloc[:, i].tolist() for i in range(chunk.shape[1])]
    names = list(chunk.columns)
    return [dict(zip(names, values)) for values in zip(*columns)]


class _Grouper:
    """Groups message rows into conversation records, holding back the last (maybe unfinished)
    conversation of each chunk until the next chunk shows it has ended."""

    def __init__(self, builder: FrameBuilder):
        self.builder = builder
        self.carry: list[tuple[int, dict]] = []
        self.held: tuple[pd.DataFrame, np.ndarray] | None = None  # the carry's rows as a frame, when known
        self.lazy = False  # the carry is ``held`` alone, not yet made into row dicts

    def feed_frame(self, chunk: pd.DataFrame, first_row: int, final: bool = False) -> Dataset:
        """The conversations this chunk completes (all of them if ``final``), through
        ``columnar.table_frames`` when it can take the carried rows and the chunk, else
        through ``feed``; the same Dataset either way."""
        numbers = np.arange(first_row, first_row + len(chunk))
        window = self._window(chunk, numbers)
        fast = columnar.table_frames(window[0], self.builder, final) if window else None
        if fast is None:
            self.feed(_rows(chunk), first_row)
            if final:
                self.flush()
            carried = [n - first_row for n, _ in self.carry]
            inside = all(0 <= i < len(chunk) for i in carried)
            self.held = (chunk.iloc[carried], numbers[carried]) if inside else None
            return self.builder.take()
        conversations, messages, held = fast
        self.held = (window[0].iloc[held], window[1][held])
        self.carry, self.lazy = [], bool(len(held))
        if conversations is None:
            return self.builder.take()
        return Dataset(conversations, messages, self.builder.take_log())

    def feed_frames(self, chunks: list[pd.DataFrame], first_row: int) -> list[Dataset]:
        """``feed_frame`` over consecutive chunks, the same Datasets, through one columnar window
        when the chunks' columns agree and it takes them all."""
        alike = all(list(c.columns) == list(chunks[0].columns) and list(c.dtypes) == list(chunks[0].dtypes)
                    for c in chunks[1:])
        if len(chunks) > 1 and alike:
            joined = pd.concat(chunks, ignore_index=True)
            window = self._window(joined, np.arange(first_row, first_row + len(joined)))
            if window is not None:
                offset = len(window[0]) - len(joined)
                splits = offset + np.cumsum([0] + [len(c) for c in chunks[:-1]])
                fast = columnar.table_frames(window[0], self.builder, False, splits)
                if fast is not None:
                    parts, held = fast
                    self.held = (window[0].iloc[held], window[1][held])
                    self.carry, self.lazy = [], bool(len(held))
                    return [self.builder.take() if part is None else
                            Dataset(part[0], part[1], ProblemLog(records_read=part[2])) for part in parts]
        datasets = []
        for chunk in chunks:
            datasets.append(self.feed_frame(chunk, first_row))
            first_row += len(chunk)
        return datasets

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
            self.carry = [(n, {**r, "conversation_id": as_text(r["conversation_id"])})
                          for n, r in zip(numbers.tolist(), _rows(rows))]
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

    def flush(self) -> None:
        self._unfold()
        if self.carry:
            self._add(self.carry)
        self.carry = []

    def _skip(self, row: int, field: str, message: str, code: str) -> None:
        log = self.builder.log
        log.records_read += 1
        log.records_skipped += 1
        log.add(Problem(self.builder.source, message, line=row, field=field, code=code))

    def _add(self, group: list[tuple[int, dict]]) -> None:
        if "seq" in group[0][1]:
            try:
                group = sorted(group, key=lambda item: _seq(item[1].get("seq")))
            except FieldError as err:
                bad = next(n for n, r in group if _bad_seq(r.get("seq")))
                cid = group[0][1]["conversation_id"]
                self._skip(bad, "seq", f"{err} — conversation '{cid}' skipped", err.code)
                return
        first = group[0][1]
        record = {k: cell_value(v, k) for k, v in first.items() if k not in MESSAGE_COLUMNS}
        record["messages"] = [{k: _cell_text(r[k]) if k == "text" else r[k] for k in ("ts", "role", "text") if k in r}
                              for _, r in group]
        self.builder.add(record, line=group[0][0], msg_lines=[n for n, _ in group])


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


def dataset_from_rows(rows: pd.DataFrame, *, source: str, first_row: int = 2,
                      mapping: str | os.PathLike | None = None, tz: str = DEFAULT_TZ) -> Dataset:
    """Whole conversations of a long-table slice (one row per message, no conversation cut off)
    as a Dataset, through the reader's own grouping and validation; problems name ``source`` and
    the row. Runners whose workers read their own row groups use it."""
    headers = list(rows.columns)
    colmap = get_mapping(mapping, headers)
    builder = FrameBuilder(tz=tz, source=source, role_aliases=colmap.values.get("role"),
                           channel_aliases=colmap.values.get("channel"))
    return _Grouper(builder).feed_frame(rows.rename(columns=colmap.resolve(headers)), first_row, final=True)
