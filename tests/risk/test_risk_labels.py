"""Label expressions: a safe little language over conversation fields; missing values are counted."""

from __future__ import annotations

import pandas as pd
import pytest

from qa_toolkit.problems import InputError
from qa_toolkit.risk.labels import parse_label


@pytest.fixture()
def convs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "csat": pd.array([1, 5, None, 2, 3], dtype="Int64"),
            "tags": [["complaint"], [], ["投诉"], ["escalation", "complaint"], []],
            "escalated": [True, False, None, "true", "no"],
            "channel": pd.array(["chat", "phone", "chat", "email", None], dtype="string"),
        }
    )


@pytest.mark.parametrize(
    ("expr", "expected", "missing"),
    [
        ("csat <= 2", [True, False, None, True, False], 1),
        ("2 >= csat", [True, False, None, True, False], 1),
        ("'complaint' in tags", [True, False, False, True, False], 0),
        ("'投诉' in tags", [False, False, True, False, False], 0),
        ("'complaint' not in tags", [False, True, True, False, True], 0),
        ("escalated == true", [True, False, None, True, False], 1),
        ("escalated", [True, False, None, True, False], 1),
        ("csat <= 2 or 'escalation' in tags", [True, False, None, True, False], 1),
        ("not (csat > 2) and channel == 'chat'", [True, False, None, False, None], 2),
        ("csat in [1, 2]", [True, False, None, True, False], 1),
        ("channel != \"chat\"", [False, True, False, True, None], 1),
    ],
)
def test_label_values_and_missing_counts(convs, expr, expected, missing):
    result = parse_label(expr).evaluate(convs)
    assert [None if pd.isna(v) else bool(v) for v in result.y] == expected
    assert result.n_missing == missing


def test_label_fields_are_what_the_expression_reads():
    assert parse_label("csat <= 2 or ('complaint' in tags and not escalated)").fields == ("csat", "escalated", "tags")


@pytest.mark.parametrize(
    ("expr", "col", "words"),
    [
        ("csat <=", 8, "expected a field name or a value"),
        ("csat === 2", 8, "unexpected character '='"),
        ("__import__('os').system('echo hi')", 17, "unexpected character '.'"),
        ("open('x')", 5, "unexpected '('"),
        ("1 < 2", 1, "needs at least one field"),
        ("csat < 'bad'", 1, "compares with a number"),
        ("(csat <= 2", 11, "expected ')'"),
        ("csat <= 2 csat", 11, "unexpected 'csat'"),
        ("", 1, "empty label expression"),
        ("(" * 10_000 + "csat <= 2" + ")" * 10_000, 51, "nested deeper than 50"),
        ("not " * 5_000 + "escalated", 201, "nested deeper than 50"),
        ("[" * 5_000 + "]" * 5_000, 1, "a list holds only literal values"),
        ("csat in [1, [2]]", 9, "a list holds only literal values"),
    ],
)
def test_bad_expressions_are_located_input_errors(expr, col, words):
    with pytest.raises(InputError) as err:
        parse_label(expr)
    problem = err.value.problems[0]
    assert problem.file == "--label" and problem.col == col
    assert words in problem.message and len(problem.message) < 300


def test_nesting_within_the_limit_still_parses():
    assert parse_label("(" * 50 + "csat <= 2" + ")" * 50).fields == ("csat",)
    assert parse_label("not " * 49 + "(escalated)").fields == ("escalated",)


def test_unknown_field_names_the_field_and_what_exists(convs):
    with pytest.raises(InputError, match="field 'complaint_type' is not in the data.*csat"):
        parse_label("complaint_type == 'logistics'").evaluate(convs)


def test_values_that_are_not_numbers_or_booleans_count_as_missing():
    convs = pd.DataFrame({"csat": ["1", "five", None, "4"], "escalated": ["yes", "maybe", "否", None]})
    csat = parse_label("csat <= 2").evaluate(convs)
    assert [None if pd.isna(v) else bool(v) for v in csat.y] == [True, None, None, False]
    esc = parse_label("escalated == true").evaluate(convs)
    assert [None if pd.isna(v) else bool(v) for v in esc.y] == [True, None, False, None]
    assert (csat.n_missing, esc.n_missing) == (2, 2)
