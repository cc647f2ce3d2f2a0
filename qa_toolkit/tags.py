"""Conversation tags: the tag words that mean a complaint, an escalation or a transfer, and the
one way a tag is matched (trimmed, case-insensitive), shared by sampling strata and metrics."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import numpy as np

COMPLAINT_TAGS = ("complaint", "投诉")
ESCALATION_TAGS = ("escalation", "escalated", "升级")
TRANSFER_TAGS = ("transfer", "transferred", "转接")


def first_tag(tags: object, wanted: Iterable[str]) -> str | None:
    """The first of ``tags`` (a list; anything else has none) that is one of ``wanted``,
    compared trimmed and lower-cased; None when there is none."""
    if not isinstance(tags, (list, tuple, np.ndarray)):
        return None
    words = _words(tuple(wanted))
    return next((str(t) for t in tags if str(t).strip().lower() in words), None)


@lru_cache(maxsize=64)
def _words(wanted: tuple[str, ...]) -> frozenset[str]:
    return frozenset(w.strip().lower() for w in wanted)
