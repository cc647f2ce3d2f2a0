"""Grading workbook round trip: export → fill programmatically → import, validation, safety."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from openpyxl import load_workbook

from qa_toolkit.engine import score_chunks
from qa_toolkit.frames import MANIFEST, conform
from qa_toolkit.io import conversations_from_records
from qa_toolkit.review.export import batch_frames, export_workbook
from qa_toolkit.review.importer import import_workbooks, workbook_input_cells
from qa_toolkit.review.layout import IDS_SHEET, allowed_grades, parse_grade
from qa_toolkit.rubric import load_rubric

RUBRIC = """\
id: test-zh
version: "1.0"
name: 测试评分表
language: zh
bands: [{name: 不合格, min: 0}, {name: 合格, min: 60}, {name: 优秀, min: 90}]
sections:
  - id: attitude
    name: 服务态度
    weight: 50
    criteria:
      - id: greeting
        name: 问候
        points: 10
        check: {type: keywords, phrases: [您好, 你好], first_turns: 1}
      - id: empathy
        name: 同理心
        points: 10
        scale: 3-point
        check: {type: manual, guidance: 理解并回应客户情绪}
  - id: compliance
    name: 合规
    weight: 50
    criteria:
      - id: forbidden
        name: 服务禁语
        points: 10
        critical: true
        check: {type: keywords, mode: none, phrases: [滚]}
      - id: accuracy
        name: 准确性 accuracy
        points: 10
        check: {type: manual}
