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

from qa_toolkit.rubric.checks._base import CheckConfig, Frames, Outcomes

TYPE = "model"


class ModelCheck(CheckConfig):
    """model — a score from the risk model (the ``risk_score`` column of ``qa risk predict``, or
    another numeric ``column`` of the risk frame) compared to a threshold: fails at or above
    ``fail_at``. N/A when no risk frame is given or the conversation has no score."""

    type: Literal["model"]
    column: str = "risk_score"
    fail_at: float = Field(0.5, ge=0, le=1)


Config = ModelCheck  # the registry's name for a check module's config model


def evaluate(config: ModelCheck, frames: Frames) -> Outcomes:
    """Pass/fail by the score; the score and the model's reasons go into evidence and note."""
    out = Outcomes(frames, "na", "no risk score")
    risk = frames.risk
    if risk is None or config.column not in risk.columns:
        return out
    risk = risk.drop_duplicates("conversation_id").set_index("conversation_id")
    score = pd.to_numeric(risk[config.column], errors="coerce").reindex(frames.index)
    known = score.notna().to_numpy()
    if not known.any():
        return out
    score = score[known]
    high = (score >= config.fail_at).to_numpy()
    shown = [f"{v:.3f}" for v in score.tolist()]
    reasons = [f"; {r}" for r in risk["risk_reasons"].reindex(score.index).fillna("").tolist()] \
        if "risk_reasons" in risk else [""] * len(shown)
    notes = [f"{config.column} {v} {'>=' if h else '<'} {config.fail_at:g}{r}" for v, h, r in zip(shown, high, reasons)]
    out.set(known, np.where(high, "fail", "pass"), notes, np.array(shown, dtype=object))
    return out
