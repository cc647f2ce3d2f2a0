"""The report stage: metrics, then the Excel and/or HTML report swapped into its folder
(``write_report``), from frames in memory (``qa run``) or a score folder (``report_from_scores``,
``qa report``), human grades applied first when given."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pandas as pd

from qa_toolkit import collector
from qa_toolkit.atomic import staged_folder
from qa_toolkit.frames import RISK, Dataset, conform
from qa_toolkit.metrics import MetricOptions, compute_metrics
from qa_toolkit.problems import InputError, Problem
from qa_toolkit.report import ReportInput, html, xlsx
from qa_toolkit.report.grades import Adjustment, agreement, review_adjustment
from qa_toolkit.report.labels import language_for
from qa_toolkit.report.view import agent_ids, display_name
from qa_toolkit.rubric.loader import require_rubric
from qa_toolkit.rubric.schema import Band, Rubric
from qa_toolkit.runconfig import ReportConfig
from qa_toolkit.sampling import read_manifest
from qa_toolkit.scorefolder import ScoreFolder, open_score_folder
from qa_toolkit.scoring import as_rubrics, bonus_ids, read_risk

#: (description, total) -> context manager yielding advance(n); the CLI passes a progress bar.
Bars = Callable[[str, int], AbstractContextManager[Callable[[int], None]]]
#: What a report writes into its folder: a new report replaces them all (no agent page of the last one stays).
REPORT_OUTPUTS = ("report.xlsx", "index.html", "agents")


@contextmanager
def no_bar(description: str, total: int) -> Iterator[Callable[[int], None]]:
    """The default ``Bars``: no drawing."""
    yield lambda n: None


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


def write_report(
    dataset: Dataset,
    results: pd.DataFrame,
    scores: pd.DataFrame,
    out_dir: str | os.PathLike,
    options: ReportConfig = ReportConfig(),  # noqa: B008 (an immutable pydantic default)
    *,
    rubric=None,
    risk: pd.DataFrame | None = None,
    manifest: pd.DataFrame | None = None,
    adjustments: Sequence[Adjustment] = (),
    bars: Bars = no_bar,
) -> list[Path]:
    """Metrics, then the Excel and/or HTML report in ``out_dir``, swapped in together over the
    last report's files (``REPORT_OUTPUTS``); returns the files written. ``rubric``: one, a list
    (labels and sections from the first; a criterion's name from the first rubric defining it)
    or None (ids shown). ``adjustments`` change (results, scores) in order before any metric:
    human grades (``report.grades``), then whatever else a review step decides. ``bars`` draws
    progress over the pages and sheets."""
    conv = dataset.conversations
    tz = conv["started_at"].dt.tz
    start = pd.Timestamp(options.from_, tz=tz) if options.from_ else None
    end = pd.Timestamp(options.to, tz=tz) + pd.Timedelta(days=1) if options.to else None
    metric_opts = MetricOptions(
        period=options.period,
        min_graded=options.min_graded,
        sla_seconds=options.sla_seconds,
        sla_by_channel=dict(options.sla_by_channel),
        fcr_days=options.fcr_days,
        excellent_min=options.excellent_min,
    )
    started = conv["started_at"]
    in_window = started.notna() if (start is not None or end is not None) else pd.Series(True, index=conv.index)
    if start is not None:
        in_window &= started >= start
    if end is not None:
        in_window &= started < end
    if not in_window.any():
        raise InputError(
            Problem(
                "--from/--to",
                f"no conversations between {options.from_ or 'the start'} and {options.to or 'the end'}",
                code="period",
            )
        )
    rubrics = as_rubrics(rubric) if rubric is not None else []
    rubric = rubrics[0] if rubrics else None
    for adjust in adjustments:
        results, scores = adjust(results, scores)
    sections = list(dict.fromkeys(s.id for r in rubrics for s in r.sections)) if rubrics else None
    if len(rubrics) > 1:
        scores = scores.assign(band=scores["band"].replace(_bands_by_rank(rubrics)))
    metrics = compute_metrics(
        conv[in_window],  # the window applied here once (compute_metrics would apply it alike)
        dataset.messages,
        scores,
        results,
        roster=dataset.roster,
        risk=risk,
        manifest=manifest,
        options=metric_opts,
        sections=sections,
    )
    known = set(metrics.agents["agent_id"])
    unknown = [a for a in options.agents or [] if a not in known]
    if unknown:
        raise InputError(Problem("--agent", f"no conversations for agent(s): {', '.join(unknown)}", code="agent"))
    lang = options.lang or language_for(rubric.language if rubric is not None else None)
    rep = ReportInput(
        metrics=metrics,
        messages=dataset.messages,
        lang=lang,
        mask=options.mask,
        agents=options.agents,
        section_names={s.id: display_name(s, lang) for r in reversed(rubrics) for s in r.sections},
        criterion_names={c.id: display_name(c, lang) for r in reversed(rubrics) for _, c in r.criteria},
        band_names={b.name: display_name(b, lang) for r in reversed(rubrics) for b in r.bands},
        agreement=agreement(rubrics),
        bonus_criteria=frozenset(bonus_ids(rubrics)),
        band_order=[b.name for b in _ranked_bands(rubric)] if rubric is not None else [],
        rubric_label=" + ".join(f"{display_name(r, lang)} ({r.id} v{r.version})" for r in rubrics),
        generated=dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M"),
    )
    written: list[Path] = []
    n = len(agent_ids(rep))
    steps = xlsx.steps(n, options.per_agent_workbooks) * ("xlsx" in options.formats) + html.steps(n) * (
        "html" in options.formats
    )
    with (
        staged_folder(out_dir, REPORT_OUTPUTS) as stage,
        bars("writing the report", steps) as advance,
        collector.paused(),
    ):
        if "xlsx" in options.formats:
            written += xlsx.write_xlsx(rep, stage, per_agent=options.per_agent_workbooks, advance=advance)
        if "html" in options.formats:
            written += html.write_html(rep, stage, advance=advance)
        collector.join_frozen_heap()  # the report is a command's last step: its objects stay until it exits
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


def report_from_scores(
    dataset: Dataset,
    scores: ScoreFolder | str | os.PathLike,
    out_dir: str | os.PathLike,
    options: ReportConfig = ReportConfig(),  # noqa: B008 (an immutable pydantic default)
    *,
    rubric_path: str | os.PathLike | list[str | os.PathLike] | None = None,
    manifest_path: str | os.PathLike | None = None,
    risk_path: str | os.PathLike | None = None,
    bars: Bars = no_bar,
) -> list[Path]:
    """``qa report``: read a score folder (opened, or its path; either layout) and the optional
    sample manifest and risk scores, then ``write_report``."""
    folder = scores if isinstance(scores, ScoreFolder) else open_score_folder(scores)
    with collector.paused():  # a parsed rubric is many small objects, its YAML nodes too
        rubric = _rubric_for_report(rubric_path, folder.info)
    manifest = read_manifest(manifest_path) if manifest_path else None
    risk = conform(read_risk(risk_path), RISK) if risk_path else None
    return write_report(
        dataset,
        folder.results(),
        folder.scores(),
        out_dir,
        options,
        rubric=rubric,
        risk=risk,
        manifest=manifest,
        adjustments=reviews(options.grades, options.disputes, rubric),
        bars=bars,
    )


def reviews(
    grades_path: str | os.PathLike | None, disputes_path: str | os.PathLike | None, rubrics
) -> list[Adjustment]:
    """The grades and dispute decisions of these files as the report's first adjustment (none
    without a path); re-scoring needs the rubrics."""
    if not grades_path and not disputes_path:
        return []
    if not rubrics:
        raise InputError(
            Problem(
                str(grades_path or disputes_path),
                "re-scoring grades and disputes needs the rubric: pass it with --rubric",
                code="grades",
            )
        )
    return [review_adjustment(as_rubrics(rubrics), grades_path, disputes_path)]
