"""Rubric loading and linting: the shipped rubrics are clean; each kind of breakage is
reported at the right file:line:col; schema.json is in sync with the models."""

import json
from pathlib import Path

import pytest

from qa_toolkit.resources import rubrics_dir
from qa_toolkit.rubric import load_rubric
from qa_toolkit.rubric.loader import load_with_locator, parse_rubric
from qa_toolkit.rubric.schema import json_schema

SHIPPED = sorted(rubrics_dir().glob("ecommerce-*.yaml"))
ZH = rubrics_dir() / "ecommerce-zh.yaml"


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based line of the nth occurrence of needle."""
    pos = -1
    for _ in range(nth):
        pos = text.index(needle, pos + 1)
    return text.count("\n", 0, pos) + 1


def problems_for(tmp_path: Path, text: str):
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    return load_with_locator(path)[2]


def test_shipped_rubrics_exist_and_are_clean():
    assert {p.name for p in SHIPPED} == {"ecommerce-zh.yaml", "ecommerce-en.yaml"}
    for path in SHIPPED:
        rubric, problems = load_rubric(path)
        assert rubric is not None
        assert problems == [], [str(p) for p in problems]


def test_shipped_zh_rubric_covers_the_brief():
    rubric, _ = load_rubric(ZH)
    assert len(rubric.criteria) >= 20
    assert [s.name for s in rubric.sections] == ["服务态度", "专业知识/准确性", "合规与信息安全", "解决效率"]
    types = {c.check.type for _, c in rubric.criteria}
    assert {
        "keywords",
        "regex",
        "context",
        "timing",
        "metadata",
        "pii",
        "diversion",
        "abuse",
        "model",
        "manual",
    } <= types
    assert {c.kind for _, c in rubric.criteria} == {"standard", "bonus", "deduction"}
    for _, c in rubric.criteria:
        expected = {e.expect for e in c.examples}
        assert expected >= ({"review"} if c.check.type == "manual" else {"pass", "fail"}), c.id


def test_shipped_rubrics_carry_the_schema_modeline():
    for path in SHIPPED:
        assert path.read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=./schema.json")


def test_schema_json_in_sync():
    on_disk = json.loads((rubrics_dir() / "schema.json").read_text(encoding="utf-8"))
    assert on_disk == json_schema(), "run: qa rubric schema > rubrics/schema.json"


ORIGINAL = ZH.read_text(encoding="utf-8")


def _mutate(old: str, new: str, nth: int = 1) -> str:
    head, tail = "", ORIGINAL
    for _ in range(nth - 1):
        i = tail.index(old) + len(old)
        head, tail = head + tail[:i], tail[i:]
    assert old in tail
    return head + tail.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "marker", "code", "col"),
    [
        ("- id: closing", "- id: greeting", "- id: greeting", "duplicate-id", 13),  # 2nd occurrence
        (
            'exclude: "已(经)?(帮您|为您)?反馈"',
            'exclude: "已(经(帮您|为您)?反馈"',
            'exclude: "已(经(帮您|为您)?反馈"',
            "schema",
            20,
        ),
        ("type: pii", "type: piii", "type: piii", "unknown-check", 17),
        ("    weight: 30\n", "    weight: 35\n", "sections:", "weights", 1),
        ("first_turns: 1\n", "first_turns: 1\n          first_turns: 2\n", "first_turns: 2", "duplicate-key", 11),
        (
            "        points: 15\n        severity: high\n        fail_section",
            "        points: 15\n        severity: high\n        fail_sectoin",
            "fail_sectoin",
            "schema",
            9,
        ),
        ("phrases: [您好, 你好,", "phrases: [您好, 110, 你好,", "phrases: [您好, 110", "schema", 25),
        (
            "points: 10\n        severity: low\n        check:\n          type: keywords\n          phrases: [您好",
            "points: -1\n        severity: low\n        check:\n          type: keywords\n          phrases: [您好",
            "points: -1",
            "schema",
            17,
        ),
    ],
)
def test_mutations_are_reported_at_the_right_line(tmp_path, old, new, marker, code, col):
    text = _mutate(old, new)
    problems = [p for p in problems_for(tmp_path, text) if p.level == "error"]
    assert problems, "mutation not detected"
    nth = 2 if code == "duplicate-id" else 1
    expected_line = line_of(text, marker, nth)
    hits = [p for p in problems if p.code == code and p.line == expected_line]
    assert hits, [str(p) for p in problems]
    assert hits[0].col == col, str(hits[0])
    assert hits[0].file.endswith("r.yaml")
    assert load_rubric(tmp_path / "r.yaml")[0] is None


def test_yaml_syntax_error_has_its_line(tmp_path):
    text = _mutate("    name: 服务态度\n", "    name: [服务态度\n")
    problems = problems_for(tmp_path, text)
    assert len(problems) == 1 and problems[0].code == "yaml-syntax"
    assert problems[0].line is not None and abs(problems[0].line - line_of(text, "[服务态度")) <= 2


def test_yaml_12_keeps_strings(tmp_path):
    text = _mutate("phrases: [您好, 你好,", "phrases: [no, on, yes, 12:30, 您好, 你好,")
    rubric, _, problems = load_with_locator(_write(tmp_path, text))
    assert [p for p in problems if p.level == "error"] == []
    assert rubric.sections[0].criteria[0].check.phrases[:4] == ["no", "on", "yes", "12:30"]


def _write(tmp_path, text):
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_unreadable_and_non_mapping(tmp_path):
    problems = load_with_locator(tmp_path / "missing.yaml")[2]
    assert problems[0].code == "unreadable"
    assert parse_rubric("- a\n- b\n", "x.yaml")[2][0].line == 1


MINI = """\
id: mini
version: "1"
name: mini
language: en
sections:
  - id: s
    name: s
    weight: 100
    criteria:
      - id: a
        name: a
        critical: true
        kind: bonus
        when: {field: refund_amt, op: ">", value: 0}
        check: {type: keywords, mode: at_least, count: 4, phrases: [x, y, " "]}
