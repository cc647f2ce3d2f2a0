"""A score folder: what one scoring run writes (``qa score``, ``qa run``'s score stage, the
engine), in either layout, and the one way anything reads it back.

    OUT/results.csv, results.parquet, scores.csv, scores.parquet, run.json       files layout
    OUT/results/part-00000.parquet ..., scores/part-00000.parquet ..., run.json  parts layout
    (the engine: --workers > 1, --parts, --engine dask, inputs over 1 GiB)

A run writes into a staging folder and swaps in when done (``atomic.staged_folder``), so a
folder holds one run's outputs, never two. ``run.json`` goes in last: it lists every file of
the run with its size (``files``), so a reader can tell one run from a mix, and records the
input's SHA-256 (``input_sha256``), so a consumer given other data can stop
(``ScoreFolder.input_mismatch``). It holds no clock time: reruns are byte-identical.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from qa_toolkit.atomic import atomic_path, staged_folder, write_frame, write_json
from qa_toolkit.excel import csv_restore
from qa_toolkit.frames import RESULTS, SCORES, conform, empty
from qa_toolkit.problems import InputError, Problem, ProblemLog
from qa_toolkit.rubric.schema import Rubric
from qa_toolkit.scoring import as_rubrics, summarise

RUN_INFO = "run.json"
#: The two frames of a run, each as ``<name>.csv`` + ``<name>.parquet`` or a ``<name>/`` part folder.
FRAMES = {"results": RESULTS, "scores": SCORES}
PART = "part-{:05d}.parquet"
#: Every entry a run may write, in either layout: a new run replaces them all.
OWNED = frozenset({RUN_INFO, *FRAMES, *(f"{name}.{ext}" for name in FRAMES for ext in ("csv", "parquet"))})


def fingerprint(path: str | os.PathLike) -> str | None:
    """The SHA-256 of a file's bytes; None for anything but a file."""
    path = Path(path)
    if not path.is_file():
        return None
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def run_info(
    rubric: Rubric | Sequence[Rubric],
    rubric_path,
    data_path: str | os.PathLike,
    input_sha256: str | None,
    summary: dict,
    log: ProblemLog,
    *,
    masked: bool,
) -> dict:
    """run.json without its file list: every rubric (id, version, file, SHA-256; the first also
    at the top level, as for one rubric), the input and its SHA-256, counts, reading problems.
    ``rubric_path``: one path or one per rubric."""
    rubrics = as_rubrics(rubric)
    paths = [rubric_path] if isinstance(rubric_path, (str, os.PathLike)) else list(rubric_path)
    listed = [
        {"id": r.id, "version": r.version, "file": str(p), "sha256": fingerprint(p)} for r, p in zip(rubrics, paths)
    ]
    first = listed[0]
    return {
        "rubric_id": first["id"],
        "rubric_version": first["version"],
        "rubric_file": first["file"],
        "rubric_sha256": first["sha256"],
        "rubrics": listed,
        "input": str(data_path),
        "input_sha256": input_sha256,
        "evidence_masked": masked,
        "summary": summary,
        "reading": log.to_dict(),
    }


class ScoreWriter:
    """A score folder being written: the outputs go into ``path`` (the staging folder), then
    ``finish`` writes run.json."""

    def __init__(self, path: Path, data_path: str | os.PathLike, input_sha256: Future):
        self.path = path
        self.info: dict | None = None
        self._data_path = data_path
        self._input_sha256 = input_sha256

    def finish(
        self,
        rubrics: Rubric | Sequence[Rubric],
        rubric_paths,
        summary: dict,
        log: ProblemLog,
        *,
        masked: bool,
        engine: dict | None = None,
    ) -> dict:
        """Write run.json (``run_info``, the engine's settings, every file written so far with
        its size) into the folder; the last write of a run."""
        info = run_info(
            rubrics, rubric_paths, self._data_path, self._input_sha256.result(), summary, log, masked=masked
        )
        if engine is not None:
            info["engine"] = engine
        info["files"] = _sizes(self.path)
        write_json(self.path / RUN_INFO, info)
        self.info = info
        return info


