"""The grading workbook: a batch sheet, one sheet per conversation (masked transcript, the
automatic results with evidence, a drop-down grade and a comment per criterion, grader and
date), protected so only the input cells take typing, plus very hidden id sheets so the
importer never parses the layout."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from qa_toolkit.atomic import atomic_path
from qa_toolkit.excel import styled, write_cell
from qa_toolkit.privacy import mask_text
from qa_toolkit.review.book import HEAD, TITLE, WRAP, dropdown, hide, input_cell, print_setup, write_rows
from qa_toolkit.review.layout import (
    BATCH_SHEET,
    COMMENT_COL,
    CRITERIA_HEADER,
    CRITERIA_TOP,
    DATE_CELL,
    DATE_LABEL,
    FINGERPRINT_KEY,
    GRADE_COL,
    GRADER_CELL,
    GRADER_LABEL,
    IDS_HEADER,
    IDS_SHEET,
    LABEL_COL,
    META_SHEET,
    PENDING_NOTE,
    REVIEW_COL,
    REVIEWS,
    allowed_grades,
    fingerprints,
    grade_for_outcome,
)
from qa_toolkit.rubric.schema import Rubric
from qa_toolkit.scoring import as_rubrics, rubric_by_conversation


def _text(value, mask: bool):
    """A value shown on a sheet: text from the data masked for personal data (ids, channel,
    reason, the facts line — a phone number can sit in tags or the queue — and the transcript
    alike; the very hidden id sheets keep the ids as they are, for the importer)."""
    return mask_text(value) if mask and isinstance(value, str) else value


def _guidance(criterion) -> str:
    guide = getattr(criterion.check, "guidance", "") or ""
    return "\n".join(t for t in (criterion.description, guide) if t)


def build_workbook(
    manifest: pd.DataFrame,
    conversations: pd.DataFrame,
    messages: pd.DataFrame,
    results: pd.DataFrame,
    rubric: Rubric | Sequence[Rubric],
    *,
    mask: bool = True,
    prefill: bool = True,
    advance: Callable[[int], None] = lambda n: None,
) -> Workbook:
    """The grading workbook for the manifest's conversations (in manifest order). Automatic
    grades are pre-filled in the input cells (a grader confirms or changes them) unless
    ``prefill`` is False; manual criteria start empty; a pending critical fail (``critical:
    confirm``) gets an empty confirm/overturn cell. Several rubrics: each conversation sheet
    shows the criteria of the rubric that scores it (``_meta`` records which). ``advance(1)``
    after each conversation sheet."""
    rubrics = as_rubrics(rubric)
    routed = rubric_by_conversation(conversations, messages, rubrics) if len(rubrics) > 1 else {}
    wb = Workbook()
    batch = wb.active
    batch.title = BATCH_SHEET
    ids = wb.create_sheet(IDS_SHEET)
    id_rows: list[list] = [IDS_HEADER]
    meta = wb.create_sheet(META_SHEET)
    batch_id = str(manifest["batch_id"].iloc[0]) if len(manifest) else ""
    meta_rows = [
        ["rubric_id", rubrics[0].id],
        ["rubric_version", rubrics[0].version],
        ["batch_id", batch_id],
        ["masked", str(mask)],
    ]
    if len(rubrics) > 1:
        meta_rows.append(["rubrics", "; ".join(f"{r.id} {r.version}" for r in rubrics)])
    conv = conversations.drop_duplicates("conversation_id").set_index("conversation_id")
    msgs = messages.sort_values(["conversation_id", "seq"], kind="stable").groupby("conversation_id")
    wanted = results[results["conversation_id"].isin(set(manifest["conversation_id"]))]
    res = dict(zip(zip(wanted["conversation_id"], wanted["criterion_id"]), wanted.to_dict("records")))
    prints = fingerprints(conversations, messages)
    _batch_header(batch)
    for n, row in enumerate(manifest.itertuples(index=False), start=1):
        name = f"C{n:03d}"
        cid = row.conversation_id
        values = [n, cid, row.agent_id, row.channel, row.period, row.stratum, row.reason, name]
        for col, value in enumerate(values, start=1):
            write_cell(batch, n + 3, col, _text(value, mask))
        batch.cell(n + 3, 8).hyperlink = f"#'{name}'!A1"
        ws = wb.create_sheet(name)
        sheet_rubric = routed.get(cid, rubrics[0])
        if len(rubrics) > 1:
            meta_rows.append([f"rubric:{name}", sheet_rubric.id])
        meta_rows.append([FINGERPRINT_KEY.format(sheet=name), prints.get(str(cid), "")])
        _conversation_sheet(
            ws,
            name,
            cid,
            conv.loc[cid] if cid in conv.index else None,
            msgs.get_group(cid) if cid in msgs.groups else messages.iloc[0:0],
            res,
            sheet_rubric,
            id_rows,
            mask,
            prefill,
        )
        advance(1)
    write_rows(ids, id_rows)
    write_rows(meta, meta_rows)
    batch.protection.sheet = True
    for ws in wb.worksheets:
        print_setup(ws)
    hide(ids)
    hide(meta)
    return wb


def _batch_header(ws) -> None:
    ws["A1"] = "质检批次 QA batch — 在每个会话工作表中填写黄色单元格 (fill the yellow cells on each conversation sheet)"
    ws["A1"].font = TITLE
    header = [
        "#",
        "会话 Conversation",
        "客服 Agent",
        "渠道 Channel",
        "周期 Period",
        "层 Stratum",
        "原因 Reason",
        "工作表 Sheet",
    ]
    for col, title in enumerate(header, start=1):
        ws.cell(3, col, title).font = HEAD
    for col, width in zip("ABCDEFGH", (5, 22, 12, 10, 12, 12, 48, 10)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A4"


def _conversation_sheet(ws, name, cid, conv, msgs, res, rubric, id_rows, mask, prefill) -> None:
    styled(write_cell(ws, 1, 1, _text(f"会话 Conversation {cid}", mask)), font=TITLE)
    facts = []
    if conv is not None:
        for key in ("agent_id", "channel", "started_at", "csat", "customer_tier", "queue", "tags"):
            if key in conv.index:
                facts.append(
                    f"{key}={conv[key]}" if not isinstance(conv[key], list) else f"{key}={'|'.join(conv[key])}"
                )
    write_cell(ws, 2, 1, _text("; ".join(str(f) for f in facts), mask))
    styled(write_cell(ws, GRADER_CELL[0], LABEL_COL, GRADER_LABEL), font=HEAD)
    input_cell(ws, *GRADER_CELL)
    styled(write_cell(ws, DATE_CELL[0], LABEL_COL, DATE_LABEL), font=HEAD)
    input_cell(ws, *DATE_CELL)
    styled(ws.cell(*DATE_CELL), number_format="yyyy-mm-dd")
    id_rows.append([name, ws.cell(*GRADER_CELL).coordinate, cid, "", "grader", ""])
    id_rows.append([name, ws.cell(*DATE_CELL).coordinate, cid, "", "date", ""])
    top = CRITERIA_TOP
    for col, title in enumerate(CRITERIA_HEADER, start=1):
        styled(ws.cell(top, col, title), font=HEAD)
    validations: dict[tuple[str, ...], DataValidation] = {}
    r = top
    for section, criterion in rubric.criteria:
        r += 1
        auto = res.get((cid, criterion.id))
        outcome = str(auto["outcome"]) if auto is not None else "review"
        evidence = (
            ""
            if auto is None
            else " · ".join(
                str(_text(auto[k], mask))
                for k in ("evidence_match", "evidence_text", "note")
                if pd.notna(auto[k]) and auto[k] != ""
            )
        )
        pending = outcome == "fail" and rubric.needs_confirmation(criterion)
        label = (
            f"{criterion.name}{' ⚠一票否决 critical' if criterion.critical else ''}{PENDING_NOTE if pending else ''}"
        )
        row_values = [
            section.name,
            criterion.id,
            label,
            _guidance(criterion),
            outcome,
            None if auto is None or outcome in ("review", "na") else float(auto["points"]),
            evidence,
        ]
        for col, value in enumerate(row_values, start=1):
            styled(write_cell(ws, r, col, value), alignment=WRAP)
        pre = grade_for_outcome(criterion, outcome, None if auto is None else auto["points"]) if prefill else None
        input_cell(ws, r, GRADE_COL, pre)
        input_cell(ws, r, COMMENT_COL)
        styled(ws.cell(r, COMMENT_COL), alignment=WRAP)
        dropdown(ws, validations, tuple(allowed_grades(criterion)), r, GRADE_COL)
        id_rows.append([name, ws.cell(r, GRADE_COL).coordinate, cid, criterion.id, "grade", pre or ""])
        id_rows.append([name, ws.cell(r, COMMENT_COL).coordinate, cid, criterion.id, "comment", ""])
        if pending:
            input_cell(ws, r, REVIEW_COL)
            dropdown(ws, validations, tuple(REVIEWS), r, REVIEW_COL)
            id_rows.append([name, ws.cell(r, REVIEW_COL).coordinate, cid, criterion.id, "review", ""])
    r += 2
    styled(
        write_cell(
            ws, r, 1, "对话记录 Transcript (个人信息已脱敏 personal data masked)" if mask else "对话记录 Transcript"
        ),
        font=HEAD,
    )
    for col, title in enumerate(["#", "时间 Time", "角色 Role", "内容 Text"], start=1):
        styled(ws.cell(r + 1, col, title), font=HEAD)
    r += 1
    for m in msgs.itertuples(index=False):
        r += 1
        ts = m.ts.strftime("%H:%M:%S") if pd.notna(m.ts) else ""
        for col, value in enumerate([m.seq, ts, m.role, _text(m.text, mask)], start=1):
            write_cell(ws, r, col, value)
        ws.merge_cells(start_row=r, start_column=4, end_row=r, end_column=REVIEW_COL)
        styled(ws.cell(r, 4), alignment=WRAP)
    for col, width in zip(range(1, REVIEW_COL + 1), (12, 14, 24, 36, 10, 9, 44, 14, 30, 16)):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = ws.cell(top + 1, 1)
    ws.protection.sheet = True


def export_workbook(
    manifest: pd.DataFrame,
    conversations: pd.DataFrame,
    messages: pd.DataFrame,
    results: pd.DataFrame,
    rubric: Rubric | Sequence[Rubric],
    dest: str | Path,
    advance: Callable[[int], None] = lambda n: None,
    **options,
) -> Path:
    """Build the grading workbook and save it atomically to ``dest``; ``advance`` counts
    2 steps per manifest row: one as its sheet is built, one when the workbook is saved."""
    wb = build_workbook(manifest, conversations, messages, results, rubric, advance=advance, **options)
    with atomic_path(dest) as tmp:
        wb.save(tmp)
    advance(len(manifest))
    return Path(dest)


def batch_frames(
    manifest: pd.DataFrame, conversations: pd.DataFrame, messages: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """The batch's conversations and messages, and the manifest ids missing from the data."""
    ids = set(manifest["conversation_id"])
    conv = conversations[conversations["conversation_id"].isin(ids)].reset_index(drop=True)
    msgs = messages[messages["conversation_id"].isin(ids)].reset_index(drop=True)
    missing = sorted(ids - set(conv["conversation_id"]))
    return conv, msgs, missing
