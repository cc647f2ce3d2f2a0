"""What reading gives, on every format and chunking: the values of each field as its rule reads
them, and the problems (line, field, code) of the records it rejects. Clean input never takes
the row-by-row rule; the chunk size, the read-ahead window and the order of a table's rows
change nothing."""

from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import orjson
import pandas as pd
import pyarrow.parquet as pq
import pytest
from reading_routes import long_table, write_jsonl

from qa_toolkit.engine.tables import dataset_from_row_group
from qa_toolkit.frames import Dataset
from qa_toolkit.io import (
    concat_datasets,
    conversations_from_records,
    fields,
    iter_conversations,
    read_conversations,
    table,
)
from qa_toolkit.io.table import dataset_from_rows
from qa_toolkit.io.validate import FieldError, FrameBuilder, parse_ts
from qa_toolkit.problems import InputError

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data" / "conversations.jsonl"


def sample_records(n=400):
    with SAMPLE.open("rb") as fh:
        return [orjson.loads(line) for _, line in zip(range(n), fh)]


def assert_same(a, b):
    """Two reads of the same conversations: equal frames (values and dtypes) and problems."""
    a, b = (concat_datasets(x) if isinstance(x, list) else x for x in (a, b))
    pd.testing.assert_frame_equal(a.conversations, b.conversations, check_exact=True)
    pd.testing.assert_frame_equal(a.messages, b.messages, check_exact=True)
    assert a.log.problems == b.log.problems
    assert (a.log.records_read, a.log.records_skipped) == (b.log.records_read, b.log.records_skipped)


def typed_parquet(records, path, row_group_size=None, reverse=False):
    frame = long_table(records)
    if reverse:  # every conversation's rows in reverse order (seq says the order)
        frame = frame.iloc[np.lexsort((-frame["seq"], pd.factorize(frame["conversation_id"])[0]))]
    for col in ("started_at", "ended_at", "ts"):
        frame[col] = pd.to_datetime(frame[col], utc=True).dt.tz_convert("Asia/Shanghai")
    frame.to_parquet(path, index=False, row_group_size=row_group_size)
    return path


# --- clean input is read column by column ------------------------------------------------------


def test_clean_jsonl_never_goes_row_by_row(tmp_path, monkeypatch):
    path = write_jsonl(sample_records(50), tmp_path / "c.jsonl")
    monkeypatch.setattr(FrameBuilder, "add", lambda *a, **k: pytest.fail("row-by-row rule used"))
    assert len(read_conversations(path).conversations) == 50


def test_clean_parquet_never_goes_row_by_row(tmp_path, monkeypatch):
    path = typed_parquet(sample_records(50), tmp_path / "c.parquet")
    rows = pq.read_table(path).to_pandas()
    monkeypatch.setattr(table._Grouper, "feed", lambda *a, **k: pytest.fail("row-by-row rule used"))
    monkeypatch.setattr(FrameBuilder, "add", lambda *a, **k: pytest.fail("row-by-row rule used"))
    for chunk_size in (5000, 97):
        assert sum(len(d.conversations) for d in iter_conversations(path, chunk_size=chunk_size)) == 50
    assert len(dataset_from_rows(rows, source=str(path)).conversations) == 50
    assert len(dataset_from_row_group(path, 0, source=str(path))[0].conversations) == 50


