"""A synthetic long-table Parquet with several row groups, and results compared as sorted CSV bytes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from qa_toolkit.synth import iter_records, make_agents, writers

PER_ROW_GROUP = 120


def write_synth_parquet(folder: Path, n: int = 480, per_row_group: int = PER_ROW_GROUP) -> Path:
    """A synthetic long-table Parquet with ``n / per_row_group`` row groups (and its JSONL twin)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(writers, "PARQUET_BATCH", per_row_group)
        paths = writers.write_synth(
            folder,
            iter_records(n, 11, "2026-09-07", 2, 8),
            make_agents(8, 11, date(2026, 9, 7)),
            formats=("parquet", "jsonl"),
        )
    return paths["parquet"]


def canonical(frame: pd.DataFrame, keys: list[str]) -> bytes:
    """A frame as CSV bytes after sorting: equal bytes = equal results."""
    return frame.sort_values(keys, kind="stable").to_csv(index=False).encode()
