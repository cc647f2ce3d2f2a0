"""The Excel report (XlsxWriter): a team summary sheet, one sheet per agent and a conversations
sheet, with native charts, conditional formatting, frozen headers, filters and a print layout.

Every cell goes through ``qa_toolkit.excel.put`` (or ``put_link`` / ``put_rich``) so customer
text never becomes a formula; customer text is masked unless the report input says otherwise.
Rows and columns here count from 1, as Excel shows them; formats are made once per workbook."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

from qa_toolkit import collector
from qa_toolkit.atomic import atomic_path
from qa_toolkit.excel import (
    display_text,
    display_width,
    lines_in,
    new_workbook,
    put,
    put_link,
    put_rich,
    put_rows,
    row_points,
    safe_value,
)
from qa_toolkit.metrics import ALL, NO_TEAM
from qa_toolkit.report import view
from qa_toolkit.report.view import EXCEL_FORMATS, ReportInput

#: cell styles as XlsxWriter format properties
HEADER = {
    "bold": True,
    "bg_color": "#DCE6F1",
    "pattern": 1,
    "bottom": 1,
    "bottom_color": "#999999",
    "text_wrap": True,
    "valign": "vcenter",
}
TITLE = {"bold": True, "font_size": 14}
HEADING = {"bold": True, "font_size": 12, "font_color": "#1F4E79"}
TOP = {"valign": "top"}
WRAPPED = {"text_wrap": True, "valign": "top"}
CENTRED = {"align": "center"}
MATCH = {"bold": True, "font_color": "#C00000"}  # a rule's match inside evidence text
BAD = {"bg_color": "#F8CBAD", "pattern": 1}
GOOD = {"bg_color": "#C6EFCE", "pattern": 1}
SHADOW = {"italic": True, "font_color": "#7F7F7F"}  # a shadow criterion: shown, not counted
LINK = {"hyperlink": True}
DATE_FORMAT = "yyyy-mm-dd hh:mm"
DURATION = EXCEL_FORMATS["seconds"]  # [m]:ss
MAX_WIDTH = 60
EVIDENCE_WIDTH = 50
#: The width of a points-lost table's note column (rule notes, graders' comments, dispute notes).
NOTE_WIDTH = 36
AGENT_COLOUR, TEAM_COLOUR = "#2F6DB5", "#A6B4C8"  # as the HTML charts
CHART_TOP, CHART_ROWS = 4, 16  # charts sit right of the agent tables, each about 16 rows high
CHART_SIZE = {"width": 567, "height": 283}  # 15 × 7.5 cm
LOST_COLUMNS = 8  # the agent sheet's widest table (points lost): its print area
A4 = 9  # Excel's paper size code


class _Book:
    """An XlsxWriter workbook and its formats, each combination of properties made once."""

    def __init__(self, dest: str | os.PathLike):
        self.wb = new_workbook(dest, in_memory=True)  # no temporary file per sheet
        self.titles: set[str] = {"history"}  # taken sheet names, case-folded ("History" is Excel's own)
        self._formats: dict[tuple, object] = {}
        self._widths: dict = {}  # a text, or (type, value) of a number or date -> the width it asks for

    def format(self, props: dict):
        """The workbook's format with ``props`` (None for none)."""
        if not props:
            return None
        key = tuple(sorted(props.items()))
        made = self._formats.get(key)
        if made is None:
            made = self._formats[key] = self.wb.add_format(props)
        return made

    def width(self, value) -> int:
        """The column width ``value`` asks for (``_shown_width``), each text, number and date
        measured once per workbook: the same names, labels and values recur on every sheet."""
        kind = type(value)
        if kind is str:
            key = value
        elif (kind is int or kind is float or kind is bool or isinstance(value, dt.datetime)) and value == value:
            key = (kind, value)  # typed: 1, 1.0 and True show differently
        else:
            return _shown_width(value)
        width = self._widths.get(key)
        if width is None:
            width = self._widths[key] = _shown_width(value)
        return width

    def sheet(self, text: str) -> _Sheet:
        """A new sheet named ``text`` as Excel allows (no []:*?/\\', 31 characters, unique in any case)."""
        title = re.sub(r"[\[\]:*?/\\']", "_", display_text(text))[:31] or "sheet"
        base, n = title, 1
        while title.casefold() in self.titles:
            n += 1
            title = f"{base[:27]}~{n}"
        self.titles.add(title.casefold())
        return _Sheet(self, self.wb.add_worksheet(title))


