"""The grading workbook: a batch sheet, one sheet per conversation (masked transcript, the
automatic results with evidence, a drop-down grade and a comment per criterion, grader and
date), protected so only the input cells take typing, plus very hidden id sheets so the
importer never parses the layout."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pandas as pd

from qa_toolkit.excel import display_width, put, written_as_is
from qa_toolkit.frames import OUTCOMES
from qa_toolkit.privacy import mask_series, mask_text
from qa_toolkit.review import book
from qa_toolkit.review.ids import ID_LAYOUT_KEY, LAYOUT_HEADER, LAYOUT_SHEET, PER_SHEET, SHEET_IDS_HEADER, sheet_ids_row
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
from qa_toolkit.rubric.schema import Criterion, Rubric
from qa_toolkit.scoring import as_rubrics, rubric_by_conversation

#: Column widths of a conversation sheet, A to J.
_WIDTHS = (12, 14, 24, 36, 10, 9, 44, 14, 30, 16)
#: The widest message text shown on one line across the transcript's text columns, D to J (a
#: margin below their width): wider or multi-line texts wrap in a merged cell D:J.
_ONE_LINE = sum(_WIDTHS[3:REVIEW_COL]) - 10


def _text(value, mask: bool):
    """A value shown on a sheet: text from the data masked for personal data (ids, channel,
    reason, the facts line — a phone number can sit in tags or the queue — and the transcript
    alike; the very hidden id sheets keep the ids as they are, for the importer)."""
    return mask_text(value) if mask and isinstance(value, str) else value


def _guidance(criterion) -> str:
    guide = getattr(criterion.check, "guidance", "") or ""
    return "\n".join(t for t in (criterion.description, guide) if t)


def grading_book(
    manifest: pd.DataFrame,
    conversations: pd.DataFrame,
    messages: pd.DataFrame,
    results: pd.DataFrame,
    rubric: Rubric | Sequence[Rubric],
    *,
    mask: bool = True,
    prefill: bool = True,
    advance: Callable[[int], None] = lambda n: None,
) -> book.Book:
    """The grading workbook for the manifest's conversations (in manifest order), to ``save``.
    Automatic grades are pre-filled in the input cells (a grader confirms or changes them) unless
    ``prefill`` is False; manual criteria start empty; a pending critical fail (``critical:
    confirm``) gets an empty confirm/overturn cell. Several rubrics: each conversation sheet
    shows the criteria of the rubric that scores it (``_meta`` records which). ``advance(1)``
    after each conversation sheet."""
    return partial(
        _fill,
        manifest,
        conversations,
        messages,
        results,
        as_rubrics(rubric),
        mask=mask,
        prefill=prefill,
        advance=advance,
    )


def _fill(
    manifest, conversations, messages, results, rubrics, wb, fmt: book.Formats, *, mask, prefill, advance
) -> None:
    """``grading_book``'s sheets written into ``wb``."""
    routed = rubric_by_conversation(conversations, messages, rubrics) if len(rubrics) > 1 else {}
    batch = wb.add_worksheet(BATCH_SHEET)
    ids = book.hidden_sheet(wb, IDS_SHEET)
    id_rows: list[list] = [SHEET_IDS_HEADER]
    meta = book.hidden_sheet(wb, META_SHEET)
    lines = {r.id: _lines(r) for r in rubrics}
    book.hidden_sheet(
        wb, LAYOUT_SHEET, [LAYOUT_HEADER] + [row for r in rubrics for row in _layout_rows(r.id, lines[r.id])]
    )
    batch_id = str(manifest["batch_id"].iloc[0]) if len(manifest) else ""
    meta_rows = [
        ["rubric_id", rubrics[0].id],
        ["rubric_version", rubrics[0].version],
        ["batch_id", batch_id],
        ["masked", str(mask)],
        [ID_LAYOUT_KEY, PER_SHEET],
    ]
    if len(rubrics) > 1:
        meta_rows.append(["rubrics", "; ".join(f"{r.id} {r.version}" for r in rubrics)])
    wanted = set(manifest["conversation_id"])
    facts = _facts(conversations[conversations["conversation_id"].isin(wanted)], mask)
    transcripts = _transcripts(messages[messages["conversation_id"].isin(wanted)], mask)
    res = _automatic(results[results["conversation_id"].isin(wanted)], mask)
    prints = fingerprints(conversations, messages)
    _batch_header(batch, fmt)
    for n, row in enumerate(manifest.itertuples(index=False), start=1):
        name = f"C{n:03d}"
        cid = row.conversation_id
        values = [n, cid, row.agent_id, row.channel, row.period, row.stratum, row.reason]
        book.write_rows(batch, [[_text(v, mask) for v in values]], start=n + 3)
        batch.write_url(n + 2, 7, f"internal:'{name}'!A1", string=name)
        sheet_rubric = routed.get(cid, rubrics[0])
        if len(rubrics) > 1:
            meta_rows.append([f"rubric:{name}", sheet_rubric.id])
        meta_rows.append([FINGERPRINT_KEY.format(sheet=name), prints.get(str(cid), "")])
        ws = wb.add_worksheet(name)
        prefills, reviews = _conversation_sheet(
            ws, fmt, cid, facts.get(cid), res, lines[sheet_rubric.id], mask, prefill
        )
        id_rows.append(sheet_ids_row(name, cid, sheet_rubric.id, prefills, reviews))
        _transcript(ws, fmt, CRITERIA_TOP + len(sheet_rubric.criteria) + 2, transcripts.get(cid, []), mask)
        advance(1)
    book.write_rows(ids, id_rows)
    book.write_rows(meta, meta_rows)
    batch.protect()
    book.print_setup(batch)


