"""model — a score from the risk model (the ``risk_score`` column of ``qa risk predict``,
or another numeric ``column`` of the risk frame) compared to a threshold: fails at or above
``fail_at``. N/A when no risk frame is given or the conversation has no score.

Passes::

    check: {type: model, fail_at: 0.7}
    # risk_score: 0.12

Fails::

    check: {type: model, fail_at: 0.7}
    # risk_score: 0.91
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field

from qa_toolkit.rubric.checks._base import CheckConfig, Chunk, Coded, Outcomes

TYPE = "model"


class ModelCheck(CheckConfig):
    """model — a score from the risk model (the ``risk_score`` column of ``qa risk predict``, or
    another numeric ``column`` of the risk frame) compared to a threshold: fails at or above
    ``fail_at``. N/A when no risk frame is given or the conversation has no score."""

    type: Literal["model"]
    column: str = "risk_score"
    fail_at: float = Field(0.5, ge=0, le=1)


Config = ModelCheck  # the registry's name for a check module's config model


def evaluate(config: ModelCheck, frames: Chunk) -> Outcomes:
    """Pass/fail by the score; the score and the model's reasons go into evidence and note."""
    out = Outcomes(frames, "na", "no risk score")
    if frames.risk is None or config.column not in frames.risk.columns:
        return out
    risk, row = frames.cached(("model", "risk rows"), _chunk_risk)
    where = np.flatnonzero(row >= 0)
    score = pd.to_numeric(risk[config.column], errors="coerce").iloc[row[where]]
    known = score.notna().to_numpy(dtype=bool)
    where, score = where[known], score[known]
    if not len(where):
        return out
    high = (score >= config.fail_at).to_numpy(dtype=bool)
    # conversations share scores and reasons: word each distinct (score, verdict, reason) once; a
    # score is keyed by its bits, so -0.0 and 0.0 stay apart as their wordings do
    value_code, values = pd.factorize(score.to_numpy(dtype="float64").view(np.int64))
    shown = [f"{v:.3f}" for v in values.view(np.float64).tolist()]
    if "risk_reasons" in risk:
        reason_code, reasons = _distinct(risk["risk_reasons"].iloc[row[where]].fillna("").to_numpy(dtype=object))
        suffix = [f"; {r}" for r in reasons]
    else:
        reason_code, suffix = np.zeros(len(where), dtype=np.int64), [""]
    n = len(suffix)
    key_code, keys = pd.factorize((value_code * 2 + high) * n + reason_code)
    notes = [
        f"{config.column} {shown[k // n // 2]} {'>=' if k // n % 2 else '<'} {config.fail_at:g}{suffix[k % n]}"
        for k in keys.tolist()
    ]
    out.set(where[high], "fail")
    out.set(where[~high], "pass")
    out.set(where, note=Coded(key_code, notes), match=Coded(value_code, shown))
    return out


def _chunk_risk(frames: Chunk) -> tuple[pd.DataFrame, np.ndarray]:
    """The risk frame's rows for the chunk's conversations (the first per conversation) and,
    per conversation, its row there (-1: none). The risk frame covers the whole run, so it is
    cut to the chunk first: one pass over it per chunk, instead of indexing all of it."""
    risk, ids = frames.risk, frames.conversations["conversation_id"]
    risk = risk[_among(risk["conversation_id"], ids)].drop_duplicates("conversation_id")
    return risk, pd.Index(risk["conversation_id"]).get_indexer(ids)


def _among(values: pd.Series, ids: pd.Series) -> np.ndarray:
    """Mask over ``values``: those equal to one of ``ids``. Text against text is looked up in a
    hash of ``ids`` by pyarrow (pandas' isin walks Arrow strings as Python objects: 100 ms per
    20,000); anything else pandas compares."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def text(array) -> bool:
        return pa.types.is_string(array.type) or pa.types.is_large_string(array.type)

    try:
        arr, chunk = pa.array(values), pa.array(ids)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # e.g. numbers and text mixed
        arr = chunk = None
    if arr is not None and text(arr) and text(chunk):
        chunk = chunk.combine_chunks() if isinstance(chunk, pa.ChunkedArray) else chunk
        return np.asarray(pc.fill_null(pc.is_in(arr, value_set=chunk.cast(arr.type)), False), dtype=bool)
    return values.isin(ids).to_numpy(dtype=bool)


def _distinct(values: np.ndarray) -> tuple[np.ndarray, list]:
    """``values`` as numbers into their distinct values (first-seen order), and those values;
    unhashable ones (e.g. lists of reasons) by their wording."""
    try:
        codes, uniques = pd.factorize(values)
    except TypeError:
        codes, uniques = pd.factorize(np.array([f"{v}" for v in values], dtype=object))
    return codes, uniques.tolist()
