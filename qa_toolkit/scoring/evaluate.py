"""Evaluation: a chunk's conversations × a rubric's criteria → verdicts, still as codes
(``Evaluated`` per rubric, ``Scored`` per chunk), with routing to the first admitting rubric,
``when`` and ``applies_to`` applied and shadow criteria marked. The RESULTS frame and part files
are built from these codes (``scoring.results``), the SCORES frame by ``scoring.points``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from qa_toolkit.frames import SCORES, conform
from qa_toolkit.rubric import checks
from qa_toolkit.rubric.checks._base import CODE, Chunk, Coded, Outcomes, evidence_codes
from qa_toolkit.rubric.schema import Criterion, Rubric
from qa_toolkit.scoring.points import aggregate_arrays, earned_points

#: The note a criterion gets when its rubric's ``applies_to`` excludes the conversation.
OUT_OF_SCOPE = "rubric does not apply"
#: How a shadow criterion's notes begin: computed and shown, not counted.
SHADOW = "shadow, not counted"


def as_rubrics(rubric: Rubric | Sequence[Rubric]) -> list[Rubric]:
    """One rubric or an ordered list of them, as a list."""
    return [rubric] if isinstance(rubric, Rubric) else list(rubric)


@dataclass
class Evaluated:
    """One rubric's verdicts for the conversations it scores in a chunk, still as codes; row
    ``i * k + j`` of every array is conversation i, criterion j (conversation-major, rubric
    order), as in the RESULTS frame, which ``scoring.results`` builds from it."""

    frames: Chunk
    rubric: Rubric
    outcomes: list[Outcomes]
    mask: bool

    @property
    def k(self) -> int:
        return len(self.outcomes)

    def stacked(self, name: str) -> np.ndarray:
        """An ``Outcomes`` array of every criterion, conversation-major."""
        return np.stack([getattr(o, name) for o in self.outcomes], axis=1).reshape(-1)

    @cached_property
    def outcome(self) -> np.ndarray:
        return self.stacked("outcome")

    @cached_property
    def points(self) -> tuple[np.ndarray, np.ndarray]:
        """(points, max_points) per row, worked out per criterion and laid out by broadcasting."""
        criteria = [c for _, c in self.rubric.criteria]
        outcome = self.outcome.reshape(self.frames.n, self.k)
        points, maximum = earned_points(
            np.array([c.kind for c in criteria], dtype=object),
            np.array([float(c.points) for c in criteria]),
            outcome == CODE["pass"],
            outcome == CODE["fail"],
        )
        return points.reshape(-1), maximum.reshape(-1)

    @cached_property
    def evidence(self) -> tuple[pd.arrays.IntegerArray, np.ndarray, pd.Series]:
        """(evidence_seq, text codes, texts): ``evidence_codes``, masked if asked."""
        return evidence_codes(self.frames, self.stacked("message"), self.mask)

    def scores(self) -> pd.DataFrame:
        """The SCORES frame of these conversations."""
        n, k = self.frames.n, self.k
        sections = pd.Index([s.id for s in self.rubric.sections]).get_indexer([s.id for s, _ in self.rubric.criteria])
        outcome = self.outcome if k else np.zeros(0, dtype=np.int8)
        points, maximum = self.points if k else (np.zeros(0), np.zeros(0))
        return aggregate_arrays(
            outcome == CODE["fail"],
            outcome == CODE["review"],
            points,
            maximum,
            self.frames.conversations.set_index("conversation_id"),
            self.rubric,
            np.repeat(np.arange(n, dtype=np.int32), k),
            np.tile(np.arange(k, dtype=np.int32), n),
            np.tile(sections.astype(np.int32), n),
        )


@dataclass
class Scored:
    """A scored chunk: per rubric, the chunk's conversation rows it scored (ascending) and its
    verdicts; the SCORES frame in chunk order."""

    parts: list[tuple[np.ndarray, Evaluated]]
    scores: pd.DataFrame

    def order(self) -> np.ndarray | None:
        """Rows of the rubrics' results laid end to end, in chunk order (None: one rubric, already so)."""
        if len(self.parts) == 1:
            return None
        rows = np.concatenate([np.repeat(mine, ev.k) for mine, ev in self.parts])
        return np.argsort(rows, kind="stable")


