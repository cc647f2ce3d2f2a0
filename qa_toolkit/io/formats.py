"""The input formats, in one table: each format's name, file suffixes, whether its bytes are
text in an encoding to detect, and its reader (a file → Datasets of whole conversations, through
the format's raw columns). Every list of formats — the extension lookup, ``--format``'s choices,
``run.yaml``'s ``read.format`` — is read from here; a new format is one row."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from qa_toolkit.frames import Dataset
from qa_toolkit.io.jsonl import read_jsonl
from qa_toolkit.io.table import csv_columns, iter_table, parquet_columns, xlsx_columns
from qa_toolkit.problems import InputError, Problem

#: (path, builder options, mapping=, encoding=, chunk_size=, progress=) → Datasets.
Reader = Callable[..., Iterator[Dataset]]


@dataclass(frozen=True)
class Format:
    """One input format."""

    name: str
    suffixes: tuple[str, ...]
    encoded: bool  # text in an encoding (detected, or ``--encoding``); else binary
    read: Reader


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("jsonl", (".jsonl", ".ndjson"), True, read_jsonl),
        Format("csv", (".csv",), True, partial(iter_table, columns=csv_columns)),
        Format("xlsx", (".xlsx", ".xlsm"), False, partial(iter_table, columns=xlsx_columns)),
        Format("parquet", (".parquet", ".pq"), False, partial(iter_table, columns=parquet_columns)),
    )
}
NAMES: tuple[str, ...] = tuple(FORMATS)
_BY_SUFFIX = {suffix: f for f in FORMATS.values() for suffix in f.suffixes}


def detect_format(path: str | os.PathLike, fmt: str | None) -> str:
    """``fmt`` if given, else from the extension; InputError naming the file otherwise."""
    return format_of(path, fmt).name


def format_of(path: str | os.PathLike, fmt: str | None) -> Format:
    """The Format named ``fmt``, else the one of the file's extension; InputError otherwise."""
    path = Path(path)
    if fmt:
        if fmt not in FORMATS:
            raise InputError(
                Problem(
                    str(path), f"unknown format '{fmt}' ({', '.join(NAMES)})", field="format", code="unknown_format"
                )
            )
        return FORMATS[fmt]
    found = _BY_SUFFIX.get(path.suffix.lower())
    if found is None:
        listed = ", ".join(s for f in FORMATS.values() for s in f.suffixes[:1])
        raise InputError(
            Problem(
                str(path),
                f"unknown file extension '{path.suffix}': use {listed} or pass --format",
                field="format",
                code="unknown_format",
            )
        )
    return found