def _facts(conversations: pd.DataFrame, mask: bool) -> dict:
    """conversation_id -> the facts line under a sheet's title (agent, channel, start, csat, ...)."""
    conv = conversations.drop_duplicates("conversation_id")
    keys = [k for k in ("agent_id", "channel", "started_at", "csat", "customer_tier", "queue", "tags") if k in conv]
    columns = [conv[k].tolist() for k in keys]
    out = {}
    for cid, *values in zip(conv["conversation_id"].tolist(), *columns):
        line = "; ".join(
            f"{key}={'|'.join(value) if isinstance(value, list) else value}" for key, value in zip(keys, values)
        )
        out[cid] = _text(line, mask)
    return out


def _transcripts(messages: pd.DataFrame, mask: bool) -> dict[str, list[list]]:
    """conversation_id -> its messages in order as [seq, time, role, text] rows."""
    msgs = messages.sort_values(["conversation_id", "seq"], kind="stable")
    text = mask_series(msgs["text"]) if mask else msgs["text"]
    ts = msgs["ts"].dt.strftime("%H:%M:%S").fillna("")
    out: dict[str, list[list]] = {}
    for cid, *row in zip(*(c.tolist() for c in (msgs["conversation_id"], msgs["seq"], ts, msgs["role"], text))):
        out.setdefault(cid, []).append(row)
    return out


def _automatic(results: pd.DataFrame, mask: bool) -> dict[tuple[str, str], tuple[str, float, str]]:
    """(conversation_id, criterion_id) -> (outcome, points, evidence shown) of the automatic results."""
    evidence = ("evidence_match", "evidence_text", "note")
    columns = (results[c].tolist() for c in ("conversation_id", "criterion_id", "outcome", "points", *evidence))
    out = {}
    for cid, crit, outcome, points, *shown in zip(*columns):
        said = " · ".join(str(_text(v, mask)) for v in shown if pd.notna(v) and v != "")
        out[(cid, crit)] = (str(outcome), points, said)
    return out


def _batch_header(ws, fmt: book.Formats) -> None:
    title = "质检批次 QA batch — 在每个会话工作表中填写黄色单元格 (fill the yellow cells on each conversation sheet)"
    book.cell(ws, 1, 1, title, fmt.title)
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
    book.write_rows(ws, [header], start=3, fmt=fmt.head)
    book.widths(ws, (5, 22, 12, 10, 12, 12, 48, 10))
    ws.freeze_panes(3, 0)


@dataclass(frozen=True)
class _Line:
    """What every sheet of one rubric shows on a criterion's row, worked out once per workbook."""

    row: int  # 1-based, below CRITERIA_TOP
    criterion: Criterion
    shown: tuple[tuple[int, str, bool], ...]  # (column, text, plain) of section, id, label, guidance
    pending: tuple[tuple[int, str, bool], ...]  # the same with the label's pending note
    grades: tuple[str, ...]  # the drop-down's values
    confirm: bool  # an automatic fail waits for a grader (critical: confirm)
    cells: dict[str, str]  # input kind -> A1 address


def _lines(rubric: Rubric) -> list[_Line]:
    """The criteria rows of ``rubric``'s sheets, in rubric order."""
    out = []
    for r, (section, criterion) in enumerate(rubric.criteria, start=CRITERIA_TOP + 1):
        label = f"{criterion.name}{' ⚠一票否决 critical' if criterion.critical else ''}"
        cells = {
            "grade": book.address(r, GRADE_COL),
            "comment": book.address(r, COMMENT_COL),
            "review": book.address(r, REVIEW_COL),
        }
        texts = [section.name, criterion.id, label, _guidance(criterion)]
        shown, pending = (
            tuple((col, text, written_as_is(text)) for col, text in enumerate(values) if text)  # none for ""
            for values in (texts, [*texts[:2], label + PENDING_NOTE, texts[3]])
        )
        grades = tuple(allowed_grades(criterion))
        out.append(_Line(r, criterion, shown, pending, grades, rubric.needs_confirmation(criterion), cells))
    return out


def _layout_rows(rubric_id: str, lines: list[_Line]) -> list[list]:
    """The ``_layout`` rows of ``rubric_id``'s sheets: every input cell a sheet can have, in sheet order."""
    rows = [[rubric_id, "grader", "", book.address(*GRADER_CELL)], [rubric_id, "date", "", book.address(*DATE_CELL)]]
    for line in lines:
        crit = line.criterion.id
        rows += [[rubric_id, kind, crit, line.cells[kind]] for kind in ("grade", "comment")]
        if line.confirm:
            rows.append([rubric_id, "review", crit, line.cells["review"]])
    return rows