class _Sheet:
    """A worksheet plus the widest text seen per column (to size columns for CJK text), its
    page breaks and the styles some columns take on every cell."""

    SIZE_ROWS = 300

    def __init__(self, book: _Book, ws):
        self.book, self.ws = book, ws
        self.title: str = ws.name
        self.widths: dict[int, int] = {}
        self.breaks: list[int] = []
        self.column_styles: dict[int, dict] = {}

    def style(self, col: int, *styles: dict | None, number_format: str | None = None):
        """The format of a cell in ``col`` with ``styles`` merged in order, then the column's own."""
        props: dict = {}
        for s in styles:
            if s:
                props.update(s)
        if number_format:
            props["num_format"] = number_format
        props.update(self.column_styles.get(col, ()))
        return self.book.format(props)

    def measure(self, row: int, col: int, value) -> None:
        """Widen ``col`` for ``value`` (as the cell shows it), in the first rows only."""
        if row > self.SIZE_ROWS:  # widths from the first rows are enough, and cheaper
            return
        self.widths[col] = max(self.widths.get(col, 6), self.book.width(value))

    def put(self, row: int, col: int, value, *styles: dict | None, number_format: str | None = None) -> None:
        """Write ``value`` at (``row``, ``col``); ``number_format`` applies to anything but text."""
        fmt = self.style(col, *styles, number_format=None if isinstance(value, str) else number_format)
        put(self.ws, row - 1, col - 1, value, fmt)
        self.measure(row, col, value)

    def links(self, row: int, col: int, targets: Sequence[tuple[object, int | None]], sheet: str, style: dict | None):
        """Write each (value, target row) of ``targets`` down ``col`` from ``row`` as a link to its
        row of ``sheet`` (none when the target row is None)."""
        fmt = self.style(col, style, LINK)
        for r, (value, target_row) in enumerate(targets, row):
            if target_row is not None:
                put_link(self.ws, r - 1, col - 1, value, f"'{sheet}'!A{target_row}", fmt)
                self.measure(r, col, value)

    def heading(self, row: int, text: str) -> int:
        self.put(row, 1, text, HEADING)
        return row + 1

    def table(
        self,
        row: int,
        headers: Sequence[str],
        rows: Sequence[Sequence],
        formats: Sequence[str | None] = (),
        col: int = 1,
        styles: Sequence[dict | None] = (),
        cell_style: Callable[[int, int], dict | None] | None = None,
    ) -> int:
        """Header + rows from ``row``; ``formats`` and ``styles`` per column, ``cell_style(i, j)``
        per cell of the ``i``-th row. Returns the first free row after a blank line."""
        for j, h in enumerate(headers):
            self.put(row, col + j, h, HEADER)
        width = max([len(headers), *map(len, rows)])
        column_formats = [formats[j] if j < len(formats) else None for j in range(width)]
        column_styles = [styles[j] if j < len(styles) else None for j in range(width)]
        if cell_style is None:  # one format per column and kind of value (text takes no number format)
            put_rows(
                self.ws,
                row,
                col - 1,
                rows,
                [
                    (self.style(col + j, style), self.style(col + j, style, number_format=number_format))
                    for j, (style, number_format) in enumerate(zip(column_styles, column_formats))
                ],
            )
        else:
            for i, values in enumerate(rows):
                for j, v in enumerate(values):
                    number_format = None if isinstance(v, str) else column_formats[j]
                    fmt = self.style(col + j, column_styles[j], cell_style(i, j), number_format=number_format)
                    put(self.ws, row + i, col + j - 1, v, fmt)
        widths, width = self.widths, self.book.width  # ``measure`` of each cell in the first rows
        for values in rows[: max(0, self.SIZE_ROWS - row)]:
            for c, v in enumerate(values, col):
                widths[c] = max(widths.get(c, 6), width(v))
        return row + len(rows) + 2

    def fit_columns(self, fixed: dict[int, int] | None = None) -> None:
        for col, width in {**self.widths, **(fixed or {})}.items():
            self.ws.set_column(col - 1, col - 1, width, self.style(col))

    def grow(self, row: int, text) -> None:
        """Give ``row`` the height its wrapped evidence ``text`` needs."""
        self.ws.set_row(row - 1, _row_height(text))


