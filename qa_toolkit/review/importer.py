"""Read graders' workbooks back: every input cell is validated (a bad value is a Problem
naming file, sheet and cell), human grades override the automatic outcomes (which are kept
beside them), and each grader's conversations are re-scored with the rubric arithmetic."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from qa_toolkit.engine import score_chunks
from qa_toolkit.frames import RESULTS, conform, empty
from qa_toolkit.missing import is_missing
from qa_toolkit.problems import Problem, ProblemLog
from qa_toolkit.review.ids import input_cells
from qa_toolkit.review.layout import (
    COMMENT_COL,
    CRITERIA_HEADER,
    CRITERIA_TOP,
    DATE_LABEL,
    FINGERPRINT_KEY,
    GRADE_COL,
    GRADER_LABEL,
    IDS_SHEET,
    LABEL_COL,
    META_SHEET,
    REVIEW_COL,
    allowed_grades,
    fingerprints,
    parse_grade,
    parse_review,
)
from qa_toolkit.rubric.schema import Rubric
from qa_toolkit.scoring import aggregate_scores, as_rubrics, outcome_points
from qa_toolkit.workbook_guard import workbook_problem

#: grades.csv: one row per grader × conversation × criterion.
GRADES: dict[str, str] = {
    "grader": "string",
    "graded_on": "string",  # YYYY-MM-DD or ""
    "conversation_id": "string",
    "agent_id": "string",
    "channel": "string",
    "section_id": "string",
    "criterion_id": "string",
    "critical": "boolean",
    "auto_outcome": "string",  # what the rules said (review for manual items)
    "auto_points": "float64",
    "human_grade": "string",  # the cell as typed ("" when left empty)
    "human_outcome": "string",  # "" when the grader gave no grade
    "outcome": "string",  # final: human when given, else automatic
    "points": "float64",
    "max_points": "float64",
    "comment": "string",
    "total": "float64",  # the conversation's re-scored total for this grader
    "source": "string",  # file[sheet]!cell of the grade
    "critical_review": "string",  # a pending critical fail: confirm | overturn | "" (still pending)
    "confirmed": "boolean",  # a person decided this fail (confirmed it, or graded it fail themselves)
}


@dataclass
class GradeCell:
    conversation_id: str
    criterion_id: str
    sheet: str
    cell: str
    value: object
    prefill: str
    comment: str
    review: str = ""  # confirm | overturn for a pending critical fail


@dataclass
class SheetGrades:
    """What one grader entered on one conversation sheet."""

    file: str
    sheet: str
    conversation_id: str
    grader: str
    graded_on: str
    cells: list[GradeCell] = field(default_factory=list)
    grader_cell: str = ""
    rubric_id: str = ""  # the rubric the sheet was made with
    fingerprint: str = ""  # of the conversation as exported ("" in workbooks made before fingerprints)


@dataclass
class ImportResult:
    grades: pd.DataFrame  # GRADES
    scores: pd.DataFrame  # SCORES + grader, one row per grader × conversation
    log: ProblemLog
    sheets_read: int = 0
    sheets_ungraded: int = 0


def _cell_problem(file: str, sheet: str, cell: str, message: str, level: str = "error", field: str | None = None):
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    letters, row = coordinate_from_string(cell)
    return Problem(
        file,
        f"{sheet}!{cell}: {message}",
        line=row,
        col=column_index_from_string(letters),
        field=field,
        level=level,
        code="grade",
        sheet=sheet,
    )


def _date_text(value) -> str | None:
    """YYYY-MM-DD from a date cell or text like 2026-11-20, 2026/11/20, 2026年11月20日; None otherwise."""
    if isinstance(value, (dt.datetime, dt.date)):
        return value.strftime("%Y-%m-%d")
    text = str(value).strip()
    for sep in ("/", ".", "年", "月"):
        text = text.replace(sep, "-")
    parts = text.rstrip("日").split(" ")[0].split("-")
    try:
        return dt.date(*map(int, parts)).isoformat() if len(parts) == 3 else None
    except ValueError:
        return None


def _sheet_rubrics(file: str, meta: dict, rubrics: list[Rubric]) -> tuple[dict[str, Rubric] | None, list[Problem]]:
    """(rubric id -> Rubric for every rubric the workbook was made with, first first), or a
    problem when one of them is not among ``rubrics`` (id and version)."""
    made = (
        [tuple(x.strip().rsplit(" ", 1)) for x in str(meta["rubrics"]).split(";")]
        if meta.get("rubrics")
        else [(str(meta.get("rubric_id")), str(meta.get("rubric_version")))]
    )
    given = {(r.id, r.version): r for r in rubrics}
    missing = [" ".join(m) for m in made if m not in given]
    if missing:
        names = ", ".join(f"{r.id} {r.version}" for r in rubrics)
        return None, [
            Problem(
                file,
                f"workbook was made for rubric {', '.join(missing)}, not {names} (pass it with --rubric)",
                code="grade",
            )
        ]
    return {m[0]: given[m] for m in made}, []


def _moved(grid: list[tuple], at: tuple[int, int], kind: str, crit: str) -> str | None:
    """What shows that rows or columns of a conversation sheet were deleted or inserted (the
    label beside the input cell at ``at``, or the header above it, is not the one exported), or None."""
    row, col = at
    label = _LABELS.get(kind, crit)
    found = _value(grid, row, LABEL_COL)
    if str(found).strip() != label:
        return f"{_letter(LABEL_COL)}{row} reads {found!r} where {label!r} was"
    expected = _INPUT_COLUMNS.get(kind)
    if expected is not None:
        header = CRITERIA_HEADER[expected - 1]
        if _value(grid, CRITERIA_TOP, col) != header or col != expected:
            return f"{_letter(col)}{CRITERIA_TOP} reads {_value(grid, CRITERIA_TOP, col)!r} where {header!r} was"
    return None


def _letter(col: int) -> str:
    """The letters of 1-based column ``col`` (openpyxl loads only when a message needs them)."""
    from openpyxl.utils.cell import get_column_letter

    return get_column_letter(col)


#: The label beside a grader or date input cell (a criterion's row has the criterion id there).
_LABELS = {"grader": GRADER_LABEL, "date": DATE_LABEL}
#: The column of each criterion input cell, under its header in row CRITERIA_TOP.
_INPUT_COLUMNS = {"grade": GRADE_COL, "comment": COMMENT_COL, "review": REVIEW_COL}


def _value(grid: list[tuple], row: int, col: int):
    """The value at 1-based (row, col) of a sheet read by ``_grids`` (None outside it)."""
    values = grid[row - 1] if row <= len(grid) else ()
    return values[col - 1] if col <= len(values) else None


def _grids(book: _Calamine | _Openpyxl, id_rows: list[tuple]) -> dict[str, list[tuple]]:
    """Per conversation sheet the id rows name: its values from A1 down to the last row any input
    cell or the checks of ``_moved`` look at (not the transcript below)."""
    extent: dict[str, int] = {}
    for sheet, *_, (row, _col) in id_rows:
        extent[sheet] = max(extent.get(sheet, CRITERIA_TOP), row)
    names = set(book.sheet_names)
    return {sheet: book.rows(sheet, rows) for sheet, rows in extent.items() if sheet in names}


def workbook_input_cells(path: str | Path) -> list[tuple[str, str, str, str, str, str]]:
    """Every input cell of a grading workbook as (sheet, A1 cell, conversation id, criterion id or
    "", field, prefill or ""), whichever id layout it has: for scripts that fill workbooks.
    Raises ValueError when the hidden sheets are missing or damaged."""
    book = _Calamine(str(path))
    try:
        if IDS_SHEET not in book.sheet_names or META_SHEET not in book.sheet_names:
            raise ValueError(f"{path}: not a qa-toolkit grading workbook (hidden id sheets missing)")
        cells, damaged = input_cells(str(path), _meta(book), book.rows, book.sheet_names)
    finally:
        book.close()
    if damaged is not None:
        raise ValueError(f"{path}: {damaged.message}")
    return [cell[:6] for cell in cells]


def _meta(book: _Calamine | _Openpyxl) -> dict:
    """The ``_meta`` sheet's facts, key -> value."""
    return {str(r[0]): r[1] for r in book.rows(META_SHEET) if len(r) > 1 and r[0]}


