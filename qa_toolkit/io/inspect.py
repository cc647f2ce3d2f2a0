"""What ``qa data inspect`` reports about a Dataset: counts, ranges, distributions, problems.

``summarize`` returns plain JSON-ready values so the CLI only prints (table or ``--json``).
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from qa_toolkit.frames import ROLES, Dataset
from qa_toolkit.privacy import mask_text


def _iso(value: object) -> str | None:
    return None if pd.isna(value) else pd.Timestamp(value).isoformat()


def _counts(pairs) -> dict[str, int]:
    """Value -> count, personal data in the values masked (a phone number in a tag or channel
    is shown as 138****5678; values that mask alike are counted together)."""
    out: dict[str, int] = {}
    for value, n in pairs:
        key = mask_text(str(value))
        out[key] = out.get(key, 0) + int(n)
    return out


def summarize(dataset: Dataset, top_tags: int = 10) -> dict:
    """Counts of conversations, messages, agents, channels, teams; date range; messages per
    role; CSAT distribution; top tags; conversations without timestamps; every problem."""
    conv, msg, log = dataset.conversations, dataset.messages, dataset.log
    has_ts = msg.groupby("conversation_id", observed=True)["ts"].count() if len(msg) else pd.Series(dtype="int64")
    no_times = conv["started_at"].isna() & (conv["conversation_id"].map(has_ts).fillna(0) == 0)
    starts = conv["started_at"].dropna()
    if starts.empty:
        starts = msg["ts"].dropna()
    csat = conv["csat"]
    roles = msg["role"].value_counts()
    tags = Counter(tag for tags in conv["tags"] for tag in (tags if isinstance(tags, list) else []))
    summary = {
        "conversations": len(conv),
        "messages": len(msg),
        "agents": int(conv["agent_id"].nunique()),
        "customers": int(conv["customer_id"].nunique()),
        "channels": _counts(conv["channel"].fillna("<missing>").value_counts().items()),
        "date_range": {
            "first": _iso(starts.min()) if len(starts) else None,
            "last": _iso(starts.max()) if len(starts) else None,
        },
        "messages_per_role": {r: int(roles.get(r, 0)) for r in ROLES},
        "csat": {**{str(k): int((csat == k).sum()) for k in range(1, 6)}, "missing": int(csat.isna().sum())},
        "top_tags": _counts(tags.most_common(top_tags)),
        "conversations_without_timestamps": int(no_times.sum()),
        "messages_without_timestamps": int(msg["ts"].isna().sum()),
        "problems": {
            "total": len(log.problems),
            "errors": len(log.errors),
            "warnings": len(log.warnings),
            "records_read": log.records_read,
            "records_skipped": log.records_skipped,
            "by_code": dict(Counter(p.code or p.level for p in log.problems).most_common()),
            "items": [p.to_dict() for p in log.problems],
        },
    }
    if "team" in conv.columns:
        summary["teams"] = _counts(conv["team"].fillna("<missing>").value_counts().items())
    return summary
