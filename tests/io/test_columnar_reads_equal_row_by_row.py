"""io.columnar: the fast readers give exactly the frames and problems of the row-by-row builder."""

import json
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import orjson
import pandas as pd
import pyarrow.parquet as pq
import pytest

from qa_toolkit.io import columnar, conversations_from_records, fields, iter_conversations, read_conversations
from qa_toolkit.io.table import dataset_from_rows
from qa_toolkit.io.validate import FieldError, FrameBuilder, parse_ts
from qa_toolkit.problems import InputError

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data" / "conversations.jsonl"


def sample_records(n=400):
    with SAMPLE.open("rb") as fh:
        return [orjson.loads(line) for _, line in zip(range(n), fh)]


def both(monkeypatch, read):
    """``read()`` with the fast paths, then with the row-by-row builder alone."""
    fast = read()
    monkeypatch.setattr(columnar, "ENABLED", False)
    slow = read()
    monkeypatch.setattr(columnar, "ENABLED", True)
    return fast, slow


def assert_same(fast, slow):
    fast, slow = (fast if isinstance(fast, list) else [fast]), (slow if isinstance(slow, list) else [slow])
    assert len(fast) == len(slow)
    for a, b in zip(fast, slow):
        pd.testing.assert_frame_equal(a.conversations, b.conversations, check_exact=True)
        pd.testing.assert_frame_equal(a.messages, b.messages, check_exact=True)
        assert a.log.problems == b.log.problems
        assert (a.log.records_read, a.log.records_skipped) == (b.log.records_read, b.log.records_skipped)


def long_table(records):
    """JSONL-shaped records as a long table (one row per message), the way exports write them."""
    rows = []
    for rec in records:
        conv = {
            k: ("|".join(v) if k == "tags" and isinstance(v, list) else v) for k, v in rec.items() if k != "messages"
        }
        for i, message in enumerate(rec["messages"]):
            rows.append({**conv, "seq": i, **message})
    return pd.DataFrame(rows)


def typed_parquet(records, path, row_group_size=None):
    frame = long_table(records)
    for col in ("started_at", "ended_at", "ts"):
        frame[col] = pd.to_datetime(frame[col], utc=True).dt.tz_convert("Asia/Shanghai")
    frame.to_parquet(path, index=False, row_group_size=row_group_size)
    return path


def write_jsonl(records, path):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


# --- the fast paths are taken on clean data -------------------------------------------------


def test_clean_jsonl_never_goes_row_by_row(tmp_path, monkeypatch):
    path = write_jsonl(sample_records(50), tmp_path / "c.jsonl")
    monkeypatch.setattr(FrameBuilder, "add", lambda *a, **k: pytest.fail("row-by-row path taken"))
    assert len(read_conversations(path).conversations) == 50


def test_clean_parquet_never_goes_row_by_row(tmp_path, monkeypatch):
    from qa_toolkit.io import table

    path = typed_parquet(sample_records(50), tmp_path / "c.parquet")
    monkeypatch.setattr(table._Grouper, "feed", lambda *a, **k: pytest.fail("row-by-row path taken"))
    assert len(read_conversations(path).conversations) == 50
    rows = pq.read_table(path).to_pandas()
    monkeypatch.setattr(FrameBuilder, "add", lambda *a, **k: pytest.fail("row-by-row path taken"))
    assert len(dataset_from_rows(rows, source=str(path)).conversations) == 50


# --- identical results ----------------------------------------------------------------------


def test_sample_jsonl_same_frames_whole_and_in_chunks(monkeypatch):
    assert_same(*both(monkeypatch, lambda: read_conversations(SAMPLE)))
    assert_same(*both(monkeypatch, lambda: list(iter_conversations(SAMPLE, chunk_size=777))))


@pytest.mark.parametrize("chunk_size", [5000, 613])
def test_parquet_long_table_same_frames(tmp_path, monkeypatch, chunk_size):
    path = typed_parquet(sample_records(300), tmp_path / "long.parquet")
    assert_same(*both(monkeypatch, lambda: list(iter_conversations(path, chunk_size=chunk_size))))


