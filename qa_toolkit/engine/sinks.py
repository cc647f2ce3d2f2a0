"""Where the runner's scored chunks go. A sink has two halves: a small picklable ``writer``
that runs where a chunk was scored (in this process or a worker) and returns what the parent
needs, and the sink itself, in the parent, which ``add``s those in task order and ``finish``es
the run (the score folder's run.json, through ``scorefolder.writing``).

- ``FrameSink``: keeps the RESULTS and SCORES frames in memory (``qa rubric diff``, ``qa run``,
  the library's ``score_chunks``); with a ``target`` it writes the
  files layout (results.csv|parquet, scores.csv|parquet) there when the run is done.
- ``PartSink``: the parts layout, ``results/part-N.parquet`` and ``scores/part-N.parquet``
  written by the workers into the staged folder as they go; memory does not grow with the input.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from qa_toolkit.atomic import write_frame
from qa_toolkit.frames import RESULTS, SCORES, empty
from qa_toolkit.problems import ProblemLog
from qa_toolkit.rubric.schema import Rubric
from qa_toolkit.scorefolder import PART, RUN_INFO, ScoreWriter, write_results, write_score_dir, writing
from qa_toolkit.scoring import Scored, results_frame, results_table


@dataclass(frozen=True)
class Provenance:
    """What a score folder's run.json records beside the summary: the rubrics and their files,
    the input, whether evidence is masked."""

    rubrics: Sequence[Rubric]
    rubric_paths: Sequence[str | os.PathLike]
    data_path: str | os.PathLike | None
    masked: bool


def frames_of(number: int, scored: Scored) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``FrameSink``'s writer: the chunk's (RESULTS, SCORES) frames."""
    return results_frame(scored), scored.scores


@dataclass(frozen=True)
class PartFiles:
    """``PartSink``'s writer: the chunk's results and scores part files in ``folder``."""

    folder: str

    def __call__(self, number: int, scored: Scored) -> None:
        write_results(results_table(scored), Path(self.folder) / "results" / PART.format(number))
        write_frame(scored.scores, Path(self.folder) / "scores" / PART.format(number))


@dataclass
class FrameSink:
    """The frames of a run, kept in memory; ``target``: also written there as the files layout
    (locked only while writing, since scoring happens first)."""

    target: str | os.PathLike | None = None
    provenance: Provenance | None = None
    results: pd.DataFrame = field(default_factory=lambda: empty(RESULTS))
    scores: pd.DataFrame = field(default_factory=lambda: empty(SCORES))
    written: list[Path] = field(default_factory=list)
    _parts: list[tuple[pd.DataFrame, pd.DataFrame]] = field(default_factory=list, init=False, repr=False)

    @property
    def writer(self) -> Callable[[int, Scored], tuple[pd.DataFrame, pd.DataFrame]]:
        return frames_of

    def reset(self) -> None:
        """Forget an attempt's chunks (the runner starts over)."""
        self._parts.clear()

    def add(self, written: tuple[pd.DataFrame, pd.DataFrame]) -> None:
        self._parts.append(written)

    def finish(self, summary: dict, log: ProblemLog) -> None:
        """The frames of every chunk, in task order; with a target, the files layout and run.json."""
        if self._parts:
            self.results = pd.concat([r for r, _ in self._parts], ignore_index=True)
            self.scores = pd.concat([s for _, s in self._parts], ignore_index=True)
        self._parts.clear()
        if self.target is not None:
            p = self.provenance
            self.written, _ = write_score_dir(
                self.target,
                self.results,
                self.scores,
                p.rubrics,
                p.rubric_paths,
                p.data_path,
                log,
                masked=p.masked,
                summary=summary,
            )


class PartSink:
    """The parts layout at ``target``, staged for the whole run (``scorefolder.writing``) and
    swapped in by ``finish``; use as a context manager around the run."""

    def __init__(self, target: str | os.PathLike, provenance: Provenance):
        self.target, self.provenance = target, provenance
        self.folder: ScoreWriter | None = None
        self._stack = ExitStack()

    def __enter__(self) -> PartSink:
        self.folder = self._stack.enter_context(writing(self.target, self.provenance.data_path))
        return self

    def __exit__(self, *exc) -> bool | None:
        return self._stack.__exit__(*exc)

    @property
    def writer(self) -> PartFiles:
        return PartFiles(str(self.folder.path))

    def reset(self) -> None:
        """Empty results/ and scores/ part folders: nothing of an attempt before."""
        for name in ("results", "scores"):
            shutil.rmtree(self.folder.path / name, ignore_errors=True)
            (self.folder.path / name).mkdir()

    def add(self, written: None) -> None:
        """Nothing to do: the writer wrote the chunk's parts."""

    def finish(self, summary: dict, log: ProblemLog, engine: dict | None = None) -> None:
        """run.json, the last file of the run."""
        p = self.provenance
        self.folder.finish(p.rubrics, p.rubric_paths, summary, log, masked=p.masked, engine=engine)

    @property
    def written(self) -> list[Path]:
        return [Path(self.target) / name for name in (*self.folder.info["files"], RUN_INFO)]
