"""The chunk function every runner (in-process, worker pool, Dask) calls: score one chunk
with ``score_with_rubrics``, mask evidence, write the chunk's results and scores as Parquet part
files, return the chunk's summary counts. The rubrics are loaded once per process."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from qa_toolkit.engine import summary
from qa_toolkit.io.jsonl import LineRange

PART = "part-{:05d}.parquet"
OUTPUTS = ("results", "scores")


@dataclass(frozen=True)
class RunConfig:
    """What a worker needs to score a chunk: paths only, so it pickles small and each worker
    process compiles the rubrics (and reads the risk file) once. ``rubric_path``: one rubric
    file, or an ordered tuple of them (each conversation goes to the first that admits it)."""

    rubric_path: str | tuple[str, ...]
    parts_dir: str  # holds results/ and scores/ part folders
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


def score_part(conversations: pd.DataFrame, messages: pd.DataFrame, number: int, config: RunConfig) -> dict:
    """Score one chunk, write ``results/part-N.parquet`` and ``scores/part-N.parquet`` under
    ``config.parts_dir`` (atomically), return its summary partial."""
    from qa_toolkit.atomic import write_frame
    from qa_toolkit.scoring import score_with_rubrics

    rubrics, risk = load(config)
    results, scores = score_with_rubrics(conversations, messages, rubrics, risk=risk, mask=config.mask)
    for name, frame in zip(OUTPUTS, (results, scores)):
        write_frame(frame, Path(config.parts_dir) / name / PART.format(number))
    return summary.partial(results, scores, rubrics)


@dataclass(frozen=True)
class RowGroup:
    """A task a worker reads itself: one row group of a Parquet long table (whole conversations)."""

    path: str
    index: int
    first_row: int  # spreadsheet-style row of its first message (header = 1), for problems
    mapping: str | None
    tz: str
    nbytes: int = 0  # its share of the file, for progress

    def dataset(self):
        """The row group through the io package's grouping and validation."""
        import pyarrow.parquet as pq

        from qa_toolkit.engine.tables import dataset_from_rows

        rows = pq.ParquetFile(self.path).read_row_group(self.index).to_pandas()
        return dataset_from_rows(rows, source=self.path, first_row=self.first_row, mapping=self.mapping, tz=self.tz)


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
    partial also carries the chunk's reading problems (``log``) and hashed conversation ids
    (``ids``, for duplicates across parts)."""
    ds = task.dataset() if isinstance(task, (RowGroup, JsonlLines)) else task
    part = score_part(ds.conversations, ds.messages, number, config)
    part["log"] = ds.log
    part["ids"] = pd.util.hash_array(ds.conversations["conversation_id"].to_numpy(dtype=object))
    return part


def read_parts(folder: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    """A part folder (``results/`` or ``scores/``) as one frame, parts in order."""
    files = sorted(Path(folder).glob("part-*.parquet"))
    if not files:
        raise FileNotFoundError(f"no part files in {folder}")
    return pd.concat([pd.read_parquet(f, columns=columns) for f in files], ignore_index=True)
