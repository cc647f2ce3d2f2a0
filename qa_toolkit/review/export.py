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

from qa_toolkit.excel import display_width, lines_in, put, put_rows
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
#: The width of the transcript's text columns, D to J, and the widest message text shown on one
#: line across them (a margin below): wider or multi-line texts wrap in a merged cell D:J.
_TEXT_WIDTH = sum(_WIDTHS[3:REVIEW_COL])
_ONE_LINE = _TEXT_WIDTH - 10
#: Lines the criteria table's header takes wrapped in those widths.
_HEADER_HEIGHT = max(lines_in(text, width) for text, width in zip(CRITERIA_HEADER, _WIDTHS))
#: A transcript row (#, time, role, text) written as put writes it, in no format.
_MESSAGE_FORMATS = ((None, None),) * 4


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
    sheets = {r.id: _sheet(r, fmt, mask) for r in rubrics}
    book.hidden_sheet(
        wb, LAYOUT_SHEET, [LAYOUT_HEADER] + [row for r in rubrics for row in _layout_rows(r.id, sheets[r.id].lines)]
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
    batch_rows = []
    for n, row in enumerate(manifest.itertuples(index=False), start=1):
        name = f"C{n:03d}"
        cid = row.conversation_id
        values = [n, cid, row.agent_id, row.channel, row.period, row.stratum, row.reason]
        batch_rows.append([_text(v, mask) for v in values])
        batch.write_url(n + 2, 7, f"internal:'{name}'!A1", string=name)
        sheet_rubric = routed.get(cid, rubrics[0])
        if len(rubrics) > 1:
            meta_rows.append([f"rubric:{name}", sheet_rubric.id])
        meta_rows.append([FINGERPRINT_KEY.format(sheet=name), prints.get(str(cid), "")])
        ws = wb.add_worksheet(name)
        sheet = sheets[sheet_rubric.id]
        prefills, reviews = _conversation_sheet(ws, fmt, cid, facts.get(cid), res, sheet, mask, prefill)
        id_rows.append(sheet_ids_row(name, cid, sheet_rubric.id, prefills, reviews))
        _transcript(ws, fmt, sheet.transcript_top, transcripts.get(cid, []))
        advance(1)
    book.write_rows(batch, batch_rows, start=4)
    book.write_rows(ids, id_rows)
    book.write_rows(meta, meta_rows)
    batch.protect()
    book.print_setup(batch)


def _facts(conversations: pd.DataFrame, mask: bool) -> dict:
    """conversation_id -> the facts line under a sheet's title (agent, channel, start, csat, ...);
    a fact the export does not give (no csat, no tags) is left out, not shown as <NA>."""
    conv = conversations.drop_duplicates("conversation_id")
    keys = [k for k in ("agent_id", "channel", "started_at", "csat", "customer_tier", "queue", "tags") if k in conv]
    columns = [conv[k].tolist() for k in keys]
    out = {}
    for cid, *values in zip(conv["conversation_id"].tolist(), *columns):
        shown = ("|".join(map(str, v)) if isinstance(v, list) else ("" if pd.isna(v) else str(v)) for v in values)
        out[cid] = _text("; ".join(f"{key}={value}" for key, value in zip(keys, shown) if value), mask)
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
    shown = [results[c].astype("string").fillna("") for c in ("evidence_match", "evidence_text", "note")]
    columns = [results[c].tolist() for c in ("conversation_id", "criterion_id", "outcome", "points")]
    out = {}
    for cid, crit, outcome, points, *parts in zip(*columns, *((mask_series(c) if mask else c).tolist() for c in shown)):
        said = " · ".join(filter(None, parts))
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
    book.widths(ws, (5, 22, 12, 10, 12, 17, 48, 10))
    ws.freeze_panes(3, 0)


@dataclass(frozen=True)
class _Line:
    """What every sheet of one rubric shows on a criterion's row, worked out once per workbook."""

    row: int  # 1-based, below CRITERIA_TOP
    criterion: Criterion
    texts: tuple[str, ...]  # columns A to D: section (on its first row only), id, name, guidance
    height: int  # lines those texts take wrapped
    pending_label: str  # the name with the pending note, shown while a critical fail waits
    pending_height: int  # lines the row takes while the pending note shows
    grades: tuple[str, ...]  # the drop-down's values
    confirm: bool  # an automatic fail waits for a grader (critical: confirm)
    cells: dict[str, str]  # input kind -> A1 address


@dataclass(frozen=True)
class _Sheet:
    """What every conversation sheet of one rubric repeats, worked out once per workbook: the
    cells that never change (labels, the criteria table's header and rubric texts, the empty
    inputs, the transcript's heading), its criteria rows and the drop-downs of its grade cells."""

    cells: book.Cells
    lines: list[_Line]
    dropdowns: list[tuple[str, dict]]  # (first cell, validation) per list of grades
    transcript_top: int  # 1-based row of the transcript's heading


def _sheet(rubric: Rubric, fmt: book.Formats, mask: bool) -> _Sheet:
    """The parts of ``rubric``'s conversation sheets that do not depend on the conversation."""
    cells = book.Cells()
    cells.add(GRADER_CELL[0], LABEL_COL, GRADER_LABEL, fmt.head)
    cells.add(*GRADER_CELL, None, fmt.input)
    cells.add(DATE_CELL[0], LABEL_COL, DATE_LABEL, fmt.head)
    cells.add(*DATE_CELL, None, fmt.input_date)
    cells.add_rows([CRITERIA_HEADER], CRITERIA_TOP, fmt.head_wrap)
    lines = _lines(rubric)
    for line in lines:
        for col, text in enumerate(line.texts, start=1):
            if text:  # none for ""
                cells.add(line.row, col, text, fmt.wrap)
        cells.add(line.row, COMMENT_COL, None, fmt.input_wrap)
    top = CRITERIA_TOP + len(lines) + 2
    heading = "对话记录 Transcript (个人信息已脱敏 personal data masked)" if mask else "对话记录 Transcript"
    cells.add(top, 1, heading, fmt.head)
    cells.add_rows([["#", "时间 Time", "角色 Role", "内容 Text"]], top + 1, fmt.head)
    dropdowns = book.Dropdowns()
    for line in lines:
        dropdowns.add(line.grades, line.cells["grade"])
    return _Sheet(cells, lines, dropdowns.validations(), top)


def _label(criterion: Criterion) -> str:
    """A criterion's name as its row shows it, critical items marked."""
    return f"{criterion.name}{' ⚠一票否决 critical' if criterion.critical else ''}"


def _lines(rubric: Rubric) -> list[_Line]:
    """The criteria rows of ``rubric``'s sheets, in rubric order."""
    out = []
    shown_section = None
    for r, (section, criterion) in enumerate(rubric.criteria, start=CRITERIA_TOP + 1):
        label = _label(criterion)
        # the section's name on its first row only: the rows below it are its criteria
        texts = (section.name if section is not shown_section else "", criterion.id, label, _guidance(criterion))
        shown_section = section
        height = max(lines_in(text, width) for text, width in zip(texts, _WIDTHS))
        cells = {
            "grade": book.address(r, GRADE_COL),
            "comment": book.address(r, COMMENT_COL),
            "review": book.address(r, REVIEW_COL),
        }
        grades = tuple(allowed_grades(criterion))
        pending = label + PENDING_NOTE
        pending_height = max(height, lines_in(pending, _WIDTHS[2]))
        confirm = rubric.needs_confirmation(criterion)
        out.append(_Line(r, criterion, texts, height, pending, pending_height, grades, confirm, cells))
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


#: The automatic result of a criterion the results do not have: a grader grades it.
_NO_RESULT = ("review", None, "")


def _conversation_sheet(
    ws, fmt: book.Formats, cid, facts, res, sheet: _Sheet, mask, prefill
) -> tuple[list[str], list[str]]:
    """A conversation sheet down to its criteria table: title, facts, grader and date, criteria;
    (the pre-filled grades, "" for none, the criteria with a 复核 cell) for its ``_ids`` row."""
    book.cell(ws, 1, 1, _text(f"会话 Conversation {cid}", mask), fmt.title)
    book.cell(ws, 2, 1, "" if facts is None else facts)
    sheet.cells.write(ws)
    for first, validation in sheet.dropdowns:
        ws.data_validation(first, validation)
    prefills: list[str] = []
    reviews: list[str] = []
    review_cells: list[str] = []
    string, number = ws.write_string, ws.write_number
    for line in sheet.lines:
        r, crit = line.row - 1, line.criterion.id
        outcome, points, evidence = res.get((cid, crit), _NO_RESULT)
        if outcome in OUTCOMES:  # the rules' words
            string(r, 4, outcome, fmt.wrap)
        else:
            put(ws, r, 4, outcome, fmt.wrap)
        if outcome not in ("review", "na"):
            if points == points:  # not NaN
                number(r, 5, points, fmt.wrap)
            else:
                ws.write_blank(r, 5, None, fmt.wrap)
        height = line.height
        if evidence:
            put(ws, r, 6, evidence, fmt.wrap)
            height = max(height, lines_in(str(evidence), _WIDTHS[6]))
        pre = grade_for_outcome(line.criterion, outcome, points) if prefill else None
        if pre is None:
            ws.write_blank(r, GRADE_COL - 1, None, fmt.input)
        else:  # one of the drop-down's words
            string(r, GRADE_COL - 1, pre, fmt.input)
        prefills.append(pre or "")
        if outcome == "fail" and line.confirm:  # pending: the note beside the name, and a 复核 cell
            put(ws, r, 2, line.pending_label, fmt.wrap)
            ws.write_blank(r, REVIEW_COL - 1, None, fmt.input)
            reviews.append(crit)
            review_cells.append(line.cells["review"])
            height = max(height, line.pending_height)
        book.fit_row(ws, line.row, height)
    if reviews:
        ws.data_validation(*book.dropdown(tuple(REVIEWS), review_cells))
    book.fit_row(ws, CRITERIA_TOP, _HEADER_HEIGHT)
    book.widths(ws, _WIDTHS)
    ws.freeze_panes(CRITERIA_TOP, 0)
    ws.protect()
    book.print_setup(ws)
    return prefills, reviews


def _transcript(ws, fmt: book.Formats, top: int, messages: list[list]) -> None:
    """The transcript's messages below its heading at row ``top``: one row per message, its text
    across D:J."""
    put_rows(ws, top + 1, 0, messages, _MESSAGE_FORMATS)
    for r, (_seq, _ts, _role, text) in enumerate(messages, start=top + 1):
        # display_width is at most twice the length: most texts need no closer look
        if isinstance(text, str) and (
            "\n" in text or "\r" in text or (2 * len(text) > _ONE_LINE and display_width(text) > _ONE_LINE)
        ):
            ws.merge_range(r, 3, r, REVIEW_COL - 1, "", fmt.wrap)
            put(ws, r, 3, text, fmt.wrap)
            book.fit_row(ws, r + 1, lines_in(text, _TEXT_WIDTH))
        # else one line: shown across the empty cells to its right as the merged cell would show it


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
