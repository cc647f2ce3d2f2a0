"""What every runner (in-process, worker pool, Dask) runs per chunk, here or in a worker: the
job (``ScoreJob``: paths only, so it pickles small), the loaded scorer (``Scorer``: rubrics
compiled and risk read once per process), the tasks a worker reads itself (``RowGroup``,
``JsonlLines``) and ``score_task``, which scores a chunk, hands it to the sink's writer and
returns its summary partial."""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from qa_toolkit.engine.tables import dataset_from_row_group
from qa_toolkit.io.jsonl import JsonlReading, LineRange, iter_jsonl
from qa_toolkit.io.validate import FrameBuilder
from qa_toolkit.rubric.loader import require_rubric
from qa_toolkit.rubric.schema import Rubric
from qa_toolkit.scoring import Scored, chunk_partial, read_risk, score_chunk


@dataclass(frozen=True)
class ScoreJob:
    """A scoring run as paths: what a worker process needs to build its ``Scorer``, and what
    run.json records. ``rubric_path``: one rubric file, or an ordered tuple of them (each
    conversation goes to the first that admits it); ``output``: the score folder."""

    rubric_path: str | tuple[str, ...]
    output: str
    risk_path: str | None = None
    mask: bool = True

    @property
    def rubric_paths(self) -> tuple[str, ...]:
        return (self.rubric_path,) if isinstance(self.rubric_path, str) else tuple(self.rubric_path)


@dataclass(frozen=True)
class Scorer:
    """Loaded rubrics (in routing order), risk scores for ``model`` criteria, evidence masking:
    scores a chunk."""

    rubrics: Sequence[Rubric]
    risk: pd.DataFrame | None = None
    mask: bool = False

    def __call__(self, conversations: pd.DataFrame, messages: pd.DataFrame) -> Scored:
        return score_chunk(conversations, messages, self.rubrics, risk=self.risk, mask=self.mask)


_LOADED: dict[tuple, Scorer] = {}


def load(job: ScoreJob) -> Scorer:
    """The ``Scorer`` of ``job``, loaded once per process: by the runner before its workers fork
    (they inherit it), or by a pool initializer."""
    key = (job.rubric_paths, job.risk_path, job.mask)  # not the output folder: staging changes it
    if key not in _LOADED:
        _LOADED.clear()
        _LOADED[key] = Scorer(
            [require_rubric(path) for path in job.rubric_paths],
            read_risk(job.risk_path) if job.risk_path else None,
            job.mask,
        )
    return _LOADED[key]


def start_worker(scorer: Scorer | ScoreJob) -> None:
    """Pool initializer: ``load`` a job, then keep the heap the worker starts with (modules, the
    compiled rubrics) out of the garbage collector's full collections, which would otherwise
    walk it again every few chunks (about 3 % of a worker's time)."""
    if isinstance(scorer, ScoreJob):
        load(scorer)
    gc.freeze()


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
        return dataset_from_row_group(
            self.path, self.index, source=self.path, first_row=self.first_row, mapping=self.mapping, tz=self.tz
        )


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
        """The range through the JSONL reader (by columns, the lines it flags one by one)."""
        builder = FrameBuilder(self.tz, self.path, seen_ids=set())
        return next(iter_jsonl(JsonlReading(Path(self.path), span=self.span), builder))


def score_task(task, number: int, scorer: Scorer | ScoreJob, writer: Callable[[int, Scored], Any]) -> dict:
    """Score a Dataset or a task a worker reads itself (RowGroup, JsonlLines) with ``scorer``
    (a job: the process's loaded scorer), hand the scored chunk to the sink's ``writer``; the
    chunk's summary partial, carrying what the writer returned (``written``), the chunk's reading
    problems (``log``), hashed conversation ids (``ids``, for duplicates across parts) and, for
    a row group, the first and last value of its id column (``edges``, to check that no
    conversation runs on into the next row group)."""
    edges = None
    if isinstance(task, RowGroup):
        ds, edges = task.read()
    else:
        ds = task.dataset() if isinstance(task, JsonlLines) else task
    scorer = load(scorer) if isinstance(scorer, ScoreJob) else scorer
    scored = scorer(ds.conversations, ds.messages)
    part = chunk_partial(scored, scorer.rubrics)
    part["written"] = writer(number, scored)
    part["log"] = ds.log
    ids = ds.conversations["conversation_id"].to_numpy(dtype=object)
    part["ids"] = pd.util.hash_array(ids, categorize=False)  # ids are distinct: factorizing first costs 4x
    if isinstance(task, RowGroup):
        part["edges"] = edges
    return part
