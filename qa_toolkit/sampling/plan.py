"""The sampling plan: a pydantic model read from YAML (ruamel, YAML 1.2) with errors as
Problems at ``file:line:col``, so a typo in a plan is a message, not a traceback."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from qa_toolkit.problems import Problem
from qa_toolkit.rubric.parse import Locator
from qa_toolkit.tags import COMPLAINT_TAGS
from qa_toolkit.yamldoc import marks, parse_yaml, plain

StratumKind = Literal["complaint", "low_csat", "vip", "new_hire", "long_handle", "high_risk", "critical"]


class Filter(BaseModel):
    """Which conversations a stratum (or its backup) matches; parameters not used by ``kind``
    are ignored, defaults follow the QA manuals."""

    model_config = ConfigDict(extra="forbid")
    kind: StratumKind
    tags: list[str] = Field(default_factory=lambda: list(COMPLAINT_TAGS))  # complaint
    include_escalated: bool = True  # complaint
    csat_max: int = Field(2, ge=1, le=5)  # low_csat
    tiers: list[str] = Field(default_factory=lambda: ["vip"])  # vip
    days: int = Field(90, ge=0)  # new_hire: hired within N days before the period start
    percentile: float = Field(90, gt=0, lt=100)  # long_handle
    threshold: float = Field(0.5, ge=0, le=1)  # high_risk


class Stratum(Filter):
    """A targeted stratum: how much of the quota it gets (``count`` or ``share`` of the quota)
    and an optional looser ``backup`` filter used when too few conversations match."""

    count: int | None = Field(None, ge=0)
    share: float | None = Field(None, ge=0, le=1)
    backup: Filter | None = None

    @model_validator(mode="after")
    def _one_size(self) -> Stratum:
        if (self.count is None) == (self.share is None):
            raise ValueError("give exactly one of 'count' or 'share'")
        return self

    def target(self, quota: int) -> int:
        """Conversations wanted from this stratum in a cell with ``quota``."""
        if self.count is not None:
            return self.count
        return int(round(self.share * quota + 1e-9))


class Period(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    from_: dt.date = Field(alias="from")
    to: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.to < self.from_:
            raise ValueError("'to' is before 'from'")
        return self


class Coverage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channels: bool = True  # at least one per agent x channel, as far as the quota allows


class Exclusions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ledger: str | None = None  # CSV of earlier batches (batch_id, conversation_id); appended to
    bot_only: bool = True  # no agent message at all
    min_agent_messages: int = Field(1, ge=0)


class Plan(BaseModel):
    """A sampling plan. ``period`` is ``all``, ``last_week`` or ``{from, to}`` (dates, inclusive)."""

    model_config = ConfigDict(extra="forbid")
    period: Literal["all", "last_week"] | Period = "all"
    unit: Literal["agent_week", "agent_period"] = "agent_week"
    quota: int = Field(5, ge=1)
    coverage: Coverage = Field(default_factory=Coverage)
    strata: list[Stratum] = Field(default_factory=list)
    exclude: Exclusions = Field(default_factory=Exclusions)
    seed: int | None = Field(None, ge=0, le=2**32 - 1)  # numpy's seed range

    @model_validator(mode="after")
    def _unique_strata(self) -> Plan:
        kinds = [s.kind for s in self.strata]
        dupes = sorted({k for k in kinds if kinds.count(k) > 1})
        if dupes:
            raise ValueError(f"stratum listed twice: {', '.join(dupes)}")
        return self


def parse_plan(text: str, source: str = "<plan>") -> tuple[Plan | None, list[Problem]]:
    """Parse plan YAML text; on failure return ``None`` and Problems with file:line:col."""
    doc, problem = parse_yaml(text, source)
    if problem is not None:
        return None, [problem]
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        return None, [Problem(source, "a plan is a mapping (key: value)", 1, 1, code="plan")]
    try:
        return Plan.model_validate(plain(doc)), []
    except ValidationError as err:
        problems, locator = [], Locator(source, marks(doc))
        for e in _relevant(err.errors(), doc):
            loc = tuple(k for k in e["loc"] if not _is_branch(k))
            line, col, _ = locator.position(loc) if loc else (None, None, [])
            problems.append(Problem(source, e["msg"], line, col, field=".".join(map(str, loc)) or None, code="plan"))
        return None, problems


def _is_branch(key) -> bool:
    """Union-branch names pydantic puts into error locations."""
    return isinstance(key, str) and (key.startswith(("literal[", "function-after")) or key == "Period")


def _relevant(errors: list[dict], doc) -> list[dict]:
    """For ``period`` (a word or a mapping) keep only the errors of the branch the user wrote."""
    given = doc.get("period") if isinstance(doc, dict) else None
    wrong = "literal_error" if isinstance(given, dict) else "model_type"
    out = [e for e in errors if not (e["loc"][:1] == ("period",) and e["type"] == wrong)]
    for e in out:
        if e["loc"][:1] == ("period",) and e["type"] == "literal_error":
            e["msg"] = "period is 'all', 'last_week' or a mapping {from: DATE, to: DATE}"
    return out


def load_plan(path: str | Path) -> tuple[Plan | None, list[Problem]]:
    """Read a plan file (UTF-8)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        return None, [Problem(str(path), f"cannot read plan: {err}", code="plan")]
    return parse_plan(text, str(path))


