"""The two dispute workbooks: an agent's (every lost point with its evidence and deadline, a
reason cell each) and a QA lead's resolution workbook (every open dispute, a decision,
points and note each). Both keep their rows' facts in a very hidden ``_ids`` sheet, which is
all the readers use besides the input cells."""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from qa_toolkit.privacy import mask_text
from qa_toolkit.problems import Problem
from qa_toolkit.review import book
from qa_toolkit.review.book import save  # the dispute commands save through this module
from qa_toolkit.review.disputes import DECISIONS, LOST

__all__ = ["agent_workbook", "read_agent_workbook", "read_resolution", "resolution_workbook", "save"]

IDS_SHEET, META_SHEET = "_ids", "_meta"
AGENT_SHEET, LEAD_SHEET = "申诉 Disputes", "裁定 Resolution"
TOP = 4  # header row; rows start below it
AGENT_HEADER = [
    "#",
    "会话 Conversation",
    "时间 Time",
    "标准 Criterion",
    "名称 Name",
    "结果 Outcome",
    "失分 Lost",
    "一票否决 Critical",
    "判定 Decided by",
    "截止 Deadline",
    "证据 Evidence",
    "申诉理由 Your reason",
]
LEAD_HEADER = [
    "#",
    "客服 Agent",
    "会话 Conversation",
    "标准 Criterion",
    "名称 Name",
    "失分 Lost",
    "证据 Evidence",
    "申诉理由 Reason",
    "裁定 Decision",
    "退回分数 Points back (partly)",
    "说明 Note",
]
LEAD_CELL = (2, 3)  # the lead's name; the date beside it
INPUTS = ["decision", "points_awarded", "note"]


def agent_workbook(lost: pd.DataFrame, agent_id: str, *, mask: bool = True) -> book.Book:
    """One agent's lost points (``disputes.LOST`` rows), a yellow reason cell each, to ``save``."""
    return partial(_agent_sheets, lost, agent_id, mask)


#: Column widths of the agent's dispute sheet and the lead's resolution sheet, from A.
_AGENT_WIDTHS = (5, 18, 16, 14, 18, 8, 7, 12, 12, 12, 48, 40)
_LEAD_WIDTHS = (5, 10, 18, 14, 18, 7, 44, 40, 12, 12, 36)


def _agent_sheets(lost: pd.DataFrame, agent_id: str, mask: bool, wb, fmt: book.Formats) -> None:
    ws = wb.add_worksheet(AGENT_SHEET)
    book.cell(ws, 1, 1, f"客服 {agent_id} 失分明细与申诉 — points lost and disputes", fmt.title)
    book.cell(
        ws,
        2,
        1,
        "对有异议的失分，在截止日期前于黄色单元格填写申诉理由；留空即无异议。"
        "Write a reason in the yellow cell of a point you dispute, before its deadline; "
        "leave it empty to accept the point.",
    )
    book.write_rows(ws, [AGENT_HEADER], start=TOP, fmt=fmt.head)
    ids = [["cell", *LOST]]
    for n, row in enumerate(lost.itertuples(index=False), start=1):
        r = TOP + n
        evidence = mask_text(row.evidence) if mask and isinstance(row.evidence, str) else row.evidence
        values = [
            n,
            row.conversation_id,
            row.started_at,
            row.criterion_id,
            row.criterion_name,
            row.outcome,
            row.lost,
            {"confirmed": "是 yes", "pending": "待复核 pending"}.get(row.critical, ""),
            {"auto": "自动 auto", "grade": "人工 grader"}.get(row.decided_by, row.decided_by),
            row.deadline,
            evidence,
        ]
        book.write_rows(ws, [values], start=r, fmt=fmt.wrap)
        book.fit_values(ws, r, values, _AGENT_WIDTHS)
        book.cell(ws, r, len(AGENT_HEADER), None, fmt.input_wrap)
        ids.append([book.address(r, len(AGENT_HEADER)), *[_text(getattr(row, c)) for c in LOST]])
    _finish(ws, _AGENT_WIDTHS)
    book.hidden_sheet(wb, IDS_SHEET, ids)
    book.hidden_sheet(wb, META_SHEET, [["kind", "dispute"], ["agent_id", agent_id]])


def read_agent_workbook(path: str | Path) -> tuple[pd.DataFrame, list[Problem]]:
    """(LOST columns + reason + source for every row with a reason, problems)."""
    file = str(path)
    wb, problems = _open(file, "dispute")
    if wb is None:
        return pd.DataFrame(columns=[*LOST, "reason", "source"]), problems
    rows = list(wb[IDS_SHEET].iter_rows(values_only=True))
    ws = wb[AGENT_SHEET] if AGENT_SHEET in wb.sheetnames else None
    if ws is None or not rows or list(rows[0][: len(LOST) + 1]) != ["cell", *LOST]:
        return pd.DataFrame(columns=[*LOST, "reason", "source"]), [
            Problem(file, "the workbook's sheets are damaged", code="dispute")
        ]
    filed = []
    for values in rows[1:]:
        reason = ws[values[0]].value
        if reason is not None and str(reason).strip():
            filed.append(
                {
                    **dict(zip(LOST, (_text(v) for v in values[1:]))),
                    "reason": str(reason).strip(),
                    "source": f"{file}[{AGENT_SHEET}]!{values[0]}",
                }
            )
    return pd.DataFrame(filed, columns=[*LOST, "reason", "source"]), problems


def resolution_workbook(register: pd.DataFrame, *, mask: bool = True) -> book.Book:
    """Every open dispute of the register (text), with a decision, points and note to fill in,
    to ``save``."""
    return partial(_resolution_sheets, register, mask)