def damaged_table(tmp_path, records):
    """A Parquet long table of ``records`` where a rule rejects two conversations (a csat out of
    range, an unknown role) and a third repeats its agent with another value (a warning, kept),
    rows in reverse order; with those ids and their problems (row, field, code)."""
    frame = long_table(records)
    frame = frame.iloc[np.lexsort((-frame["seq"], pd.factorize(frame["conversation_id"])[0]))].reset_index(drop=True)
    for col in ("started_at", "ended_at", "ts"):
        frame[col] = pd.to_datetime(frame[col], utc=True).dt.tz_convert("Asia/Shanghai")
    ids = [r["conversation_id"] for r in records]
    rows = {cid: np.flatnonzero(frame["conversation_id"] == cid) for cid in (ids[10], ids[30], ids[40])}
    frame.loc[rows[ids[10]], "csat"] = 9
    frame.loc[rows[ids[30]][1], "role"] = "外星人"
    frame.loc[rows[ids[40]][2], "agent_id"] = "A999"
    path = tmp_path / "damaged.parquet"
    frame.to_parquet(path, index=False)
    want = [
        (rows[ids[10]][-1] + 2, "csat", "bad_csat"),  # the first message (seq 0) is the group's last row
        (rows[ids[30]][1] + 2, "role", "unknown_role"),
        (rows[ids[40]][2] + 2, "agent_id", "conflicting_values"),
    ]
    return path, [ids[10], ids[30], ids[40]], want


@pytest.mark.parametrize("chunk_size", [5000, 97])
def test_only_the_conversations_a_rule_flags_go_row_by_row(tmp_path, monkeypatch, chunk_size):
    records = sample_records(60)
    path, flagged, want = damaged_table(tmp_path, records)
    clean = read_conversations(typed_parquet(records, tmp_path / "clean.parquet"))
    added = []
    real_add = FrameBuilder.add
    monkeypatch.setattr(
        FrameBuilder,
        "add",
        lambda self, record, **k: added.append(record["conversation_id"]) or real_add(self, record, **k),
    )
    monkeypatch.setattr(table._Grouper, "feed", lambda *a, **k: pytest.fail("every row taken row by row"))
    kept = ~clean.conversations["conversation_id"].isin(flagged[:2])
    got = concat_datasets(list(iter_conversations(path, chunk_size=chunk_size)))
    group, _ = dataset_from_row_group(path, 0, source=str(path))
    assert added == flagged * 2
    assert_same(group, got)
    assert [(p.line, p.field, p.code) for p in got.log.problems] == want
    assert (got.log.records_read, got.log.records_skipped) == (60, 2)
    assert_same(
        got,
        Dataset(
            clean.conversations[kept].reset_index(drop=True),
            clean.messages[
                clean.messages["conversation_id"].isin(clean.conversations["conversation_id"][kept])
            ].reset_index(drop=True),
            got.log,
        ),
    )


# --- the format, the chunking and the row order change nothing -------------------------------


def test_the_sample_reads_the_same_whole_and_in_chunks():
    whole = read_conversations(SAMPLE)
    assert len(whole.conversations) == 3000 and not whole.log.problems
    assert_same(list(iter_conversations(SAMPLE, chunk_size=777)), whole)


@pytest.mark.parametrize("chunk_size", [5000, 613])
def test_a_parquet_long_table_reads_the_values_of_its_jsonl_export(tmp_path, chunk_size):
    records = sample_records(300)
    got = concat_datasets(
        list(iter_conversations(typed_parquet(records, tmp_path / "l.parquet"), chunk_size=chunk_size))
    )
    want = conversations_from_records(records)
    assert not got.log.problems and len(got.conversations) == 300
    for key in ("conversation_id", "agent_id", "channel", "started_at", "csat", "tags", "queue"):
        assert got.conversations[key].tolist() == want.conversations[key].tolist(), key
    pd.testing.assert_frame_equal(got.messages, want.messages, check_exact=True)


@pytest.mark.parametrize("window", [1, 700, 100_000])
def test_chunks_read_ahead_in_windows_yield_the_chunks_asked_for(tmp_path, monkeypatch, window):
    monkeypatch.setattr(table, "WINDOW_ROWS", window)
    path = typed_parquet(sample_records(120), tmp_path / "w.parquet")
    whole = read_conversations(path)
    for size in (97, 400):
        chunks = list(iter_conversations(path, chunk_size=size))
        assert len(chunks) > 3 and sum(len(d.conversations) for d in chunks) == 120
        assert_same(chunks, whole)


