"""What the ``any`` and ``all`` checks share: a config holding other checks, and the verdict
taken from the sub-check that decides it. The sub-checks are evaluated by the registry, which
hands their outcomes in (``evaluate(config, frames, parts)``), so no check module imports the
registry; the union type of ``checks`` is the registry's too (it rebuilds these configs with it)."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from qa_toolkit.rubric.checks._base import CODE, CheckConfig, Chunk, Coded, Outcomes


class CombinedConfig(CheckConfig):
    """Sub-checks, each a check of any type (itself possibly ``any``/``all``)."""

    checks: list[Check] = Field(min_length=1, description="The sub-checks, each a check of any type.")  # noqa: F821


def parts(config: CombinedConfig) -> list:
    """The sub-checks the registry evaluates for ``config``."""
    return list(config.checks)


def combine(frames: Chunk, parts: list[Outcomes], precedence: tuple[str, ...]) -> Outcomes:
    """Per conversation the outcome that comes first in ``precedence`` among the sub-checks'
    (``na`` when every sub-check is), with the evidence, match and note of the first sub-check
    that gave it; the note says which sub-check decided."""
    rank = np.full(len(CODE), len(precedence), dtype=np.int64)
    for i, name in enumerate(precedence):
        rank[CODE[name]] = i
    ranks = np.stack([rank[p.outcome] for p in parts])  # sub-checks x conversations
    decider = np.argmin(ranks, axis=0)  # the first sub-check with the best-ranked outcome
    out = Outcomes(frames, "na")
    for k, part in enumerate(parts):
        where = np.flatnonzero(decider == k)
        if not len(where):
            continue
        out.outcome[where] = part.outcome[where]
        out.set(
            where,
            message=part.message[where],
            match=Coded(part.match.codes[where], part.match.values),
            note=Coded(
                part.note.codes[where], [None if v is None else f"check {k + 1}: {v}" for v in part.note.values]
            ),
        )
    return out