def read_workbook(path: str | Path, rubric: Rubric | Sequence[Rubric]) -> tuple[list[SheetGrades], list[Problem], int]:
    """Every graded conversation sheet of one workbook, the problems met, and how many sheets
    were left untouched (no grader, nothing changed: reported, not an error). Each sheet is
    checked against the rubric it was made with (one of ``rubric``); a sheet whose rows or
    columns were moved is an error, and none of its cells is read."""
    from python_calamine import CalamineError

    file = str(path)
    unsafe = workbook_problem(path)
    if unsafe is not None:
        return [], [unsafe], 0
    try:
        book = _Openpyxl(file) if _has_formulas(file) else _Calamine(file)
    except Exception as err:  # the readers raise many types for a non-workbook
        return [], [Problem(file, f"cannot open workbook: {err}", code="grade")], 0
    try:
        return _read_sheets(file, book, as_rubrics(rubric))
    except (CalamineError, ValueError) as err:  # a sheet's XML is damaged
        return [], [Problem(file, f"cannot read workbook: {err}", code="grade")], 0
    finally:
        book.close()


class _Calamine:
    """A workbook read with calamine (Rust): the hidden id sheet and the top of every
    conversation sheet of a 901-sheet workbook in 0.5 CPU s, where openpyxl's read-only mode
    took 6 s. Values as openpyxl gives them: None for an empty cell, a whole number as int."""

    def __init__(self, file: str):
        from python_calamine import CalamineWorkbook

        self.wb = CalamineWorkbook.from_path(file)
        self.sheet_names = self.wb.sheet_names

    def rows(self, sheet: str, nrows: int | None = None) -> list[tuple]:
        """The first ``nrows`` rows (all by default) of ``sheet`` from A1."""
        return [
            tuple(None if v == "" else int(v) if type(v) is float and v.is_integer() else v for v in row)
            for row in self.wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False, nrows=nrows)
        ]

    def close(self) -> None:
        self.wb.close()