def _row_height(text, note: str = "") -> float:
    """The height of a row whose wrapped evidence is ``text`` (``EVIDENCE_WIDTH`` wide) and
    wrapped note ``note`` (``NOTE_WIDTH`` wide)."""
    text = text if isinstance(text, str) else str(text or "")
    return row_points(max(lines_in(text, EVIDENCE_WIDTH), lines_in(note, NOTE_WIDTH)))


def _shown_width(value) -> int:
    """The column width ``value`` asks for as the cell shows it (capped)."""
    shown = safe_value(value[:MAX_WIDTH] if isinstance(value, str) else value)  # wider is capped anyway
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
    return min(display_width(text) + 2, MAX_WIDTH)


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


def _score_scale(sheet: _Sheet, first: tuple[int, int], last: tuple[int, int], start: int) -> None:
    """Colour scores in the range ``first``–``last`` (row, col) from red at ``start`` through
    yellow at 80 to green at 100."""
    sheet.ws.conditional_format(
        first[0] - 1,
        first[1] - 1,
        last[0] - 1,
        last[1] - 1,
        {
            "type": "3_color_scale",
            "min_type": "num",
            "min_value": start,
            "min_color": "#F8696B",
            "mid_type": "num",
            "mid_value": 80,
            "mid_color": "#FFEB84",
            "max_type": "num",
            "max_value": 100,
            "max_color": "#63BE7B",
        },
    )


def _summary_sheet(rep: ReportInput, sheet: _Sheet) -> None:
    t, m = rep.t, rep.metrics
    ws = sheet.ws
    sheet.put(1, 1, t["team_report"], TITLE)
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
    next_row = sheet.table(row, [t.get(k, k) for k, _ in cols], rows, [f for _, f in cols], styles=[CENTRED])
    last = header_row + len(rows)
    if rows:
        ws.autofilter(header_row - 1, 0, last - 1, len(cols) - 1)
        _score_scale(sheet, (header_row + 1, 6), (last, 6), 60)
        ws.conditional_format(
            header_row, 8, last - 1, 8, {"type": "cell", "criteria": ">", "value": 0, "format": sheet.book.format(BAD)}
        )
        ws.conditional_format(
            header_row,
            9,
            last - 1,
            9,
            {
                "type": "data_bar",
                "min_type": "num",
                "min_value": 0,
                "max_type": "num",
                "max_value": 1,
                "bar_color": "#5B9BD5",
            },
        )
    ws.freeze_panes(header_row, 3)

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
        sheet.breaks.append(row - 1)  # printed: the heat map starts a page, its header on it
        row = sheet.heading(row, t["heatmap"])
        heads = [t["agent_id"], t["agent"]] + [view.section_name(rep, s) for s in m.sections]
        data = [
            [a["agent_id"], a["agent_name"]] + [_num(a[f"section_{s}"]) for s in m.sections]
            for _, a in m.agents.iterrows()
        ]
        row = sheet.table(row, heads, data, [None, None] + ["0.0"] * len(m.sections))
        if data:
            _score_scale(sheet, (row + 1, 3), (row + len(data), 2 + len(m.sections)), 50)
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
    t = rep.t
    rows = view.agreement_rows(rep)
    if not rows:
        return row
    row = sheet.heading(row, t["agreement"])
    sheet.put(row, 1, t["agreement_note"])
    return sheet.table(
        row + 1,
        [t["section"], t["criterion"], t["status"], t["n_compared"], t["kappa"], t["measured"]],
        [[r["section"], r["name"], r["status_label"], r["n"], r["kappa"], r["measured"]] for r in rows],
        [None, None, None, "0", "0.00"],
        cell_style=lambda i, j: SHADOW if rows[i]["status"] == "shadow" else None,
    )