def test_rows_in_reverse_order_read_as_in_order(tmp_path):
    records = sample_records(30)
    forward = read_conversations(typed_parquet(records, tmp_path / "f.parquet"))
    for size in (5, 64, 5000):
        assert_same(
            list(iter_conversations(typed_parquet(records, tmp_path / "r.parquet", reverse=True), chunk_size=size)),
            forward,
        )


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_rows_out_of_order_take_fields_as_the_grouping_does(tmp_path, suffix):
    """A conversation's rows in reverse order: a contract field written on one row only is read
    from that row, an extra column that varies per row from the row of the first message."""
    rows = [
        {"conversation_id": cid, "agent_id": "A1", "seq": seq, "role": "agent", "text": f"{cid}{seq}"}
        for cid in ("C1", "C2")
        for seq in (2, 1, 0)
    ]
    for row in rows:
        row["queue"] = "售后" if row["seq"] == 2 else None  # written once, on the last message's row
        row["note"] = f"note {row['seq']}"
    frame = pd.DataFrame(rows)
    (frame.to_csv if suffix == ".csv" else frame.to_parquet)(tmp_path / f"t{suffix}", index=False)
    for chunk_size in (5000, 2):
        dataset = concat_datasets(list(iter_conversations(tmp_path / f"t{suffix}", chunk_size=chunk_size)))
        assert not dataset.log.problems
        assert dataset.conversations["queue"].tolist() == ["售后", "售后"]
        assert dataset.conversations["note"].tolist() == ["note 0", "note 0"]
        assert dataset.messages["text"].tolist() == ["C10", "C11", "C12", "C20", "C21", "C22"]


def test_each_row_group_alone_reads_its_share_of_the_file(tmp_path):
    whole = pq.read_table(typed_parquet(sample_records(300), tmp_path / "whole.parquet"))
    ids = whole.column("conversation_id").to_pylist()
    cuts = [ids.index(cid) for cid in dict.fromkeys(ids)][::100] + [len(ids)]
    path = tmp_path / "groups.parquet"
    with pq.ParquetWriter(path, whole.schema) as writer:  # whole conversations per row group, as the workers need
        for a, b in zip(cuts, cuts[1:]):
            writer.write_table(whole.slice(a, b - a))
    pfile = pq.ParquetFile(path)
    parts, first = [], 2
    for i in range(pfile.num_row_groups):
        rows = pfile.read_row_group(i).to_pandas()
        parts.append(dataset_from_rows(rows, source=str(path), first_row=first))
        first += len(rows)
    assert len(parts) == 3
    assert_same(parts, read_conversations(path))


def test_text_only_long_tables_read_the_same_as_csv_and_parquet(tmp_path):
    frame = long_table(sample_records(120)).astype(str).replace({"None": "", "nan": ""})
    frame.to_csv(tmp_path / "t.csv", index=False, encoding="gb18030")
    frame.to_parquet(tmp_path / "t.parquet", index=False)
    csv = list(iter_conversations(tmp_path / "t.csv", chunk_size=500))
    assert sum(len(d.conversations) for d in csv) == 120 and not any(d.log.problems for d in csv)
    assert_same(csv, list(iter_conversations(tmp_path / "t.parquet", chunk_size=500)))


# --- every kind of value -----------------------------------------------------------------------


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


WANT_CONVERSATIONS = {
    "conversation_id": ["K1", "K2", "K3", "K4", "K5", "K6", "K7", "K8", "K9"],
    "channel": ["chat", "chat", "chat", "phone", "chat", "chat", "chat", "email", "chat"],
    "agent_id": ["A1"] * 7 + ["7", "A1"],
    "csat": [None, 4, 5, 2, None, None, None, None, 3],
    "tags": [[], ["complaint", "物流"], ["complaint", "vip"], [], [], [], [], ["a", "b", "c"], []],
    "queue": [None, "售后", None, None, "售前", None, None, None, None],
    "customer_id": [None, None, None, None, "13800138000", None, None, None, None],
}
WANT_ROLES = ["customer", "agent"] * 4 + ["agent", "customer", "customer", "agent"] + ["customer", "agent"]
WANT_ROLES += ["agent", "bot", "customer", "agent", "system", "bot"]


