"""Reading the risk scores a scoring run takes for ``model`` criteria (``qa risk predict``'s output)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from qa_toolkit.excel import csv_restore
from qa_toolkit.problems import InputError, Problem


def read_risk(path: str | os.PathLike) -> pd.DataFrame:
    """A risk frame (CSV or Parquet with conversation_id and risk_score); InputError otherwise."""
    path = Path(path)
    try:
        risk = (
            pd.read_parquet(path)
            if path.suffix.lower() == ".parquet"
            else csv_restore(pd.read_csv(path, dtype={"conversation_id": "string"}, encoding="utf-8-sig"))
        )
    except Exception as err:  # any unreadable file is an input error with its name
        raise InputError(Problem(str(path), f"cannot read risk scores: {err}", code="unreadable")) from None
    missing = [c for c in ("conversation_id", "risk_score") if c not in risk.columns]
    if missing:
        raise InputError(
            Problem(str(path), f"risk file lacks column(s): {', '.join(missing)}", line=1, code="missing_column")
        )
    return risk.assign(conversation_id=risk["conversation_id"].astype("string"))
