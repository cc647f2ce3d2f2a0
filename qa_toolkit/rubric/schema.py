"""The rubric format as pydantic v2 models: the single source of truth for validation, the
published JSON Schema (``rubrics/schema.json``) and the documentation.

Every model forbids unknown keys, so a typo in a rubric is an error with a line, not a silently
ignored setting. The ``check`` of a criterion is a union discriminated on its ``type``; each
check type's config model lives in its own module under ``qa_toolkit.rubric.checks``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from qa_toolkit.rubric.checks import Check
from qa_toolkit.rubric.checks.llm import LlmEndpoint
from qa_toolkit.rubric.predicates import Predicate

Outcome = Literal["pass", "fail", "na", "review"]
Role = Literal["agent", "customer", "bot", "system"]
CriticalMode = Literal["auto", "confirm"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExampleMessage(Strict):
    """One message of an example conversation. Short form: ``{agent: 您好}``."""

    role: Role
    text: str
    at: float | None = Field(None, description="Seconds since the conversation started (for timing checks).")

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, data: Any) -> Any:
        if isinstance(data, dict) and len(data) == 1 and next(iter(data)) in ("agent", "customer", "bot", "system"):
            role, text = next(iter(data.items()))
            return {"role": role, "text": text}
        return data


class Example(Strict):
    """A tiny conversation and the outcome the criterion must give on it: the rubric's unit test."""

    name: str
    expect: Outcome
    channel: str = "chat"
    fields: dict[str, Any] = Field(
        default_factory=dict, description="Conversation fields: csat, tags, customer_tier, escalated, ..."
    )
    risk_score: float | None = Field(None, ge=0, le=1, description="Risk model score for `model` checks.")
    messages: list[ExampleMessage] = Field(default_factory=list)


class Agreement(Strict):
    """How far an automatic criterion agreed with the human grades when it was promoted."""

    n: int = Field(ge=0, description="Graded conversations compared.")
    kappa: float = Field(description="Cohen's κ, automatic vs human, on pass/fail.")
    precision: float | None = Field(None, description="Share of the criterion's fails the graders confirmed.")
    recall: float | None = Field(None, description="Share of the graders' fails the criterion caught.")
    date: str = Field(description="When it was promoted (YYYY-MM-DD).")
    grades: str = Field(description="sha256 of the grades file it was measured on.")


class Gate(Strict):
    """The agreement floor an automatic criterion must clear to count (`qa calibrate --gate`,
    `qa rubric promote`)."""

    min_n: int = Field(50, ge=1, description="Graded conversations needed (pass/fail on both sides).")
    min_kappa: float = Field(0.6, ge=-1, le=1, description="Cohen's κ needed, automatic vs human.")


class Criterion(Strict):
    """One line of the score sheet."""

    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    name: str
    name_en: str | None = Field(None, description="English name, shown under `--lang en` (default: `name`).")
    description: str = Field("", description="What a grader reads: what passes and what fails.")
    points: float = Field(1.0, gt=0)
    scale: Literal["binary", "3-point", "5-point"] = Field(
        "binary", description="How a human grades it: binary pass/fail, or 3-/5-point partial credit."
    )
    kind: Literal["standard", "bonus", "deduction"] = Field(
        "standard", description="bonus (加分): adds on pass; deduction (扣分): subtracts on fail."
    )
    severity: Literal["low", "medium", "high", "critical"] = "medium"
    critical: CriticalMode | bool = Field(
        False,
        description="一票否决: a fail sets the conversation total to 0. `auto`: at once; `confirm`: only once a "
        "grader confirms it (pending 待复核 until then); `true`: as the rubric's `critical` says.",
    )
    fail_section: bool = Field(False, description="A fail sets this section's score to 0.")
    when: Predicate | None = Field(None, description="Applicability: N/A when false.")
    check: Check
    status: Literal["live", "shadow"] = Field(
        "live",
        description="live: counts in the scores. shadow: computed and shown in results, not counted, until "
        "`qa rubric promote` finds it agrees with the graders (the rubric's `gate`).",
    )
    agreement: Agreement | None = Field(
        None, description="Written by `qa rubric promote`: the evidence it cleared the gate."
    )
    examples: list[Example] = Field(default_factory=list)

    @model_validator(mode="after")
    def _automatic_shadow(self) -> Criterion:
        if self.status == "shadow" and self.check.type == "manual":
            raise ValueError("a manual criterion is graded by people: only automatic criteria run in shadow")
        return self


class Section(Strict):
    """A dimension of the score sheet (服务态度, 专业知识, ...) with its weight in the total."""

    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    name: str
    name_en: str | None = Field(None, description="English name, shown under `--lang en` (default: `name`).")
    weight: float = Field(ge=0, description="Share of the total; the weights of all sections add up to 100.")
    description: str = ""
    criteria: list[Criterion] = Field(min_length=1)


class Band(Strict):
    """A grade band: a total at or above ``min`` earns ``name`` (the highest such band wins)."""

    name: str
    name_en: str | None = Field(None, description="English name, shown under `--lang en` (default: `name`).")
    min: float = Field(ge=0, le=100)


class AppliesTo(Strict):
    """Which conversations the rubric scores; others get every criterion N/A."""

    channels: list[str] | None = None
    queues: list[str] | None = None
    languages: list[Literal["zh", "en"]] | None = Field(
        None, description="Conversation language, detected from the script of its text."
    )


class Rubric(Strict):
    """A versioned scoring standard (评分表)."""

    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    version: str = Field(description='Quote it ("1.0"), so YAML keeps it a string.')
    name: str
    name_en: str | None = Field(None, description="English name, shown under `--lang en` (default: `name`).")
    language: Literal["zh", "en"]
    description: str = ""
    applies_to: AppliesTo | None = None
    fields: list[str] = Field(
        default_factory=list, description="Extra conversation fields the rubric refers to (besides the standard ones)."
    )
    bands: list[Band] = Field(default_factory=list)
    critical: CriticalMode = Field(
        "auto",
        description="How an automatic fail of a `critical: true` item counts: `auto` zeroes the total at "
        "once; `confirm` leaves it pending (待复核) until a grader confirms it.",
    )
    gate: Gate = Field(default_factory=Gate)
    llm: LlmEndpoint | None = Field(
        None,
        description="The chat endpoint `llm` checks call (each may override it); "
        "without a base_url they are never called.",
    )
    sections: list[Section] = Field(min_length=1)

    @model_validator(mode="after")
    def _bind_checks(self) -> Rubric:
        """Checks that read more than their own config (``llm``: the criterion's wording, the
        rubric's endpoint) are handed it once, here."""
        for _, criterion in self.criteria:
            bind = getattr(criterion.check, "bind", None)
            if bind is not None:
                bind(criterion, self.llm)
        return self

    @property
    def criteria(self) -> list[tuple[Section, Criterion]]:
        """Every (section, criterion) pair in file order."""
        return [(s, c) for s in self.sections for c in s.criteria]

    def needs_confirmation(self, criterion: Criterion) -> bool:
        """A critical item whose automatic fail waits for a grader before it zeroes the total."""
        mode = self.critical if criterion.critical is True else criterion.critical
        return mode == "confirm"


def json_schema() -> dict:
    """The JSON Schema of a rubric file, draft-07 style (``definitions``) as yaml-language-server reads it."""
    schema = Rubric.model_json_schema(ref_template="#/definitions/{model}")
    schema["definitions"] = schema.pop("$defs")
    schema = {"$schema": "http://json-schema.org/draft-07/schema#", **schema}
    schema["title"] = "qa-toolkit rubric"
    return schema
