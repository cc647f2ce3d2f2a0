"""The ``qa run`` config file (``run.yaml``): pydantic models of its sections and the loader.
YAML 1.2 (ruamel) validated by pydantic; a bad key is a Problem at ``file:line:col``. Input
paths in a config are relative to the config file, the output folder to the current directory.
``ReportConfig`` doubles as ``qa report``'s options."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from qa_toolkit.io.formats import NAMES
from qa_toolkit.problems import InputError, Problem
from qa_toolkit.resources import sample_data_dir
from qa_toolkit.rubric.loader import Locator
from qa_toolkit.sampling.plan import Plan
from qa_toolkit.yamldoc import marks, parse_yaml, plain


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReadConfig(_Strict):
    """How to read the export (as ``qa data`` options)."""

    format: Literal[NAMES] | None = None  # the input formats (io.formats)
    mapping: str | None = None
    encoding: str | None = None
    tz: str = "Asia/Shanghai"
    strict: bool = False


class RiskConfig(_Strict):
    """Risk scores: apply a trained ``model``, or train one on this data from ``train_label``
    (e.g. ``csat <= 2 or 'complaint' in tags``) and apply it. Neither: no risk stage."""

    model: str | None = None
    train_label: str | None = None
    folds: int = Field(3, ge=2)
    seed: int = Field(0, ge=0, le=2**32 - 1)  # scikit-learn's seed range


class SampleConfig(_Strict):
    """The QA sample: a plan inline or a plan file; the seed makes the draw reproducible."""

    plan: Plan | str | None = None
    seed: int | None = Field(7, ge=0, le=2**32 - 1)  # numpy's seed range


class ReportConfig(_Strict):
    """Report options (as ``qa report`` options)."""

    formats: list[Literal["xlsx", "html"]] = Field(default_factory=lambda: ["xlsx", "html"])
    lang: Literal["zh", "en"] | None = None  # default: the rubric's language
    mask: bool = True
    period: Literal["week", "month", "all"] = "week"
    min_graded: int = Field(5, ge=1)
    sla_seconds: float = Field(180, gt=0)
    sla_by_channel: dict[str, float] = Field(default_factory=dict)
    fcr_days: int = Field(7, ge=1)
    excellent_min: float = Field(90, ge=0, le=100)
    per_agent_workbooks: bool = False
    agents: list[str] | None = None
    grades: str | None = None  # grades.csv of `qa grade import` (qa run: relative to the config file)
    disputes: str | None = None  # disputes.csv of `qa dispute import`/`resolve` (likewise)
    from_: dt.date | None = Field(None, alias="from")
    to: dt.date | None = None


class RunConfig(_Strict):
    """A ``qa run`` config file. ``workers``: processes scoring the conversations (the score
    stage runs on ``engine``'s runner; the score folder is the same for any number)."""

    data: str
    roster: str | None = None
    rubric: str | list[str] | None = None  # one or several (first admitting wins); default: the shipped zh, en
    output: str = "qa_out"
    workers: int = Field(1, ge=1)  # score-stage processes (as `qa score --workers`); same results for any number
    read: ReadConfig = Field(default_factory=ReadConfig)
    risk: RiskConfig = Field(default_factory=RiskConfig)
    sample: SampleConfig = Field(default_factory=SampleConfig)
    report: ReportConfig = Field(default_factory=ReportConfig)


def load_config(path: str | os.PathLike) -> tuple[RunConfig | None, list[Problem]]:
    """Read and validate a run config; problems carry file:line:col."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        return None, [Problem(str(path), f"cannot read config: {err}", code="config")]
    doc, problem = parse_yaml(text, str(path))
    if problem is not None:
        return None, [problem]
    if not isinstance(doc, dict):
        return None, [Problem(str(path), "a run config is a mapping (key: value)", 1, 1, code="config")]
    try:
        return RunConfig.model_validate(plain(doc)), []
    except ValidationError as err:
        loc = Locator(str(path), marks(doc))
        return None, [
            loc.problem(
                [k for k in e["loc"] if not str(k)[:1].isupper() and "[" not in str(k)], e["msg"], code="config"
            )
            for e in err.errors()
        ]


def demo_config() -> tuple[RunConfig, Path]:
    """The shipped example config (``sample_data/run.yaml``) and the folder it is relative to."""
    path = sample_data_dir() / "run.yaml"
    config, problems = load_config(path)
    if config is None:
        raise InputError(problems)
    return config, path.parent
