"""learned — a model trained on the team's own grades of this criterion (``qa criterion train``)
decides pass, fail or N/A (N/A only if the grades had N/A). ``model``: the ``.skops`` file,
relative to the rubric file or absolute. Evidence: the agent message whose own words push hardest
toward the decision, quoted. A model is loaded once per process through skops with its types
allow-listed, and only for the criterion id and rubric id/version it was trained for (``qa rubric
lint`` says so otherwise). Combine it with rules: ``{type: any, checks: [rule, learned]}``.

Passes::

    check: {type: learned, model: models/empathy.skops}
    # agent: 理解您的心情，我马上帮您加急处理  (graders passed replies like this)

Fails::

    check: {type: learned, model: models/empathy.skops}
    # agent: 订单号发一下  (graders failed replies like this)
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import Field, PrivateAttr, ValidationInfo, model_validator

from qa_toolkit.learning.store import cached_model
from qa_toolkit.rubric.checks._base import CheckConfig, Chunk, Coded, Outcomes, outcome_labels
from qa_toolkit.rubric.checks._views import RULE, TEXT_VIEWS, conversation_views, message_views

TYPE = "learned"


class LearnedCheck(CheckConfig):
    """learned — a model trained on the team's own grades of this criterion (``qa criterion
    train``) decides pass, fail or N/A; ``model`` is its ``.skops`` file, relative to the rubric
    file or absolute. Evidence: the agent message that pushed hardest toward the decision."""

    type: Literal["learned"]
    model: str = Field(
        min_length=1,
        description="Model file from `qa criterion train` (.skops), relative to the rubric file or absolute.",
    )
    _path: Path = PrivateAttr()

    @model_validator(mode="after")
    def _resolve(self, info: ValidationInfo) -> LearnedCheck:
        """``model`` relative to the folder of the rubric file being loaded (the loader passes
        it as ``rubric_dir`` in the validation context), else as given."""
        given = Path(self.model)
        base = (info.context or {}).get("rubric_dir")
        self._path = given if given.is_absolute() or base is None else Path(base) / given
        return self

    @property
    def path(self) -> Path:
        """Where the model file is."""
        return self._path


Config = LearnedCheck  # the registry's name for a check module's config model


def parts(config: LearnedCheck) -> list[str]:
    """The rule whose outcome the model reads (as JSON), if it reads one: the registry evaluates it."""
    rule = cached_model(config.path).rule
    return [rule] if rule else []


def evaluate(config: LearnedCheck, frames: Chunk, parts: list[Outcomes]) -> Outcomes:
    """The model's outcome per conversation, its probability as the match, and as evidence the
    agent message whose own features push hardest toward that outcome."""
    model = cached_model(config.path)
    out = Outcomes(frames, "na", "no agent or customer message")
    table = frames.cached("learned views", conversation_views).copy()  # shared by the chunk's learned criteria
    if parts:
        table[RULE] = outcome_labels(parts[0].outcome).to_numpy(dtype=object)
    talked = (table["n_agent"] + table["n_customer"]).to_numpy() > 0
    where = np.flatnonzero(talked)
    if not len(where):
        return out
    outcome, proba = model.predict(table.iloc[where])
    shown = [f"{p:.2f}" for p in proba.tolist()]
    names, codes = np.unique(outcome.astype(str), return_inverse=True)
    out.set(
        where,
        outcome=outcome,
        match=np.asarray(shown, dtype=object),
        note=Coded(codes.reshape(-1), [f"the learned model says {n}" for n in names.tolist()]),
    )
    judged = outcome != "na"
    decided, said = where[judged], outcome[judged]
    message, push = _evidence(model, frames, decided, said)
    if parts:  # where no message of its own pushes toward the outcome, the rule's evidence if it agrees
        rule = parts[0]
        borrow = (push <= 0) & (outcome_labels(rule.outcome[decided]).to_numpy(dtype=object) == said)
        message = np.where(borrow, rule.message[decided], message)
    out.set(decided, message=message)
    return out


def _evidence(model, frames: Chunk, conversations: np.ndarray, outcome: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per conversation at ``conversations`` (rows, ascending), the agent message (row) whose own
    words push hardest toward its ``outcome`` (its margin for that outcome over a message without
    words), and that push; -1 and 0 for a conversation without an agent message."""
    agent = frames.role_mask("agent")
    wanted = np.zeros(frames.n, dtype=bool)
    wanted[conversations] = True
    rows = np.flatnonzero(agent & wanted[frames.conv_of])
    out, strength = np.full(len(conversations), -1, dtype=np.int64), np.zeros(len(conversations))
    if not len(rows):
        return out, strength
    position = np.full(frames.n, -1)
    position[conversations] = np.arange(len(conversations))
    at = position[frames.conv_of[rows]]  # each candidate's place among ``conversations``
    index = {name: i for i, name in enumerate(model.classes)}
    column = np.array([index[o] for o in outcome.tolist()], dtype=np.int64)  # per conversation: its class
    views = message_views(frames, rows)
    blank = views.iloc[:1].assign(**dict.fromkeys(TEXT_VIEWS, ""))  # what the model says of no words at all
    push = (model.margins(views) - model.margins(blank))[np.arange(len(rows)), column[at]]
    best = np.lexsort((-push, at))  # per conversation, its strongest message first
    first = np.r_[True, at[best][1:] != at[best][:-1]]
    out[at[best][first]] = rows[best][first]
    strength[at[best][first]] = push[best][first]
    return out, strength
