"""A batch on disk: ``manifest.csv`` (frames.MANIFEST) and ``batch.json``, written atomically."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from qa_toolkit.atomic import write_frame, write_json
from qa_toolkit.excel import csv_restore
from qa_toolkit.frames import MANIFEST, conform, missing_columns
from qa_toolkit.problems import InputError, Problem
from qa_toolkit.sampling.batch import Batch

MANIFEST_NAME = "manifest.csv"
INFO_NAME = "batch.json"


def write_batch(batch: Batch, out_dir: str | Path) -> Path:
    """Write the manifest and batch.json into ``out_dir``; returns the manifest path."""
    out_dir = Path(out_dir)
    path = write_frame(batch.manifest, out_dir / MANIFEST_NAME)
    write_json(out_dir / INFO_NAME, batch.info, default=str)
    return path


def read_manifest(batch_dir_or_csv: str | Path) -> pd.DataFrame:
    """The manifest of a batch folder (or a manifest CSV); InputError when unusable."""
    path = Path(batch_dir_or_csv)
    if path.is_dir():
        path = path / MANIFEST_NAME
    try:
        df = csv_restore(pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False))
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as err:
        raise InputError(Problem(str(path), f"cannot read manifest: {err}", code="manifest")) from err
    missing = missing_columns(df, MANIFEST)
    if missing:
        raise InputError(Problem(str(path), f"manifest lacks column(s): {', '.join(missing)}", 1, code="manifest"))
    df = df.replace({"": None})
    return conform(df, MANIFEST)
