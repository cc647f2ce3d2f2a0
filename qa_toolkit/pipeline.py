"""The whole pipeline as a library: data → (optional) risk → score → sample → report.

``qa run CONFIG.yaml``, ``qa demo`` and ``qa report`` are thin wrappers over ``run_pipeline``
and ``write_report``. A run config is YAML (ruamel, YAML 1.2) validated by pydantic; a bad key
is a Problem at ``file:line:col``. Input paths in a config are relative to the config file,
the output folder to the current directory.

Output layout of a run (each stage readable on its own by the matching command)::

    OUT/score/   results.csv|parquet, scores.csv|parquet, run.json   (as `qa score`)
    OUT/risk/    risk.csv, model.skops + card (when trained)          (as `qa risk`)
    OUT/sample/  manifest.csv, batch.json                             (as `qa sample`)
    OUT/report/  report.xlsx, index.html, agents/                     (as `qa report`)
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from qa_toolkit.atomic import staged_folder
from qa_toolkit.frames import Dataset
from qa_toolkit.problems import InputError, Problem
from qa_toolkit.report.grades import Adjustment, grade_adjustment
from qa_toolkit.rubric.loader import require_rubric, require_rubrics
from qa_toolkit.rubric.schema import Band, Rubric
from qa_toolkit.sampling.plan import Plan
from qa_toolkit.scorefolder import ScoreFolder, open_score_folder, write_score_dir
from qa_toolkit.scoring import as_rubrics
from qa_toolkit.yamldoc import parse_yaml, plain

Progress = Callable[[str, str], None]  # (stage, message)
#: (description, total) -> context manager yielding advance(n); the CLI passes a progress bar.
Bars = Callable[[str, int], AbstractContextManager[Callable[[int], None]]]


@contextmanager
def no_bar(description: str, total: int) -> Iterator[Callable[[int], None]]:
    """The default ``Bars``: no drawing."""
    yield lambda n: None


SCORE_CHUNK = 1000  # conversations scored at a time: bounded memory and a moving progress bar
#: What a report writes into its folder: a new report replaces them all (no agent page of the last one stays).
REPORT_OUTPUTS = ("report.xlsx", "index.html", "agents")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReadConfig(_Strict):
    """How to read the export (as ``qa data`` options)."""

    format: Literal["jsonl", "csv", "xlsx", "parquet"] | None = None
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
    seed: int = 0


class SampleConfig(_Strict):
    """The QA sample: a plan inline or a plan file; the seed makes the draw reproducible."""

    plan: Plan | str | None = None
    seed: int | None = 7


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
    from_: dt.date | None = Field(None, alias="from")
    to: dt.date | None = None


class RunConfig(_Strict):
    """A ``qa run`` config file."""

    data: str
    roster: str | None = None
    rubric: str | list[str] | None = None  # one or several (first admitting wins); default: the shipped zh, en
    output: str = "qa_out"
    read: ReadConfig = Field(default_factory=ReadConfig)
    risk: RiskConfig = Field(default_factory=RiskConfig)
    sample: SampleConfig = Field(default_factory=SampleConfig)
    report: ReportConfig = Field(default_factory=ReportConfig)


def load_config(path: str | os.PathLike) -> tuple[RunConfig | None, list[Problem]]:
    """Read and validate a run config; problems carry file:line:col."""
    from qa_toolkit.rubric.loader import Locator

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
        loc = Locator(str(path), doc)
        return None, [loc.problem([k for k in e["loc"] if not str(k)[:1].isupper() and "[" not in str(k)],
                                  e["msg"], code="config") for e in err.errors()]


@dataclass
class RunResult:
    """What a run wrote, per stage, and the counts worth printing."""

    written: dict[str, list[Path]] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=dict)


def _ranked_bands(rubric: Rubric) -> list[Band]:
    return sorted(rubric.bands, key=lambda b: -b.min)


def _bands_by_rank(rubrics: list[Rubric]) -> dict[str, str]:
    """Other rubrics' band names → the first rubric's band of the same rank (best first), so a
    mixed-language report shows one band scale (excellent → 优秀 …), not two side by side."""
    primary = [b.name for b in _ranked_bands(rubrics[0])]
    mapping: dict[str, str] = {}
    for other in rubrics[1:]:
        for rank, band in enumerate(_ranked_bands(other)):
            mapping.setdefault(band.name, primary[min(rank, len(primary) - 1)])
    return {name: target for name, target in mapping.items() if name not in primary}


def write_report(dataset: Dataset, results: pd.DataFrame, scores: pd.DataFrame, out_dir: str | os.PathLike,
                 options: ReportConfig = ReportConfig(), *, rubric=None, risk: pd.DataFrame | None = None,
                 manifest: pd.DataFrame | None = None, adjustments: Sequence[Adjustment] = (),
                 bars: Bars = no_bar) -> list[Path]:
    """Metrics, then the Excel and/or HTML report in ``out_dir``, swapped in together over the
    last report's files (``REPORT_OUTPUTS``); returns the files written. ``rubric``: one, a list
    (labels and sections from the first; a criterion's name from the first rubric defining it)
    or None (ids shown). ``adjustments`` change (results, scores) in order before any metric:
    human grades (``report.grades``), then whatever else a review step decides. ``bars`` draws
    progress over the pages and sheets."""
    from qa_toolkit.metrics import MetricOptions, compute_metrics
    from qa_toolkit.report import ReportInput
    from qa_toolkit.report.labels import language_for
    from qa_toolkit.report.view import agent_ids
    from qa_toolkit.scoring import bonus_ids

    conv = dataset.conversations
    tz = conv["started_at"].dt.tz
    start = pd.Timestamp(options.from_, tz=tz) if options.from_ else None
    end = pd.Timestamp(options.to, tz=tz) + pd.Timedelta(days=1) if options.to else None
    metric_opts = MetricOptions(period=options.period, min_graded=options.min_graded,
                                sla_seconds=options.sla_seconds, sla_by_channel=dict(options.sla_by_channel),
                                fcr_days=options.fcr_days, excellent_min=options.excellent_min)
    started = conv["started_at"]
    in_window = started.notna() if (start is not None or end is not None) else pd.Series(True, index=conv.index)
    if start is not None:
        in_window &= started >= start
    if end is not None:
        in_window &= started < end
    if not in_window.any():
        raise InputError(Problem("--from/--to", f"no conversations between {options.from_ or 'the start'} and "
                                                f"{options.to or 'the end'}", code="period"))
    rubrics = as_rubrics(rubric) if rubric is not None else []
    rubric = rubrics[0] if rubrics else None
    for adjust in adjustments:
        results, scores = adjust(results, scores)
    sections = list(dict.fromkeys(s.id for r in rubrics for s in r.sections)) if rubrics else None
    if len(rubrics) > 1:
        scores = scores.assign(band=scores["band"].replace(_bands_by_rank(rubrics)))
    metrics = compute_metrics(conv, dataset.messages, scores, results, roster=dataset.roster, risk=risk,
                              manifest=manifest, options=metric_opts, sections=sections, start=start, end=end)
    known = set(metrics.agents["agent_id"])
    unknown = [a for a in options.agents or [] if a not in known]
    if unknown:
        raise InputError(Problem("--agent", f"no conversations for agent(s): {', '.join(unknown)}", code="agent"))
    rep = ReportInput(
        metrics=metrics, messages=dataset.messages,
        lang=options.lang or language_for(rubric.language if rubric is not None else None),
        mask=options.mask, agents=options.agents,
        section_names={s.id: s.name for r in reversed(rubrics) for s in r.sections},
        criterion_names={c.id: c.name for r in reversed(rubrics) for _, c in r.criteria},
        bonus_criteria=frozenset(bonus_ids(rubrics)),
        band_order=[b.name for b in _ranked_bands(rubric)] if rubric is not None else [],
        rubric_label=" + ".join(f"{r.name} ({r.id} v{r.version})" for r in rubrics),
        generated=dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M"),
    )
    written: list[Path] = []
    n = len(agent_ids(rep))  # progress steps: a sheet or page per agent, the saved workbook(s), the index page
    steps = (n + 1 + n * options.per_agent_workbooks) * ("xlsx" in options.formats) + (n + 1) * ("html" in options.formats)
    with staged_folder(out_dir, REPORT_OUTPUTS) as stage, bars("writing the report", steps) as advance:
        if "xlsx" in options.formats:
            from qa_toolkit.report.xlsx import write_xlsx

            written += write_xlsx(rep, stage, per_agent=options.per_agent_workbooks, advance=advance)
        if "html" in options.formats:
            from qa_toolkit.report.html import write_html

            written += write_html(rep, stage, advance=advance)
    return [Path(out_dir) / path.relative_to(stage) for path in written]


def _rubric_for_report(rubric_path: str | os.PathLike | list | None, info: dict):
    """The rubric(s) named explicitly, else the files run.json names (those still there), else
    None: the report then shows section and criterion ids."""
    if rubric_path:
        named = rubric_path if isinstance(rubric_path, list) else [rubric_path]
        for path in named:
            if not Path(path).is_file():
                raise InputError(Problem(str(path), "rubric file not found", code="rubric"))
        return [require_rubric(p) for p in named]
    files = [r.get("file") for r in info.get("rubrics", [])] or [info.get("rubric_file")]
    found = [require_rubric(f) for f in files if f and Path(f).is_file()]
    return found or None


def report_from_scores(dataset: Dataset, scores: ScoreFolder | str | os.PathLike, out_dir: str | os.PathLike,
                       options: ReportConfig = ReportConfig(), *,
                       rubric_path: str | os.PathLike | list[str | os.PathLike] | None = None,
                       manifest_path: str | os.PathLike | None = None,
                       risk_path: str | os.PathLike | None = None, bars: Bars = no_bar) -> list[Path]:
    """``qa report``: read a score folder (opened, or its path; either layout) and the optional
    sample manifest and risk scores, then ``write_report``."""
    from qa_toolkit.frames import RISK, conform
    from qa_toolkit.sampling import read_manifest
    from qa_toolkit.scoring import read_risk

    folder = scores if isinstance(scores, ScoreFolder) else open_score_folder(scores)
    rubric = _rubric_for_report(rubric_path, folder.info)
    manifest = read_manifest(manifest_path) if manifest_path else None
    risk = conform(read_risk(risk_path), RISK) if risk_path else None
    return write_report(dataset, folder.results(), folder.scores(), out_dir, options, rubric=rubric, risk=risk,
                        manifest=manifest, adjustments=_grading(options.grades, rubric), bars=bars)


def _grading(grades_path: str | os.PathLike | None, rubrics) -> list[Adjustment]:
    """The grades of ``grades_path`` as the report's first adjustment (none without a path);
    re-scoring needs the rubrics."""
    if not grades_path:
        return []
    if not rubrics:
        raise InputError(Problem(str(grades_path), "re-scoring grades needs the rubric: pass it with --rubric",
                                 code="grades"))
    return [grade_adjustment(grades_path, as_rubrics(rubrics))]


def _risk_stage(config: RunConfig, base: Path, dataset: Dataset, out: Path, progress: Progress, bars: Bars,
                result: RunResult) -> pd.DataFrame | None:
    from qa_toolkit.atomic import write_frame
    from qa_toolkit.risk import load_model, parse_label, predict_risk, save_model, train_model
    from qa_toolkit.risk.card import write_card

    conv, msgs = dataset.conversations, dataset.messages
    if config.risk.model:
        progress("risk", f"applying {config.risk.model}")
        model = load_model(base / config.risk.model)
        written = []
    elif config.risk.train_label:
        progress("risk", f"training on '{config.risk.train_label}' ({config.risk.folds}-fold CV)")
        with bars("training the risk model", config.risk.folds) as advance:
            model = train_model(conv, msgs, parse_label(config.risk.train_label), folds=config.risk.folds,
                                seed=config.risk.seed, source=config.data, progress=lambda fold: advance(1))
        written = [save_model(model, out / "model.skops"), *write_card(model.card, out / "model.skops")]
    else:
        return None
    risk = predict_risk(model, conv, msgs, mask=config.report.mask)
    written.append(write_frame(risk, out / "risk.csv"))
    result.written["risk"] = written
    result.counts["risk_flagged"] = int(risk["risk_flag"].sum())
    return risk


def _plan(config: RunConfig, base: Path) -> Plan:
    """The sampling plan, inline or from a file; a relative ledger path is resolved against the
    file that names it (the plan file, or the run config)."""
    from qa_toolkit.sampling.plan import load_plan

    plan, plan_base = config.sample.plan, base
    if isinstance(plan, str):
        plan_path = base / plan
        plan, problems = load_plan(plan_path)
        if plan is None:
            raise InputError(problems)
        plan_base = plan_path.parent
    elif not isinstance(plan, Plan):
        plan = Plan()
    if plan.exclude.ledger:
        plan = plan.model_copy(deep=True)
        plan.exclude.ledger = str(plan_base / plan.exclude.ledger)
    return plan


def run_pipeline(config: RunConfig, *, base_dir: str | os.PathLike = ".", output: str | os.PathLike | None = None,
                 progress: Progress = lambda stage, message: None, bars: Bars = no_bar) -> RunResult:
    """Run every stage of ``config``; input paths relative to ``base_dir``. ``progress`` hears
    of each stage, ``bars`` draws progress within the long ones. Raises InputError (with
    locations) when an input cannot be used."""
    from qa_toolkit.io import read_conversations
    from qa_toolkit.sampling import append_ledger, draw_batch, read_ledger, write_batch
    from qa_toolkit.scoring import score_chunks

    base, out = Path(base_dir), Path(output or config.output)
    result = RunResult()
    named = [config.rubric] if isinstance(config.rubric, str) else config.rubric
    rubrics, rubric_paths = require_rubrics([base / p for p in named] if named else None)
    data_path = base / config.data
    progress("data", f"reading {data_path.name}")
    size = data_path.stat().st_size if data_path.is_file() else 0
    with bars(f"reading {data_path.name}", size) as advance:
        dataset = read_conversations(data_path, roster=base / config.roster if config.roster else None,
                                     progress=advance, **config.read.model_dump())
    result.counts.update(conversations=len(dataset.conversations), messages=len(dataset.messages),
                         skipped=dataset.log.records_skipped, problems=len(dataset.log.problems))

    risk = _risk_stage(config, base, dataset, out / "risk", progress, bars, result)

    progress("score", f"scoring {len(dataset.conversations)} conversations with "
                      + ", ".join(f"{r.id} v{r.version}" for r in rubrics))
    with bars("scoring", len(dataset.conversations)) as advance:
        results, scores = score_chunks(dataset.conversations, dataset.messages, rubrics, risk=risk,
                                       chunk_size=SCORE_CHUNK, progress=advance, mask=config.report.mask)
    result.written["score"], _ = write_score_dir(out / "score", results, scores, rubrics, rubric_paths, data_path,
                                                 dataset.log, masked=config.report.mask)
    result.counts["critical_failures"] = int(scores["critical_failed"].fillna(False).sum())

    progress("sample", "drawing the QA sample")
    plan = _plan(config, base)
    batch = draw_batch(dataset.conversations, dataset.messages, plan, seed=config.sample.seed,
                       ledger=read_ledger(plan.exclude.ledger) if plan.exclude.ledger else None, risk=risk,
                       scores=scores, roster=dataset.roster)
    result.written["sample"] = [write_batch(batch, out / "sample"), out / "sample" / "batch.json"]
    if plan.exclude.ledger and not batch.info["rerun"]:
        append_ledger(plan.exclude.ledger, batch.manifest)
        result.written["sample"].append(Path(plan.exclude.ledger))
    result.counts["sampled"] = len(batch.manifest)

    progress("report", f"writing {', '.join(config.report.formats)} reports")
    grades = base / config.report.grades if config.report.grades else None
    result.written["report"] = write_report(dataset, results, scores, out / "report", config.report,
                                            rubric=rubrics, risk=risk, manifest=batch.manifest,
                                            adjustments=_grading(grades, rubrics), bars=bars)
    return result


def demo_config() -> tuple[RunConfig, Path]:
    """The shipped example config (``sample_data/run.yaml``) and the folder it is relative to."""
    from qa_toolkit.resources import sample_data_dir

    path = sample_data_dir() / "run.yaml"
    config, problems = load_config(path)
    if config is None:
        raise InputError(problems)
    return config, path.parent