def _chart(sheet: _Sheet, kind: str, title: str, head: int, n: int, at: int, options: dict) -> None:
    """A ``kind`` chart of the agent (column B) and team (column C) values of the ``n`` rows under
    the header row ``head``, categories from column A, at column E of row ``at``; agent in blue,
    team in grey, as on the HTML pages."""
    chart = sheet.book.wb.add_chart({"type": kind})
    for col, colour in ((1, AGENT_COLOUR), (2, TEAM_COLOUR)):
        series = {
            "name": [sheet.title, head - 1, col],
            "categories": [sheet.title, head, 0, head + n - 1, 0],
            "values": [sheet.title, head, col, head + n - 1, col],
            "line": {"color": colour},
        }
        if kind == "bar":
            series["fill"] = {"color": colour}
        chart.add_series(series)
    chart.set_title({"name": title})
    chart.set_style(options.pop("style"))
    (chart.set_x_axis if kind == "bar" else chart.set_y_axis)({"min": 0, "max": 100, **options})  # the value axis
    chart.set_size(CHART_SIZE)
    sheet.ws.insert_chart(at - 1, 4, chart)


def _agent_sheet(
    rep: ReportInput, sheet: _Sheet, agent_id: str, conv_sheet: str | None, conv_rows: dict[str, int]
) -> None:
    t, m = rep.t, rep.metrics
    sheet.column_styles[5] = WRAPPED  # column E: the wide text column (evidence)
    agent = m.agent(agent_id)
    team_label = view.team_name(rep, agent["team"] if agent["team"] != NO_TEAM else ALL)  # the team compared with
    sheet.put(1, 1, f"{t['agent_report']}: {agent['agent_name']} ({agent_id})", TITLE)
    rank = int(agent["rank"]) if agent["enough_data"] else t["not_enough_data"]
    ci = f"{agent['ci_low']:.1f} – {agent['ci_high']:.1f}" if not view.is_missing(agent["ci_low"]) else "–"
    sheet.put(
        2, 1, f"{t['team']}: {team_label}   {t['rank']}: {rank}   {t['ci']}: {ci}   {t['rubric']}: {rep.rubric_label}"
    )

    row = sheet.heading(4, t["kpis"])
    kpis = view.kpi_rows(rep, agent_id)

    def kpi_style(i: int, j: int) -> dict | None:
        """Each KPI row in its own number format; the difference green when better, red when worse."""
        if j == 0:
            return None
        better = kpis[i]["better"]
        fill = (GOOD if better else BAD) if j == 3 and better is not None else {}
        return {"num_format": EXCEL_FORMATS[kpis[i]["kind"]], **fill}

    row = sheet.table(
        row,
        [t["kpi"], t["value"], t["team_value"], t["diff"]],
        [[k["label"], _value(k["agent"], k["kind"]), _value(k["team"], k["kind"]), _diff(k)] for k in kpis],
        cell_style=kpi_style,
    )

    sections = view.section_rows(rep, agent_id)
    row = sheet.heading(row, t["sections"])
    sec_head = row
    row = sheet.table(
        row,
        [t["section"], t["value"], t["team_value"]],
        [[s["name"], _num(s["agent"]), _num(s["team"])] for s in sections],
        [None, "0.0", "0.0"],
    )
    if sections:
        _chart(sheet, "bar", t["sections"], sec_head, len(sections), CHART_TOP, {"style": 10, "name": t["total"]})

    trend = view.trend(rep, agent_id)
    trend_title = t["trend"] if m.options.period == "week" else t["trend_month"]
    row = sheet.heading(row, trend_title)
    trend_head = row
    row = sheet.table(
        row,
        [t["period"], t["value"], t["team_value"], t["n_graded"]],
        [[p["period"], _num(p["agent"]), _num(p["team"]), p["n_graded"]] for p in trend],
        [None, "0.0", "0.0", "0"],
    )
    if trend:
        _chart(sheet, "line", trend_title, trend_head, len(trend), CHART_TOP + CHART_ROWS, {"style": 12})

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
    # column E is the wide text column of this sheet (evidence), so the section name goes there
    row = sheet.table(
        row,
        [t["criterion"], t["pass_rate"], t["team_pass_rate"], t["gap"], t["section"], t["n_fail"]],
        [
            [w.criterion_name, _num(w.pass_rate), _num(w.team_pass_rate), _num(w.gap), w.section_name, w.n_fail]
            for w in view.weakest(rep, agent_id)
        ],
        [None, "0.0%", "0.0%", "+0.0%;-0.0%", None, "0"],
    )

    found = view.finding_records(rep, agent_id)
    n_found = len(view.part(rep, m.findings, "agent_id", agent_id))
    row = sheet.heading(row, t["findings"] + (f" ({len(found)} / {n_found})" if n_found > len(found) else ""))
    start = row + 1
    rows = [[f.started_at, f.conversation_id, f.kind_label, f.criterion_name, *_evidence_note(f)] for f in found]
    row = sheet.table(
        row,
        [t["started_at"], t["conversation"], t["kind"], t["criterion"], t["evidence"], t["note"]],
        rows,
        [DATE_FORMAT],
        styles=[TOP] * 4 + [WRAPPED] * 2,
    )
    _link_ids(sheet, start, [f.conversation_id for f in found], conv_sheet, conv_rows, TOP)
    for i, values in enumerate(rows):  # wrapped evidence: give the row the height its text needs
        sheet.grow(start + i, safe_value(values[4]))

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
        [[e.started_at, e.conversation_id, _num(e.total), view.band_name(rep, e.band), e.channel] for e in ex],
        [DATE_FORMAT, None, "0.0"],
    )
    _link_ids(sheet, start, [e.conversation_id for e in ex], conv_sheet, conv_rows)
    # printed: the overview above on one or two pages; the points lost print from their own sheet
    sheet.ws.print_area(0, 0, row - 3, LOST_COLUMNS - 1)
    _lost_table(rep, sheet, row, agent_id, conv_sheet, conv_rows)
    sheet.fit_columns({1: 24, 5: EVIDENCE_WIDTH, 8: NOTE_WIDTH})


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
    lines = _lost_lines(rep, agent_id)
    row = sheet.heading(row, f"{rep.t['lost']} ({len(lines)})")
    return _write_lost(rep, sheet, row, lines, conv_sheet, conv_rows)


