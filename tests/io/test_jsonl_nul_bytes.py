"""NUL in a JSONL export: a raw NUL byte anywhere in a line makes the line invalid JSON, a
located problem (line and column) that skips that line alone, on the reader and a worker's line
range; an escaped ``\\u0000`` inside a text is valid JSON and kept as the text's character
(outputs neutralise control characters where they write them)."""

from __future__ import annotations

import json

import pytest

from qa_toolkit.engine.parts import JsonlLines
from qa_toolkit.io import read_conversations
from qa_toolkit.io.arrow_jsonl import dataset_from_bytes
from qa_toolkit.io.jsonl import LineRange


def record(cid: str, text: str = "你好") -> dict:
    return {
        "conversation_id": cid,
        "agent_id": "a1",
        "messages": [{"ts": "2026-03-01T10:00:00+08:00", "role": "customer", "text": text}],
    }


def lines() -> list[bytes]:
    return [json.dumps(record(f"c{i}"), ensure_ascii=False).encode() + b"\n" for i in range(1, 4)]


PLACES = {
    "inside a string": lambda raw: raw.replace("你好".encode(), "你\x00好".encode()),
    "between tokens": lambda raw: raw.replace(b', "agent_id"', b',\x00 "agent_id"'),
    "before the object": lambda raw: b"\x00" + raw,
    "after the object": lambda raw: raw[:-1] + b"\x00\n",
    "a line of NULs": lambda raw: b"\x00" * 64 + b"\n",
}


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("route", ["reader", "line_range"])
def test_a_raw_nul_byte_skips_its_line_with_a_located_problem(tmp_path, place, route):
    raw = lines()
    raw[1] = PLACES[place](raw[1])
    path = tmp_path / "nul.jsonl"
    path.write_bytes(b"".join(raw))
    if route == "reader":
        dataset = read_conversations(path)
    else:
        dataset = JsonlLines(str(path), LineRange(0, path.stat().st_size, 1), "Asia/Shanghai").dataset()
    assert list(dataset.conversations["conversation_id"]) == ["c1", "c3"]
    [problem] = dataset.log.problems
    assert (problem.line, problem.code) == (2, "invalid_json") and problem.col >= 1
    assert dataset_from_bytes(path.read_bytes(), "Asia/Shanghai") is None  # the Arrow front end declines it


def test_an_escaped_nul_in_a_text_is_kept_as_text(tmp_path):
    path = tmp_path / "escaped.jsonl"
    path.write_text("".join(json.dumps(record(f"c{i}", "你\x00好")) + "\n" for i in (1, 2)), encoding="utf-8")
    dataset = read_conversations(path)
    assert not dataset.log.problems and dataset.messages["text"].tolist() == ["你\x00好", "你\x00好"]
