"""The one runner every command that scores goes through (``qa score``, ``qa run``, ``qa rubric
diff``, ``qa rubric test``, grade re-scoring): cut the input into tasks, score them here or in
``workers`` processes (``score_task``), hand each scored chunk to a sink (``engine.sinks``:
frames in memory or the files layout, or Parquet part files) and merge the chunks' summary
partials. At most ``2 × workers`` chunks are in flight, so with the part sink peak memory
depends on the chunk size, not on the input size.

Tasks are chunks of a Dataset already read (``score_dataset``), or, for an export on disk
(``score_file``), Parquet row groups or JSONL line ranges the workers read themselves, else
chunks from the one reader, ``iter_conversations``."""

from __future__ import annotations

import codecs
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from qa_toolkit import collector
from qa_toolkit.engine.parts import JsonlLines, RowGroup, ScoreJob, Scorer, load, score_task, start_worker
from qa_toolkit.engine.sinks import FrameSink, PartSink, Provenance
from qa_toolkit.engine.tables import first_rows, id_column, runs_on
from qa_toolkit.frames import DEFAULT_TZ, Dataset
from qa_toolkit.io import detect_format, iter_conversations
from qa_toolkit.io.encoding import bom_encoding, is_utf8
from qa_toolkit.io.jsonl import line_ranges
from qa_toolkit.problems import InputError, Problem, ProblemLog
from qa_toolkit.rubric.schema import Rubric
from qa_toolkit.scoring import as_rubrics, merge

#: Inputs larger than this are scored into part files even without --workers/--engine.
PARTS_ABOVE = 1 << 30
#: Row groups above this many rows (~40,000 twelve-turn conversations, ~1.5 GB in a worker)
#: are not read whole by a worker: such files go through the reader, chunk by chunk.
MAX_ROW_GROUP_ROWS = 500_000
#: The sinks a run writes through (``engine.sinks``).
Sink = FrameSink | PartSink


@dataclass
class RunOutcome:
    """What a run produced: the merged summary (``scoring.merge``), reading problems, chunks."""

    summary: dict
    log: ProblemLog
    parts: int


def score_dataset(
    dataset: Dataset,
    scorer: Scorer | ScoreJob,
    sink: Sink,
    *,
    workers: int = 1,
    chunk_size: int = 20000,
    progress: Callable[[int], None] | None = None,
) -> RunOutcome:
    """Score a Dataset already read in chunks of ``chunk_size`` conversations (bounded memory;
    the result equals one chunk of everything) through ``sink``, and ``finish`` it with the
    dataset's reading log. ``progress(n)`` is told how many conversations are done."""
    sink.reset()
    partials = [
        _added(sink, partial)
        for partial in run_tasks(_chunks(dataset, chunk_size), scorer, sink.writer, workers, progress)
    ]
    for p in partials:
        p.pop("log"), p.pop("ids")
    run = RunOutcome(merge(partials), dataset.log, len(partials))
    sink.finish(run.summary, dataset.log)
    return run


