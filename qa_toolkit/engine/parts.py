"""The chunk function every runner (in-process, worker pool, Dask) calls: score one chunk
with ``score_frames``, mask evidence, write the chunk's results and scores as Parquet part
files, return the chunk's summary counts. The rubric is loaded once per process."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from qa_toolkit.engine import summary
from qa_toolkit.problems import InputError, Problem

PART = "part-{:05d}.parquet"
OUTPUTS = ("results", "scores")


@dataclass(frozen=True)
class RunConfig:
    """What a worker needs to score a chunk: paths only, so it pickles small and each worker
    process compiles the rubric (and reads the risk file) once."""

    rubric_path: str
    parts_dir: str  # holds results/ and scores/ part folders
    risk_path: str | None = None
    mask: bool = True


_LOADED: dict[RunConfig, tuple] = {}


def load(config: RunConfig) -> tuple:
    """(rubric, risk frame or None) for ``config``, loaded once per process (pool initializer)."""
    if config not in _LOADED:
        from qa_toolkit.rubric import load_rubric
        from qa_toolkit.scoring import read_risk

        rubric, problems = load_rubric(config.rubric_path)
        if rubric is None:
            raise InputError(problems or [Problem(config.rubric_path, "cannot load rubric", code="bad_rubric")])
        _LOADED.clear()
        _LOADED[config] = (rubric, read_risk(config.risk_path) if config.risk_path else None)
    return _LOADED[config]


def score_part(conversations: pd.DataFrame, messages: pd.DataFrame, number: int, config: RunConfig) -> dict:
    """Score one chunk, write ``results/part-N.parquet`` and ``scores/part-N.parquet`` under
    ``config.parts_dir`` (atomically), return its summary partial."""
    from qa_toolkit.atomic import write_frame
    from qa_toolkit.scoring import masked, score_frames

    rubric, risk = load(config)
    results, scores = score_frames(conversations, messages, rubric, risk=risk)
    if config.mask:
        results = masked(results)
    for name, frame in zip(OUTPUTS, (results, scores)):
        write_frame(frame, Path(config.parts_dir) / name / PART.format(number))
    return summary.partial(results, scores, rubric)


def read_parts(folder: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    """A part folder (``results/`` or ``scores/``) as one frame, parts in order."""
    files = sorted(Path(folder).glob("part-*.parquet"))
    if not files:
        raise FileNotFoundError(f"no part files in {folder}")
    return pd.concat([pd.read_parquet(f, columns=columns) for f in files], ignore_index=True)