@pytest.mark.parametrize("window", [1, 700, 100_000])
def test_chunks_read_ahead_in_windows_yield_the_same_chunks(tmp_path, monkeypatch, window):
    from qa_toolkit.io import table

    monkeypatch.setattr(table, "WINDOW_ROWS", window)
    path = typed_parquet(sample_records(120), tmp_path / "w.parquet")
    for size in (97, 400):
        fast, slow = both(monkeypatch, lambda size=size: list(iter_conversations(path, chunk_size=size)))
        assert_same(fast, slow)
        assert len(fast) > 3 and sum(len(d.conversations) for d in fast) == 120


def test_dataset_from_rows_per_row_group(tmp_path, monkeypatch):
    path = typed_parquet(sample_records(300), tmp_path / "groups.parquet", row_group_size=1000)
    pfile = pq.ParquetFile(path)
    first = 2
    for i in range(pfile.num_row_groups):
        rows = pfile.read_row_group(i).to_pandas()
        assert_same(
            *both(
                monkeypatch, lambda rows=rows, first=first: dataset_from_rows(rows, source=str(path), first_row=first)
            )
        )
        first += len(rows)


def test_text_only_long_tables_csv_and_parquet(tmp_path, monkeypatch):
    frame = long_table(sample_records(120)).astype(str).replace({"None": "", "nan": ""})
    frame.to_csv(tmp_path / "t.csv", index=False, encoding="gb18030")
    frame.to_parquet(tmp_path / "t.parquet", index=False)
    for name in ("t.csv", "t.parquet"):
        fast, slow = both(monkeypatch, lambda name=name: list(iter_conversations(tmp_path / name, chunk_size=500)))
        assert_same(fast, slow)
        assert sum(len(d.conversations) for d in fast) == 120


def every_kind():
    """Records with every kind of value a real export carries."""
    base = {
        "conversation_id": "K1",
        "channel": "chat",
        "agent_id": "A1",
        "messages": [
            {"ts": "2026-09-01T10:00:00+08:00", "role": "customer", "text": "Hello, where is my parcel?"},
            {"ts": "2026-09-01T10:00:30+08:00", "role": "agent", "text": "您好，请稍等，我查一下"},
        ],
    }

    def rec(cid, **kw):
        return {**base, "conversation_id": cid, **kw}

    def msgs(*items):
        return [dict(zip(("ts", "role", "text"), item)) for item in items]

    return [
        rec("K1", csat=None, tags=[], escalated=False, order_id="8812345678901234567"),
        rec("K2", csat="4", tags="complaint|物流", escalated="是", customer_tier="vip", queue="售后"),
        rec(
            "K3",
            csat=5,
            tags=["  complaint ", "", "vip"],
            escalated=True,
            started_at=1788228000,
            ended_at="2026-09-01T02:10:00Z",
        ),
        rec("K4", csat=2.0, tags=None, escalated="no", channel="电话", started_at="2026-09-01 10:00:00"),
        rec(
            "K5",
            skill_group="售前",
            customer_id=13800138000,
            complaint_type=None,
            messages=msgs(
                (1788228000000, "客服", "您好"),
                (None, "用户", ""),
                ("2026-09-01 10:00:05.5", "user", "x"),
                ("2026-09-01T10:00:06.123456Z", "Agent", "ok"),
            ),
        ),
        rec("K6", messages=[{"role": "顾客", "text": "没有时间戳"}, {"role": "坐席", "text": "好的"}]),
        rec(
            "K7",
            messages=[
                {"ts": " 2026-09-01T10:00:00+08:00 ", "role": " agent ", "text": "padded"},
                {"ts": "2026/09/01 10:01:00", "role": "机器人", "text": "slashes", "intent": "greet"},
            ],
        ),
        rec(" K8 ", agent_id=7, channel="  E-Mail ", tags="a，b、c", extra_list=[1, 2], nested={"k": "v"}),
        rec(
            "K9",
            csat=3,
            started_at="2026-09-01T10:00:00.1+05:30",
            messages=msgs(("2026-09-01T10:00:00.12-03:00", "system", "系统消息"), ("1788228000", "bot", "epoch text")),
        ),
    ]