class _LostLine(NamedTuple):
    """A point lost as the workbook writes it: the row's values, the evidence cut into (piece, is
    match) when the match shows in it, and the row's height."""

    values: list
    parts: tuple[tuple[str, bool], ...] | None
    height: float  # points


@view.shared
def _lost_lines(rep: ReportInput, agent_id: str) -> list[_LostLine]:
    """The agent's points lost (``view.lost_records``) as lines, made once for the agent's sheet
    and the points-lost sheet."""
    t = rep.t
    lines = []
    for f in view.lost_records(rep, agent_id):
        notes = [str(v) for v in (f.note, f.comment) if not view.is_missing(v) and v]
        if not view.is_missing(f.dispute_note) and f.dispute_note:
            notes.append(f"{t['disputes_agent']}: {f.dispute_note}")
        evidence = f.evidence_text if not view.is_missing(f.evidence_text) else f.evidence_match
        values = [
            f.started_at,
            f.conversation_id,
            f.criterion_name + (f" [{t['kind_critical']}]" if f.critical else ""),
            _num(f.points_lost),
            evidence,
            _num(f.csat),
            f.state_label,
            "\n".join(notes),
        ]
        text = safe_value(evidence)
        height = _row_height(text, values[-1])
        parts = None
        if isinstance(text, str) and not view.is_missing(f.evidence_text):
            parts = tuple(view.match_parts(text, f.evidence_match))
            parts = parts if any(hit for _, hit in parts) else None
        lines.append(_LostLine(values, parts, height))
    return lines