def conversation_values(dataset):
    frame = dataset.conversations
    return {k: [None if v is pd.NA else v for v in frame[k].tolist()] for k in WANT_CONVERSATIONS}


def test_every_kind_of_value_in_records_is_read_by_its_rule():
    dataset = conversations_from_records(every_kind())
    assert not dataset.log.problems
    assert conversation_values(dataset) == WANT_CONVERSATIONS
    assert dataset.messages["role"].tolist() == WANT_ROLES
    conv = dataset.conversations.set_index("conversation_id")
    assert conv.loc["K3", "started_at"] == pd.Timestamp("2026-09-01T02:00:00Z")  # epoch seconds
    assert conv.loc["K9", "started_at"] == pd.Timestamp("2026-09-01T04:30:00.1Z")
    assert conv.loc["K4", "started_at"] == pd.Timestamp("2026-09-01T02:00:00Z")  # naive: the zone's time
    ts = dataset.messages.set_index(["conversation_id", "seq"])["ts"]
    assert ts[("K5", 0)] == pd.Timestamp("2026-09-01T02:00:00Z") and pd.isna(ts[("K5", 1)])  # epoch ms, None
    assert ts[("K5", 3)] == pd.Timestamp("2026-09-01T10:00:06.123456Z")
    assert ts[("K7", 0)] == pd.Timestamp("2026-09-01T02:00:00Z")  # padded text
    assert ts[("K7", 1)] == pd.Timestamp("2026-09-01T02:01:00Z")  # slashes
    assert ts[("K9", 0)] == pd.Timestamp("2026-09-01T13:00:00.12Z") and ts[("K9", 1)] == ts[("K7", 0)]
    assert conv.loc["K8", "extra_list"] == [1, 2] and conv.loc["K2", "escalated"] == "是"
    assert dataset.messages["intent"].tolist()[15] == "greet"


@pytest.mark.parametrize("tz", ["Asia/Shanghai", "Europe/Berlin", "UTC"])
def test_every_kind_of_value_reads_the_same_from_a_jsonl_file(tmp_path, tz):
    path = write_jsonl(every_kind(), tmp_path / "kinds.jsonl")
    assert_same(read_conversations(path, tz=tz), conversations_from_records(every_kind(), tz=tz))
    assert_same(list(iter_conversations(path, chunk_size=4, tz=tz)), read_conversations(path, tz=tz))


def test_numpy_and_odd_values_in_memory_records():
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
    dataset = conversations_from_records(records)
    assert dataset.conversations["tags"].tolist() == [["x", "y"], []]
    assert dataset.conversations["channel"].tolist()[0] == "odd" and dataset.conversations["csat"].tolist()[0] == 4
    assert [(p.line, p.field, p.code) for p in dataset.log.problems] == [(3, "channel", "bad_type")]


@pytest.mark.parametrize("name", ["kinds.csv", "kinds.parquet"])
def test_every_kind_of_value_as_text_in_a_long_table(tmp_path, name):
    records = [r for r in every_kind() if not any("intent" in m for m in r["messages"])]
    frame = long_table(records).astype(str).replace({"None": "", "nan": ""})
    (frame.to_csv if name.endswith("csv") else frame.to_parquet)(tmp_path / name, index=False)
    whole = read_conversations(tmp_path / name)
    assert not whole.log.problems
    want = {k: [v for i, v in enumerate(vs) if i != 6] for k, vs in WANT_CONVERSATIONS.items()}
    want["customer_id"][4] = "13800138000.0"  # the text the table holds (pandas wrote the number as a float)
    want["queue"][4] = None  # the table has a queue column: skill_group stays a column of its own
    assert conversation_values(whole) == want
    assert whole.conversations["skill_group"].tolist()[4] == "售前"
    assert_same(list(iter_conversations(tmp_path / name, chunk_size=3)), whole)