def _conversation_sheet(ws, fmt: book.Formats, cid, facts, res, lines, mask, prefill) -> tuple[list[str], list[str]]:
    """A conversation sheet down to its criteria table: title, facts, grader and date, criteria;
    (the pre-filled grades, "" for none, the criteria with a 复核 cell) for its ``_ids`` row."""
    book.cell(ws, 1, 1, _text(f"会话 Conversation {cid}", mask), fmt.title)
    book.cell(ws, 2, 1, "" if facts is None else facts)
    book.cell(ws, GRADER_CELL[0], LABEL_COL, GRADER_LABEL, fmt.head)
    book.cell(ws, *GRADER_CELL, None, fmt.input)
    book.cell(ws, DATE_CELL[0], LABEL_COL, DATE_LABEL, fmt.head)
    book.cell(ws, *DATE_CELL, None, fmt.input_date)
    prefills: list[str] = []
    reviews: list[str] = []
    book.write_rows(ws, [CRITERIA_HEADER], start=CRITERIA_TOP, fmt=fmt.head)
    dropdowns = book.Dropdowns()
    for line in lines:
        r, crit = line.row - 1, line.criterion.id
        outcome, points, evidence = res.get((cid, crit), ("review", None, ""))
        pending = outcome == "fail" and line.confirm
        for col, text, plain in line.pending if pending else line.shown:
            if plain:  # checked once per workbook: the text put would write, written straight
                ws.write_string(r, col, text, fmt.wrap)
            else:
                put(ws, r, col, text, fmt.wrap)
        if outcome in OUTCOMES:  # the rules' words
            ws.write_string(r, 4, outcome, fmt.wrap)
        else:
            put(ws, r, 4, outcome, fmt.wrap)
        if outcome not in ("review", "na"):
            put(ws, r, 5, float(points), fmt.wrap)
        if evidence:
            put(ws, r, 6, evidence, fmt.wrap)
        pre = grade_for_outcome(line.criterion, outcome, points) if prefill else None
        if pre is None:
            ws.write_blank(r, GRADE_COL - 1, None, fmt.input)
        else:  # one of the drop-down's words
            ws.write_string(r, GRADE_COL - 1, pre, fmt.input)
        ws.write_blank(r, COMMENT_COL - 1, None, fmt.input_wrap)
        dropdowns.add(line.grades, line.cells["grade"])
        prefills.append(pre or "")
        if pending:
            put(ws, r, REVIEW_COL - 1, None, fmt.input)
            dropdowns.add(tuple(REVIEWS), line.cells["review"])
            reviews.append(crit)
    dropdowns.write(ws)
    book.widths(ws, _WIDTHS)
    ws.freeze_panes(CRITERIA_TOP, 0)
    ws.protect()
    book.print_setup(ws)
    return prefills, reviews


def _transcript(ws, fmt: book.Formats, top: int, messages: list[list], mask: bool) -> None:
    """The transcript from row ``top``: a heading, then one row per message, its text across D:J."""
    heading = "对话记录 Transcript (个人信息已脱敏 personal data masked)" if mask else "对话记录 Transcript"
    book.cell(ws, top, 1, heading, fmt.head)
    book.write_rows(ws, [["#", "时间 Time", "角色 Role", "内容 Text"]], start=top + 1, fmt=fmt.head)
    for r, (seq, ts, role, text) in enumerate(messages, start=top + 2):
        ws.write_number(r - 1, 0, seq)
        if ts:  # HH:MM:SS
            ws.write_string(r - 1, 1, ts)
        book.cell(ws, r, 3, role)
        if isinstance(text, str) and ("\n" in text or "\r" in text or display_width(text) > _ONE_LINE):
            ws.merge_range(r - 1, 3, r - 1, REVIEW_COL - 1, "", fmt.wrap)
            book.cell(ws, r, 4, text, fmt.wrap)
        else:  # one line: shown across the empty cells to its right as the merged cell would show it
            book.cell(ws, r, 4, text)


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
    """Write the grading workbook atomically to ``dest``; ``advance`` counts 2 steps per
    manifest row: one as its sheet is built, one when the workbook is saved."""
    path = book.save(grading_book(manifest, conversations, messages, results, rubric, advance=advance, **options), dest)
    advance(len(manifest))
    return path


def batch_frames(
    manifest: pd.DataFrame, conversations: pd.DataFrame, messages: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """The batch's conversations and messages, and the manifest ids missing from the data."""
    ids = set(manifest["conversation_id"])
    conv = conversations[conversations["conversation_id"].isin(ids)].reset_index(drop=True)
    msgs = messages[messages["conversation_id"].isin(ids)].reset_index(drop=True)
    missing = sorted(ids - set(conv["conversation_id"]))
    return conv, msgs, missing