def score_chunk(
    conversations: pd.DataFrame,
    messages: pd.DataFrame,
    rubrics: Sequence[Rubric],
    *,
    risk: pd.DataFrame | None = None,
    mask: bool = False,
) -> Scored:
    """Score a chunk with an ordered list of rubrics, the results still as codes (``Scored``):
    each conversation by the first rubric whose ``applies_to`` admits it; one no rubric admits
    goes to the last, which marks it N/A (no total). ``mask``: personal data in evidence texts
    masked (once per distinct text)."""
    rubrics = list(rubrics)
    frames = Chunk(conversations, messages, risk)
    route = _route(frames, rubrics) if len(rubrics) > 1 else np.zeros(frames.n, dtype=int)
    parts = []
    for i, rubric in enumerate(rubrics):
        mine = np.flatnonzero(route == i)
        if len(mine) or (i == len(rubrics) - 1 and not parts):
            parts.append((mine, _evaluate(frames.subset(mine, vocabulary(rubric)), rubric, mask)))
    if len(parts) == 1:
        return Scored(parts, parts[0][1].scores())
    scores = pd.concat([ev.scores() for _, ev in parts], ignore_index=True)
    convs = np.concatenate([mine for mine, _ in parts])
    return Scored(parts, conform(scores.take(np.argsort(convs, kind="stable")).reset_index(drop=True), SCORES))


def route_rubrics(conversations: pd.DataFrame, messages: pd.DataFrame, rubrics: Sequence[Rubric]) -> pd.Series:
    """Per conversation (aligned to ``conversations``' rows) the index of the first rubric whose
    ``applies_to`` admits it; 0 when none does."""
    return pd.Series(_route(Chunk(conversations, messages), rubrics), index=conversations.index)


def _route(frames: Chunk, rubrics: Sequence[Rubric]) -> np.ndarray:
    route = np.full(frames.n, -1)
    for i, rubric in enumerate(rubrics):
        route[(route == -1) & _applies(rubric, frames)] = i
    return route.clip(min=0)


def rubric_by_conversation(
    conversations: pd.DataFrame, messages: pd.DataFrame, rubrics: Sequence[Rubric]
) -> dict[str, Rubric]:
    """conversation_id -> the rubric that scores it (as ``score_chunk`` routes)."""
    route = route_rubrics(conversations, messages, rubrics)
    return dict(zip(conversations["conversation_id"], (rubrics[i] for i in route)))


def _evaluate(frames: Chunk, rubric: Rubric, mask: bool = False) -> Evaluated:
    """Every criterion's verdicts for the chunk, the rubric's ``applies_to`` applied."""
    applies = _applies(rubric, frames)
    outcomes = []
    for _, criterion in rubric.criteria:
        out = criterion_outcomes(criterion, frames)
        if criterion.status == "shadow":
            _mark_shadow(out)
        out.set(~applies, "na", OUT_OF_SCOPE)
        out.clear_evidence(out.outcome == CODE["na"])
        outcomes.append(out)
    return Evaluated(frames, rubric, outcomes, mask)


def _mark_shadow(out: Outcomes) -> None:
    """Prefix every note of a shadow criterion's verdicts with ``SHADOW`` (each distinct note once)."""
    worded = [SHADOW if v in (None, "") else f"{SHADOW}: {v}" for v in out.note.values]
    out.note.assign(np.arange(len(out.note.codes)), Coded(out.note.codes, worded))


def vocabulary(rubric: Rubric) -> frozenset[str]:
    """Every phrase the rubric's checks look for, so one matching pass per chunk serves all."""
    return frozenset().union(*(checks.phrases(c.check, c.when) for _, c in rubric.criteria))


def criterion_outcomes(criterion: Criterion, frames: Chunk) -> Outcomes:
    """One criterion's verdicts for the chunk, its ``when`` applied."""
    return checks.evaluate(criterion.check, frames, criterion.when)


def evaluate_criterion(criterion: Criterion, frames: Chunk) -> pd.DataFrame:
    """One criterion's outcome frame (indexed by conversation_id), its ``when`` applied."""
    return criterion_outcomes(criterion, frames).frame()


def _applies(rubric: Rubric, frames: Chunk) -> np.ndarray:
    """Mask over the chunk's conversations: the rubric's ``applies_to`` admits them."""
    conv = frames.conversations
    ok = np.ones(frames.n, dtype=bool)
    scope = rubric.applies_to
    if scope is not None:
        if scope.channels is not None:
            ok &= conv["channel"].isin(scope.channels).fillna(False).to_numpy(dtype=bool)
        if scope.queues is not None:
            ok &= conv["queue"].isin(scope.queues).fillna(False).to_numpy(dtype=bool)
        if scope.languages is not None:
            lang = frames.derived["language"].reindex(frames.index)
            ok &= lang.isin(scope.languages).fillna(False).to_numpy(dtype=bool)
    return ok