# --- bad input: the problems, their lines and fields, the records skipped ------------------------

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


WANT_BAD_JSONL = [
    (3, "truncated_line", None),
    (4, "missing_field", "agent_id"),
    (5, "bad_timestamp", "messages[0].ts"),
    (6, "unknown_role", "messages[0].role"),
    (7, "duplicate_id", "conversation_id"),
    (8, "bad_csat", "csat"),
    (9, "not_object", None),
    (10, "not_object", "messages[0]"),
    (11, "missing_field", "messages[0].text"),
    (12, "missing_field", "messages"),
    (13, "bad_timestamp", "messages[0].ts"),
    (14, "bad_csat", "csat"),
    (15, "bad_timestamp", "started_at"),
    (16, "invalid_json", None),
]


@pytest.mark.parametrize("chunk_size", [1, 3, 1000])
def test_bad_jsonl_lines_are_located_and_skipped(tmp_path, chunk_size):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b"\n".join(BAD_LINES[:1] + [b""] + BAD_LINES[1:]) + b"\n")
    chunks = list(iter_conversations(path, chunk_size=chunk_size))
    problems = [p for d in chunks for p in d.log.problems]
    assert [(p.line, p.code, p.field) for p in problems] == WANT_BAD_JSONL  # the blank line still counts
    assert [c for d in chunks for c in d.conversations["conversation_id"]] == ["B1", "B13"]
    assert sum(d.log.records_skipped for d in chunks) == 14 and sum(d.log.records_read for d in chunks) == 16
    with pytest.raises(InputError) as err:
        read_conversations(path, strict=True)
    assert err.value.problems == problems


def test_bad_long_table_rows_are_located_and_skip_their_conversation(tmp_path):
    frame = long_table(sample_records(40)).astype(str).replace({"None": "", "nan": ""})
    frame.loc[5, "role"] = "外星人"
    frame.loc[30, "ts"] = "上午十点"
    frame.loc[50, "conversation_id"] = ""
    frame.loc[80, :] = ""  # a blank spreadsheet row
    bad_csat = frame.loc[120, "conversation_id"]
    frame.loc[frame["conversation_id"] == bad_csat, "csat"] = "11"
    frame.loc[200, "seq"] = "first"
    second = frame[frame["conversation_id"] == "C2026090700010"]
    frame = pd.concat([frame, second], ignore_index=True)  # a second run of a conversation already read
    frame.to_csv(tmp_path / "bad.csv", index=False)
    first_of = {cid: i + 2 for i, cid in reversed(list(enumerate(frame["conversation_id"])))}
    want = [
        (7, "role", "unknown_role"),
        (32, "ts", "bad_timestamp"),
        (52, "conversation_id", "missing_field"),
        (first_of[bad_csat], "csat", "bad_csat"),  # a conversation's fields: located at its first row
        (202, "seq", "bad_seq"),
        (len(frame) - len(second) + 2, "conversation_id", "duplicate_id"),
    ]
    kept = None
    for size in (7, 100, 10000):
        chunks = list(iter_conversations(tmp_path / "bad.csv", chunk_size=size))
        problems = sorted((p.line, p.field, p.code) for d in chunks for p in d.log.problems)
        assert problems == sorted(want), size  # (a row without an id is reported as it is read)
        ids = [c for d in chunks for c in d.conversations["conversation_id"]]
        assert len(ids) == 40 - 4 and ids == (kept or ids)  # role, time, csat, seq; the duplicate's first run kept
        kept = ids


# --- the time rule over a column is parse_ts over each value -------------------------------------

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
def test_the_time_rule_reads_each_value_as_parse_ts_does(tz):
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