class _Openpyxl:
    """A workbook read with openpyxl's read-only mode, for a workbook holding formulas: openpyxl
    reads a formula cell as its text (what was typed, e.g. a grader's name starting with ``=``),
    calamine as the value a spreadsheet last computed, none when none did."""

    def __init__(self, file: str):
        from openpyxl import load_workbook

        self.wb = load_workbook(file, read_only=True)
        self.sheet_names = self.wb.sheetnames

    def rows(self, sheet: str, nrows: int | None = None) -> list[tuple]:
        """The first ``nrows`` rows (all by default) of ``sheet`` from A1, whatever dimension the file claims."""
        ws = self.wb[sheet]
        ws.reset_dimensions()
        return list(ws.iter_rows(max_row=nrows, values_only=True))

    def close(self) -> None:
        self.wb.close()


def _has_formulas(file: str) -> bool:
    """Whether a worksheet of the workbook at ``file`` holds a formula (False for a file that is
    not a zip: the reader says what it is)."""
    try:
        with zipfile.ZipFile(file) as archive:
            for entry in archive.infolist():
                if entry.filename.startswith("xl/worksheets/") and entry.filename.endswith(".xml"):
                    data = archive.read(entry)
                    if b"<f>" in data or b"<f " in data:
                        return True
    except (OSError, zipfile.BadZipFile, ValueError, EOFError):
        return False
    return False


