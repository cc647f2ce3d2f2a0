"""pii — personal data in a role's text (default: the agent): mainland mobile numbers, ID
numbers with a valid check digit, bank cards passing Luhn, e-mails (and addresses if listed in
``kinds``), found by ``qa_toolkit.privacy.find_pii``. Fails on the first message holding one;
the evidence is that message and the *masked* match.

Passes::

    check: {type: pii}
    # agent: 您的手机号尾号5678，对吗？

Fails::

    check: {type: pii}
    # agent: 您的手机号是13812345678
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from qa_toolkit.privacy import find_pii
from qa_toolkit.rubric.checks._base import Frames, Outcomes, ScopedConfig
from qa_toolkit.rubric.checks._match import contains

TYPE = "pii"
# cheap vectorised pre-filters; find_pii only runs on matching messages. Every mobile, ID and
# card number holds 4 digits in a row (even with separators); e-mails hold an @.
_MAY_HOLD = r"[0-9０-９]{4}|[@＠]"
_MAY_HOLD_ADDRESS = r"[路街道巷弄村号]"

Kind = Literal["mobile", "id_number", "bank_card", "email", "address"]


class PiiCheck(ScopedConfig):
    """pii — personal data in a role's text (default: the agent): mainland mobile numbers, ID numbers
    with a valid check digit, bank cards passing Luhn, e-mails (and addresses if listed in
    ``kinds``), found by ``qa_toolkit.privacy.find_pii``. Fails on the first message holding one;
    the evidence is that message and the *masked* match."""

    type: Literal["pii"]
    kinds: list[Kind] = Field(default_factory=lambda: ["mobile", "id_number", "bank_card", "email"])


Config = PiiCheck  # the registry's name for a check module's config model


def evaluate(config: PiiCheck, frames: Frames) -> Outcomes:
    """Fail with the first message that holds personal data of the listed kinds."""
    kinds = set(config.kinds)
    pattern = _MAY_HOLD + ("|" + _MAY_HOLD_ADDRESS if "address" in kinds else "")
    rows = np.flatnonzero(frames.scope(config) & contains(frames.text, pattern))
    found = [next((m for m in find_pii(t) if m.kind in kinds), None) for t in frames.text.iloc[rows].tolist()]
    held = np.fromiter((m is not None for m in found), dtype=bool, count=len(found))
    found = [m for m in found if m is not None]
    out = Outcomes(frames, "pass")
    out.put(rows[held], "fail", [f"personal data ({m.kind}) in agent text" for m in found], [m.masked for m in found])
    return out
