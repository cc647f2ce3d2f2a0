"""The HTML report: ``index.html`` (team overview) and ``agents/<id>.html`` (one review page per
agent), rendered with jinja2 from ``templates/`` with autoescape on. Self-contained: inline CSS,
inline SVG charts, no script, a CSP that forbids anything else."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from markupsafe import Markup, escape

from qa_toolkit.atomic import write_text
from qa_toolkit.excel import display_text
from qa_toolkit.metrics import ALL, NO_TEAM
from qa_toolkit.report import charts, view
from qa_toolkit.report.view import ReportInput
from qa_toolkit.resources import templates_dir


def highlight(text, match) -> Markup:
    """``text`` escaped, with each occurrence of ``match`` (any case) wrapped in ``<mark>``."""
    if view.is_missing(text) or not text:
        return Markup("")
    return Markup("").join(
        Markup(f"<mark>{escape(part)}</mark>") if hit else escape(part)  # Markup.format costs 30 times more
        for part, hit in view.match_parts(str(text), match)
    )


def shown(value):
    """What a template prints: text (escaped markup too) with the characters ``display_text``
    replaces — NUL, controls, the bidirectional overrides that make an id look like another."""
    if isinstance(value, Markup):
        return Markup(display_text(str(value)))
    return display_text(value) if isinstance(value, str) else value


def environment():
    """A jinja2 environment over the shipped templates, autoescaping everything and printing
    every value through ``shown``."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(str(templates_dir())),
        bytecode_cache=_compiled_templates(),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=shown,
    )
    env.filters["fmt"] = view.fmt
    env.filters["highlight"] = highlight
    env.filters["missing"] = view.is_missing
    return env


def _compiled_templates():
    """Jinja's cache of compiled templates in this user's own temporary folder (made private and
    checked by jinja; a changed template is compiled again), so that a report does not compile
    its templates on every run (~0.06 s); none where that folder cannot be had safely."""
    from jinja2 import FileSystemBytecodeCache

    try:
        return FileSystemBytecodeCache()
    except (OSError, RuntimeError):  # no temporary folder, or one another user could write to
        return None


def _base_context(rep: ReportInput) -> dict:
    return {
        "t": rep.t,
        "lang": rep.lang,
        "rubric_label": rep.rubric_label,
        "generated": rep.generated,
        "mask": rep.mask,
        "weighted": rep.metrics.weighted,
        "min_graded": rep.metrics.options.min_graded,
    }


def _latest_critical(rep: ReportInput, n: int = 50):
    return view.newest_criticals(view.findings(rep)).head(n)


def _index_context(rep: ReportInput, pages: dict[str, str]) -> dict:
    m, t = rep.metrics, rep.t
    overall = m.teams.set_index("team").loc[ALL]
    trends = m.agent_trend.sort_values("period")
    leaderboard = []
    for a in m.agents.itertuples(index=False):
        values = trends.loc[trends["agent_id"] == a.agent_id, "qa_mean"].tolist()
        leaderboard.append(
            {
                "row": a,
                "page": pages.get(a.agent_id),
                "team": view.team_name(rep, a.team),
                "spark": Markup(charts.sparkline(values, title=f"{a.agent_id} {t['trend']}")),
            }
        )
    teams = [{"name": view.team_name(rep, r.team), "row": r} for r in m.teams.itertuples(index=False)]
    heat = [{"agent": a, "cells": [a[f"section_{s}"] for s in m.sections]} for _, a in m.agents.iterrows()]
    series = view.team_trend(rep)
    return {
        **_base_context(rep),
        "overall": overall,
        "kpis": [(t[k], kind, overall[k]) for k, kind in view.KPIS],
        "leaderboard": leaderboard,
        "teams": teams,
        "sections": [view.section_name(rep, s) for s in m.sections],
        "heat": heat,
        **_histograms(rep, "team", ALL),
        "trend_chart": Markup(
            charts.line_chart(
                [p["period"] for p in series], [(t["all_agents"], [p["value"] for p in series])], title=t["trend"]
            )
        ),
        "findings": view.records(_latest_critical(rep)),
        "agreement": view.agreement_rows(rep),
        "disputes_by_agent": view.dispute_counts(rep, "agent_id"),
        "disputes_by_criterion": view.dispute_counts(rep, "criterion_id"),
        "dispute_states": view.DISPUTE_STATES,
        "agent_names": m.agents.set_index("agent_id")["agent_name"].to_dict(),
        "pages": pages,
    }


def _histograms(rep: ReportInput, level: str, key: str) -> dict[str, Markup]:
    """Score-bin, band and CSAT histograms of one agent or team."""
    t = rep.t
    out = {}
    for name, kind, title in (
        ("score_hist", "score_bin", t["distribution"]),
        ("band_hist", "band", t["band_distribution"]),
        ("csat_hist", "csat", t["csat_distribution"]),
    ):
        pairs = view.distribution(rep, level, key, kind)
        out[name] = Markup(charts.histogram([v for v, _ in pairs], [n for _, n in pairs], title=title))
    return out