def test_every_column_kind_from_records_and_jsonl(tmp_path, monkeypatch):
    records = every_kind()
    assert_same(*both(monkeypatch, lambda: conversations_from_records(records)))
    fast, _ = both(monkeypatch, lambda: conversations_from_records(records))
    assert not fast.log.problems and len(fast.conversations) == len(records)
    path = write_jsonl(records, tmp_path / "kinds.jsonl")
    for tz in ("Asia/Shanghai", "Europe/Berlin", "UTC"):
        assert_same(*both(monkeypatch, lambda tz=tz: read_conversations(path, tz=tz)))
    assert_same(*both(monkeypatch, lambda: list(iter_conversations(path, chunk_size=4))))


def test_numpy_and_odd_values_in_memory_records(monkeypatch):
    records = [
        {
            "conversation_id": "N1",
            "agent_id": "A1",
            "tags": np.array(["x", " y "]),
            "channel": np.str_("odd"),
            "csat": np.int64(4),
            "escalated": np.bool_(True),
            "messages": [{"role": "agent", "text": "t"}],
        },
        {"conversation_id": "N2", "agent_id": "A1", "tags": [], "messages": [{"role": "agent", "text": "t"}]},
        {"conversation_id": "N3", "agent_id": "A1", "channel": ["odd"], "messages": [{"role": "agent", "text": "t"}]},
    ]
    fast, slow = both(monkeypatch, lambda: conversations_from_records(records))
    assert_same(fast, slow)
    assert fast.conversations["tags"].tolist() == [["x", "y"], []]
    assert [(p.line, p.field, p.code) for p in fast.log.problems] == [(3, "channel", "bad_type")]


def test_every_column_kind_as_long_tables(tmp_path, monkeypatch):
    records = [r for r in every_kind() if not any("intent" in m for m in r["messages"])]
    frame = long_table(records)
    frame.astype(str).to_csv(tmp_path / "kinds.csv", index=False)
    frame.astype(str).to_parquet(tmp_path / "kinds.parquet", index=False)
    for name in ("kinds.csv", "kinds.parquet"):
        for size in (3, 1000):
            assert_same(
                *both(
                    monkeypatch, lambda name=name, size=size: list(iter_conversations(tmp_path / name, chunk_size=size))
                )
            )


# --- bad input: the same problems, lines and skips ------------------------------------------

BAD_LINES = [
    b'{"conversation_id": "B1", "agent_id": "A1", "messages": [{"role": "agent", "text": "ok"}]}',
    b'{"conversation_id": "B2", "agent_id": "A1", "messages": [{"role": "agent", "text": "trunc',
    b'{"conversation_id": "B3", "agent_id": "", "messages": [{"role": "agent", "text": "no agent"}]}',
    b'{"conversation_id": "B4", "agent_id": "A1", "messages": [{"ts": "yesterday", "role": "agent", "text": "t"}]}',
    b'{"conversation_id": "B5", "agent_id": "A1", "messages": [{"role": "alien", "text": "t"}]}',
    b'{"conversation_id": "B1", "agent_id": "A2", "messages": [{"role": "agent", "text": "dup"}]}',
    b'{"conversation_id": "B6", "agent_id": "A1", "csat": 9, "messages": [{"role": "agent", "text": "t"}]}',
    b'[1, 2, 3]',
    b'{"conversation_id": "B7", "agent_id": "A1", "messages": ["not an object"]}',
    b'{"conversation_id": "B8", "agent_id": "A1", "messages": [{"role": "agent"}]}',
    b'{"conversation_id": "B9", "agent_id": "A1", "messages": []}',
    b'{"conversation_id": "B10", "agent_id": "A1", "messages": [{"ts": "2026-02-30T10:00:00+08:00", '
    b'"role": "agent", "text": "no such day"}]}',
    b'{"conversation_id": "B11", "agent_id": "A1", "csat": "x", "messages": [{"role": "agent", "text": 12}]}',
    b'{"conversation_id": "B12", "agent_id": "A1", "started_at": "soon", "messages": [{"role": "agent", "text": "t"}]}',
    b'not json at all',
    b'{"conversation_id": "B13", "agent_id": "A1", "messages": [{"role": "customer", "text": "fine"}]}',
]