def _resolution_sheets(register: pd.DataFrame, mask: bool, wb, fmt: book.Formats) -> None:
    ws = wb.add_worksheet(LEAD_SHEET)
    book.cell(ws, 1, 1, "申诉裁定 Dispute resolution — " + ", ".join(f"{d}" for d in DECISIONS), fmt.title)
    book.cell(ws, LEAD_CELL[0], 2, "组长 Lead", fmt.head)
    book.cell(ws, *LEAD_CELL, None, fmt.input)
    book.cell(ws, LEAD_CELL[0], 4, "日期 Date (YYYY-MM-DD)", fmt.head)
    book.cell(ws, LEAD_CELL[0], 5, None, fmt.input_date)
    book.write_rows(ws, [LEAD_HEADER], start=TOP, fmt=fmt.head)
    ids = [["conversation_id", "criterion_id", *[f"{k}_cell" for k in INPUTS]]]
    dropdowns = book.Dropdowns()
    open_ = register[register["decision"].fillna("").eq("")]
    first = len(LEAD_HEADER) - len(INPUTS) + 1
    for n, row in enumerate(open_.itertuples(index=False), start=1):
        r = TOP + n
        evidence = mask_text(row.evidence) if mask and isinstance(row.evidence, str) else row.evidence
        values = [n, row.agent_id, row.conversation_id, row.criterion_id, row.criterion_name, row.lost, evidence]
        book.write_rows(ws, [[*values, row.reason]], start=r, fmt=fmt.wrap)
        book.fit_values(ws, r, [*values, row.reason], _LEAD_WIDTHS)
        for col in range(first, len(LEAD_HEADER) + 1):
            book.cell(ws, r, col, None, fmt.input_wrap)
        dropdowns.add(DECISIONS, book.address(r, first))
        ids.append(
            [
                row.conversation_id,
                row.criterion_id,
                *[book.address(r, col) for col in range(first, len(LEAD_HEADER) + 1)],
            ]
        )
    dropdowns.write(ws)
    _finish(ws, _LEAD_WIDTHS)
    book.hidden_sheet(wb, IDS_SHEET, ids)
    book.hidden_sheet(wb, META_SHEET, [["kind", "resolution"]])


def read_resolution(path: str | Path) -> tuple[pd.DataFrame, list[Problem]]:
    """Decisions (KEY, decision, points_awarded, note, resolved_by, resolved_on, where) from a
    resolution workbook, or from a CSV with those columns (where: file:row)."""
    file = str(path)
    columns = ["conversation_id", "criterion_id", *INPUTS, "resolved_by", "resolved_on", "where"]
    if Path(file).suffix.lower() == ".csv":
        return _read_resolution_csv(file, columns)
    wb, problems = _open(file, "resolution")
    if wb is None:
        return pd.DataFrame(columns=columns), problems
    ws = wb[LEAD_SHEET]
    lead = _text(ws.cell(*LEAD_CELL).value).strip()
    day = ws.cell(LEAD_CELL[0], 5).value
    date = day.strftime("%Y-%m-%d") if isinstance(day, (dt.date, dt.datetime)) else _text(day).strip()
    rows = []
    for cid, crit, *cells in list(wb[IDS_SHEET].iter_rows(values_only=True))[1:]:
        values = [ws[c].value for c in cells]
        rows.append([cid, crit, *(_text(v).strip() for v in values), lead, date, f"{file}[{LEAD_SHEET}]!{cells[0]}"])
    return pd.DataFrame(rows, columns=columns), problems


def _read_resolution_csv(file: str, columns: list[str]) -> tuple[pd.DataFrame, list[Problem]]:
    try:
        df = pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as err:
        return pd.DataFrame(columns=columns), [Problem(file, f"cannot read decisions: {err}", code="resolution")]
    missing = [c for c in ("conversation_id", "criterion_id", "decision") if c not in df.columns]
    if missing:
        return pd.DataFrame(columns=columns), [
            Problem(file, f"lacks column(s): {', '.join(missing)}", 1, code="resolution")
        ]
    df = df.reindex(columns=columns, fill_value="")
    df["where"] = [f"{file}:{i + 2}" for i in range(len(df))]
    return df, []


def _open(file: str, kind: str):
    """(workbook, []) when ``file`` is a qa-toolkit workbook of ``kind``; else (None, problems)."""
    try:
        wb = load_workbook(file)
    except Exception as err:  # openpyxl raises many types for a non-workbook
        return None, [Problem(file, f"cannot open workbook: {err}", code=kind)]
    if IDS_SHEET not in wb.sheetnames or META_SHEET not in wb.sheetnames:
        return None, [Problem(file, f"not a qa-toolkit {kind} workbook (hidden id sheets missing)", code=kind)]
    meta = {r[0]: r[1] for r in wb[META_SHEET].iter_rows(values_only=True) if r and r[0]}
    if meta.get("kind") != kind:
        return None, [
            Problem(file, f"this is a {meta.get('kind', 'different')} workbook, not a {kind} workbook", code=kind)
        ]
    return wb, []


def _finish(ws, columns: tuple[int, ...]) -> None:
    """Column widths, frozen header, protection and print setup."""
    book.widths(ws, columns)
    ws.freeze_panes(TOP, 0)
    ws.repeat_rows(TOP - 1)
    ws.protect()
    book.print_setup(ws)


def _text(value) -> str:
    """A cell or frame value as text ("" for missing; 3.0 as 3)."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
