"""The sampling plan: a pydantic model read from YAML (ruamel, YAML 1.2) with errors as
Problems at ``file:line:col``, so a typo in a plan is a message, not a traceback."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from qa_toolkit.problems import Problem

StratumKind = Literal["complaint", "low_csat", "vip", "new_hire", "long_handle", "high_risk", "critical"]
STRATUM_KINDS: tuple[str, ...] = StratumKind.__args__  # type: ignore[attr-defined]


class Filter(BaseModel):
    """Which conversations a stratum (or its backup) matches; parameters not used by ``kind``
    are ignored, defaults follow the QA manuals."""

    model_config = ConfigDict(extra="forbid")
    kind: StratumKind
    tags: list[str] = Field(default_factory=lambda: ["complaint", "投诉"])  # complaint
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
    seed: int | None = None

    @model_validator(mode="after")
    def _unique_strata(self) -> Plan:
        kinds = [s.kind for s in self.strata]
        dupes = sorted({k for k in kinds if kinds.count(k) > 1})
        if dupes:
            raise ValueError(f"stratum listed twice: {', '.join(dupes)}")
        return self


def _locate(node, loc: tuple) -> tuple[int | None, int | None]:
    """Walk ruamel nodes along a pydantic error location; 1-based line/col of the deepest hit."""
    line = col = None
    for key in loc:
        try:
            if isinstance(key, int) and hasattr(node, "lc") and isinstance(node, list):
                line, col = node.lc.item(key)
            elif hasattr(node, "lc") and key in node:
                line, col = node.lc.key(key)
            else:
                break
            node = node[key]
        except (KeyError, IndexError, TypeError):
            break
    return (line + 1 if line is not None else None, col + 1 if col is not None else None)


def parse_plan(text: str, source: str = "<plan>") -> tuple[Plan | None, list[Problem]]:
    """Parse plan YAML text; on failure return ``None`` and Problems with file:line:col."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        doc = YAML(typ="rt").load(text)
    except YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        col = mark.column + 1 if mark is not None else None
        return None, [Problem(source, f"not valid YAML: {getattr(err, 'problem', err)}", line, col, code="yaml")]
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        return None, [Problem(source, "a plan is a mapping (key: value)", 1, 1, code="plan")]
    try:
        return Plan.model_validate(_plain(doc)), []
    except ValidationError as err:
        problems = []
        for e in err.errors():
            loc = tuple(k for k in e["loc"] if not (isinstance(k, str) and k in {"Period", "function-after[_ordered(), Period]"}))
            line, col = _locate(doc, loc)
            field = ".".join(str(k) for k in loc if not str(k).startswith(("literal[", "function-after")))
            problems.append(Problem(source, e["msg"], line, col, field=field or None, code="plan"))
        return None, problems


def _plain(node):
    """ruamel containers → plain dicts/lists (pydantic validates plain data)."""
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def load_plan(path: str | Path) -> tuple[Plan | None, list[Problem]]:
    """Read a plan file (UTF-8)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        return None, [Problem(str(path), f"cannot read plan: {err}", code="plan")]
    return parse_plan(text, str(path))