def score_chunks(
    conversations: pd.DataFrame,
    messages: pd.DataFrame,
    rubric: Rubric | Sequence[Rubric],
    *,
    risk: pd.DataFrame | None = None,
    chunk_size: int = 20000,
    progress: Callable[[int], None] | None = None,
    mask: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(RESULTS, SCORES) frames of ``score_dataset`` in this process, kept in memory: one rubric
    or an ordered list (the first admitting scores a conversation); ``mask``: personal data in
    evidence texts masked."""
    sink = FrameSink()
    score_dataset(
        Dataset(conversations, messages),
        Scorer(as_rubrics(rubric), risk, mask),
        sink,
        chunk_size=chunk_size,
        progress=progress,
    )
    return sink.results, sink.scores


def _chunks(dataset: Dataset, size: int) -> Iterator[Dataset]:
    """Chunks of ``size`` conversations with their messages; one empty chunk for no conversations."""
    conversations, messages = dataset.conversations, dataset.messages
    if not len(conversations):
        yield Dataset(conversations, messages)
    for start in range(0, len(conversations), size):
        chunk = conversations.iloc[start : start + size]
        yield Dataset(chunk, messages[messages["conversation_id"].isin(chunk["conversation_id"])])


def _added(sink: Sink, partial: dict) -> dict:
    """``partial`` after its chunk's ``written`` has gone to the sink."""
    sink.add(partial.pop("written"))
    return partial


def wants_parts(path: str | os.PathLike, *, workers: int, engine: str, parts: bool) -> bool:
    """Whether ``qa score`` streams to part files: asked for, several workers, Dask, or a big input."""
    return parts or workers > 1 or engine != "local" or Path(path).stat().st_size > PARTS_ABOVE


def score_file(
    path: str | os.PathLike,
    job: ScoreJob,
    *,
    workers: int = 1,
    chunk_size: int = 20000,
    read_opts: dict | None = None,
    progress: Callable[[int], None] | None = None,
) -> RunOutcome:
    """Score every conversation of the export at ``path`` into the score folder ``job.output``
    in the parts layout (results/ and scores/ part files, run.json), swapped in when the whole
    input has been scored. ``progress(n_bytes)`` follows the reading.

    The workers read their own share where they can — a UTF-8 JSONL file in ranges of
    ``chunk_size`` lines, a Parquet long table whose row groups hold whole conversations one row
    group per task; every other input (tables, other encodings, a roster to join) is read here by
    ``iter_conversations`` in chunks of ``chunk_size`` records and shipped to the workers.
    Conversation ids repeated in different tasks are all scored and reported (``duplicate_id``).
    A JSONL file is checked to be UTF-8 while the workers score it (the check would otherwise
    hold them up, 3 s for 1.5 GB), and Parquet row groups to hold whole conversations from what
    the workers read, as their results come in (a check beforehand would read every id column
    first, 0.3 s for 10^6 conversations); if either fails, the run starts over through the
    reader."""
    opts = dict(read_opts or {})
    scorer = load(job)  # a broken rubric or risk file fails before any work
    with PartSink(job.output, Provenance(scorer.rubrics, job.rubric_paths, path, job.mask)) as sink:
        run = _score(path, job, sink, workers, chunk_size, opts, progress)
        sink.finish(run.summary, run.log, engine={"engine": "local", "workers": workers, "parts": run.parts})
    return run


def _score(path, job: ScoreJob, sink: PartSink, workers: int, chunk_size: int, opts: dict, progress) -> RunOutcome:
    """``score_file``'s run into ``sink``: the workers' own reading where it holds, else the reader."""
    lines = jsonl_tasks(path, opts, chunk_size)
    if lines is not None:
        with ThreadPoolExecutor(1) as checker:
            utf8 = None if opts.get("encoding") or bom_encoding(path) else checker.submit(is_utf8, path)
            run = _run(path, job, sink, lines, workers, opts, progress, own=True, utf8=utf8)
        if run is not None:
            return run
    groups = row_group_tasks(path, opts)
    if groups is not None:
        run = _run(path, job, sink, groups, workers, opts, progress, own=True)
        if run is not None:
            return run
    records = iter_conversations(path, chunk_size=chunk_size, progress=progress, **opts)
    return _run(path, job, sink, records, workers, opts, None, own=False)


def _run(
    path, job: ScoreJob, sink: PartSink, tasks: Iterable, workers: int, opts: dict, progress, *, own: bool, utf8=None
) -> RunOutcome | None:
    """Score ``tasks`` into ``sink``, emptied first; None when what the workers read turned out
    not to stand alone — a JSONL input that is not UTF-8, a conversation across Parquet row
    groups — so that the input is read again through the reader."""
    sink.reset()
    partials, last = [], None
    for partial in run_tasks(tasks, job, sink.writer, workers, progress):
        partials.append(_added(sink, partial))
        if "edges" in partial:  # row groups: stop at the first conversation that runs on into the next
            edges = partial.pop("edges")
            if runs_on(last, edges):
                return None
            last = edges or last
    if utf8 is not None and not utf8.result():
        return None
    return merged(str(path), partials, strict=bool(opts.get("strict")), own=own)


def merged(path: str, partials: list[dict], *, strict: bool, own: bool = False) -> RunOutcome:
    """The run of a file from its chunks' partials: their reading logs merged, ids in more than
    one chunk reported, an empty file (the workers read it: ``own``) or, with ``strict``, any
    reading problem an InputError."""
    log = ProblemLog()
    for p in partials:
        log.merge(p.pop("log"))
    if own and not log.records_read:
        raise InputError(Problem(path, "empty file: no records", code="empty_file"))
    report_duplicates(path, [p.pop("ids") for p in partials], log)
    if strict and log.problems:
        raise InputError(log.problems)
    return RunOutcome(merge(partials), log, len(partials))


def row_group_tasks(path: str | os.PathLike, opts: dict) -> list[RowGroup] | None:
    """One task per row group for a Parquet input without a roster whose row groups hold whole
    conversations; None when the input must go through the sequential reader."""
    if opts.get("roster") or detect_format(Path(path), opts.get("format")) != "parquet":
        return None
    tz = opts.get("tz") or DEFAULT_TZ
    try:
        ZoneInfo(tz)
        id_column(path, opts.get("mapping"))
        starts = first_rows(path)  # whole conversations per row group: checked by the workers (edges)
    except Exception:  # bad zone, no id column, unreadable: the reader says it best
        return None
    if not starts or _largest_row_group(path) > MAX_ROW_GROUP_ROWS:
        return None
    share = Path(path).stat().st_size // len(starts)
    return [RowGroup(str(path), i, first, opts.get("mapping"), tz, share) for i, first in enumerate(starts)]


def jsonl_tasks(path: str | os.PathLike, opts: dict, lines: int) -> Iterator[JsonlLines] | None:
    """Ranges of ``lines`` lines of a non-empty JSONL input without a roster, for the workers to
    read, unless an encoding other than UTF-8 is named or a UTF-16/32 mark starts it; None
    when the input must go through the sequential reader (which also reports a bad time zone,
    encoding or file best). Whether it is UTF-8 throughout is ``score_file``'s check."""
    path = Path(path)
    tz = opts.get("tz") or DEFAULT_TZ
    try:
        ZoneInfo(tz)
        named = opts.get("encoding")
        if (
            opts.get("roster")
            or detect_format(path, opts.get("format")) != "jsonl"
            or not path.stat().st_size
            or (named and codecs.lookup(named).name not in ("utf-8", "utf-8-sig"))
            or bom_encoding(path) not in (None, "utf-8-sig")
        ):
            return None
    except Exception:  # missing file, bad zone, unknown format or encoding: the reader says it best
        return None
    return (JsonlLines(str(path), span, tz) for span in line_ranges(path, lines))


def _largest_row_group(path: str | os.PathLike) -> int:
    meta = pq.ParquetFile(path).metadata
    return max(meta.row_group(i).num_rows for i in range(meta.num_row_groups))


def run_tasks(
    tasks: Iterable,
    scorer: Scorer | ScoreJob,
    writer: Callable[[int, Any], Any],
    workers: int,
    progress: Callable[[int], None] | None = None,
) -> Iterator[dict]:
    """``score_task`` over numbered tasks (Datasets, or RowGroups and JsonlLines the workers
    read; empty Datasets are skipped but an all-empty input still gets task 0), here or in a
    pool of ``workers`` processes with at most ``2 × workers`` tasks in flight; partials in
    task order. ``progress`` after each task: its bytes (a task a worker read) or its
    conversations (a Dataset). A ``ScoreJob`` is loaded once per worker; a ``Scorer`` (rubrics
    not from files, risk scores in memory) travels with each task."""
    numbered = enumerate(_nonempty(tasks))
    if workers <= 1:
        with collector.frozen_heap():
            for number, task in numbered:
                yield score_task(task, number, scorer, writer)
                if progress:
                    progress(_amount(task))
        return
    with ProcessPoolExecutor(workers, initializer=start_worker, initargs=(scorer,)) as pool:
        pending: deque = deque()
        for number, task in numbered:
            pending.append((pool.submit(score_task, task, number, scorer, writer), task))
            while len(pending) >= 2 * workers:
                yield _done(pending.popleft(), progress)
        while pending:
            yield _done(pending.popleft(), progress)


def _amount(task) -> int:
    """How much of the input a task is, for progress: conversations of a Dataset, else bytes."""
    return len(task.conversations) if isinstance(task, Dataset) else task.nbytes


def _done(pending: tuple, progress: Callable[[int], None] | None) -> dict:
    future, task = pending
    partial = future.result()
    if progress:
        progress(_amount(task))
    return partial


def _nonempty(tasks: Iterable) -> Iterator:
    last, seen = None, False
    for task in tasks:
        last = task
        if not isinstance(task, Dataset) or len(task.conversations):
            seen = True
            yield task
    if not seen and last is not None:
        yield last


def report_duplicates(path: str, ids: list, log: ProblemLog) -> None:
    """Ids in more than one part (each part's reader checks its own; the sequential reader
    checks the whole file): reported, not dropped — every copy was scored."""
    if len(ids) < 2:
        return
    _, counts = np.unique(np.concatenate(ids), return_counts=True)
    n = int((counts > 1).sum())
    if n:
        log.add(
            Problem(
                path,
                f"{n} conversation id(s) occur in more than one row group; every copy was scored "
                "(the sequential reader keeps only the first)",
                field="conversation_id",
                code="duplicate_id",
                level="warning",
            )
        )
