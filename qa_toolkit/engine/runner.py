"""The local runner: read an export chunk by chunk (the one reader, ``iter_conversations``),
score chunks in ``workers`` processes, stream part files into a staging folder and move them
into place when the whole input has been read. At most ``2 × workers`` chunks are in flight,
so peak memory depends on the chunk size, not on the input size."""

from __future__ import annotations

import os
import shutil
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from qa_toolkit.engine import summary
from qa_toolkit.engine.parts import OUTPUTS, RunConfig, load, score_part
from qa_toolkit.frames import Dataset
from qa_toolkit.problems import ProblemLog


#: Inputs larger than this are scored into part files even without --workers/--engine.
PARTS_ABOVE = 1 << 30


def wants_parts(path: str | os.PathLike, *, workers: int, engine: str, parts: bool) -> bool:
    """Whether ``qa score`` streams to part files: asked for, several workers, Dask, or a big input."""
    return parts or workers > 1 or engine != "local" or Path(path).stat().st_size > PARTS_ABOVE


@dataclass
class RunOutcome:
    """What a run produced: the summary (as ``scoring.summarise``), reading problems, parts."""

    summary: dict
    log: ProblemLog
    parts: int


def score_file(path: str | os.PathLike, config: RunConfig, *, workers: int = 1, chunk_size: int = 20000,
               read_opts: dict | None = None, progress: Callable[[int], None] | None = None) -> RunOutcome:
    """Score every conversation of the export at ``path``; part files end up in
    ``config.parts_dir``/results and /scores. ``progress(n_bytes)`` follows the reading."""
    from qa_toolkit.io import iter_conversations

    load(config)  # a broken rubric or risk file fails before any work
    log = ProblemLog()
    chunks = iter_conversations(path, chunk_size=chunk_size, progress=progress, **(read_opts or {}))
    with staging(config) as staged:
        partials = list(run_chunks(_logged(chunks, log), staged, workers))
    return RunOutcome(summary.merge(partials), log, len(partials))


def run_chunks(chunks: Iterator[Dataset], config: RunConfig, workers: int) -> Iterator[dict]:
    """``score_part`` over numbered non-empty chunks (an all-empty input still gets part 0),
    in this process or a pool of ``workers``; partials in chunk order."""
    numbered = enumerate(_nonempty(chunks))
    if workers <= 1:
        for number, ds in numbered:
            yield score_part(ds.conversations, ds.messages, number, config)
        return
    with ProcessPoolExecutor(workers, initializer=load, initargs=(config,)) as pool:
        pending: deque = deque()
        for number, ds in numbered:
            pending.append(pool.submit(score_part, ds.conversations, ds.messages, number, config))
            while len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _nonempty(chunks: Iterator[Dataset]) -> Iterator[Dataset]:
    last = None
    seen = False
    for ds in chunks:
        last = ds
        if len(ds.conversations):
            seen = True
            yield ds
    if not seen and last is not None:
        yield last


def _logged(chunks: Iterator[Dataset], log: ProblemLog) -> Iterator[Dataset]:
    for ds in chunks:
        log.merge(ds.log)
        yield ds


class staging:
    """Context manager: a config whose parts go to a hidden staging folder beside the target;
    on success each output folder replaces the old one, on error the staging folder goes."""

    def __init__(self, config: RunConfig):
        self.target = Path(config.parts_dir)
        self.tmp = self.target / f".parts-{os.getpid()}.tmp"
        self.config = replace(config, parts_dir=str(self.tmp))

    def __enter__(self) -> RunConfig:
        shutil.rmtree(self.tmp, ignore_errors=True)
        for name in OUTPUTS:
            (self.tmp / name).mkdir(parents=True)
        return self.config

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            for name in OUTPUTS:
                shutil.rmtree(self.target / name, ignore_errors=True)
                os.replace(self.tmp / name, self.target / name)
        shutil.rmtree(self.tmp, ignore_errors=True)
