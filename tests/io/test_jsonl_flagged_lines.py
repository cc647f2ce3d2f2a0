"""UTF-8 JSONL is read by columns, and only the lines the columnar front end flags go through the
line rule: whatever the mix of clean and bad lines (a bad line first, last, alone, several,
every line), the values, problems and chunks are the line rule's (``jsonl.iter_lines``), and
the clean lines around a bad one stay columnar."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from qa_toolkit.io import arrow_jsonl, iter_conversations, read_conversations
from qa_toolkit.io.jsonl import JsonlReading, LineRange, iter_jsonl, iter_lines
from qa_toolkit.io.validate import FrameBuilder

TZ = "Asia/Shanghai"


def record(n: int, **fields) -> dict:
    base = {
        "conversation_id": f"C{n}",
        "agent_id": f"A{n % 3}",
        "started_at": "2026-09-01T10:00:00+08:00",
        "csat": 1 + n % 5,
        "tags": ["complaint"] if n % 2 else [],
        "messages": [
            {"ts": "2026-09-01T10:00:00+08:00", "role": "customer", "text": f"问题 {n}"},
            {"ts": "2026-09-01T10:00:30+08:00", "role": "agent", "text": "Sorry about that."},
        ],
    }
    return {**base, **fields}


BAD = {  # lines the line rule reports or reads otherwise than Arrow would
    "csat out of range": json.dumps(record(900, csat=9)),
    "csat as text": json.dumps(record(901, csat="4")),
    "not JSON": '{"conversation_id": "C902", "messages": [',
    "an array": "[1, 2]",
    "blank": "   ",
    "NUL": json.dumps(record(903)) + "\x00",
    "duplicate id": json.dumps(record(1)),
    "nested extra": json.dumps(record(904, order={"id": 1})),
    "unknown role": json.dumps(record(905, messages=[{"role": "bot?", "text": "x"}])),
    "bad time": json.dumps(record(906, started_at="yesterday")),
    "no agent": json.dumps({k: v for k, v in record(907).items() if k != "agent_id"}),
}


def write(tmp_path: Path, lines: list[str], name: str = "mixed.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def line_rule(path: Path, chunk_size: int = 1 << 62) -> list:
    builder = FrameBuilder(TZ, str(path), seen_ids=set())
    return list(iter_lines(JsonlReading(path, chunk_size=chunk_size), builder))


def by_columns(path: Path, chunk_size: int = 1 << 62) -> list:
    builder = FrameBuilder(TZ, str(path), seen_ids=set())
    return list(iter_jsonl(JsonlReading(path, chunk_size=chunk_size), builder))


def assert_same_chunks(got: list, want: list) -> None:
    assert len(got) == len(want)
    for a, b in zip(got, want, strict=True):
        pd.testing.assert_frame_equal(a.conversations, b.conversations, check_exact=True)
        pd.testing.assert_frame_equal(a.messages, b.messages, check_exact=True)
        assert a.log.problems == b.log.problems
        assert (a.log.records_read, a.log.records_skipped) == (b.log.records_read, b.log.records_skipped)


def mixed(n: int, bad: dict[int, str]) -> list[str]:
    """``n`` clean lines with the bad ones put at the given line indexes (0-based)."""
    lines = [json.dumps(record(i), ensure_ascii=False) for i in range(1, n + 1)]
    for at, kind in sorted(bad.items(), reverse=True):
        lines.insert(at, BAD[kind])
    return lines


@pytest.mark.parametrize("kind", BAD)
@pytest.mark.parametrize("where", ["first", "last", "middle", "alone"])
def test_one_bad_line_anywhere_is_read_as_the_line_rule_reads_it(tmp_path, kind, where):
    at = {"first": 0, "last": 60, "middle": 31}.get(where)
    lines = [BAD[kind]] if where == "alone" else mixed(60, {at: kind})
    path = write(tmp_path, lines)
    for size in (1 << 62, 7):
        assert_same_chunks(by_columns(path, size), line_rule(path, size))


def test_many_bad_lines_of_every_kind(tmp_path):
    bad = {i * 9 + 2: kind for i, kind in enumerate(BAD)}
    path = write(tmp_path, mixed(120, bad))
    for size in (1 << 62, 50, 13):
        assert_same_chunks(by_columns(path, size), line_rule(path, size))
    # chunks of one line: each kind between two clean lines (a short file: a chunk costs ~14 ms, twice)
    dense = write(tmp_path, mixed(12, {i + 1: kind for i, kind in enumerate(BAD)}), "dense.jsonl")
    assert_same_chunks(by_columns(dense, 1), line_rule(dense, 1))


def test_every_line_bad(tmp_path):
    path = write(tmp_path, [json.dumps(record(i, csat="good")) for i in range(40)])
    got = by_columns(path)
    assert_same_chunks(got, line_rule(path))
    assert [p.code for p in got[0].log.problems] == ["bad_csat"] * 40


def test_bad_lines_next_to_each_other_and_blank_lines_at_the_end(tmp_path):
    lines = mixed(50, {10: "not JSON", 11: "csat out of range", 12: "blank"}) + ["", " ", ""]
    path = write(tmp_path, lines)
    for size in (1 << 62, 10, 50):
        assert_same_chunks(by_columns(path, size), line_rule(path, size))


def test_a_bom_and_a_last_line_without_its_end(tmp_path):
    path = tmp_path / "bom.jsonl"
    body = "\n".join(mixed(20, {5: "csat as text"}))
    path.write_bytes(b"\xef\xbb\xbf" + body.encode())
    got = read_conversations(path, tz=TZ)
    builder = FrameBuilder(TZ, str(path), seen_ids=set())
    want = list(iter_lines(JsonlReading(path, "utf-8-sig"), builder))
    assert_same_chunks([got], want)
    assert len(got.conversations) == 21


def test_a_range_of_a_file_keeps_the_file_line_numbers(tmp_path):
    path = write(tmp_path, mixed(30, {3: "not JSON", 20: "csat out of range"}))
    start = len(b"\n".join(path.read_bytes().split(b"\n")[:10])) + 1
    span = LineRange(start, path.stat().st_size, 11)
    want = list(iter_lines(JsonlReading(path, span=span), FrameBuilder(TZ, str(path), seen_ids=set())))
    got = list(iter_jsonl(JsonlReading(path, span=span), FrameBuilder(TZ, str(path), seen_ids=set())))
    assert_same_chunks(got, want)
    assert [p.line for p in got[0].log.problems] == [22]


def test_only_the_flagged_lines_go_through_the_line_rule(tmp_path, monkeypatch):
    monkeypatch.setattr(arrow_jsonl, "TRIES_PER", 40)  # blocks enough to settle three bad lines in 403
    lines = mixed(400, {0: "not JSON", 200: "csat out of range", 400: "nested extra"})
    data = ("\n".join(lines) + "\n").encode()
    bounds = [0]
    for line in lines:
        bounds.append(bounds[-1] + len(line.encode()) + 1)
    asked: list[tuple[int, int]] = []

    def by_line(i: int, j: int):
        asked.append((i, j))
        builder.seen_ids.add("never")  # the line rule's ids join those read before
        return builder.take()

    builder = FrameBuilder(TZ, "x", seen_ids=set())
    pieces = arrow_jsonl.read_lines(pa.py_buffer(data), np.array(bounds), builder, by_line)
    flagged = [k for i, j in asked for k in range(i, j)]
    assert {k for k, line in enumerate(lines) if line in BAD.values()} == {0, 201, 402} <= set(flagged)
    assert len(flagged) <= 3 * arrow_jsonl.FEW_LINES
    assert sum(len(p.conversations) for p in pieces) == len(lines) - len(flagged)  # the others: by columns


def test_duplicates_across_chunks_and_flagged_lines(tmp_path):
    """An id first read by the line rule, then again in a block Arrow could take: the second is
    the duplicate, as line by line."""
    lines = mixed(40, {5: "nested extra"}) + [json.dumps(record(904)), json.dumps(record(2))]
    path = write(tmp_path, lines)
    for size in (1 << 62, 10):
        got = list(iter_conversations(path, chunk_size=size, tz=TZ))
        assert_same_chunks(got, line_rule(path, size))
        assert [p.code for d in got for p in d.log.problems] == ["duplicate_id", "duplicate_id"]


def test_a_record_without_agent_id_is_skipped_when_its_chunk_has_the_field(tmp_path):
    """A line without agent_id, flagged and read alone by the line rule, is skipped as the line
    rule skips it reading the whole chunk; a file where no line has the field reads as the line
    rule reads it (the field missing everywhere, the records kept)."""
    path = write(tmp_path, mixed(30, {12: "no agent"}))
    got = by_columns(path)
    assert_same_chunks(got, line_rule(path))
    assert [(p.line, p.field, p.code) for p in got[0].log.problems] == [(13, "agent_id", "missing_field")]
    lines = [json.dumps({k: v for k, v in record(i).items() if k != "agent_id"}) for i in range(20)]
    path = write(tmp_path, lines + [BAD["csat out of range"]], "no_agents.jsonl")
    assert_same_chunks(by_columns(path), line_rule(path))


def test_a_chunk_with_many_bad_lines_gives_the_rest_to_the_line_rule(tmp_path):
    """Past its tries, a chunk's remaining lines go to the line rule whole (a piece costs about
    what the line rule takes for 1,000 lines): the same values, few pieces."""
    lines = mixed(300, {k: "csat out of range" if k % 2 else "not JSON" for k in range(5, 300, 15)})
    data = ("\n".join(lines) + "\n").encode()
    bounds = np.cumsum([0] + [len(line.encode()) + 1 for line in lines])
    asked: list[tuple[int, int]] = []
    builder = FrameBuilder(TZ, "x", seen_ids=set())

    def by_line(i: int, j: int):
        asked.append((i, j))
        return builder.take()

    arrow_jsonl.read_lines(pa.py_buffer(data), bounds, builder, by_line)
    assert asked[-1][1] == len(lines) and asked[-1][1] - asked[-1][0] > 200
    path = write(tmp_path, lines)
    assert_same_chunks(by_columns(path), line_rule(path))
