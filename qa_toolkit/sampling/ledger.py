"""The ledger: every conversation id already sampled, so later batches do not pick it again.
A CSV (``batch_id, conversation_id, agent_id, period``) the ``sample`` command appends to."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from qa_toolkit.atomic import write_frame
from qa_toolkit.excel import csv_restore
from qa_toolkit.problems import InputError, Problem

LEDGER_COLUMNS = ["batch_id", "conversation_id", "agent_id", "period"]


def read_ledger(path: str | Path) -> pd.DataFrame:
    """The ledger rows (empty when the file does not exist yet or is empty); InputError when unusable."""
    path = Path(path)
    empty = pd.DataFrame({c: pd.Series(dtype="string") for c in LEDGER_COLUMNS})
    if not path.exists():
        return empty
    try:
        df = csv_restore(pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False))
    except pd.errors.EmptyDataError:  # an empty file: no batch recorded yet
        return empty
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as err:
        raise InputError(Problem(str(path), f"cannot read ledger: {err}", code="ledger")) from err
    if "conversation_id" not in df.columns:
        raise InputError(Problem(str(path), "ledger has no 'conversation_id' column", 1, code="ledger"))
    for col in LEDGER_COLUMNS:
        if col not in df.columns:
            df[col] = ""
    return df[LEDGER_COLUMNS].astype("string")


def ledger_ids(path: str | Path | None) -> set[str]:
    """Conversation ids already sampled according to the ledger at ``path`` (none if None)."""
    if path is None:
        return set()
    return set(read_ledger(path)["conversation_id"].dropna())


def earlier_ids(ledger: pd.DataFrame, batch_id: str) -> set[str]:
    """Conversation ids the ledger's batches other than ``batch_id`` picked (a rerun of a batch
    is not barred by its own picks)."""
    return set(ledger.loc[ledger["batch_id"].fillna("").ne(batch_id).to_numpy(dtype=bool), "conversation_id"].dropna())


def recorded_ids(ledger: pd.DataFrame, batch_id: str) -> set[str]:
    """Conversation ids the ledger holds for ``batch_id``."""
    return set(ledger.loc[ledger["batch_id"].fillna("").eq(batch_id).to_numpy(dtype=bool), "conversation_id"].dropna())


def append_ledger(path: str | Path, manifest: pd.DataFrame) -> int:
    """Append the manifest's picks to the ledger (atomically rewritten); rows added."""
    old = read_ledger(path)
    new = manifest[LEDGER_COLUMNS].astype("string")
    new = new[~new["conversation_id"].isin(set(old["conversation_id"]))]
    write_frame(pd.concat([old, new], ignore_index=True), path)
    return len(new)
