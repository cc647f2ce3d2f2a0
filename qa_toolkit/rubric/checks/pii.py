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

from qa_toolkit.privacy import find_first_pii
from qa_toolkit.rubric.checks._base import Chunk, Outcomes, ScopedConfig
from qa_toolkit.rubric.distinct import used_texts

TYPE = "pii"
Kind = Literal["mobile", "id_number", "bank_card", "email", "address"]


class PiiCheck(ScopedConfig):
    """pii — personal data in a role's text (default: the agent): mainland mobile numbers, ID numbers
    with a valid check digit, bank cards passing Luhn, e-mails (and addresses if listed in
    ``kinds``), found by ``qa_toolkit.privacy.find_pii``. Fails on the first message holding one;
    the evidence is that message and the *masked* match."""

    type: Literal["pii"]
    kinds: list[Kind] = Field(default_factory=lambda: ["mobile", "id_number", "bank_card", "email"])


Config = PiiCheck  # the registry's name for a check module's config model


def evaluate(config: PiiCheck, frames: Chunk) -> Outcomes:
    """Fail with the first message that holds personal data of the listed kinds (each distinct
    text searched once)."""
    codes, texts = frames.distinct
    rows = np.flatnonzero(frames.scope(config))
    wanted = used_texts(codes, rows, len(texts))
    found_kind, found_masked = find_first_pii(texts.iloc[wanted], config.kinds)
    held = found_kind.notna().to_numpy()
    leak = np.full(len(texts), -1)  # per distinct text: its number among the texts holding a leak
    leak[wanted[held]] = np.arange(held.sum())
    rows = rows[leak[codes[rows]] >= 0]
    notes = np.array([f"personal data ({k}) in agent text" for k in found_kind[held].tolist()], dtype=object)
    out = Outcomes(frames, "pass")
    out.put(rows, "fail", notes[leak[codes[rows]]], found_masked[held].to_numpy(dtype=object)[leak[codes[rows]]])
    return out
