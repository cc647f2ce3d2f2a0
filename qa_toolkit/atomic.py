"""Atomic output: every file is written to a temporary sibling and renamed into place, so a
crash or Ctrl-C never leaves a half-written report that looks complete."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from qa_toolkit.excel import csv_safe


@contextmanager
def atomic_path(dest: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``dest``; on success rename it onto ``dest``."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are shared files
        os.replace(tmp_path, dest)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


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
