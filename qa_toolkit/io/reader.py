"""``read_conversations`` / ``iter_conversations``: any supported export → Datasets.

Format from ``format`` or the file extension; JSONL is streamed by lines, long tables by row
chunks. Problems are collected per chunk; with ``strict`` every problem becomes an
``InputError`` once the whole file has been read.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypedDict, Unpack

from qa_toolkit.frames import DEFAULT_TZ, Dataset
from qa_toolkit.io.concat import concat_datasets
from qa_toolkit.io.encoding import detect_encoding
from qa_toolkit.io.formats import format_of
from qa_toolkit.io.roster import join_roster, read_roster
from qa_toolkit.problems import InputError, Problem, ProblemLog

#: Records per chunk inside ``read_conversations``: small chunks keep the transient Python
#: objects of a chunk small next to the finished frames (measured: see README).
READ_CHUNK = 5000


class ReadOptions(TypedDict, total=False):
    """The options of ``iter_conversations`` that ``read_conversations`` passes on."""

    format: str | None
    mapping: str | os.PathLike | None
    encoding: str | None
    tz: str
    roster: str | os.PathLike | None
    strict: bool
    progress: Callable[[int], None] | None


def _check_tz(tz: str) -> None:
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(tz)
    except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
        raise InputError(
            Problem(tz, f"unknown time zone '{tz}' (e.g. Asia/Shanghai, UTC)", field="tz", code="bad_tz")
        ) from None


def _check_file(path: Path) -> None:
    if not path.is_file():
        raise InputError(Problem(str(path), "no such file", code="no_file"))
    if path.stat().st_size == 0:
        raise InputError(Problem(str(path), "empty file", code="empty_file"))


def iter_conversations(
    path: str | os.PathLike,
    *,
    chunk_size: int = 20000,
    format: str | None = None,
    mapping: str | os.PathLike | None = None,
    encoding: str | None = None,
    tz: str = DEFAULT_TZ,
    roster: str | os.PathLike | None = None,
    strict: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Iterator[Dataset]:
    """Yield Datasets of whole conversations, ``chunk_size`` records (JSONL lines or table rows)
    at a time. Duplicate ids are found across chunks. ``progress(n_bytes)`` follows the reading."""
    path = Path(path)
    _check_tz(tz)
    _check_file(path)
    form = format_of(path, format)
    enc = detect_encoding(path, encoding) if form.encoded else None
    roster_df, roster_log = read_roster(roster, tz=tz) if roster else (None, ProblemLog())
    chunks = form.read(
        path, {"tz": tz, "seen_ids": set()}, mapping=mapping, encoding=enc, chunk_size=chunk_size, progress=progress
    )
    problems: list[Problem] = []
    unknown_agents: set[str] = set()
    records = 0
    for number, dataset in enumerate(chunks):
        if number == 0:
            dataset.log.problems[:0] = roster_log.problems
        if roster_df is not None:
            dataset = join_roster(dataset, roster_df, str(roster), unknown_agents)
        problems.extend(dataset.log.problems)
        records += dataset.log.records_read
        yield dataset
    if not records:
        raise InputError(Problem(str(path), "empty file: no records", code="empty_file"))
    if strict and problems:
        raise InputError(problems)


def read_conversations(path: str | os.PathLike, **options: Unpack[ReadOptions]) -> Dataset:
    """The whole export as one Dataset (the concatenation of ``iter_conversations`` chunks);
    ``options`` as ``iter_conversations`` takes them (format, mapping, encoding, tz, roster,
    strict, progress)."""
    return concat_datasets(list(iter_conversations(path, chunk_size=READ_CHUNK, **options)))
