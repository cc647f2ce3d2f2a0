"""The chunk function every runner (in-process, worker pool, Dask) calls: score one chunk
with ``scoring.score_chunk`` (evidence masked there), write its results (straight from the
verdict codes, ``results_table``) and scores as Parquet part files, return the chunk's summary
counts. The rubrics are loaded once per process."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa

from qa_toolkit.engine import summary
from qa_toolkit.frames import OUTCOMES, RESULTS, empty, large_strings
from qa_toolkit.io.jsonl import LineRange
from qa_toolkit.scorefolder import PART

if TYPE_CHECKING:
    from qa_toolkit.rubric.checks._base import Labels
    from qa_toolkit.scoring import Evaluated, Scored


@dataclass(frozen=True)
class RunConfig:
    """What a worker needs to score a chunk: paths only, so it pickles small and each worker
    process compiles the rubrics (and reads the risk file) once. ``rubric_path``: one rubric
    file, or an ordered tuple of them (each conversation goes to the first that admits it)."""

    rubric_path: str | tuple[str, ...]
    parts_dir: str  # where score_part writes results/ and scores/ part files (a runner: the score folder)
    risk_path: str | None = None
    mask: bool = True

    @property
    def rubric_paths(self) -> tuple[str, ...]:
        return (self.rubric_path,) if isinstance(self.rubric_path, str) else tuple(self.rubric_path)


_LOADED: dict[tuple, tuple] = {}


def load(config: RunConfig) -> tuple:
    """(list of rubrics, risk frame or None) for ``config``, loaded once per process: by the
    runner before its workers fork (they inherit it), or by a pool initializer."""
    key = (config.rubric_paths, config.risk_path)  # not the output folder: staging changes it
    if key not in _LOADED:
        from qa_toolkit.rubric import require_rubric
        from qa_toolkit.scoring import read_risk

        rubrics = [require_rubric(path) for path in config.rubric_paths]
        _LOADED.clear()
        _LOADED[key] = (rubrics, read_risk(config.risk_path) if config.risk_path else None)
    return _LOADED[key]


def start_worker(config: RunConfig) -> None:
    """Pool initializer: ``load``, then keep the heap the worker starts with (modules, the
    compiled rubrics) out of the garbage collector's full collections, which would otherwise
    walk it again every few chunks (about 3 % of a worker's time)."""
    load(config)
    gc.freeze()


@contextmanager
def frozen_heap() -> Iterator[None]:
    """``start_worker``'s freeze for a run in this process, undone afterwards; left alone when
    the process froze its own heap already."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def score_part(conversations: pd.DataFrame, messages: pd.DataFrame, number: int, config: RunConfig) -> dict:
    """Score one chunk, write ``results/part-N.parquet`` and ``scores/part-N.parquet`` under
    ``config.parts_dir`` (atomically), return its summary partial. The results part is written
    from the verdict codes (``results_table``), never as a frame of strings."""
    from qa_toolkit.atomic import write_frame
    from qa_toolkit.scoring import score_chunk

    rubrics, risk = load(config)
    scored = score_chunk(conversations, messages, rubrics, risk=risk, mask=config.mask)
    write_results(results_table(scored), Path(config.parts_dir) / "results" / PART.format(number))
    write_frame(scored.scores, Path(config.parts_dir) / "scores" / PART.format(number))
    return summary.partial(scored, rubrics)


#: Result columns whose Parquet statistics (min/max) serve a reader: a row group holds every criterion
#: and outcome but only its own conversations. The other columns skip their cost.
STATISTICS = ["conversation_id"]

_TEXT = pa.dictionary(pa.int32(), pa.large_string())
#: The results part's Arrow schema: strings as dictionaries, columns that are never missing
#: marked so (Parquet then writes no null bookkeeping for them).
SCHEMA = pa.schema([
    pa.field("conversation_id", _TEXT), pa.field("section_id", _TEXT, nullable=False),
    pa.field("criterion_id", _TEXT, nullable=False), pa.field("outcome", pa.dictionary(pa.int8(), pa.large_string()),
                                                              nullable=False),
    pa.field("points", pa.float64(), nullable=False), pa.field("max_points", pa.float64(), nullable=False),
    pa.field("critical", pa.bool_(), nullable=False), pa.field("evidence_seq", pa.int64()),
    pa.field("evidence_text", _TEXT), pa.field("evidence_match", _TEXT), pa.field("note", _TEXT),
])


def results_table(scored: Scored) -> pa.Table:
    """A ``scoring.Scored`` chunk's RESULTS as an Arrow table (``SCHEMA``) whose string columns
    are dictionaries built from the codes (ids, labels, the chunk's distinct evidence texts):
    the same rows and values as ``Scored.results()``."""
    tables = [_evaluated_table(ev) for _, ev in scored.parts]
    order = scored.order()
    if order is None:
        return tables[0]
    return pa.concat_tables(tables).unify_dictionaries().combine_chunks().take(order)


def _evaluated_table(ev: Evaluated) -> pa.Table:
    """One rubric's ``scoring.Evaluated`` as Arrow columns."""
    if not ev.k:
        return SCHEMA.empty_table()
    n, k = ev.frames.n, ev.k
    criteria = [c for _, c in ev.rubric.criteria]
    points, maximum = ev.points
    seq, text_codes, texts = ev.evidence
    ids = large_strings(ev.frames.conversations["conversation_id"].astype("string"))
    rows = np.repeat(np.arange(n, dtype=np.int32), k)
    return pa.table({  # ids repeated within a chunk would only cost speed (plain strings), never values
        "conversation_id": _dictionary(rows, ids) if not ids.null_count else _compact(rows, ids),
        "section_id": _per_criterion([s.id for s, _ in ev.rubric.criteria], n),
        "criterion_id": _per_criterion([c.id for c in criteria], n),
        "outcome": _dictionary(ev.outcome, pa.array(OUTCOMES, type=pa.large_string())),
        "points": points,
        "max_points": maximum,
        "critical": np.tile(np.array([c.critical for c in criteria], dtype=bool), n),
        "evidence_seq": pa.array(seq),
        "evidence_text": _compact(text_codes, large_strings(texts)),
        "evidence_match": _labels([o.match for o in ev.outcomes]),
        "note": _labels([o.note for o in ev.outcomes]),
    }, schema=SCHEMA)


def _dictionary(indices: np.ndarray, dictionary: pa.Array, missing: np.ndarray | None = None) -> pa.DictionaryArray:
    """Indices into a dictionary without repeats (Parquet falls back to plain strings on a
    repeated value), ``missing`` ones null."""
    return pa.DictionaryArray.from_arrays(pa.array(indices, mask=missing), dictionary, safe=False)


def _per_criterion(labels: list[str], n: int) -> pa.DictionaryArray:
    """One label per criterion, for each of ``n`` conversations."""
    codes, uniques = pd.factorize(pd.Series(labels, dtype="string"))
    return _dictionary(np.tile(codes.astype(np.int32), n), pa.array(uniques, type=pa.large_string()))


def _labels(parts: list[Labels]) -> pa.DictionaryArray:
    """``Labels.strings(parts)`` as a dictionary array: each part's few values looked up once."""
    from qa_toolkit.rubric.checks._base import Labels

    codes, values = Labels.stacked(parts)
    distinct, uniques = pd.factorize(values)  # a missing value: -1
    indices = distinct.astype(np.int32)[codes]
    return _dictionary(indices, pa.array(uniques, type=pa.large_string()), indices < 0)


def _compact(codes: np.ndarray, values: pa.Array) -> pa.DictionaryArray:
    """``values.take(codes)`` (-1 or a missing value: null) as a dictionary of the distinct
    values used, without materialising a string per row."""
    ok = codes >= 0
    ok[ok] = values.is_valid().to_numpy(zero_copy_only=False)[codes[ok]]
    used = np.zeros(len(values), dtype=bool)
    used[codes[ok]] = True
    distinct = values.filter(pa.array(used)).dictionary_encode()
    position = np.zeros(len(values) + 1, dtype=np.int32)  # the last one, for code -1
    position[:-1][used] = distinct.indices.to_numpy()
    return _dictionary(position[np.where(ok, codes, -1)], distinct.dictionary, ~ok)


def write_results(table: pa.Table, dest: str | Path) -> Path:
    """Write a ``results_table`` as a Parquet part, atomically. Its dictionary columns go in as
    Parquet dictionary pages (no hashing of strings) and no Arrow schema is stored, so any
    reader gets plain strings; the RESULTS frame's pandas metadata is stored instead, so
    ``pd.read_parquet`` gives exactly the RESULTS dtypes."""
    import pyarrow.parquet as pq

    from qa_toolkit.atomic import atomic_path

    with atomic_path(dest) as tmp:
        with pq.ParquetWriter(tmp, table.schema, store_schema=False, write_statistics=STATISTICS) as writer:
            writer.write_table(table)
            writer.add_key_value_metadata({b"pandas": _pandas_metadata()})
    return Path(dest)


@cache
def _pandas_metadata() -> bytes:
    """What pandas records of an empty RESULTS frame: each column's dtype."""
    return pa.Schema.from_pandas(empty(RESULTS), preserve_index=False).metadata[b"pandas"]


@dataclass(frozen=True)
class RowGroup:
    """A task a worker reads itself: one row group of a Parquet long table (whole conversations)."""

    path: str
    index: int
    first_row: int  # spreadsheet-style row of its first message (header = 1), for problems
    mapping: str | None
    tz: str
    nbytes: int = 0  # its share of the file, for progress

    def read(self):
        """The row group through the io package's grouping and validation (kept in Arrow, see
        ``engine.tables.dataset_from_row_group``), and the first and last value of its id column."""
        from qa_toolkit.engine.tables import dataset_from_row_group

        return dataset_from_row_group(self.path, self.index, source=self.path, first_row=self.first_row,
                                      mapping=self.mapping, tz=self.tz)


@dataclass(frozen=True)
class JsonlLines:
    """A task a worker reads itself: a range of lines of a UTF-8 JSONL export, read by the io
    package's JSONL reader with the file's own line numbers."""

    path: str
    span: LineRange
    tz: str

    @property
    def nbytes(self) -> int:
        return self.span.end - self.span.start

    def dataset(self):
        """Through Arrow's JSON reader when it can vouch for an identical result, else the JSONL
        reader itself (the reference)."""
        from qa_toolkit.io.arrow_jsonl import read_jsonl_range
        from qa_toolkit.io.jsonl import iter_jsonl
        from qa_toolkit.io.validate import FrameBuilder

        dataset = read_jsonl_range(self.path, self.span, self.tz)
        if dataset is not None:
            return dataset
        builder = FrameBuilder(self.tz, self.path, seen_ids=set())
        return next(iter_jsonl(Path(self.path), builder, "utf-8", 1 << 62, None, self.span))


def score_task(task, number: int, config: RunConfig) -> dict:
    """``score_part`` on a Dataset or a task a worker reads itself (RowGroup, JsonlLines); the
    partial also carries the chunk's reading problems (``log``), hashed conversation ids
    (``ids``, for duplicates across parts) and, for a row group, the first and last value of its
    id column (``edges``, to check that no conversation runs on into the next row group)."""
    edges = None
    if isinstance(task, RowGroup):
        ds, edges = task.read()
    else:
        ds = task.dataset() if isinstance(task, JsonlLines) else task
    part = score_part(ds.conversations, ds.messages, number, config)
    part["log"] = ds.log
    ids = ds.conversations["conversation_id"].to_numpy(dtype=object)
    part["ids"] = pd.util.hash_array(ids, categorize=False)  # ids are distinct: factorizing first costs 4x
    if isinstance(task, RowGroup):
        part["edges"] = edges
    return part