@contextmanager
def writing(target: str | os.PathLike, data_path: str | os.PathLike) -> Iterator[ScoreWriter]:
    """Write one run's score folder at ``target``: into a staging folder, swapped in together
    when the body has called ``finish``. ``data_path`` (the input) is fingerprinted in a thread
    while the body scores."""
    with staged_folder(target, OWNED, last=RUN_INFO) as stage, ThreadPoolExecutor(1) as hasher:
        writer = ScoreWriter(stage, data_path, hasher.submit(fingerprint, data_path))
        yield writer
        if writer.info is None:
            raise RuntimeError("a score folder ends with its run.json: call ScoreWriter.finish")


def write_score_dir(
    out: str | os.PathLike,
    results: pd.DataFrame,
    scores: pd.DataFrame,
    rubrics: Sequence[Rubric],
    rubric_paths,
    data_path: str | os.PathLike,
    log: ProblemLog,
    *,
    masked: bool,
    summary: dict | None = None,
) -> tuple[list[Path], dict]:
    """The files layout (results and scores as CSV and Parquet, run.json) from whole frames;
    returns the files written and the run summary (``summary``, else counted from the frames)."""
    summary = summarise(results, scores, rubrics) if summary is None else summary
    with writing(out, data_path) as folder:
        for name, frame in (("results", results), ("scores", scores)):
            for ext in ("csv", "parquet"):
                write_frame(frame, folder.path / f"{name}.{ext}")
        folder.finish(rubrics, rubric_paths, summary, log, masked=masked)
    return [Path(out) / name for name in (*folder.info["files"], RUN_INFO)], summary


#: Result columns whose Parquet statistics (min/max) serve a reader: a row group holds every criterion
#: and outcome but only its own conversations. The other columns skip their cost.
STATISTICS = ["conversation_id"]


def write_results(table: pa.Table, dest: str | Path) -> Path:
    """Write a results table (``scoring.results_table``) as a Parquet part, atomically. Its
    dictionary columns go in as Parquet dictionary pages (no hashing of strings) and no Arrow
    schema is stored, so any reader gets plain strings; the RESULTS frame's pandas metadata is stored instead, so
    ``pd.read_parquet`` gives exactly the RESULTS dtypes."""
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
class ScoreFolder:
    """A score folder checked to hold one complete run (``open_score_folder``): its run.json
    (``info``) and the run's files, relative to ``path``."""

    path: Path
    info: dict
    files: tuple[str, ...]

    def results(self) -> pd.DataFrame:
        """The RESULTS frame, whichever layout holds it."""
        return self._read("results")

    def scores(self) -> pd.DataFrame:
        """The SCORES frame, whichever layout holds it."""
        return self._read("scores")

    def _read(self, name: str) -> pd.DataFrame:
        parts = [self.path / f for f in self.files if f.startswith(f"{name}/") and f.endswith(".parquet")]
        single = [self.path / f for f in (f"{name}.parquet", f"{name}.csv") if f in self.files]
        if not parts and not single:
            raise InputError(
                Problem(str(self.path), f"no {name}.parquet, {name}.csv or {name}/ part files here", code="scores")
            )
        source = self.path / name if parts else single[0]
        try:
            if parts:
                frame = pd.concat([pd.read_parquet(part) for part in parts], ignore_index=True)
            elif source.suffix == ".parquet":
                frame = pd.read_parquet(source)
            else:
                frame = csv_restore(
                    pd.read_csv(source, encoding="utf-8-sig", dtype={"conversation_id": "string", "agent_id": "string"})
                )
            return conform(frame, FRAMES[name])
        except (OSError, ValueError, TypeError) as err:
            raise InputError(Problem(str(source), f"cannot read {name}: {err}", code="scores")) from None

    def input_mismatch(self, data_path: str | os.PathLike) -> Problem | None:
        """A Problem when ``data_path`` is not the export these scores were computed from (by
        SHA-256); None when it is, or when either has no fingerprint (not a file)."""
        recorded = self.info.get("input_sha256")
        actual = fingerprint(data_path) if recorded else None
        if actual is None or actual == recorded:
            return None
        return Problem(
            str(self.path / RUN_INFO),
            f"these scores were computed from {self.info.get('input')} "
            f"(SHA-256 {recorded[:12]}…), not from {data_path} "
            f"(SHA-256 {actual[:12]}…)",
            field="input_sha256",
            code="input_mismatch",
        )


