"""Registers that imports add to (``grades.csv``, ``disputes.csv``): CSV files whose rows belong
to units (a grader's conversation, one dispute). An import replaces the units it brings and
keeps the others, so graders' workbooks can arrive one by one, and importing the same file
twice changes nothing — and says so.

Rows are compared as the CSV text they are written as, so a register read back from disk
and a frame freshly computed compare equal when the file would not change.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from qa_toolkit.atomic import write_frame
from qa_toolkit.excel import csv_restore
from qa_toolkit.problems import InputError, Problem


@dataclass
class Merged:
    """A register after an import, and how many units the import added, changed or left as they were."""

    frame: pd.DataFrame  # every cell as CSV text
    added: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated)

    def describe(self, unit: str) -> str:
        """E.g. ``2 sheet(s) added, 1 changed, 3 already there``."""
        return f"{self.added} {unit}(s) added, {self.updated} changed, {self.unchanged} already there"


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as every cell reads back from the CSV it is written as ("" for missing)."""
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in frame.columns})
    return pd.read_csv(io.StringIO(frame.to_csv(index=False)), dtype=str, keep_default_na=False)


def read_register(path: str | Path) -> pd.DataFrame | None:
    """An existing register as text (None when there is none yet); InputError when unreadable."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        return csv_restore(pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as err:
        raise InputError(Problem(str(path), f"cannot read the register: {err}", code="register")) from err


def merge(old: pd.DataFrame | None, new: pd.DataFrame, key: Sequence[str], ignore: Sequence[str] = ()) -> Merged:
    """``old`` (text) with the units of ``new`` (rows sharing ``key``) put in: a unit not in
    ``old`` is appended, one that differs replaces it in place, one equal to it (``ignore``
    columns aside, e.g. the file a row came from) is left as it was."""
    key = list(key)
    fresh = as_text(new)
    if old is None:
        return Merged(fresh, added=int(fresh.groupby(key).ngroups) if len(fresh) else 0)
    columns = list(dict.fromkeys([*old.columns, *fresh.columns]))
    old, fresh = old.reindex(columns=columns, fill_value=""), fresh.reindex(columns=columns, fill_value="")
    compared = [c for c in columns if c not in ignore]
    both = pd.concat([old, fresh], ignore_index=True)
    said = _row_text(both, compared)
    units = fresh.groupby(key, sort=False).indices
    rows, counts = [], {"added": 0, "updated": 0, "unchanged": 0}
    for k, at in old.groupby(key, sort=False).indices.items():
        new_at = units.pop(k, None)
        if new_at is None:
            rows.append(at)
            continue
        new_at = new_at + len(old)
        same = said[at].tolist() == said[new_at].tolist()
        counts["unchanged" if same else "updated"] += 1
        rows.append(at if same else new_at)
    counts["added"] = len(units)
    rows.extend(at + len(old) for at in units.values())
    frame = both.take(np.concatenate(rows)).reset_index(drop=True) if rows else old.iloc[0:0]
    return Merged(frame, **counts)


def _row_text(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Each row's ``columns`` (text) joined into one string, to compare rows at once."""
    if not columns:
        return np.full(len(frame), "", dtype=object)
    first, *rest = (frame[c].astype(str) for c in columns)
    return first.str.cat(rest, sep="\x1f").to_numpy(dtype=object)


def write_register(merged: Merged, path: str | Path) -> Path | None:
    """Write the register when the import changed it (None: left untouched)."""
    return write_frame(merged.frame, path) if merged.changed else None
