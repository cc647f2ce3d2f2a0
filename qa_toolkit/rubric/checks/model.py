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

import pandas as pd
from pydantic import Field

from qa_toolkit.rubric.checks._base import CheckConfig, Frames, blank

TYPE = "model"


class ModelCheck(CheckConfig):
    """model — a score from the risk model (the ``risk_score`` column of ``qa risk predict``, or
    another numeric ``column`` of the risk frame) compared to a threshold: fails at or above
    ``fail_at``. N/A when no risk frame is given or the conversation has no score."""

    type: Literal["model"]
    column: str = "risk_score"
    fail_at: float = Field(0.5, ge=0, le=1)


Config = ModelCheck  # the registry's name for a check module's config model


def evaluate(config: ModelCheck, frames: Frames) -> pd.DataFrame:
    """Pass/fail by the score; the score and the model's reasons go into evidence and note."""
    out = blank(frames.index, "na", "no risk score")
    risk = frames.risk
    if risk is None or config.column not in risk.columns:
        return out
    risk = risk.drop_duplicates("conversation_id").set_index("conversation_id")
    score = pd.to_numeric(risk[config.column], errors="coerce").reindex(out.index)
    ids = out.index[score.notna().to_numpy()]
    if not len(ids):
        return out
    high = score[ids] >= config.fail_at
    out.loc[ids, "outcome"] = high.map({True: "fail", False: "pass"}).astype("string")
    out.loc[ids, "evidence_match"] = score[ids].map("{:.3f}".format).astype("string")
    reasons = risk["risk_reasons"].reindex(ids).fillna("") if "risk_reasons" in risk else ""
    op = high.map({True: ">=", False: "<"})
    out.loc[ids, "note"] = (config.column + " " + score[ids].map("{:.3f}".format) + " " + op
                            + f" {config.fail_at:g}" + (("; " + reasons) if isinstance(reasons, pd.Series) else "")).astype("string")
    return out