def open_score_folder(path: str | os.PathLike) -> ScoreFolder:
    """The score folder at ``path`` (a file in it stands for it), checked to hold the files of
    one complete run: each file run.json lists, at its size, and no other of a run's files.
    InputError otherwise."""
    folder = Path(path)
    if folder.is_file():
        folder = folder.parent
    info = _read_info(folder)
    on_disk = _sizes(folder, OWNED)
    listed = info.get("files")
    problems = _unlike(folder, listed, on_disk) if listed is not None else _two_layouts(folder, on_disk)
    if problems:
        raise InputError(problems)
    return ScoreFolder(folder, info, tuple(on_disk))


def read_score_dir(path: str | os.PathLike) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """(results, scores, run.json) of a score folder in either layout (``open_score_folder``)."""
    folder = open_score_folder(path)
    return folder.results(), folder.scores(), folder.info


def _read_info(folder: Path) -> dict:
    path = folder / RUN_INFO
    if not path.is_file():
        raise InputError(
            Problem(
                str(folder),
                "no run.json here: not a complete score folder (what `qa score` "
                "writes; an interrupted run leaves none): score the export again",
                code="scores",
            )
        )
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise InputError(Problem(str(path), f"cannot read run.json: {err}", code="scores")) from None
    files = info.get("files") if isinstance(info, dict) else None
    if not isinstance(info, dict) or not (
        files is None or isinstance(files, dict) and all(type(size) is int for size in files.values())
    ):
        raise InputError(
            Problem(
                str(path),
                "not a run.json of `qa score` (an object whose `files` maps each file to its size)",
                code="scores",
            )
        )
    return info


def _sizes(folder: Path, names: frozenset[str] | None = None) -> dict[str, int]:
    """Relative path → size of each file in ``folder`` and its sub-folders' files (a level
    down), hidden ones and run.json left out; only entries in ``names`` when given."""
    sizes = {}
    for entry in folder.iterdir():
        if entry.name.startswith(".") or entry.name == RUN_INFO or (names is not None and entry.name not in names):
            continue
        files = [f for f in entry.iterdir() if not f.name.startswith(".")] if entry.is_dir() else [entry]
        sizes.update({f.relative_to(folder).as_posix(): f.stat().st_size for f in files if f.is_file()})
    return dict(sorted(sizes.items()))


def _unlike(folder: Path, listed: dict[str, int], on_disk: dict[str, int]) -> list[Problem]:
    """How the folder differs from the run its run.json describes."""
    again = "score the export again into this folder"
    return (
        [
            Problem(
                str(folder / f),
                f"not a file of the run that run.json describes (left by another run?): {again}",
                code="mixed_runs",
            )
            for f in on_disk
            if f not in listed
        ]
        + [
            Problem(str(folder / f), f"listed in run.json but missing: {again}", code="incomplete_scores")
            for f in listed
            if f not in on_disk
        ]
        + [
            Problem(
                str(folder / f),
                f"{on_disk[f]} bytes where run.json says {size}: changed since, or written by another run; {again}",
                code="mixed_runs",
            )
            for f, size in listed.items()
            if f in on_disk and on_disk[f] != size
        ]
    )


def _two_layouts(folder: Path, on_disk: dict[str, int]) -> list[Problem]:
    """A run.json without a file list (written before it had one): the folder must hold one layout."""
    if len({"/" in f for f in on_disk}) < 2:
        return []
    return [
        Problem(
            str(folder),
            "holds both part folders and single files: outputs of two runs; score the export again into this folder",
            code="mixed_runs",
        )
    ]