def _write_lost(
    rep: ReportInput,
    sheet: _Sheet,
    row: int,
    lines: Sequence[_LostLine],
    conv_sheet: str | None,
    conv_rows: dict[str, int],
    who: Sequence[list] | None = None,
) -> int:
    """Points lost (``_lost_lines``) from ``row``: the evidence with its match in red bold, who
    decided each point and its dispute; with ``who`` each line's agent id and name first.
    Returns the next row."""
    t = rep.t
    lead = 2 if who is not None else 0
    start = row + 1
    rows = [line.values for line in lines] if who is None else [w + line.values for w, line in zip(who, lines)]
    heads = [t["agent_id"], t["agent"]] if who is not None else []
    evidence = lead + 5
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
        styles=[TOP] * (lead + 4) + [WRAPPED, TOP, TOP, WRAPPED],
    )
    if conv_sheet is not None:
        _link_ids(sheet, start, [line.values[1] for line in lines], conv_sheet, conv_rows, TOP, col=lead + 2)
    ws, match_font, wrapped = sheet.ws, sheet.book.format(MATCH), sheet.style(evidence, WRAPPED)
    for r, line in enumerate(lines, start - 1):
        if line.parts is not None:  # rewrite the cell as rich text, each occurrence of the match in red bold
            put_rich(ws, r, evidence - 1, [(part, match_font if hit else None) for part, hit in line.parts], wrapped)
        ws.set_row(r, line.height)
    return row


def _lost_sheet(
    rep: ReportInput, sheet: _Sheet, agents: Sequence[str], conv_sheet: str, conv_rows: dict[str, int]
) -> None:
    """Every point lost by ``agents``, one block per agent starting a printed page, the header row
    repeated on each page."""
    ws = sheet.ws
    parts = [_lost_lines(rep, a) for a in agents]
    names = rep.metrics.agents.set_index("agent_id")["agent_name"].to_dict()
    lines = [line for part in parts for line in part]
    who = [[a, names.get(a, a)] for a, part in zip(agents, parts) for _ in part]
    _write_lost(rep, sheet, 1, lines, conv_sheet, conv_rows, who=who)
    at = 2
    for part in parts[:-1]:
        at += len(part)
        if len(part):
            sheet.breaks.append(at - 1)
    last = max(len(lines) + 1, 2)
    ws.freeze_panes(1, 2)
    ws.autofilter(0, 0, last - 1, LOST_COLUMNS + 1)
    ws.repeat_rows(0)
    ws.print_area(0, 0, last - 1, LOST_COLUMNS + 1)
    sheet.fit_columns({3: 17, 7: EVIDENCE_WIDTH, 10: NOTE_WIDTH})


def _evidence_note(f) -> tuple[str, str]:
    """Evidence text (else the match / risk reasons) and the note (else the match)."""
    text, match, note = (None if view.is_missing(v) else str(v) for v in (f.evidence_text, f.evidence_match, f.note))
    if text is None:
        return match or "", note or ""
    return text, note or match or ""


def _link_ids(
    sheet: _Sheet,
    start: int,
    ids,
    conv_sheet: str | None,
    conv_rows: dict[str, int],
    style: dict | None = None,
    col: int = 2,
) -> None:
    """Link each id in column ``col`` from row ``start`` to its row of the conversations sheet."""
    if conv_sheet is not None:
        sheet.links(start, col, [(cid, conv_rows.get(cid)) for cid in ids], conv_sheet, style)


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


def _conversation_column(rep: ReportInput, key: str, values: list) -> list:
    """A column of the conversations sheet as its cells show it (a column at a time: 3,000 rows × 18
    columns asked row by row cost more than writing them)."""
    t = rep.t
    if key == "team":
        return [view.team_name(rep, v) for v in values]
    if key in ("channel", "stratum"):  # data text: a phone number can sit there
        mask = view.masker(rep)
        return [mask(v) if isinstance(v, str) else v for v in values]
    if key in ("frt_s", "handle_s"):
        return [_dur(v) for v in values]
    if key == "band":
        return [view.band_name(rep, v) for v in values]
    yes_no = key in ("complaint", "escalated", "sampled")
    return [
        ("" if view.is_missing(v) else (t["yes"] if v else t["no"])) if yes_no or isinstance(v, bool) else v
        for v in values
    ]


