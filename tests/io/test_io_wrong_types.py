"""A value of the wrong type (an object, a list or a number as text, true/false as a score, a list
as an id) is a located problem on its record on every reading route — never coerced silently
into text like "{'a': 1}" or a CSAT of 1. Numbers as ids stay welcome, and a spreadsheet cell
typed as a number is the text it shows."""

from __future__ import annotations

import copy

import pandas as pd
import pytest
from reading_routes import RECORD_ROUTES, kept_and_codes, long_table, read_route

from qa_toolkit.io import read_conversations


def clean(cid: str) -> dict:
    return {
        "conversation_id": cid,
        "agent_id": "A1",
        "channel": "chat",
        "customer_id": "U1",
        "tags": ["t"],
        "messages": [{"role": "customer", "text": "你好"}, {"role": "agent", "text": "您好"}],
    }


def with_value(field: str, value, message: bool = False) -> list[dict]:
    """Three clean records, the middle one with ``value`` in ``field`` (of its second message)."""
    records = [clean("C1"), clean("C2"), clean("C3")]
    if message:
        records[1]["messages"][1][field] = copy.deepcopy(value)
    else:
        records[1][field] = copy.deepcopy(value)
    return records


WRONG = [
    ("text", {"a": 1}, True, "bad_type"),
    ("text", 42, True, "bad_type"),
    ("text", True, True, "bad_type"),
    ("text", ["你好"], True, "bad_type"),
    ("conversation_id", ["x", "y"], False, "bad_type"),
    ("conversation_id", True, False, "bad_type"),
    ("agent_id", {"id": 3}, False, "bad_type"),
    ("channel", False, False, "bad_type"),
    ("channel", ["chat"], False, "bad_type"),
    ("customer_id", [1], False, "bad_type"),
    ("queue", {"q": 1}, False, "bad_type"),
    ("customer_tier", True, False, "bad_type"),
    ("csat", True, False, "bad_csat"),
    ("csat", False, False, "bad_csat"),
    ("csat", [4], False, "bad_csat"),
    ("tags", {"a": 1}, False, "bad_type"),
    ("tags", [1, {"a": 1}], False, "bad_type"),
    ("tags", True, False, "bad_type"),
    ("tags", [["nested"]], False, "bad_type"),
]


@pytest.mark.parametrize("route", RECORD_ROUTES)
@pytest.mark.parametrize("field, value, message, code", WRONG)
def test_wrong_types_are_located_on_every_record_route(route, field, value, message, code, tmp_path):
    dataset = read_route(route, with_value(field, value, message), tmp_path)
    if dataset is None:  # the Arrow front end declined: the reference reads the range
        assert route == "arrow_jsonl"
        return
    kept, codes = kept_and_codes(dataset)
    assert kept == ["C1", "C3"] and codes == [code]
    problem = dataset.log.problems[0]
    assert problem.line == 2 and problem.field == (f"messages[1].{field}" if message else field)


@pytest.mark.parametrize("route", RECORD_ROUTES)
@pytest.mark.parametrize(
    "field, value, want",
    [
        ("customer_id", 13800138000, "13800138000"),
        ("conversation_id", 7, "7"),
        ("channel", "Chat", "chat"),
        ("tags", [1, "a"], ["1", "a"]),
    ],
)
def test_numbers_as_ids_and_tags_are_read_as_text(route, field, value, want, tmp_path):
    dataset = read_route(route, with_value(field, value), tmp_path)
    if dataset is None:
        assert route == "arrow_jsonl"
        return
    assert not dataset.log.problems and dataset.conversations[field].iloc[1] == want


def test_true_and_false_in_table_text_columns_stay_text(tmp_path):
    frame = long_table([clean("C1"), clean("C2")])
    frame.loc[frame["conversation_id"] == "C2", "agent_id"] = "true"
    frame.loc[frame["conversation_id"] == "C1", "conversation_id"] = "false"
    frame.to_csv(tmp_path / "t.csv", index=False)
    ds = read_conversations(tmp_path / "t.csv")
    assert list(ds.conversations["conversation_id"]) == ["false", "C2"]
    assert list(ds.conversations["agent_id"]) == ["A1", "true"] and not ds.log.problems


@pytest.mark.parametrize("suffix", ["csv", "parquet", "xlsx"])
def test_true_as_a_table_csat_is_not_a_score(suffix, tmp_path):
    frame = long_table([clean("C1"), clean("C2")])
    frame["csat"] = ["4", "4", "true", "true"]
    path = tmp_path / f"t.{suffix}"
    if suffix == "csv":
        frame.to_csv(path, index=False)
    elif suffix == "parquet":
        frame.assign(csat=[None, None, True, True]).to_parquet(path, index=False)
    else:
        frame.assign(csat=[4, 4, True, True]).to_excel(path, index=False)
    ds = read_conversations(path)
    assert list(ds.conversations["conversation_id"]) == ["C1"]
    assert [(p.line, p.field, p.code) for p in ds.log.problems] == [(4, "csat", "bad_csat")]


@pytest.mark.parametrize("suffix", ["parquet", "xlsx"])
def test_numbers_typed_in_a_table_text_column_are_their_text(suffix, tmp_path):
    frame = pd.DataFrame(
        {"conversation_id": ["C1", "C1"], "agent_id": ["A1", "A1"], "role": ["customer", "agent"], "text": [12315, 1]}
    )
    path = tmp_path / f"t.{suffix}"
    frame.to_parquet(path, index=False) if suffix == "parquet" else frame.to_excel(path, index=False)
    ds = read_conversations(path)
    assert list(ds.messages["text"]) == ["12315", "1"] and not ds.log.problems
