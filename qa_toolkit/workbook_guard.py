"""Opening an untrusted Excel workbook: an xlsx is a zip, and a 2 MB zip can unpack to gigabytes
that openpyxl would read into memory. ``require_safe_workbook`` reads only the zip's central
directory (the sizes every entry declares; Python's zipfile never unpacks more than declared)
and refuses, before any reader opens the file, a workbook that would unpack past
``MAX_UNPACKED`` in all, holds more than ``MAX_ENTRIES`` entries, or has an entry larger than
``RATIO_FROM`` that unpacks to more than ``MAX_RATIO`` times its packed size (Excel's own XML
packs about 5-20 times). Every xlsx reader (exports, rosters, grading workbooks) calls it."""

from __future__ import annotations

import os
import zipfile

from qa_toolkit.problems import InputError, Problem

MAX_UNPACKED = 1 << 30  # 1 GiB: past this, an export belongs in CSV or Parquet
MAX_ENTRIES = 10_000
MAX_RATIO = 100
RATIO_FROM = 16 << 20  # entries smaller than 16 MiB may pack as well as they like


def _mib(size: int) -> str:
    return f"{size / (1 << 20):,.0f} MiB"


def workbook_problem(path: str | os.PathLike) -> Problem | None:
    """Why the workbook at ``path`` must not be opened, or None (a file that is not a zip is
    left to the reader, which says so)."""
    file = str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (OSError, zipfile.BadZipFile, ValueError, EOFError):
        return None
    hint = "(a zip bomb?); save it as CSV or Parquet if it is real data"
    if len(entries) > MAX_ENTRIES:
        return Problem(
            file,
            f"refusing to open: the workbook holds {len(entries):,} parts (at most {MAX_ENTRIES:,}) {hint}",
            code="zip-bomb",
        )
    total = sum(e.file_size for e in entries)
    if total > MAX_UNPACKED:
        return Problem(
            file,
            f"refusing to open: the workbook would unpack to {_mib(total)} (at most {_mib(MAX_UNPACKED)}) {hint}",
            code="zip-bomb",
        )
    for entry in entries:
        if entry.file_size > RATIO_FROM and entry.file_size > MAX_RATIO * max(entry.compress_size, 1):
            return Problem(
                file,
                f"refusing to open: its part {entry.filename} unpacks to {_mib(entry.file_size)}, "
                f"{entry.file_size // max(entry.compress_size, 1):,} times its packed size (at "
                f"most {MAX_RATIO}) {hint}",
                code="zip-bomb",
            )
    return None


def require_safe_workbook(path: str | os.PathLike) -> None:
    """Raise InputError with ``workbook_problem`` when there is one."""
    problem = workbook_problem(path)
    if problem is not None:
        raise InputError(problem)