def _agent_context(rep: ReportInput, agent_id: str, scripts: dict[str, list[dict]]) -> dict:
    """What an agent's page shows; ``scripts``: the masked transcripts (``view.transcripts``) of
    the exemplars."""
    m, t = rep.metrics, rep.t
    agent = m.agent(agent_id)
    team_key = agent["team"] if agent["team"] != NO_TEAM else ALL
    sections = view.section_rows(rep, agent_id)
    trend = view.trend(rep, agent_id)
    n_found = len(view.part(rep, m.findings, "agent_id", agent_id))
    trend_title = t["trend"] if m.options.period == "week" else t["trend_month"]
    return {
        **_base_context(rep),
        "agent_id": agent_id,
        "agent": agent,
        "team_name": view.team_name(rep, team_key),
        "kpis": view.kpi_rows(rep, agent_id),
        "sections": sections,
        "section_chart": Markup(
            charts.bar_chart(
                [s["name"] for s in sections],
                [s["agent"] for s in sections],
                [s["team"] for s in sections],
                names=(agent["agent_name"], view.team_name(rep, team_key)),
                title=t["sections"],
            )
        )
        if sections
        else "",
        **_histograms(rep, "agent", agent_id),
        "trend": trend,
        "trend_title": trend_title,
        "trend_chart": Markup(
            charts.line_chart(
                [p["period"] for p in trend],
                [
                    (agent["agent_name"], [p["agent"] for p in trend]),
                    (view.team_name(rep, team_key), [p["team"] for p in trend]),
                ],
                title=trend_title,
            )
        )
        if trend
        else "",
        "weakest": view.weakest(rep, agent_id),
        "findings": view.finding_records(rep, agent_id),
        "n_findings": n_found,
        "lost": [(f, _lost_cells(f)) for f in view.lost_records(rep, agent_id)],
        "disputes": view.dispute_counts(rep, "criterion_id", agent_id),
        "dispute_states": view.DISPUTE_STATES,
        "exemplars": [
            {"row": e, "channel": view.masker(rep)(e.channel), "messages": scripts.get(e.conversation_id, [])}
            for e in view.exemplars(rep, agent_id)
        ],
    }


class _LostCells(NamedTuple):
    """What a point lost's row prints besides its plain fields; attributes, not a dict's keys:
    jinja looks ``shown.note`` up as an attribute first, and a dict fails that on every cell."""

    started: str
    points: str
    evidence: object  # Markup with the match marked, or plain text
    note: object
    comment: object
    dispute_note: object
    csat: object
    grader: object


def _lost_cells(f) -> _LostCells:
    """What a point lost's row prints besides its plain fields (start, points, evidence with its
    match marked, notes, CSAT, grader), worked out here: a filter call per cell in the template
    costs more than the rest of the page."""

    def given(value):
        return value if not view.is_missing(value) and value else ""

    return _LostCells(
        started=f.started_at.strftime("%Y-%m-%d %H:%M") if not view.is_missing(f.started_at) else "",
        points=view.fmt(f.points_lost, "score"),
        evidence=highlight(f.evidence_text, f.evidence_match)
        if not view.is_missing(f.evidence_text)
        else (f.evidence_match if not view.is_missing(f.evidence_match) else ""),
        note=given(f.note),
        comment=given(f.comment),
        dispute_note=given(f.dispute_note),
        csat=f.csat if not view.is_missing(f.csat) else "–",
        grader=given(f.grader) if f.source in ("graded", "confirmed", "overturned") else "",
    )


def steps(n_agents: int) -> int:
    """How often ``write_html`` calls ``advance(1)`` for ``n_agents`` agents."""
    return n_agents + 1


def write_html(
    rep: ReportInput, out_dir: str | os.PathLike, advance: Callable[[int], None] = lambda n: None
) -> list[Path]:
    """Write ``index.html`` and ``agents/<id>.html`` atomically, ``advance(1)`` per page; returns the paths."""
    out_dir = Path(out_dir)
    env = environment()
    ids = view.agent_ids(rep)
    pages = {a: f"agents/{stem}.html" for a, stem in view.page_names(ids).items()}
    written = [write_text(out_dir / "index.html", env.get_template("index.html.j2").render(_index_context(rep, pages)))]
    advance(1)
    agent_template = env.get_template("agent.html.j2")
    exemplars = [e.conversation_id for a in ids for e in view.exemplars(rep, a)]
    scripts = view.transcripts(rep, exemplars)  # masked once for every page
    for agent_id in ids:
        page = agent_template.render(_agent_context(rep, agent_id, scripts))
        written.append(write_text(out_dir / pages[agent_id], page))
        advance(1)
    return written