"""

RECORDS = [
    {
        "conversation_id": "c1",
        "channel": "chat",
        "agent_id": "A1",
        "customer_id": "u1",
        "started_at": "2026-11-10T10:00:00+08:00",
        "csat": 5,
        "tags": [],
        "customer_tier": "normal",
        "queue": "售前",
        "messages": [
            {"role": "agent", "text": "您好，请问有什么可以帮您"},
            {"role": "customer", "text": "=HYPERLINK(\"http://x\",\"点我\") 我的电话13812345678"},
        ],
    },
    {
        "conversation_id": "c2",
        "channel": "phone",
        "agent_id": "A1",
        "customer_id": "u2",
        "started_at": "2026-11-11T10:00:00+08:00",
        "csat": 1,
        "tags": ["投诉"],
        "customer_tier": "vip",
        "queue": "售后",
        "messages": [{"role": "customer", "text": "怎么还没发货"}, {"role": "agent", "text": "滚"}],
    },
    {
        "conversation_id": "c3",
        "channel": "chat",
        "agent_id": "A2",
        "customer_id": "u3",
        "started_at": "2026-11-12T10:00:00+08:00",
        "csat": 4,
        "tags": [],
        "customer_tier": "normal",
        "queue": "售前",
        "messages": [{"role": "agent", "text": "Hello"}, {"role": "customer", "text": "thanks"}],
    },
]


@pytest.fixture()
def setup(tmp_path):
    path = tmp_path / "rubric.yaml"
    path.write_text(RUBRIC, encoding="utf-8")
    rubric, problems = load_rubric(path)
    assert rubric is not None, problems
    data = conversations_from_records(RECORDS)
    manifest = conform(
        pd.DataFrame(
            {
                "batch_id": "b1",
                "conversation_id": ["c1", "c2", "c3"],
                "agent_id": ["A1", "A1", "A2"],
                "channel": ["chat", "phone", "chat"],
                "period": "2026-W46",
                "stratum": ["random", "complaint", "random"],
                "reason": ["random", "tag '投诉'", "random"],
                "inclusion_prob": [0.5, 1.0, 0.25],
                "seed": 1,
            }
        ),
        MANIFEST,
    )
    conv, msgs, missing = batch_frames(manifest, data.conversations, data.messages)
    assert missing == []
    results, _ = score_chunks(conv, msgs, rubric)
    book = tmp_path / "grading.xlsx"
    export_workbook(manifest, conv, msgs, results, rubric, book)
    return rubric, (conv, msgs), results, book


def cells(book) -> dict:
    """(sheet, criterion or field) -> cell address, from the hidden id sheet."""
    out = {}
    for sheet, cell, cid, crit, kind, _ in workbook_input_cells(book):
        out[(cid, crit or kind, kind)] = (sheet, cell)
    return out


def fill(
    book, dest, grader: str, grades: dict, comments: dict | None = None, date="2026-11-20", reviews: dict | None = None
):
    ids = cells(book)
    wb = load_workbook(book)
    for cid in ("c1", "c2", "c3"):
        sheet, cell = ids[(cid, "grader", "grader")]
        wb[sheet][cell] = grader
        sheet, cell = ids[(cid, "date", "date")]
        wb[sheet][cell] = dt.datetime.fromisoformat(date) if date and date[0].isdigit() else date
    for (cid, crit), value in grades.items():
        sheet, cell = ids[(cid, crit, "grade")]
        wb[sheet][cell] = value
    for (cid, crit), value in (comments or {}).items():
        sheet, cell = ids[(cid, crit, "comment")]
        wb[sheet][cell] = value
    for (cid, crit), value in (reviews or {}).items():
        sheet, cell = ids[(cid, crit, "review")]
        wb[sheet][cell] = value
    wb.save(dest)
    return dest


def test_workbook_is_safe_masked_protected_and_has_dropdowns(setup):
    rubric, conv, results, book = setup
    wb = load_workbook(book)
    assert wb.sheetnames[:5] == ["批次 Batch", "_ids", "_meta", "_layout", "C001"]
    assert wb["_ids"].sheet_state == wb["_layout"].sheet_state == "veryHidden"
    ws = wb["C001"]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not any("13812345678" in t for t in texts)
    assert any("138****5678" in t for t in texts)
    formula_cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert formula_cells and all(c.data_type == "s" and c.quotePrefix for c in formula_cells)
    assert ws.protection.sheet and wb["批次 Batch"].protection.sheet
    ids = cells(book)
    sheet, grade_cell = ids[("c1", "empathy", "grade")]
    assert ws[grade_cell].protection.locked is False
    assert ws["A1"].protection.locked is True
    lists = {dv.formula1 for dv in ws.data_validations.dataValidation}
    assert '"pass,fail,na"' in lists and '"2,1,0,na"' in lists
    # automatic outcomes are pre-filled, manual ones empty
    assert ws[ids[("c1", "greeting", "grade")][1]].value == "pass"
    assert ws[grade_cell].value is None


def test_round_trip_two_graders(setup, tmp_path):
    rubric, conv, results, book = setup
    g1 = fill(
        book,
        tmp_path / "g1.xlsx",
        "王芳",
        {
            ("c1", "empathy"): "2",
            ("c1", "accuracy"): "pass",
            ("c2", "empathy"): 0,
            ("c2", "accuracy"): "fail",
            ("c3", "greeting"): "pass",
            ("c3", "empathy"): "1",
            ("c3", "accuracy"): "pass",
        },
        comments={("c3", "greeting"): "英文问候也算"},
    )
    g2 = fill(
        book,
        tmp_path / "g2.xlsx",
        "李雷",
        {
            ("c1", "empathy"): "1",
            ("c1", "accuracy"): "pass",
            ("c2", "empathy"): "0",
            ("c2", "accuracy"): "fail",
            ("c2", "forbidden"): "pass",
            ("c3", "empathy"): "2",
            ("c3", "accuracy"): "fail",
        },
    )
    res = import_workbooks([g1, g2], *conv, rubric)
    assert res.log.errors == []
    g = res.grades
    assert len(g) == 2 * 3 * 4
    row = g[(g.grader == "王芳") & (g.conversation_id == "c3") & (g.criterion_id == "greeting")].iloc[0]
    assert (row.auto_outcome, row.human_outcome, row.outcome, row.comment) == ("fail", "pass", "pass", "英文问候也算")
    assert row.graded_on == "2026-11-20" and "C003" in row.source
    emp = g[(g.grader == "王芳") & (g.conversation_id == "c3") & (g.criterion_id == "empathy")].iloc[0]
    assert (emp.outcome, emp.points, emp.max_points) == ("pass", 5.0, 10.0)
    totals = res.scores.set_index(["grader", "conversation_id"])["total"]
    # 王芳 c1: attitude (10 + 10)/20 = 100, compliance (10 + 10)/20 = 100
    assert totals[("王芳", "c1")] == pytest.approx(100)
    # 李雷 c1: empathy 1/2 -> 5 points: attitude 75; compliance 100 -> 87.5
    assert totals[("李雷", "c1")] == pytest.approx(87.5)
    # c2: the rule caught 滚 (critical) -> 0 for 王芳; 李雷 overrode it to pass: attitude 0/20, compliance 10/20
    assert totals[("王芳", "c2")] == 0
    assert totals[("李雷", "c2")] == pytest.approx(25)
    assert bool(res.scores.set_index(["grader", "conversation_id"]).loc[("王芳", "c2"), "critical_failed"])
    # 王芳 c3: greeting pass 10 + empathy 5 = 75; compliance 100 -> 87.5
    assert g[(g.grader == "王芳") & (g.conversation_id == "c3")]["total"].iloc[0] == pytest.approx(87.5)


@pytest.fixture()
def confirm_setup(tmp_path):
    """The test rubric with its critical item under ``critical: confirm``, exported."""
    path = tmp_path / "rubric.yaml"
    path.write_text(RUBRIC.replace("critical: true", "critical: confirm"), encoding="utf-8")
    rubric, problems = load_rubric(path)
    assert rubric is not None, problems
    data = conversations_from_records(RECORDS)
    manifest = conform(
        pd.DataFrame(
            {
                "batch_id": "b1",
                "conversation_id": ["c1", "c2", "c3"],
                "agent_id": ["A1", "A1", "A2"],
                "channel": "chat",
                "period": "2026-W46",
                "stratum": ["random", "pending_critical", "random"],
                "reason": "r",
                "inclusion_prob": 1.0,
                "seed": 1,
            }
        ),
        MANIFEST,
    )
    results, scores = score_chunks(data.conversations, data.messages, rubric)
    assert scores.set_index("conversation_id").loc["c2", "critical_pending"] == "forbidden"
    book = tmp_path / "grading.xlsx"
    export_workbook(manifest, data.conversations, data.messages, results, rubric, book)
    return rubric, (data.conversations, data.messages), book


def test_a_pending_critical_has_a_review_cell_that_confirms_or_overturns_it(confirm_setup, tmp_path):
    rubric, conv, book = confirm_setup
    ids = cells(book)
    assert [k for k in ids if k[2] == "review"] == [("c2", "forbidden", "review")]  # only the pending fail
    sheet, cell = ids[("c2", "forbidden", "review")]
    ws = load_workbook(book)[sheet]
    assert ws[cell].protection.locked is False and '"confirm,overturn"' in {
        dv.formula1 for dv in ws.data_validations.dataValidation
    }
    assert "待复核" in ws.cell(ws[cell].row, 3).value
    manual = {
        ("c1", "empathy"): "2",
        ("c2", "empathy"): "0",
        ("c3", "empathy"): "1",
        ("c1", "accuracy"): "pass",
        ("c2", "accuracy"): "pass",
        ("c3", "accuracy"): "pass",
    }
    books = [
        fill(book, tmp_path / "wang.xlsx", "王芳", manual, reviews={("c2", "forbidden"): "确认"}),
        fill(book, tmp_path / "li.xlsx", "李雷", manual, reviews={("c2", "forbidden"): "overturn"}),
        fill(book, tmp_path / "zhao.xlsx", "赵敏", manual),
    ]
    res = import_workbooks(books, *conv, rubric)
    assert res.log.errors == []
    scores = res.scores.set_index(["grader", "conversation_id"])
    g = res.grades.set_index(["grader", "conversation_id", "criterion_id"])
    confirmed = scores.loc[("王芳", "c2")]
    assert confirmed["total"] == 0 and confirmed["critical_failed"] and confirmed["critical_pending"] == ""
    assert (
        g.loc[("王芳", "c2", "forbidden"), "critical_review"] == "confirm"
        and g.loc[("王芳", "c2", "forbidden"), "confirmed"]
    )
    overturned = g.loc[("李雷", "c2", "forbidden")]
    assert (overturned["auto_outcome"], overturned["outcome"], overturned["points"]) == ("fail", "pass", 10.0)
    assert (
        scores.loc[("李雷", "c2"), "total"] == pytest.approx(50) and not scores.loc[("李雷", "c2"), "critical_failed"]
    )
    waiting = scores.loc[("赵敏", "c2")]  # left alone: still pending, recorded beside, the total not zeroed
    assert waiting["critical_pending"] == "forbidden" and waiting["total"] == pytest.approx(25)
    pending = [str(p) for p in res.log.warnings if p.code == "pending"]
    assert len(pending) == 1 and "zhao.xlsx" in pending[0] and "forbidden" in pending[0]


def test_a_review_that_contradicts_the_grade_is_an_error_at_its_cell(confirm_setup, tmp_path):
    rubric, conv, book = confirm_setup
    ids = cells(book)
    bad = fill(
        book, tmp_path / "bad.xlsx", "王芳", {("c2", "forbidden"): "pass"}, reviews={("c2", "forbidden"): "confirm"}
    )
    worse = fill(book, tmp_path / "worse.xlsx", "李雷", {}, reviews={("c2", "forbidden"): "maybe"})
    messages = [str(p) for p in import_workbooks([bad, worse], *conv, rubric).log.errors]
    grade_cell, review_cell = ids[("c2", "forbidden", "grade")][1], ids[("c2", "forbidden", "review")][1]
    assert any("bad.xlsx" in m and f"!{grade_cell}" in m and "confirmed but graded 'pass'" in m for m in messages)
    assert any("worse.xlsx" in m and f"!{review_cell}" in m and "'maybe'" in m for m in messages), messages


def test_malformed_cells_are_errors_with_sheet_and_cell(setup, tmp_path):
    rubric, conv, results, book = setup
    ids = cells(book)
    bad = fill(book, tmp_path / "bad.xlsx", "王芳", {("c1", "empathy"): "3", ("c2", "accuracy"): "maybe"}, date="昨天")
    res = import_workbooks([bad], *conv, rubric)
    messages = [str(p) for p in res.log.errors]
    s, c = ids[("c1", "empathy", "grade")]
    assert any(f"{s}!{c}" in m and "'3'" in m and "2, 1, 0, na" in m for m in messages), messages
    s, c = ids[("c2", "accuracy", "grade")]
    assert any(f"{s}!{c}" in m and "maybe" in m for m in messages)
    assert any("昨天" in m and "not a date" in m for m in messages)
    assert all("bad.xlsx" in m for m in messages)


def test_missing_grader_untouched_sheets_and_pending_reviews(setup, tmp_path):
    rubric, conv, results, book = setup
    ids = cells(book)
    wb = load_workbook(book)
    sheet, cell = ids[("c1", "empathy", "grade")]
    wb[sheet][cell] = "2"  # graded, but no grader name
    wb.save(tmp_path / "nogrder.xlsx")
    res = import_workbooks([tmp_path / "nogrder.xlsx"], *conv, rubric)
    assert any("grader name is empty" in str(p) and "C001!C3" in str(p) for p in res.log.errors)
    assert res.sheets_ungraded == 2 and any(p.code == "ungraded" for p in res.log.warnings)
    res = import_workbooks([fill(book, tmp_path / "partial.xlsx", "王芳", {})], *conv, rubric)
    assert res.log.errors == []
    assert sum(p.code == "review" for p in res.log.warnings) == 6
    assert (res.scores["n_review"] == 2).all()


def test_wrong_rubric_and_duplicate_grades(setup, tmp_path):
    rubric, conv, results, book = setup
    g1 = fill(book, tmp_path / "g1.xlsx", "王芳", {})
    res = import_workbooks([g1, g1], *conv, rubric)
    assert sum("twice" in str(p) for p in res.log.errors) == 3
    other = rubric.model_copy(update={"version": "2.0"})
    res = import_workbooks([g1], *conv, other)
    assert any("made for rubric test-zh 1.0" in str(p) for p in res.log.errors)
    (tmp_path / "junk.xlsx").write_text("not a workbook")
    res = import_workbooks([tmp_path / "junk.xlsx"], *conv, rubric)
    assert any("cannot open workbook" in str(p) for p in res.log.errors)


def test_grade_values():
    from qa_toolkit.rubric.schema import Criterion

    c = Criterion.model_validate({"id": "x", "name": "x", "points": 8, "scale": "5-point", "check": {"type": "manual"}})
    assert allowed_grades(c) == ["4", "3", "2", "1", "0", "na"]
    assert parse_grade(c, 3) == ("pass", 6.0) and parse_grade(c, 0.0) == ("fail", 0.0)
    assert parse_grade(c, "不适用") == ("na", None) and parse_grade(c, "5") is None


def test_formula_like_ids_round_trip_as_text(tmp_path):
    path = tmp_path / "rubric.yaml"
    path.write_text(RUBRIC, encoding="utf-8")
    rubric, _ = load_rubric(path)
    record = {**RECORDS[0], "conversation_id": "=1+1", "agent_id": "@A1"}
    data = conversations_from_records([record])
    manifest = conform(
        pd.DataFrame(
            {
                "batch_id": "b",
                "conversation_id": ["=1+1"],
                "agent_id": ["@A1"],
                "channel": ["chat"],
                "period": "2026-W46",
                "stratum": ["random"],
                "reason": ["random"],
                "inclusion_prob": [1.0],
                "seed": 1,
            }
        ),
        MANIFEST,
    )
    results, _ = score_chunks(data.conversations, data.messages, rubric)
    book = export_workbook(manifest, data.conversations, data.messages, results, rubric, tmp_path / "g.xlsx")
    wb = load_workbook(book)
    id_cells = [c for row in wb[IDS_SHEET].iter_rows() for c in row if c.value == "=1+1"]
    assert id_cells and all(c.data_type == "s" for c in id_cells)
    assert wb["批次 Batch"]["C4"].value == "@A1" and wb["批次 Batch"]["C4"].data_type == "s"
    wb["C001"]["C3"] = "王芳"
    wb.save(tmp_path / "filled.xlsx")
    res = import_workbooks([tmp_path / "filled.xlsx"], data.conversations, data.messages, rubric)
    assert res.log.errors == [] and set(res.grades["conversation_id"]) == {"=1+1"}


def test_date_cells_accept_common_spellings():
    from qa_toolkit.review.importer import _date_text

    assert _date_text(dt.datetime(2026, 11, 20, 9, 30)) == "2026-11-20"
    assert _date_text("2026/11/20") == _date_text("2026年11月20日") == "2026-11-20"
    assert _date_text("2026-13-01") is None and _date_text("昨天") is None


@pytest.mark.parametrize(
    "change",
    [
        lambda ws: ws.delete_cols(4),
        lambda ws: ws.delete_cols(9),
        lambda ws: ws.insert_cols(1),
        lambda ws: ws.delete_rows(7),
        lambda ws: ws.delete_rows(1),
    ],
    ids=[
        "guidance column deleted",
        "comment column deleted",
        "column inserted",
        "criterion row deleted",
        "title row deleted",
    ],
)
def test_a_sheet_whose_rows_or_columns_moved_is_an_error_not_silently_dropped_grades(setup, tmp_path, change):
    rubric, conv, results, book = setup
    filled = fill(book, tmp_path / "g.xlsx", "王芳", {("c1", "accuracy"): "fail", ("c2", "accuracy"): "fail"})
    wb = load_workbook(filled)
    change(wb["C001"])
    wb.save(tmp_path / "moved.xlsx")
    res = import_workbooks([tmp_path / "moved.xlsx"], *conv, rubric)
    assert [p.sheet for p in res.log.errors] == ["C001"]
    assert "deleted or inserted" in res.log.errors[0].message
    assert set(res.grades["conversation_id"]) == {"c2", "c3"}  # the other sheets are read as usual


def test_a_damaged_meta_sheet_is_a_problem(setup, tmp_path):
    rubric, conv, results, book = setup
    wb = load_workbook(book)
    wb["_meta"].append(["rubrics", "test-zh"])  # no version
    wb["_meta"]["B1"] = None
    wb.save(tmp_path / "meta.xlsx")
    res = import_workbooks([tmp_path / "meta.xlsx"], *conv, rubric)
    assert any("made for rubric test-zh" in p.message for p in res.log.errors)


def test_grades_never_land_on_another_exports_conversations(setup, tmp_path):
    rubric, conv, results, book = setup
    filled = fill(book, tmp_path / "g.xlsx", "王芳", {("c1", "accuracy"): "fail", ("c3", "accuracy"): "fail"})
    other = [dict(r) for r in RECORDS]
    other[0] = {**other[0], "agent_id": "A9"}  # same conversation ids, another export
    other[2] = {**other[2], "messages": [{"role": "agent", "text": "Hi there"}]}
    data = conversations_from_records(other)
    res = import_workbooks([filled], data.conversations, data.messages, rubric)
    assert sorted(p.sheet for p in res.log.errors if p.code == "other-data") == ["C001", "C003"]
    assert set(res.grades["conversation_id"]) == {"c2"}
    wb = load_workbook(filled)
    for r in range(wb["_meta"].max_row, 0, -1):
        if str(wb["_meta"].cell(r, 1).value).startswith("data:"):
            wb["_meta"].delete_rows(r)
    wb.save(tmp_path / "old.xlsx")
    res = import_workbooks([tmp_path / "old.xlsx"], *conv, rubric)
    assert res.log.errors == [] and [p.code for p in res.log.warnings if p.code == "unchecked-data"] == [
        "unchecked-data"
    ]