"""


def test_semantic_lint_rules(tmp_path):
    problems = problems_for(tmp_path, MINI)
    by_code = {p.code: p for p in problems}
    assert by_code["unreachable-critical"].line == 12
    assert by_code["unreachable"].line == 15
    assert by_code["empty-phrase"].level == "error"
    assert by_code["unknown-field"].line == 14 and by_code["unknown-field"].level == "error"
    assert by_code["no-examples"].level == "warning"
    assert by_code["weights"].message.startswith("section 's' has weight but only bonus")


def test_declared_fields_are_known(tmp_path):
    text = (
        MINI.replace("        kind: bonus\n", "")
        .replace("        critical: true\n", "")
        .replace(', " "', ", z")
        .replace("count: 4", "count: 2")
    )
    assert any(p.code == "unknown-field" for p in problems_for(tmp_path, text))
    text = text.replace("language: en\n", "language: en\nfields: [refund_amt]\n")
    assert not any(p.code == "unknown-field" for p in problems_for(tmp_path, text))


BAD_CONDITIONS = """\
id: mini
version: 1.0
name: mini
language: en
sections:
  - id: s
    name: s
    weight: 100
    criteria:
      - id: a
        name: a
        when: {field: csat, op: "=~", value: 0}
        check: {type: metadata, condition: {all: [{field: csat, op: ">"}, {nope: 1}]}}
"""


def test_schema_messages_are_plain_and_located(tmp_path):
    problems = {(p.line, p.col): p.message for p in problems_for(tmp_path, BAD_CONDITIONS)}
    assert problems[(2, 10)] == 'expected text, got 1.0: quote it ("1.0")'
    assert problems[(12, 33)].startswith("Input should be '=='")
    assert problems[(13, 51)].startswith("op '>' needs a value")
    assert problems[(13, 75)] == "a condition needs one of the keys: field, says, all, any, not"