@pytest.mark.parametrize("chunk_size", [1, 3, 1000])
def test_bad_jsonl_same_problems_same_lines(tmp_path, monkeypatch, chunk_size):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b"\n".join(BAD_LINES[:1] + [b""] + BAD_LINES[1:]) + b"\n")
    fast, slow = both(monkeypatch, lambda: list(iter_conversations(path, chunk_size=chunk_size)))
    assert_same(fast, slow)
    problems = [p for d in fast for p in d.log.problems]
    assert len(problems) == 14 and problems[0].line == 3  # the blank line still counts
    assert [c for d in fast for c in d.conversations["conversation_id"]] == ["B1", "B13"]
    with pytest.raises(InputError) as err:
        read_conversations(path, strict=True)
    assert err.value.problems == problems


def test_bad_long_table_rows_same_problems(tmp_path, monkeypatch):
    frame = long_table(sample_records(40)).astype(str).replace({"None": "", "nan": ""})
    frame.loc[5, "role"] = "外星人"
    frame.loc[30, "ts"] = "上午十点"
    frame.loc[50, "conversation_id"] = ""
    frame.loc[80, :] = ""  # a blank spreadsheet row
    frame.loc[frame["conversation_id"] == frame.loc[120, "conversation_id"], "csat"] = "11"
    frame.loc[200, "seq"] = "first"
    second = frame[frame["conversation_id"] == "C2026090700010"]
    frame = pd.concat([frame, second], ignore_index=True)  # a second run of a conversation already read
    frame.to_csv(tmp_path / "bad.csv", index=False)
    for size in (7, 100, 10000):
        fast, slow = both(
            monkeypatch, lambda size=size: list(iter_conversations(tmp_path / "bad.csv", chunk_size=size))
        )
        assert_same(fast, slow)
        codes = sorted(p.code for d in fast for p in d.log.problems)
        assert codes == sorted(
            ["unknown_role", "bad_timestamp", "missing_field", "bad_csat", "bad_seq", "duplicate_id"]
        )


def test_unsorted_seq_and_split_conversations_in_parquet(tmp_path, monkeypatch):
    frame = long_table(sample_records(30))
    frame = frame.iloc[::-1].reset_index(drop=True)  # every conversation's rows in reverse order
    for col in ("started_at", "ended_at", "ts"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    frame.to_parquet(tmp_path / "rev.parquet", index=False)
    for size in (5, 64, 5000):
        assert_same(
            *both(monkeypatch, lambda size=size: list(iter_conversations(tmp_path / "rev.parquet", chunk_size=size)))
        )


# --- timestamps -------------------------------------------------------------------------------

TIMES = [
    "2026-09-01T10:00:00+08:00",
    "2026-09-01 10:00:00",
    "2026-09-01T10:00:00Z",
    "2026-09-01T10:00:00.5Z",
    "2026-09-01T10:00:00.123456-05:30",
    "2026-09-01T10:00:00.1234",
    "2026-10-25 02:30:00",
    "2026-03-29 02:30:00",
    "2026-02-30T10:00:00+08:00",
    "2026-09-01T24:00:00",
    " 2026-09-01T10:00:00 ",
    "2026/09/01 10:00",
    "1788228000",
    "1788228000000",
    1788228000,
    1788228000.25,
    1788228000000,
    None,
    "",
    "   ",
    "not a time",
    "1500-01-01T00:00:00+00:00",
    "2026-09-01T10:00:00+25:00",
    "2026-09-01",
    True,
    "2026-09-01T10:00:00\ud800",
    "２０２６-09-01T10:00:00",
]


@pytest.mark.parametrize("tz", ["Asia/Shanghai", "Europe/Berlin", "America/New_York"])
def test_timestamps_equal_parse_ts(tz):
    zone = ZoneInfo(tz)
    ns, missing, bad = fields.times_column(TIMES, zone, "ts")
    got = [None if m else n for n, m in zip(ns.tolist(), missing.tolist())]
    for i, value in enumerate(TIMES):
        try:
            want = parse_ts(value, zone, "ts")
        except FieldError:
            assert i in bad, value
            continue
        assert i not in bad and got[i] == want, (value, got[i], want)
