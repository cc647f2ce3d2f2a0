"""The whole pipeline as a library: data → (optional) risk → score → sample → report, as a
``qa run`` config (``runconfig.RunConfig``) says. ``qa run`` and ``qa demo`` are thin wrappers
over ``run_pipeline``. The data is read whole (the sample and the report need every
conversation); the score stage goes through the runner (``engine.score_dataset``) with
``workers`` processes.

Output layout of a run (each stage readable on its own by the matching command)::

    OUT/score/   results.csv|parquet, scores.csv|parquet, run.json   (as `qa score`)
    OUT/risk/    risk.csv, model.skops + card (when trained)          (as `qa risk`)
    OUT/sample/  manifest.csv, batch.json                             (as `qa sample`)
    OUT/report/  report.xlsx, index.html, agents/                     (as `qa report`)
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from qa_toolkit.atomic import write_frame
from qa_toolkit.engine import FrameSink, Provenance, Scorer, score_dataset
from qa_toolkit.frames import Dataset
from qa_toolkit.io import read_conversations
from qa_toolkit.problems import InputError
from qa_toolkit.reporting import Bars, no_bar, reviews, write_report
from qa_toolkit.risk import load_model, parse_label, risk_frame, save_model, train_and_score
from qa_toolkit.risk.card import write_card
from qa_toolkit.risk.features import conversation_table
from qa_toolkit.rubric.loader import require_rubrics
from qa_toolkit.runconfig import RunConfig
from qa_toolkit.sampling import append_ledger, draw_batch, read_ledger, write_batch
from qa_toolkit.sampling.plan import Plan, load_plan

Progress = Callable[[str, str], None]  # (stage, message)
# conversations scored at a time: a moving progress bar on large inputs (the data is in memory already);
# each chunk costs ~0.15 s of set-up, so 1,000 spent a third of the sample's scoring on it
SCORE_CHUNK = 5000


@dataclass
class RunResult:
    """What a run wrote, per stage, and the counts worth printing."""

    written: dict[str, list[Path]] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=dict)


def _risk_stage(
    config: RunConfig, base: Path, dataset: Dataset, out: Path, progress: Progress, bars: Bars, result: RunResult
) -> pd.DataFrame | None:
    conv, msgs = dataset.conversations, dataset.messages
    if not (config.risk.model or config.risk.train_label):
        return None
    table = conversation_table(conv, msgs)  # once, for training and scoring
    if config.risk.model:
        progress("risk", f"applying {config.risk.model} to {len(conv)} conversations")
        model = load_model(base / config.risk.model)
        risk = risk_frame(model, table, mask=config.report.mask)
        written = []
    else:
        progress(
            "risk",
            f"training on '{config.risk.train_label}' ({config.risk.folds}-fold CV), scoring {len(conv)} conversations",
        )
        with bars("training the risk model", config.risk.folds) as advance:
            model, risk = train_and_score(
                conv,
                msgs,
                parse_label(config.risk.train_label),
                table,
                mask=config.report.mask,
                folds=config.risk.folds,
                seed=config.risk.seed,
                source=config.data,
                progress=lambda fold: advance(1),
            )
        progress("risk", "saving the model and its card")
        written = [save_model(model, out / "model.skops"), *write_card(model.card, out / "model.skops")]
    written.append(write_frame(risk, out / "risk.csv"))
    result.written["risk"] = written
    result.counts["risk_flagged"] = int(risk["risk_flag"].sum())
    return risk


def _score_chunk(conversations: int, workers: int) -> int:
    """Conversations per scoring task: ``SCORE_CHUNK``, fewer when that would leave a worker idle."""
    return max(1, min(SCORE_CHUNK, -(-conversations // workers)))


def _plan(config: RunConfig, base: Path) -> Plan:
    """The sampling plan, inline or from a file; a relative ledger path is resolved against the
    file that names it (the plan file, or the run config)."""
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


def run_pipeline(
    config: RunConfig,
    *,
    base_dir: str | os.PathLike = ".",
    output: str | os.PathLike | None = None,
    progress: Progress = lambda stage, message: None,
    bars: Bars = no_bar,
) -> RunResult:
    """Run every stage of ``config``; input paths relative to ``base_dir``. ``progress`` hears
    of each stage, ``bars`` draws progress within the long ones. Raises InputError (with
    locations) when an input cannot be used."""
    base, out = Path(base_dir), Path(output or config.output)
    result = RunResult()
    named = [config.rubric] if isinstance(config.rubric, str) else config.rubric
    rubrics, rubric_paths = require_rubrics([base / p for p in named] if named else None)
    data_path = base / config.data
    progress("data", f"reading {data_path.name}")
    size = data_path.stat().st_size if data_path.is_file() else 0
    with bars(f"reading {data_path.name}", size) as advance:
        dataset = read_conversations(
            data_path,
            roster=base / config.roster if config.roster else None,
            progress=advance,
            **config.read.model_dump(),
        )
    result.counts.update(
        conversations=len(dataset.conversations),
        messages=len(dataset.messages),
        skipped=dataset.log.records_skipped,
        problems=len(dataset.log.problems),
    )

    risk = _risk_stage(config, base, dataset, out / "risk", progress, bars, result)

    progress(
        "score",
        f"scoring {len(dataset.conversations)} conversations with "
        + ", ".join(f"{r.id} v{r.version}" for r in rubrics),
    )
    mask = config.report.mask
    sink = FrameSink(out / "score", Provenance(rubrics, rubric_paths, data_path, mask))
    with bars("scoring", len(dataset.conversations)) as advance:
        score_dataset(
            dataset,
            Scorer(rubrics, risk, mask),
            sink,
            workers=config.workers,
            chunk_size=_score_chunk(len(dataset.conversations), config.workers),
            progress=advance,
        )
    results, scores = sink.results, sink.scores
    result.written["score"] = sink.written
    result.counts["critical_failures"] = int(scores["critical_failed"].fillna(False).sum())

    progress("sample", "drawing the QA sample")
    plan = _plan(config, base)
    batch = draw_batch(
        dataset.conversations,
        dataset.messages,
        plan,
        seed=config.sample.seed,
        ledger=read_ledger(plan.exclude.ledger) if plan.exclude.ledger else None,
        risk=risk,
        scores=scores,
        roster=dataset.roster,
    )
    result.written["sample"] = [write_batch(batch, out / "sample"), out / "sample" / "batch.json"]
    if plan.exclude.ledger and not batch.info["rerun"]:
        append_ledger(plan.exclude.ledger, batch.manifest)
        result.written["sample"].append(Path(plan.exclude.ledger))
    result.counts["sampled"] = len(batch.manifest)

    progress("report", f"writing {', '.join(config.report.formats)} reports")
    grades = base / config.report.grades if config.report.grades else None
    disputes = base / config.report.disputes if config.report.disputes else None
    result.written["report"] = write_report(
        dataset,
        results,
        scores,
        out / "report",
        config.report,
        rubric=rubrics,
        risk=risk,
        manifest=batch.manifest,
        adjustments=reviews(grades, disputes, rubrics),
        bars=bars,
    )
    return result