def _read_sheets(
    file: str, book: _Calamine | _Openpyxl, rubrics: list[Rubric]
) -> tuple[list[SheetGrades], list[Problem], int]:
    """``read_workbook`` on an open workbook."""

    if IDS_SHEET not in book.sheet_names or META_SHEET not in book.sheet_names:
        return [], [Problem(file, "not a qa-toolkit grading workbook (hidden id sheets missing)", code="grade")], 0
    meta = _meta(book)
    made, problems = _sheet_rubrics(file, meta, rubrics)
    if made is None:
        return [], problems, 0
    first = next(iter(made.values()))
    id_rows, damaged = input_cells(file, meta, book.rows, book.sheet_names)
    if damaged is not None:
        return [], [damaged], 0
    criteria_of = {r.id: {c.id: c for _, c in r.criteria} for r in made.values()}
    sheets: dict[str, SheetGrades] = {}
    comments: dict[tuple[str, str], str] = {}
    moved: set[str] = set()
    reviews: dict[tuple[str, str], str] = {}
    grids = _grids(book, id_rows)
    for sheet, cell, cid, crit, kind, prefill, at in id_rows:
        if sheet in moved:
            continue
        grid = grids.get(sheet)
        if grid is None:
            problems.append(Problem(file, f"sheet '{sheet}' is missing", sheet=sheet, code="grade"))
            moved.add(sheet)
            continue
        shifted = _moved(grid, at, kind, crit)
        if shifted is not None:
            problems.append(
                Problem(
                    file,
                    f"rows or columns of sheet '{sheet}' were deleted or inserted ({shifted}): "
                    "none of its grades is read; grade it on an unchanged sheet",
                    sheet=sheet,
                    code="grade",
                )
            )
            moved.add(sheet)
            sheets.pop(sheet, None)
            continue
        value = _value(grid, *at)
        sg = sheets.get(sheet)
        if sg is None:  # the sheet's first cell
            sg = sheets[sheet] = SheetGrades(
                file,
                sheet,
                cid,
                "",
                "",
                rubric_id=made.get(str(meta.get(f"rubric:{sheet}")), first).id,
                fingerprint=str(meta.get(FINGERPRINT_KEY.format(sheet=sheet)) or ""),
            )
        criteria = criteria_of[sg.rubric_id]
        if kind == "grader":
            sg.grader, sg.grader_cell = ("" if is_missing(value) else str(value).strip()), cell
        elif kind == "date":
            if not is_missing(value):
                text = _date_text(value)
                if text is None:
                    problems.append(
                        _cell_problem(file, sheet, cell, f"'{value}' is not a date (YYYY-MM-DD)", field="date")
                    )
                sg.graded_on = text or ""
        elif crit not in criteria:
            problems.append(_cell_problem(file, sheet, cell, f"criterion '{crit}' is not in rubric {sg.rubric_id}"))
        elif kind == "comment":
            comments[(sheet, crit)] = "" if is_missing(value) else str(value).strip()
        elif kind == "review":
            reviews[(sheet, crit)] = parse_review(value) or ""
            if parse_review(value) is None:
                problems.append(
                    _cell_problem(
                        file,
                        sheet,
                        cell,
                        f"'{value}' is not a review of the critical fail (allowed: confirm, overturn)",
                        field=crit,
                    )
                )
        else:
            sg.cells.append(GradeCell(cid, crit, sheet, cell, value, prefill, ""))
    graded, untouched = [], 0
    for sheet, sg in sheets.items():
        for gc in sg.cells:
            gc.comment = comments.get((sheet, gc.criterion_id), "")
            gc.review = reviews.get((sheet, gc.criterion_id), "")
        touched = any(_norm(gc.value) != gc.prefill or gc.comment or gc.review for gc in sg.cells)
        if not sg.grader:
            if touched:
                problems.append(
                    _cell_problem(
                        file, sheet, sg.grader_cell or "A1", "grades given but the grader name is empty", field="grader"
                    )
                )
            else:
                untouched += 1
            continue
        criteria = criteria_of[sg.rubric_id]
        for gc in sg.cells:
            parsed = None if is_missing(gc.value) else parse_grade(criteria[gc.criterion_id], gc.value)
            if not is_missing(gc.value) and parsed is None:
                allowed = ", ".join(allowed_grades(criteria[gc.criterion_id]))
                problems.append(
                    _cell_problem(
                        file,
                        sheet,
                        gc.cell,
                        f"'{gc.value}' is not a grade for {gc.criterion_id} (allowed: {allowed})",
                        field=gc.criterion_id,
                    )
                )
            elif gc.review == "confirm" and parsed is not None and parsed[0] != "fail":
                problems.append(
                    _cell_problem(
                        file,
                        sheet,
                        gc.cell,
                        f"the critical fail of {gc.criterion_id} is confirmed but graded '{gc.value}'",
                        field=gc.criterion_id,
                    )
                )
        graded.append(sg)
    return graded, problems, untouched


