"""The Excel report (openpyxl): a team summary sheet, one sheet per agent and a conversations
sheet, with native charts, conditional formatting, frozen headers and filters.

Every cell goes through ``qa_toolkit.excel.write_cell`` so customer text never becomes a
formula; customer text is masked unless the report input says otherwise."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.formatting.rule import CellIsRule, ColorScaleRule, DataBarRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from qa_toolkit.atomic import atomic_path
from qa_toolkit.excel import display_text, styled, write_cell
from qa_toolkit.metrics import ALL, NO_TEAM
from qa_toolkit.report import view
from qa_toolkit.report.view import EXCEL_FORMATS, ReportInput

HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
TITLE_FONT = Font(bold=True, size=14)
HEADING_FONT = Font(bold=True, size=12, color="1F4E79")
BOLD = Font(bold=True)
HEADER_ALIGN = Alignment(wrap_text=True, vertical="center")
TOP = Alignment(vertical="top")
WRAPPED = Alignment(wrap_text=True, vertical="top")
MATCH_FONT = InlineFont(b=True, color="C00000")  # a rule's match inside evidence text
BAD_FILL = PatternFill("solid", fgColor="F8CBAD")
SHADOW_FONT = Font(italic=True, color="7F7F7F")  # a shadow criterion: shown, not counted
GOOD_FILL = PatternFill("solid", fgColor="C6EFCE")
THIN = Border(bottom=Side(style="thin", color="999999"))
DATE_FORMAT = "yyyy-mm-dd hh:mm"
DURATION = EXCEL_FORMATS["seconds"]  # [m]:ss
MAX_WIDTH = 60
EVIDENCE_WIDTH = 50
AGENT_COLOUR, TEAM_COLOUR = "2F6DB5", "A6B4C8"  # as the HTML charts
CHART_TOP, CHART_ROWS = 4, 16
LOST_COLUMNS = 8  # the agent sheet's widest table (points lost): its print area  # charts sit right of the agent tables, each about 16 rows high


class _Sheet:
    """A worksheet plus the widest text seen per column, to size columns for CJK text."""

    SIZE_ROWS = 300

    def __init__(self, ws: Worksheet):
        self.ws = ws
        self.widths: dict[int, int] = {}

    def style(self, cell, **attrs) -> None:
        """Set style attributes (font=, alignment=, number_format=, style=, …) on ``cell``."""
        styled(cell, **attrs)

    def put(self, row: int, col: int, value, number_format: str | None = None, font: Font | None = None):
        cell = write_cell(self.ws, row, col, value)
        attrs = {"number_format": number_format} if number_format and not isinstance(cell.value, str) else {}
        if font:
            attrs["font"] = font
        if attrs:
            self.style(cell, **attrs)
        if row > self.SIZE_ROWS:  # widths from the first rows are enough, and cheaper
            return cell
        shown = cell.value
        text = (
            shown.split("\n")[0]
            if isinstance(shown, str)
            else (
                "0000-00-00 00:00"
                if hasattr(shown, "year")
                else f"{shown:.2f}"
                if isinstance(shown, float)
                else str(shown or "")
            )
        )
        self.widths[col] = max(self.widths.get(col, 6), min(view.display_width(text) + 2, MAX_WIDTH))
        return cell

    def heading(self, row: int, text: str) -> int:
        self.put(row, 1, text, font=HEADING_FONT)
        return row + 1

    def table(
        self,
        row: int,
        headers: Sequence[str],
        rows: Sequence[Sequence],
        formats: Sequence[str | None] = (),
        col: int = 1,
    ) -> int:
        """Header + rows from ``row``; returns the first free row after a blank line."""
        for j, h in enumerate(headers):
            c = self.put(row, col + j, h, font=BOLD)
            self.style(c, fill=HEADER_FILL, border=THIN, alignment=HEADER_ALIGN)
        for i, values in enumerate(rows, start=1):
            for j, v in enumerate(values):
                fmt = formats[j] if j < len(formats) else None
                self.put(row + i, col + j, v, number_format=fmt)
        return row + len(rows) + 2

    def fit_columns(self, fixed: dict[int, int] | None = None) -> None:
        for col, width in {**self.widths, **(fixed or {})}.items():
            self.ws.column_dimensions[get_column_letter(col)].width = width


def _num(v):
    return None if view.is_missing(v) else float(v)


def _dur(v):
    """Seconds as an Excel duration (a fraction of a day), shown m:ss by ``DURATION``."""
    return None if view.is_missing(v) else float(v) / 86400


def _diff(kpi: dict):
    """A KPI's difference to the team: a number, except a duration's, as signed m:ss text (Excel
    cannot show a negative time)."""
    if kpi["kind"] != "seconds" or kpi["diff"] is None:
        return kpi["diff"]
    return ("+" if kpi["diff"] > 0 else "") + view.duration(kpi["diff"])


def _value(v, kind: str):
    """A KPI value as the cell holds it: durations as fractions of a day, other numbers as floats."""
    return _dur(v) if kind == "seconds" else _num(v)


def _sheet_title(wb: Workbook, text: str) -> str:
    title = re.sub(r"[\[\]:*?/\\']", "_", display_text(text))[:31] or "sheet"
    base, n = title, 1
    while title in wb.sheetnames:
        n += 1
        title = f"{base[:27]}~{n}"
    return title


def _summary_sheet(rep: ReportInput, sheet: _Sheet) -> None:
    t, m = rep.t, rep.metrics
    ws = sheet.ws
    sheet.put(1, 1, t["team_report"], font=TITLE_FONT)
    sheet.put(
        2,
        1,
        f"{t['rubric']}: {rep.rubric_label}   {t['generated']}: {rep.generated}   "
        f"{t['masked_note'] if rep.mask else t['unmasked_note']}" + (f"   {t['weighted_note']}" if m.weighted else ""),
    )
    row = sheet.heading(4, t["leaderboard"])
    header_row = row
    cols = [
        ("rank", None),
        ("agent_id", None),
        ("agent", None),
        ("team", None),
        ("n_graded", "0"),
        ("qa_mean", "0.0"),
        ("ci_low", "0.0"),
        ("ci_high", "0.0"),
        ("critical_failures", "0"),
        ("sla_rate", "0.0%"),
        ("frt_mean_s", DURATION),
        ("csat_mean", "0.00"),
        ("complaint_rate", "0.0%"),
        ("fcr_rate", "0.0%"),
        ("risk_flags", "0"),
        ("auto_mean", "0.0"),
        ("n_human", "0"),
        ("n_auto_only", "0"),
        ("n_review", "0"),
    ]
    rows = []
    for a in m.agents.itertuples(index=False):
        rank = int(a.rank) if a.enough_data else t["not_enough_data"]
        rows.append(
            [
                rank,
                a.agent_id,
                a.agent_name,
                view.team_name(rep, a.team),
                a.n_graded,
                _num(a.qa_mean),
                _num(a.ci_low),
                _num(a.ci_high),
                a.critical_failures,
                _num(a.sla_rate),
                _dur(a.frt_mean_s),
                _num(a.csat_mean),
                _num(a.complaint_rate),
                _num(a.fcr_rate),
                a.risk_flags,
                _num(a.auto_mean),
                a.n_human,
                a.n_auto_only,
                a.n_review,
            ]
        )
    next_row = sheet.table(row, [t.get(k, k) for k, _ in cols], rows, [f for _, f in cols])
    last = header_row + len(rows)
    for r in range(header_row + 1, last + 1):
        ws.cell(row=r, column=1).alignment = Alignment(horizontal="center")
    if rows:
        ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(cols))}{last}"
        ws.conditional_formatting.add(
            f"F{header_row + 1}:F{last}",
            ColorScaleRule(
                start_type="num",
                start_value=60,
                start_color="F8696B",
                mid_type="num",
                mid_value=80,
                mid_color="FFEB84",
                end_type="num",
                end_value=100,
                end_color="63BE7B",
            ),
        )
        ws.conditional_formatting.add(
            f"I{header_row + 1}:I{last}", CellIsRule(operator="greaterThan", formula=["0"], fill=BAD_FILL)
        )
        ws.conditional_formatting.add(
            f"J{header_row + 1}:J{last}",
            DataBarRule(start_type="num", start_value=0, end_type="num", end_value=1, color="5B9BD5"),
        )
    ws.freeze_panes = ws.cell(row=header_row + 1, column=4)

    row = sheet.heading(next_row, t["team_averages"])
    team_cols = [
        ("team", None),
        ("n_conversations", "0"),
        ("n_graded", "0"),
        ("qa_mean", "0.0"),
        ("critical_failures", "0"),
        ("sla_rate", "0.0%"),
        ("frt_mean_s", DURATION),
        ("art_mean_s", DURATION),
        ("handle_mean_s", DURATION),
        ("csat_mean", "0.00"),
        ("complaint_rate", "0.0%"),
        ("escalation_rate", "0.0%"),
        ("fcr_rate", "0.0%"),
        ("transfer_rate", "0.0%"),
        ("risk_flags", "0"),
    ]
    team_rows = [
        [view.team_name(rep, r["team"])]
        + [r[k] if f == "0" else _dur(r[k]) if f == DURATION else _num(r[k]) for k, f in team_cols[1:]]
        for _, r in m.teams.iterrows()
    ]
    row = sheet.table(row, [t.get(k, k) for k, _ in team_cols], team_rows, [f for _, f in team_cols])

    if m.sections:
        ws.row_breaks.append(Break(id=row - 1))  # printed: the heat map starts a page, its header on it
        row = sheet.heading(row, t["heatmap"])
        heads = [t["agent_id"], t["agent"]] + [view.section_name(rep, s) for s in m.sections]
        data = [
            [a["agent_id"], a["agent_name"]] + [_num(a[f"section_{s}"]) for s in m.sections]
            for _, a in m.agents.iterrows()
        ]
        row = sheet.table(row, heads, data, [None, None] + ["0.0"] * len(m.sections))
        if data:
            rng = f"C{row + 1}:{get_column_letter(2 + len(m.sections))}{row + len(data)}"
            ws.conditional_formatting.add(
                rng,
                ColorScaleRule(
                    start_type="num",
                    start_value=50,
                    start_color="F8696B",
                    mid_type="num",
                    mid_value=80,
                    mid_color="FFEB84",
                    end_type="num",
                    end_value=100,
                    end_color="63BE7B",
                ),
            )
    sheet.fit_columns({1: 14})  # column A: ranks, team names and agent ids, not the long title lines


def _trust_sheet(rep: ReportInput, sheet: _Sheet) -> None:
    """How far each point can be trusted: every criterion's status and measured agreement with
    the graders, then the disputes per agent and per criterion."""
    t = rep.t
    row = _agreement_table(rep, sheet, 1)
    for by, title, first in (
        ("agent_id", "disputes", t["agent"]),
        ("criterion_id", "disputes_by_criterion", t["criterion"]),
    ):
        counts = view.dispute_counts(rep, by)
        row = sheet.heading(row, t[title])
        if not counts:
            sheet.put(row, 1, t["none"])
            row += 2
            continue
        row = sheet.table(row, *_dispute_table(rep, counts, first))
    sheet.fit_columns({1: 30})


def _agreement_table(rep: ReportInput, sheet: _Sheet, row: int) -> int:
    """Each criterion's status and measured agreement with the graders; returns the next row."""
    t, ws = rep.t, sheet.ws
    rows = view.agreement_rows(rep)
    if not rows:
        return row
    row = sheet.heading(row, t["agreement"])
    sheet.put(row, 1, t["agreement_note"])
    start = row + 2
    row = sheet.table(
        row + 1,
        [t["section"], t["criterion"], t["status"], t["n_compared"], t["kappa"], t["measured"]],
        [[r["section"], r["name"], r["status_label"], r["n"], r["kappa"], r["measured"]] for r in rows],
        [None, None, None, "0", "0.00"],
    )
    for i, r in enumerate(rows):
        if r["status"] == "shadow":
            for col in range(1, 7):
                sheet.style(ws.cell(row=start + i, column=col), font=SHADOW_FONT)
    return row


