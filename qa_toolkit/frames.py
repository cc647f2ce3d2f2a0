"""The data contracts between stages: column names, dtypes and meaning of every frame.

Every stage reads and writes pandas DataFrames with exactly these columns, so stages can be
run alone, from a notebook, or on Dask partitions. ``empty`` builds a correctly typed empty
frame; ``conform`` orders and types a frame to its contract (extra columns are kept at the end).

Timestamps are timezone-aware (``datetime64[..., tz]``) in the zone the reader was given
(Asia/Shanghai unless told); any of them may be missing (NaT) — real exports sometimes carry
no timestamps at all, and every stage copes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

import pandas as pd

from qa_toolkit.arrowtext import large_strings  # noqa: F401 (re-exported: frames is where callers look)
from qa_toolkit.problems import ProblemLog

DEFAULT_TZ = "Asia/Shanghai"

ROLES = ("agent", "customer", "bot", "system")
OUTCOMES = ("pass", "fail", "na", "review")

#: One row per conversation. ``tags`` holds a Python list of strings (possibly empty).
CONVERSATIONS: dict[str, str] = {
    "conversation_id": "string",  # unique, required
    "channel": "string",  # chat | phone | email | social | ... (lower-case)
    "agent_id": "string",  # required: the agent who handled it
    "customer_id": "string",  # may be <NA>
    "started_at": "datetime",  # tz-aware; NaT when unknown
    "ended_at": "datetime",  # tz-aware; NaT when unknown
    "csat": "Int64",  # 1..5 or <NA>
    "tags": "object",  # list[str]
    "customer_tier": "string",  # e.g. normal | vip; may be <NA>
    "queue": "string",  # queue / skill group; may be <NA>
}

#: One row per message, ordered by (conversation_id, seq).
MESSAGES: dict[str, str] = {
    "conversation_id": "string",
    "seq": "Int64",  # 0-based position within the conversation
    "ts": "datetime",  # tz-aware; NaT when the export has no times
    "role": "string",  # one of ROLES
    "text": "string",
}

#: Roster (optional input): one row per agent.
ROSTER: dict[str, str] = {
    "agent_id": "string",
    "name": "string",
    "team": "string",
    "hire_date": "datetime",  # tz-aware midnight in the reader's zone; NaT when unknown
}

#: Scoring output, long: one row per conversation x criterion.
RESULTS: dict[str, str] = {
    "conversation_id": "string",
    "section_id": "string",
    "criterion_id": "string",
    "outcome": "string",  # one of OUTCOMES
    "points": "float64",  # points earned (deductions are negative for deduction items)
    "max_points": "float64",  # points at stake; 0 for n/a
    "critical": "boolean",  # the criterion is 一票否决
    "evidence_seq": "Int64",  # message seq the outcome rests on, <NA> if none
    "evidence_text": "string",  # that message's text (masked in written outputs by default)
    "evidence_match": "string",  # the matched span / the measured value, human readable
    "note": "string",  # why: e.g. "first response 340 s > 180 s"
}

#: Scoring output, one row per conversation. Plus one float column per rubric section,
#: named ``section_<section_id>`` (0-100, NaN when every criterion in it is n/a).
SCORES: dict[str, str] = {
    "conversation_id": "string",
    "agent_id": "string",
    "channel": "string",
    "started_at": "datetime",
    "total": "float64",  # 0-100 after critical/section-fail rules
    "critical_failed": "boolean",
    "critical_criteria": "string",  # ';'-joined criterion ids that failed critically, "" if none
    "critical_pending": "string",  # ';'-joined critical (confirm) fails waiting for a grader, "" if none
    "n_review": "Int64",  # criteria still waiting for a human grade
    "band": "string",  # e.g. 优秀 / 良好 / 合格 / 不合格
    "rubric_id": "string",
    "rubric_version": "string",
}
SECTION_PREFIX = "section_"

#: Risk model output, one row per conversation.
RISK: dict[str, str] = {
    "conversation_id": "string",
    "risk_score": "float64",  # calibrated probability 0..1
    "risk_flag": "boolean",  # risk_score >= the model's threshold
    "risk_reasons": "string",  # human-readable, '; '-joined top reasons
}

#: Sampling manifest, one row per picked conversation.
MANIFEST: dict[str, str] = {
    "batch_id": "string",
    "conversation_id": "string",
    "agent_id": "string",
    "channel": "string",
    "period": "string",  # e.g. 2026-W45
    "stratum": "string",  # complaint | low_csat | vip | new_hire | long_handle | high_risk | critical | random,
    #                       or pending_critical (a critical fail waiting for a grader: always drawn, beside the quota)
    "reason": "string",  # why this one was picked, in words
    "inclusion_prob": "float64",  # probability the design had of picking it (0, 1]
    "seed": "Int64",
}


def _dtype(kind: str, tz: str) -> str | pd.DatetimeTZDtype:
    return pd.DatetimeTZDtype("ns", tz) if kind == "datetime" else kind


@cache
def _target(kind: str, tz: str):
    """The dtype a contract's ``kind`` names (resolved once: comparing with a string is slower)."""
    return pd.api.types.pandas_dtype(_dtype(kind, tz))


def empty(contract: Mapping[str, str], tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """A zero-row frame with the contract's columns and dtypes."""
    return pd.DataFrame({c: pd.Series(dtype=_dtype(k, tz)) for c, k in contract.items()})


def conform(df: pd.DataFrame, contract: Mapping[str, str], tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Order and type ``df`` to ``contract``; missing columns are added empty, extras kept last."""
    out = df.copy()
    for col, kind in contract.items():
        if col not in out.columns:
            out[col] = pd.Series(pd.NA, index=out.index, dtype="object")
        elif out[col].dtype == _target(kind, tz):
            continue  # typed already (most columns of a reader's or a scorer's frame): no cast, no copy
        if kind == "datetime":
            ser = pd.to_datetime(out[col], errors="coerce")
            ser = ser.dt.tz_localize(tz) if ser.dt.tz is None else ser.dt.tz_convert(tz)
            out[col] = ser.astype(pd.DatetimeTZDtype("ns", tz))
        elif kind == "object":
            out[col] = out[col].astype("object")
        else:
            out[col] = out[col].astype(kind)
    extras = [c for c in out.columns if c not in contract]
    return out[list(contract) + extras]


def missing_columns(df: pd.DataFrame, contract: Mapping[str, str]) -> list[str]:
    """Contract columns absent from ``df`` — for checking a frame handed in by a user."""
    return [c for c in contract if c not in df.columns]


def listed(criteria: Iterable, joined: Iterable) -> list[bool]:
    """Whether each criterion id is among its row's ';'-joined ids (``critical_criteria``,
    ``critical_pending``; a missing value lists none)."""
    return [c in (ids.split(";") if isinstance(ids, str) else ()) for c, ids in zip(criteria, joined)]


@dataclass
class Dataset:
    """What a reader returns: the conversations and messages frames, the optional roster, and
    the log of every problem and skipped record met while reading."""

    conversations: pd.DataFrame
    messages: pd.DataFrame
    log: ProblemLog = field(default_factory=ProblemLog)
    roster: pd.DataFrame | None = None

    def __repr__(self) -> str:
        return (
            f"Dataset({len(self.conversations)} conversations, {len(self.messages)} messages, "
            f"{len(self.log.problems)} problems)"
        )