def _norm(value) -> str:
    if is_missing(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def merge_grades(
    sheets: list[SheetGrades], results: pd.DataFrame, conversations: pd.DataFrame, rubric: Rubric | Sequence[Rubric]
) -> tuple[pd.DataFrame, pd.DataFrame, list[Problem]]:
    """(GRADES, re-scored SCORES with a grader column, problems): human grades over the
    automatic RESULTS; a criterion a grader left empty keeps its automatic outcome. Each sheet
    is re-scored with the rubric it was made with (its ``rubric_id``; default the first)."""
    rubrics = as_rubrics(rubric)
    by_id = {r.id: r for r in rubrics}
    problems: list[Problem] = []
    seen: dict[tuple[str, str], str] = {}
    conv = conversations.drop_duplicates("conversation_id").set_index("conversation_id")
    rows_of = results.groupby("conversation_id", sort=False).indices
    position = {id(r): i for i, r in enumerate(rubrics)}
    crit_ids, auto_outcomes = results["criterion_id"].tolist(), results["outcome"].tolist()
    taken: list[np.ndarray] = []
    columns: dict[str, list] = {
        name: []
        for name in (
            "human_grade",
            "human_outcome",
            "_typed_points",
            "comment",
            "source",
            "critical_review",
            "confirmed",
            "_rubric",
            "grader",
            "graded_on",
        )
    }
    for sg in sheets:
        key = (sg.grader, sg.conversation_id)
        where = f"{sg.file}[{sg.sheet}]"
        if key in seen:
            problems.append(
                Problem(
                    sg.file,
                    f"{sg.grader} graded {sg.conversation_id} twice ({seen[key]} and {where})",
                    sheet=sg.sheet,
                    code="grade",
                )
            )
            continue
        seen[key] = where
        rows = rows_of.get(sg.conversation_id)
        if rows is None:
            problems.append(
                Problem(sg.file, f"conversation {sg.conversation_id} is not in the data", sheet=sg.sheet, code="grade")
            )
            continue
        taken.append(rows)
        sheet_rubric = by_id.get(sg.rubric_id, rubrics[0])
        _grade_columns(sg, sheet_rubric, [crit_ids[i] for i in rows], [auto_outcomes[i] for i in rows], columns)
        for name, value in (
            ("_rubric", position[id(sheet_rubric)]),
            ("grader", sg.grader),
            ("graded_on", sg.graded_on),
        ):
            columns[name].extend([value] * len(rows))
    if not taken:
        return conform(pd.DataFrame(columns=list(GRADES)), GRADES), pd.DataFrame(), problems
    out = results.take(np.concatenate(taken)).reset_index(drop=True)
    out["auto_outcome"], out["auto_points"] = out["outcome"], out["points"]
    for name, values in columns.items():
        out[name] = values
    out["confirmed"] = pd.array(columns["confirmed"], dtype="boolean")
    out["_typed_points"] = pd.array(columns["_typed_points"], dtype="float64")
    out["outcome"] = out["human_outcome"].where(out["human_outcome"] != "", out["auto_outcome"])
    frames, score_parts = [], []
    for grader in sorted(set(columns["grader"])):
        res = _rescored(out[out["grader"].eq(grader).to_numpy()].reset_index(drop=True), rubrics)
        per_rubric = []
        for i, r in enumerate(rubrics):
            mine = res[res["_rubric"].eq(i).to_numpy()].reset_index(drop=True)
            if len(mine):
                ids = mine["conversation_id"].unique()
                per_rubric.append(aggregate_scores(mine, conv.loc[conv.index.intersection(ids)].reset_index(), r))
        scores = pd.concat(per_rubric, ignore_index=True) if len(per_rubric) > 1 else per_rubric[0]
        scores.insert(0, "grader", grader)
        score_parts.append(scores)
        res["total"] = res["conversation_id"].map(scores.set_index("conversation_id")["total"])
        res["agent_id"] = res["conversation_id"].map(conv["agent_id"])
        res["channel"] = res["conversation_id"].map(conv["channel"])
        frames.append(res)
    grades = conform(pd.concat(frames, ignore_index=True), GRADES)[list(GRADES)]
    return grades, pd.concat(score_parts, ignore_index=True), problems


def _grade_columns(sg: SheetGrades, rubric: Rubric, crit_ids: list, outcomes: list, columns: dict[str, list]) -> None:
    """Add one sheet's human grades, in the order of its automatic results (``crit_ids``,
    ``outcomes``), to the GRADES ``columns``: a grade given wins; an overturned critical fail
    passes unless graded otherwise; a fail a person decided is ``confirmed``."""
    criteria = {c.id: c for _, c in rubric.criteria}
    cells = {gc.criterion_id: gc for gc in sg.cells}
    for crit_id, outcome in zip(crit_ids, outcomes):
        gc = cells.get(crit_id)
        parsed = parse_grade(criteria[crit_id], gc.value) if gc is not None and not is_missing(gc.value) else None
        typed = gc is not None and _norm(gc.value) != gc.prefill  # the grader changed the cell
        if gc is not None and gc.review == "overturn" and (parsed is None or parsed[0] == "fail"):
            parsed = ("pass", None)  # the rule was wrong: full points unless the grader gave a grade
        columns["human_grade"].append(_norm(gc.value) if gc else "")
        columns["human_outcome"].append(parsed[0] if parsed else "")
        columns["_typed_points"].append(parsed[1] if parsed else None)
        columns["comment"].append(gc.comment if gc else "")
        columns["source"].append(f"{sg.file}[{sg.sheet}]!{gc.cell}" if gc else "")
        columns["critical_review"].append(gc.review if gc else "")
        fail = (parsed[0] if parsed else outcome) == "fail"
        columns["confirmed"].append(
            fail and gc is not None and (gc.review == "confirm" or (typed and parsed is not None))
        )


def _rescored(res: pd.DataFrame, rubrics: list[Rubric]) -> pd.DataFrame:
    """``res`` with the points and maximum of each row's final outcome under its sheet's rubric
    (``_rubric``: a position in ``rubrics``); a scale grade's own points (``_typed_points``) win."""
    points, maximum = np.zeros(len(res)), np.zeros(len(res))
    for (i, crit_id), idx in res.groupby(["_rubric", "criterion_id"], sort=False).indices.items():
        criterion = next(c for _, c in rubrics[i].criteria if c.id == crit_id)
        p, m = outcome_points(criterion, res["outcome"].iloc[idx])
        points[idx], maximum[idx] = p.to_numpy(), m.to_numpy()
    typed = res["_typed_points"].to_numpy(dtype="float64", na_value=np.nan)
    return res.assign(points=np.where(np.isnan(typed), points, typed), max_points=maximum)


def _same_data(sheets: list[SheetGrades], prints: dict[str, str]) -> tuple[list[SheetGrades], list[Problem]]:
    """The sheets whose conversation in the data is the one they were made from (a sheet whose
    conversation the data lacks is kept: ``merge_grades`` reports it), and a problem for each
    other; workbooks made before fingerprints are read with a warning."""
    kept, problems, unchecked = [], [], []
    for sg in sheets:
        now = prints.get(sg.conversation_id)
        if not sg.fingerprint:
            unchecked.append(sg.file)
        elif now is not None and now != sg.fingerprint:
            problems.append(
                Problem(
                    sg.file,
                    f"conversation {sg.conversation_id} in the data is not the one this sheet "
                    "was made from (its agent, channel, customer or messages differ): its "
                    "grades are not used; import against the export the batch was drawn "
                    "from (--data)",
                    sheet=sg.sheet,
                    code="other-data",
                )
            )
            continue
        kept.append(sg)
    for file in dict.fromkeys(unchecked):
        problems.append(
            Problem(
                file,
                "made before grading workbooks carried the fingerprint of their data: not checked against --data",
                level="warning",
                code="unchecked-data",
            )
        )
    return kept, problems


def import_workbooks(
    paths: list[str | Path],
    conversations: pd.DataFrame,
    messages: pd.DataFrame,
    rubric: Rubric | Sequence[Rubric],
    *,
    risk: pd.DataFrame | None = None,
    advance: Callable[[int], None] = lambda n: None,
) -> ImportResult:
    """Read and validate every workbook, score the graded conversations automatically through
    the runner (each with the rubric its sheet was made with), then merge and re-score (see
    ``merge_grades``).
    The caller decides what errors mean; nothing invalid is used as a grade. ``advance(1)``
    after each workbook read."""
    rubrics = as_rubrics(rubric)
    log = ProblemLog()
    sheets: list[SheetGrades] = []
    untouched = 0
    for path in paths:
        graded, problems, skipped = read_workbook(path, rubrics)
        sheets.extend(graded)
        log.extend(problems)
        untouched += skipped
        advance(1)
        if skipped:
            log.add(
                Problem(
                    str(path),
                    f"{skipped} conversation sheet(s) have no grader and no change: not graded",
                    level="warning",
                    code="ungraded",
                )
            )
    ids = {sg.conversation_id for sg in sheets}
    conv = conversations[conversations["conversation_id"].isin(ids)].reset_index(drop=True)
    msgs = messages[messages["conversation_id"].isin(ids)].reset_index(drop=True)
    sheets, problems = _same_data(sheets, fingerprints(conv, msgs))
    log.extend(problems)
    rubric_of: dict[str, str] = {}
    for sg in sheets:
        rubric_of.setdefault(sg.conversation_id, sg.rubric_id or rubrics[0].id)
    parts = []
    for r in rubrics:
        mine = conv["conversation_id"].map(rubric_of).eq(r.id).to_numpy()
        if mine.any():
            sub = conv[mine]
            parts.append(score_chunks(sub, msgs[msgs["conversation_id"].isin(sub["conversation_id"])], r, risk=risk)[0])
    results = pd.concat(parts, ignore_index=True) if parts else empty(RESULTS)
    grades, scores, problems = merge_grades(sheets, results, conv, rubrics)
    log.extend(problems)
    log.records_read = len(sheets) + untouched
    pending = grades[(grades["auto_outcome"] == "review") & (grades["human_outcome"] == "")]
    for row in pending.itertuples(index=False):
        log.add(
            Problem(
                row.source.split("[")[0] if row.source else "",
                f"{row.source}: {row.criterion_id} still needs a grade (left as review)",
                level="warning",
                code="review",
            )
        )
    waiting = {
        (g, c): set(p.split(";"))
        for g, c, p in zip(
            scores.get("grader", []), scores.get("conversation_id", []), scores.get("critical_pending", [])
        )
        if p
    }
    for row in grades[grades["outcome"].eq("fail") & ~grades["confirmed"].fillna(False)].itertuples(index=False):
        if row.criterion_id in waiting.get((row.grader, row.conversation_id), ()):
            log.add(
                Problem(
                    row.source.split("[")[0],
                    f"{row.source}: critical fail of {row.criterion_id} still "
                    "pending: confirm or overturn it in the 复核 column",
                    level="warning",
                    code="pending",
                )
            )
    return ImportResult(grades, scores, log, len(sheets), untouched)