def _colour(chart) -> None:
    """Agent in blue, team in grey, as on the HTML pages."""
    for series, colour in zip(chart.series, (AGENT_COLOUR, TEAM_COLOUR)):
        series.graphicalProperties.solidFill = colour
        series.graphicalProperties.line.solidFill = colour


def _link(sheet: _Sheet, cell, sheet_title: str, row: int) -> None:
    cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{sheet_title}'!A{row}", display=str(cell.value))
    sheet.style(cell, style="Hyperlink")


def _agent_sheet(
    rep: ReportInput, sheet: _Sheet, agent_id: str, conv_sheet: str | None, conv_rows: dict[str, int]
) -> None:
    t, m = rep.t, rep.metrics
    ws = sheet.ws
    agent = m.agent(agent_id)
    team_label = view.team_name(rep, agent["team"] if agent["team"] != NO_TEAM else ALL)  # the team compared with
    sheet.put(1, 1, f"{t['agent_report']}: {agent['agent_name']} ({agent_id})", font=TITLE_FONT)
    rank = int(agent["rank"]) if agent["enough_data"] else t["not_enough_data"]
    ci = f"{agent['ci_low']:.1f} – {agent['ci_high']:.1f}" if not view.is_missing(agent["ci_low"]) else "–"
    sheet.put(
        2, 1, f"{t['team']}: {team_label}   {t['rank']}: {rank}   {t['ci']}: {ci}   {t['rubric']}: {rep.rubric_label}"
    )

    row = sheet.heading(4, t["kpis"])
    kpis = view.kpi_rows(rep, agent_id)
    kpi_start = row + 1
    row = sheet.table(
        row,
        [t["kpi"], t["value"], t["team_value"], t["diff"]],
        [[k["label"], _value(k["agent"], k["kind"]), _value(k["team"], k["kind"]), _diff(k)] for k in kpis],
    )
    for i, k in enumerate(kpis):
        fmt = EXCEL_FORMATS[k["kind"]]
        for col in (2, 3, 4):
            ws.cell(row=kpi_start + i, column=col).number_format = fmt
        if k["better"] is not None:
            ws.cell(row=kpi_start + i, column=4).fill = GOOD_FILL if k["better"] else BAD_FILL

    sections = view.section_rows(rep, agent_id)
    sec_head = row
    row = sheet.heading(row, t["sections"])
    row = sheet.table(
        row,
        [t["section"], t["value"], t["team_value"]],
        [[s["name"], _num(s["agent"]), _num(s["team"])] for s in sections],
        [None, "0.0", "0.0"],
    )
    if sections:
        chart = BarChart()
        chart.type, chart.style, chart.title = "bar", 10, t["sections"]
        chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 100
        chart.y_axis.title = t["total"]
        data = Reference(ws, min_col=2, max_col=3, min_row=sec_head + 1, max_row=sec_head + 1 + len(sections))
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=sec_head + 2, max_row=sec_head + 1 + len(sections)))
        chart.height, chart.width = 7.5, 15
        _colour(chart)
        ws.add_chart(chart, f"E{CHART_TOP}")

    trend = view.trend(rep, agent_id)
    trend_head = row
    row = sheet.heading(row, t["trend"] if m.options.period == "week" else t["trend_month"])
    row = sheet.table(
        row,
        [t["period"], t["value"], t["team_value"], t["n_graded"]],
        [[p["period"], _num(p["agent"]), _num(p["team"]), p["n_graded"]] for p in trend],
        [None, "0.0", "0.0", "0"],
    )
    if trend:
        line = LineChart()
        line.title, line.style = t["trend"] if m.options.period == "week" else t["trend_month"], 12
        line.y_axis.scaling.min, line.y_axis.scaling.max = 0, 100
        line.add_data(
            Reference(ws, min_col=2, max_col=3, min_row=trend_head + 1, max_row=trend_head + 1 + len(trend)),
            titles_from_data=True,
        )
        line.set_categories(Reference(ws, min_col=1, min_row=trend_head + 2, max_row=trend_head + 1 + len(trend)))
        for series in line.series:
            series.smooth = False
        _colour(line)
        line.height, line.width = 7.5, 15
        ws.add_chart(line, f"E{CHART_TOP + CHART_ROWS}")

    team_key = agent["team"] if agent["team"] != NO_TEAM else ALL
    mine, theirs = (
        view.distribution(rep, "agent", agent_id, "band"),
        dict(view.distribution(rep, "team", team_key, "band")),
    )
    if mine:
        row = sheet.heading(row, t["band_distribution"])
        row = sheet.table(
            row,
            [t["band"], t["value"], t["team_value"]],
            [[band, n, theirs.get(band, 0)] for band, n in mine],
            [None, "0", "0"],
        )

    row = max(row, CHART_TOP + 2 * CHART_ROWS + 1)  # the tables below use the columns the charts sit on
    row = sheet.heading(row, t["weakest"])
    weak = view.weakest(rep, agent_id)
    # column E is the wide text column of this sheet (evidence), so the section name goes there
    row = sheet.table(
        row,
        [t["criterion"], t["pass_rate"], t["team_pass_rate"], t["gap"], t["section"], t["n_fail"]],
        [
            [w.criterion_name, _num(w.pass_rate), _num(w.team_pass_rate), _num(w.gap), w.section_name, w.n_fail]
            for w in weak.itertuples()
        ],
        [None, "0.0%", "0.0%", "+0.0%;-0.0%", None, "0"],
    )

    found = view.findings(rep, agent_id, limit=view.MAX_FINDINGS)
    n_found = int((m.findings["agent_id"] == agent_id).sum())
    row = sheet.heading(row, t["findings"] + (f" ({len(found)} / {n_found})" if n_found > len(found) else ""))
    start = row + 1
    row = sheet.table(
        row,
        [t["started_at"], t["conversation"], t["kind"], t["criterion"], t["evidence"], t["note"]],
        [
            [f.started_at, f.conversation_id, f.kind_label, f.criterion_name, *_evidence_note(f)]
            for f in found.itertuples()
        ],
        [DATE_FORMAT],
    )
    _link_ids(sheet, start, len(found), found["conversation_id"], conv_sheet, conv_rows)
    for i in range(len(found)):  # wrapped evidence: give the row the height its text needs
        text = str(ws.cell(row=start + i, column=5).value or "")
        ws.row_dimensions[start + i].height = 15 * max(1, -(-view.display_width(text) // (EVIDENCE_WIDTH - 4)))
        for col in range(1, 7):
            sheet.style(ws.cell(row=start + i, column=col), alignment=WRAPPED if col >= 5 else TOP)

    disputes = view.dispute_counts(rep, "criterion_id", agent_id)
    if disputes:
        row = sheet.heading(row, t["disputes_by_criterion"])
        row = sheet.table(row, *_dispute_table(rep, disputes, t["criterion"]))

    row = sheet.heading(row, t["exemplars"])
    ex = view.exemplars(rep, agent_id)
    start = row + 1
    row = sheet.table(
        row,
        [t["started_at"], t["conversation"], t["total"], t["band"], t["channel"]],
        [
            [e.started_at, e.conversation_id, _num(e.total), view.band_name(rep, e.band), e.channel]
            for e in ex.itertuples()
        ],
        [DATE_FORMAT, None, "0.0"],
    )
    _link_ids(sheet, start, len(ex), ex["conversation_id"], conv_sheet, conv_rows)
    # printed: the overview above on one or two pages; the points lost print from their own sheet
    ws.print_area = f"A1:{get_column_letter(LOST_COLUMNS)}{row - 2}"
    _lost_table(rep, sheet, row, agent_id, conv_sheet, conv_rows)
    sheet.fit_columns({1: 24, 5: EVIDENCE_WIDTH})
    for r in ws.iter_rows(min_col=5, max_col=5):
        sheet.style(r[0], alignment=WRAPPED)


def _dispute_table(rep: ReportInput, rows: list[dict], first: str) -> tuple[list[str], list[list], list[str | None]]:
    """Headers, rows and formats of a dispute count table (``view.dispute_counts``), ``first``
    heading the name column."""
    t = rep.t
    return (
        [first, t["filed"], *(t[state] for state in view.DISPUTE_STATES)],
        [[r["name"], r["filed"], *(r[state] for state in view.DISPUTE_STATES)] for r in rows],
        [None] + ["0"] * (1 + len(view.DISPUTE_STATES)),
    )


def _lost_table(
    rep: ReportInput, sheet: _Sheet, row: int, agent_id: str, conv_sheet: str | None, conv_rows: dict[str, int]
) -> int:
    """Every point the agent lost, under a heading (printed from the points-lost sheet); returns the next row."""
    t = rep.t
    lost = view.lost_points(rep, agent_id)
    row = sheet.heading(row, f"{t['lost']} ({len(lost)})")
    return _write_lost(rep, sheet, row, lost, conv_sheet, conv_rows)


def _write_lost(
    rep: ReportInput,
    sheet: _Sheet,
    row: int,
    lost,
    conv_sheet: str | None,
    conv_rows: dict[str, int],
    agent_names: dict[str, str] | None = None,
) -> int:
    """Points lost from ``row``: the evidence with its match in red bold, who decided each point
    and its dispute; with ``agent_names`` the agent's id and name first. Returns the next row."""
    t, ws = rep.t, sheet.ws
    lead = 2 if agent_names is not None else 0
    start = row + 1
    rows = []
    for f in view.records(lost):
        notes = [str(v) for v in (f.note, f.comment) if not view.is_missing(v) and v]
        if not view.is_missing(f.dispute_note) and f.dispute_note:
            notes.append(f"{t['disputes_agent']}: {f.dispute_note}")
        who = [f.agent_id, agent_names.get(f.agent_id, f.agent_id)] if agent_names is not None else []
        rows.append(
            [
                *who,
                f.started_at,
                f.conversation_id,
                f.criterion_name + (f" [{t['kind_critical']}]" if f.critical else ""),
                _num(f.points_lost),
                f.evidence_text if not view.is_missing(f.evidence_text) else f.evidence_match,
                _num(f.csat),
                f.state_label,
                "\n".join(notes),
            ]
        )
    heads = [t["agent_id"], t["agent"]] if agent_names is not None else []
    row = sheet.table(
        row,
        heads
        + [
            t["started_at"],
            t["conversation"],
            t["criterion"],
            t["points_lost"],
            t["evidence"],
            t["csat"],
            t["source"],
            t["note"],
        ],
        rows,
        [None] * lead + [DATE_FORMAT, None, None, "0.0", None, "0"],
    )
    if conv_sheet is not None:
        for i, cid in enumerate(lost["conversation_id"]):
            if cid in conv_rows:
                _link(sheet, ws.cell(row=start + i, column=lead + 2), conv_sheet, conv_rows[cid])
    evidence = lead + 5
    for i, f in enumerate(view.records(lost)):
        cell = ws.cell(row=start + i, column=evidence)
        if isinstance(cell.value, str) and not view.is_missing(f.evidence_text):
            highlight(cell, cell.value, f.evidence_match)
        text = cell.value if isinstance(cell.value, str) else str(cell.value or "")
        ws.row_dimensions[start + i].height = 15 * max(1, -(-view.display_width(text) // (EVIDENCE_WIDTH - 4)))
        for col in range(1, lead + 9):
            sheet.style(ws.cell(row=start + i, column=col), alignment=WRAPPED if col in (evidence, lead + 8) else TOP)
    return row


def _lost_sheet(
    rep: ReportInput, sheet: _Sheet, agents: Sequence[str], conv_sheet: str, conv_rows: dict[str, int]
) -> None:
    """Every point lost by ``agents``, one block per agent starting a printed page, the header row
    repeated on each page."""
    ws = sheet.ws
    frames = [view.lost_points(rep, a) for a in agents]
    lost = pd.concat(frames, ignore_index=True) if frames else view.lost_points(rep, "")
    names = rep.metrics.agents.set_index("agent_id")["agent_name"].to_dict()
    _write_lost(rep, sheet, 1, lost, conv_sheet, conv_rows, agent_names=names)
    at = 2
    for part in frames[:-1]:
        at += len(part)
        if len(part):
            ws.row_breaks.append(Break(id=at - 1))
    last = max(len(lost) + 1, 2)
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = f"A1:{get_column_letter(LOST_COLUMNS + 2)}{last}"
    ws.print_title_rows = "1:1"
    ws.print_area = f"A1:{get_column_letter(LOST_COLUMNS + 2)}{last}"
    sheet.fit_columns({3: 17, 7: EVIDENCE_WIDTH, 10: 36})


def highlight(cell, text: str, match) -> None:
    """The cell's text as rich text with each occurrence of ``match`` (any case) in red bold."""
    parts = view.match_parts(text, match)
    if not any(hit for _, hit in parts):
        return
    cell.value = CellRichText(*(TextBlock(MATCH_FONT, part) if hit else part for part, hit in parts))


def _evidence_note(f) -> tuple[str, str]:
    """Evidence text (else the match / risk reasons) and the note (else the match)."""
    text, match, note = (None if view.is_missing(v) else str(v) for v in (f.evidence_text, f.evidence_match, f.note))
    if text is None:
        return match or "", note or ""
    return text, note or match or ""


def _link_ids(sheet: _Sheet, start: int, n: int, ids, conv_sheet: str | None, conv_rows: dict[str, int]) -> None:
    if conv_sheet is None:
        return
    for i, cid in enumerate(ids):
        if cid in conv_rows:
            _link(sheet, sheet.ws.cell(row=start + i, column=2), conv_sheet, conv_rows[cid])


CONV_COLUMNS = (
    ("conversation_id", None),
    ("agent_id", None),
    ("agent_name", None),
    ("team", None),
    ("channel", None),
    ("started_at", DATE_FORMAT),
    ("period", None),
    ("total", "0.0"),
    ("band", None),
    ("critical_criteria", None),
    ("csat", "0"),
    ("frt_s", DURATION),
    ("handle_s", DURATION),
    ("complaint", None),
    ("escalated", None),
    ("risk_score", "0.00"),
    ("sampled", None),
    ("stratum", None),
)


def _conversations_sheet(rep: ReportInput, sheet: _Sheet, s) -> dict[str, int]:
    """One row per listed session with its masked transcript; returns id -> row."""
    t = rep.t
    texts = view.transcripts(rep, s["conversation_id"].tolist())
    mask = view.masker(rep)
    headers = [t.get(k, k if k != "agent_name" else t["agent"]) for k, _ in CONV_COLUMNS] + [t["transcript"]]
    rows = []
    for r in view.records(s):
        values = []
        for key, _ in CONV_COLUMNS:
            v = getattr(r, key)
            if key == "team":
                v = view.team_name(rep, v)
            elif key in ("channel", "stratum") and isinstance(v, str):  # data text: a phone number can sit there
                v = mask(v)
            elif key in ("frt_s", "handle_s"):
                v = _dur(v)
            elif key == "band":
                v = view.band_name(rep, v)
            elif isinstance(v, bool) or key in ("complaint", "escalated", "sampled"):
                v = "" if view.is_missing(v) else (t["yes"] if v else t["no"])
            values.append(v)
        rows.append(values + [view.transcript_text(texts[r.conversation_id])])
    sheet.table(1, headers, rows, [f for _, f in CONV_COLUMNS])
    ws = sheet.ws
    last_col = get_column_letter(len(headers))
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:{last_col}{max(len(rows) + 1, 2)}"
    ws.print_title_rows = "1:1"  # printed: the header on every page, and the table without transcripts
    ws.print_area = f"A1:{get_column_letter(len(headers) - 1)}{max(len(rows) + 1, 2)}"
    sheet.fit_columns({6: 18, len(headers): 80})
    for r in ws.iter_rows(min_row=2, min_col=len(headers), max_col=len(headers)):
        sheet.style(r[0], alignment=TOP)
    return {cid: i + 2 for i, cid in enumerate(s["conversation_id"])}


def build_workbook(
    rep: ReportInput,
    agents: Sequence[str] | None = None,
    summary: bool = True,
    advance: Callable[[int], None] = lambda n: None,
) -> Workbook:
    """The workbook for ``agents`` (default: every agent the input selects); ``advance(1)`` after
    each agent sheet."""
    t = rep.t
    ids = list(agents) if agents is not None else view.agent_ids(rep)
    listed, n_all = view.listed_sessions(rep, ids)
    wb = Workbook()
    first = wb.active
    if summary:
        first.title = _sheet_title(wb, t["summary_sheet"])
        _summary_sheet(rep, _Sheet(first))
        if len(listed) < n_all:
            write_cell(first, 3, 1, t["listed_note"].format(shown=len(listed), total=n_all))
        _trust_sheet(rep, _Sheet(wb.create_sheet(_sheet_title(wb, t["trust_sheet"]))))
    agent_sheets = []
    for agent_id in ids:
        name = rep.metrics.agent(agent_id)["agent_name"]
        title = _sheet_title(wb, agent_id if name == agent_id else f"{agent_id} {name}")
        ws = first if not summary and not agent_sheets else wb.create_sheet(title)
        ws.title = title
        agent_sheets.append((agent_id, ws))
    lost_ws = wb.create_sheet(_sheet_title(wb, t["lost_sheet"]))
    conv_ws = wb.create_sheet(_sheet_title(wb, t["conversations_sheet"]))
    conv_rows = _conversations_sheet(rep, _Sheet(conv_ws), listed)
    _lost_sheet(rep, _Sheet(lost_ws), ids, conv_ws.title, conv_rows)
    for agent_id, ws in agent_sheets:
        _agent_sheet(rep, _Sheet(ws), agent_id, conv_ws.title, conv_rows)
        advance(1)
    for ws in wb.worksheets:
        _print_setup(ws, pages=2 if ws in {sheet for _, sheet in agent_sheets} else 0)
    return wb


def _print_setup(ws: Worksheet, pages: int) -> None:
    """A4 landscape, fit to the page width and to ``pages`` pages high (0: as many as it takes),
    centred, with the sheet name and page number in the footer."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, pages
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.oddFooter.center.text = "&A · &P / &N"


def write_xlsx(
    rep: ReportInput,
    out_dir: str | os.PathLike,
    per_agent: bool = False,
    advance: Callable[[int], None] = lambda n: None,
) -> list[Path]:
    """Write ``report.xlsx`` (and with ``per_agent`` one ``agent-<id>.xlsx`` each) atomically;
    ``advance(1)`` per sheet or workbook written, for a progress bar."""
    out_dir = Path(out_dir)
    written = []
    with atomic_path(out_dir / "report.xlsx") as tmp:
        build_workbook(rep, advance=advance).save(tmp)
    advance(1)
    written.append(out_dir / "report.xlsx")
    if per_agent:
        names = view.page_names(view.agent_ids(rep))
        for agent_id, stem in names.items():
            dest = out_dir / "agents" / f"{stem}.xlsx"
            with atomic_path(dest) as tmp:
                build_workbook(rep, [agent_id], summary=False).save(tmp)
            advance(1)
            written.append(dest)
    return written
