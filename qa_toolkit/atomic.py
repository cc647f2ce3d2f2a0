"""Atomic output: every file is written to a temporary sibling and renamed into place, so a
crash or Ctrl-C never leaves a half-written report that looks complete; a run's outputs are
staged in a hidden folder and swapped in together (``staged_folder``), under a lock that
refuses a second run into the same folder."""

from __future__ import annotations

import glob
import json
import os
import shutil
import tempfile
from collections.abc import Collection, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pandas as pd

from qa_toolkit.excel import csv_safe
from qa_toolkit.problems import InputError, Problem

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None
    import msvcrt

#: Hidden in an output folder while a run writes it: its lock file and its staging folder (in
#: the folder rather than beside it: the same file system, and no need to write its parent).
LOCK = ".qa-lock"
STAGING = ".qa-staging-"
#: Inside a staging folder at the swap: the previous run's entries, deleted with it.
_REPLACED = ".qa-replaced"
#: Lock files this process holds. A forked child (a pool worker) closes its copies at once, so a
#: lock ends with the run that took it, even when that run is killed and its workers are not.
_HELD: set[int] = set()


def _close_held() -> None:
    for fd in _HELD:
        with suppress(OSError):
            os.close(fd)
    _HELD.clear()


if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork
    os.register_at_fork(after_in_child=_close_held)


@contextmanager
def atomic_path(dest: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``dest``; on success rename it onto ``dest``."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=_TMP, dir=dest.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are shared files
        os.replace(tmp_path, dest)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


_TMP = ".tmp"  # atomic_path's temporary files: .<name>.<random>.tmp


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(dest: str | os.PathLike, text: str, encoding: str = "utf-8") -> Path:
    """Write text atomically."""
    with atomic_path(dest) as tmp:
        tmp.write_text(text, encoding=encoding)
    return Path(dest)


def write_json(dest: str | os.PathLike, obj: object, default=None) -> Path:
    """Write ``obj`` as indented UTF-8 JSON (Chinese kept readable) with a final newline, atomically."""
    return write_text(dest, json.dumps(obj, ensure_ascii=False, indent=2, default=default) + "\n")


def write_bytes(dest: str | os.PathLike, data: bytes) -> Path:
    """Write bytes atomically."""
    with atomic_path(dest) as tmp:
        tmp.write_bytes(data)
    return Path(dest)


def write_frame(df: pd.DataFrame, dest: str | os.PathLike) -> Path:
    """Write a frame by extension (.csv with a UTF-8 BOM so Excel shows Chinese, .parquet,
    .jsonl), atomically. In CSV, list-valued columns are written '|'-joined, text cells a
    spreadsheet would run as a formula quoted (``excel.csv_safe``), and rows end in CRLF."""
    dest = Path(dest)
    suffix = dest.suffix.lower()
    with atomic_path(dest) as tmp:
        if suffix == ".csv":
            out = df.copy()
            for col in out.columns:
                if out[col].dtype == object and out[col].map(lambda v: isinstance(v, list)).any():
                    out[col] = out[col].map(lambda v: "|".join(map(str, v)) if isinstance(v, list) else v)
            # CRLF rows (RFC 4180): a field holding a lone CR is then quoted, not cut in two
            csv_safe(out).to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\r\n")
        elif suffix == ".parquet":
            df.to_parquet(tmp, index=False)
        elif suffix == ".jsonl":
            df.to_json(tmp, orient="records", lines=True, force_ascii=False, date_format="iso")
        else:
            raise ValueError(f"cannot write a frame as '{suffix}' ({dest})")
    return dest


@contextmanager
def staged_folder(target: str | os.PathLike, owned: Collection[str], last: str | None = None) -> Iterator[Path]:
    """One run's outputs in ``target``, together or not at all. Under ``folder_lock`` (a second
    run into the same folder is refused), leftovers of killed runs are removed (staging
    folders, ``atomic_path`` temporaries of ``owned`` names); the body writes into the empty
    staging folder yielded, hidden in ``target``. When it succeeds, the previous run's
    ``owned`` entries leave ``target`` and the staged ones move in, ``last`` (the run's
    certificate, such as run.json) out first and in last; when it fails, ``target`` is left as
    it was (not there, if it was not). Entries that are not ``owned`` (a user's own files) are
    never touched."""
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise InputError(Problem(str(target), "not a folder: choose a folder for the outputs", code="not_a_folder"))
    created = not target.exists()
    target.mkdir(parents=True, exist_ok=True)
    try:
        with folder_lock(target):
            _remove_leftovers(target, owned)
            stage = Path(tempfile.mkdtemp(prefix=STAGING, dir=target))
            try:
                yield stage
                _swap(stage, target, {*owned, *os.listdir(stage)}, last)
            finally:
                shutil.rmtree(stage, ignore_errors=True)
    finally:
        if created:
            with suppress(OSError):
                target.rmdir()  # only if still empty: the first run into it failed


def _remove_leftovers(target: Path, owned: Collection[str]) -> None:
    """Staging folders of ``target`` and temporaries of its ``owned`` entries: all left by
    killed runs, since the caller holds the folder's lock."""
    for stale in target.glob(STAGING + "*"):
        shutil.rmtree(stale, ignore_errors=True)
    for name in owned:
        for stale in target.glob(glob.escape(f".{name}.") + "*" + _TMP):
            stale.unlink(missing_ok=True)


def _swap(stage: Path, target: Path, replaced: set[str], last: str | None) -> None:
    """Move ``replaced`` entries of ``target`` into the staging folder's bin, ``last`` first,
    then the staged entries into ``target``, ``last`` last."""
    bin_ = stage / _REPLACED
    bin_.mkdir()
    for name in sorted(replaced, key=lambda n: n != last):
        if os.path.lexists(target / name):
            os.replace(target / name, bin_ / name)
    for name in sorted(os.listdir(stage), key=lambda n: n == last):
        if name != _REPLACED:
            os.replace(stage / name, target / name)


@contextmanager
def folder_lock(target: str | os.PathLike) -> Iterator[None]:
    """Hold the lock file in the folder ``target`` (the OS releases it when a run is killed);
    an InputError naming the holder when another run holds it. The file goes when released."""
    target = Path(target)
    path = target / LOCK
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        if not _try_lock(fd):
            holder = _holder(fd)
            os.close(fd)
            raise InputError(
                Problem(
                    str(target),
                    f"another run{holder} is writing this folder; wait for it to finish, or write elsewhere",
                    code="folder_busy",
                )
            )
        if _same_file(fd, path):
            break
        os.close(fd)  # released and removed in between by the run before: take the next one
    _HELD.add(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        with suppress(OSError):
            path.unlink()
        _HELD.discard(fd)
        os.close(fd)


def _try_lock(fd: int) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:
        return False
    return True


def _holder(fd: int) -> str:
    """' (process N)' from the lock file, if readable."""
    with suppress(OSError, ValueError):
        os.lseek(fd, 0, os.SEEK_SET)
        return f" (process {int(os.read(fd, 20))})"
    return ""


def _same_file(fd: int, path: Path) -> bool:
    try:
        named = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)