def parse_strata_option(text: str) -> tuple[list[Stratum], list[Problem]]:
    """``complaint,low_csat:2,vip:0.2`` → strata in that order: ``:N`` a count, ``:0.x`` a share
    of the quota, nothing = a count of 1."""
    strata, problems = [], []
    for item in filter(None, (t.strip() for t in text.split(","))):
        kind, _, size = item.partition(":")
        try:
            number = float(size) if size else 1.0
            spec = {"share": number} if "." in size else {"count": int(number)}
            strata.append(Stratum.model_validate({"kind": kind.strip(), **spec}))
        except (ValueError, ValidationError) as err:
            msg = err.errors()[0]["msg"] if isinstance(err, ValidationError) else f"'{size}' is not a number"
            problems.append(Problem("--strata", f"{item}: {msg}", field="strata", code="plan"))
    return strata, problems


def parse_period_option(text: str) -> str | Period:
    """``all``, ``last_week`` or ``FROM..TO`` (ISO dates); ValueError otherwise."""
    if text in ("all", "last_week"):
        return text
    start, sep, end = text.partition("..")
    if not sep:
        raise ValueError("period is 'all', 'last_week' or FROM..TO (e.g. 2026-11-01..2026-11-30)")
    return Period.model_validate({"from": start.strip(), "to": end.strip()})


#: The plan settings a command line may override (``period`` and ``strata`` as text).
OVERRIDES = frozenset({"quota", "period", "unit", "strata", "seed", "min_agent_messages", "ledger"})


def build_plan(plan_path: str | Path | None, **overrides) -> tuple[Plan | None, list[Problem]]:
    """The plan file (or the defaults) with the command-line ``OVERRIDES`` applied (None: not
    given). A ledger named in the plan file is relative to the plan's folder."""
    if unknown := set(overrides) - OVERRIDES:
        raise TypeError(f"build_plan: not a plan override: {', '.join(sorted(unknown))}")
    plan, problems = load_plan(plan_path) if plan_path else (Plan(), [])
    if plan is None:
        return None, problems
    data = plan.model_dump(by_alias=True)
    if plan_path and plan.exclude.ledger and not Path(plan.exclude.ledger).is_absolute():
        data["exclude"]["ledger"] = str(Path(plan_path).parent / plan.exclude.ledger)
    for key in ("quota", "unit", "seed"):
        if overrides.get(key) is not None:
            data[key] = overrides[key]
    if overrides.get("min_agent_messages") is not None:
        data["exclude"]["min_agent_messages"] = overrides["min_agent_messages"]
    if overrides.get("ledger") is not None:
        data["exclude"]["ledger"] = overrides["ledger"]
    if overrides.get("period") is not None:
        try:
            data["period"] = parse_period_option(overrides["period"])
        except (ValueError, ValidationError) as err:
            msg = err.errors()[0]["msg"] if isinstance(err, ValidationError) else str(err)
            return None, [Problem("--period", msg, field="period", code="plan")]
    if overrides.get("strata") is not None:
        strata, problems = parse_strata_option(overrides["strata"])
        if problems:
            return None, problems
        data["strata"] = strata
    try:
        return Plan.model_validate(data), []
    except ValidationError as err:
        return None, [
            Problem(str(plan_path or "<options>"), e["msg"], field=".".join(map(str, e["loc"])), code="plan")
            for e in err.errors()
        ]