def _conversations_sheet(rep: ReportInput, sheet: _Sheet, s) -> dict[str, int]:
    """One row per listed session with its masked transcript; returns id -> row."""
    t = rep.t
    ids = s["conversation_id"].tolist()
    texts = view.transcript_texts(rep, ids)
    headers = [t.get(k, k if k != "agent_name" else t["agent"]) for k, _ in CONV_COLUMNS] + [t["transcript"]]
    columns = [_conversation_column(rep, key, s[key].tolist()) for key, _ in CONV_COLUMNS]
    columns.append([texts[cid] for cid in ids])
    rows = list(zip(*columns))
    sheet.table(1, headers, rows, [f for _, f in CONV_COLUMNS], styles=[None] * len(CONV_COLUMNS) + [TOP])
    ws = sheet.ws
    last = max(len(rows) + 1, 2)
    ws.freeze_panes(1, 1)
    ws.autofilter(0, 0, last - 1, len(headers) - 1)
    ws.repeat_rows(0)  # printed: the header on every page, and the table without transcripts
    ws.print_area(0, 0, last - 1, len(headers) - 2)
    sheet.fit_columns({6: 18, len(headers): 80})
    return {cid: i + 2 for i, cid in enumerate(ids)}


def build_workbook(
    rep: ReportInput,
    dest: str | os.PathLike,
    agents: Sequence[str] | None = None,
    summary: bool = True,
    advance: Callable[[int], None] = lambda n: None,
) -> None:
    """Write the workbook for ``agents`` (default: every agent the input selects) to ``dest``;
    ``advance(1)`` after each sheet but the summary ones."""
    t = rep.t
    ids = list(agents) if agents is not None else view.agent_ids(rep)
    listed, n_all = view.listed_sessions(rep, ids)
    book = _Book(dest)
    sheets = []
    if summary:
        sheets.append(first := book.sheet(t["summary_sheet"]))
        _summary_sheet(rep, first)
        if len(listed) < n_all:
            first.put(3, 1, t["listed_note"].format(shown=len(listed), total=n_all))
        sheets.append(trust := book.sheet(t["trust_sheet"]))
        _trust_sheet(rep, trust)
    agent_sheets = []
    for agent_id in ids:
        name = rep.metrics.agent(agent_id)["agent_name"]
        agent_sheets.append((agent_id, book.sheet(agent_id if name == agent_id else f"{agent_id} {name}")))
    lost = book.sheet(t["lost_sheet"])
    conv = book.sheet(t["conversations_sheet"])
    conv_rows = _conversations_sheet(rep, conv, listed)
    advance(1)
    _lost_sheet(rep, lost, ids, conv.title, conv_rows)
    advance(1)
    for agent_id, sheet in agent_sheets:
        _agent_sheet(rep, sheet, agent_id, conv.title, conv_rows)
        advance(1)
    for sheet in sheets:
        _print_setup(sheet, pages=0)
    for _, sheet in agent_sheets:
        _print_setup(sheet, pages=2)
    for sheet in (lost, conv):
        _print_setup(sheet, pages=0)
    book.wb.close()


def _print_setup(sheet: _Sheet, pages: int) -> None:
    """A4 landscape, fit to the page width and to ``pages`` pages high (0: as many as it takes),
    centred, with the sheet name and page number in the footer; the sheet's page breaks."""
    ws = sheet.ws
    ws.set_landscape()
    ws.set_paper(A4)
    ws.fit_to_pages(1, pages)
    ws.center_horizontally()
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    ws.set_footer("&C&A · &P / &N")
    if sheet.breaks:
        ws.set_h_pagebreaks(sheet.breaks)


def steps(n_agents: int, per_agent: bool = False) -> int:
    """How often ``write_xlsx`` calls ``advance(1)`` for ``n_agents`` agents."""
    return n_agents + 3 + n_agents * per_agent


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
    with atomic_path(out_dir / "report.xlsx") as tmp, collector.paused():
        build_workbook(rep, tmp, advance=advance)
    advance(1)
    written.append(out_dir / "report.xlsx")
    if per_agent:
        names = view.page_names(view.agent_ids(rep))
        for agent_id, stem in names.items():
            dest = out_dir / "agents" / f"{stem}.xlsx"
            with atomic_path(dest) as tmp, collector.paused():
                build_workbook(rep, tmp, [agent_id], summary=False)
            advance(1)
            written.append(dest)
    return written
