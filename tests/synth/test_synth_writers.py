"""Synthetic data as files: GB18030 long table with the exact Chinese headers, JSONL, roster,
Parquet, written atomically by `qa data synth` and readable the way a user reads them."""

import csv
import io
import json

import pandas as pd
import pytest
from click.testing import CliRunner

from qa_toolkit.cli import main
from qa_toolkit.synth import generate, make_agents
from qa_toolkit.synth.writers import CSV_HEADERS, csv_lines, csv_rows, write_synth

HEADERS = [
    "会话ID",
    "渠道",
    "客服工号",
    "客户ID",
    "开始时间",
    "结束时间",
    "满意度",
    "标签",
    "客户等级",
    "技能组",
    "序号",
    "发送时间",
    "发送方",
    "内容",
    "escalated",
    "transferred",
    "complaint_type",
    "order_id",
]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    result = CliRunner().invoke(
        main, ["data", "synth", "-n", "400", "--seed", "3", "-o", str(out), "--formats", "jsonl,csv,parquet"]
    )
    assert result.exit_code == 0, result.output
    return out


def _jsonl(out):
    return [json.loads(line) for line in (out / "conversations.jsonl").read_text(encoding="utf-8").splitlines()]


def test_cli_writes_every_file_and_no_temporaries(written):
    names = sorted(p.name for p in written.iterdir())
    assert names == ["conversations.jsonl", "conversations.parquet", "conversations_gb18030.csv", "roster.csv"]


def test_jsonl_is_utf8_one_conversation_per_line_not_ascii_escaped(written):
    raw = (written / "conversations.jsonl").read_bytes()
    assert b"\\u" not in raw and "您好".encode() in raw
    records = _jsonl(written)
    assert len(records) == 400 and records == generate(400, seed=3).records


def test_csv_is_gb18030_with_exact_headers_and_one_row_per_message(written):
    raw = (written / "conversations_gb18030.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    rows = list(csv.reader(io.StringIO(raw.decode("gb18030"), newline="")))
    assert rows[0] == HEADERS == CSV_HEADERS
    records = _jsonl(written)
    assert len(rows) - 1 == sum(len(r["messages"]) for r in records)
    assert len({row[0] for row in rows[1:]}) == len(records)
    body = pd.DataFrame(rows[1:], columns=rows[0])
    assert set(body["发送方"]) == {"客服", "顾客", "机器人", "系统"}
    assert set(body["渠道"]) == {"在线", "电话", "邮件", "社交"}
    assert body["发送时间"].str.fullmatch(r"2026-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}").all()
    assert (body["满意度"] == "").any() and set(body["满意度"]) <= {"", "1", "2", "3", "4", "5"}
    assert set(body["escalated"]) == {"true", "false"}


def test_csv_row_repeats_conversation_fields_and_numbers_messages_from_one():
    rec = {
        "conversation_id": "C1",
        "channel": "email",
        "agent_id": "A001",
        "customer_id": "U1",
        "started_at": "2026-09-07T10:00:05+08:00",
        "ended_at": "2026-09-07T12:00:00+08:00",
        "csat": None,
        "tags": ["refund", "complaint"],
        "customer_tier": "vip",
        "queue": "退换货",
        "escalated": True,
        "transferred": False,
        "complaint_type": "after_sales",
        "order_id": None,
        "messages": [
            {"ts": "2026-09-07T10:00:05+08:00", "role": "customer", "text": "退款呢？"},
            {"ts": "2026-09-07T12:00:00+08:00", "role": "agent", "text": "Sorry, refunded."},
        ],
    }
    rows = csv_rows(rec)
    assert rows[0] == [
        "C1",
        "邮件",
        "A001",
        "U1",
        "2026-09-07 10:00:05",
        "2026-09-07 12:00:00",
        "",
        "refund|complaint",
        "vip",
        "退换货",
        "1",
        "2026-09-07 10:00:05",
        "顾客",
        "退款呢？",
        "true",
        "false",
        "after_sales",
        "",
    ]
    assert rows[1][10:14] == ["2", "2026-09-07 12:00:00", "客服", "Sorry, refunded."]


def test_roster_csv_is_utf8_with_plain_dates(written):
    roster = pd.read_csv(written / "roster.csv", dtype=str, encoding="utf-8")
    assert list(roster.columns) == ["agent_id", "name", "team", "hire_date"]
    assert len(roster) == 30 and roster["hire_date"].str.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}").all()
    assert roster["team"].nunique() == 3


def test_parquet_long_table_has_canonical_columns_and_types(written):
    df = pd.read_parquet(written / "conversations.parquet")
    records = _jsonl(written)
    assert len(df) == sum(len(r["messages"]) for r in records)
    assert {"conversation_id", "seq", "ts", "role", "text", "csat", "tags", "escalated"} <= set(df.columns)
    assert str(df["ts"].dt.tz) == "Asia/Shanghai" and df["seq"].min() == 0
    first = df[df["conversation_id"] == records[0]["conversation_id"]]
    assert first["text"].tolist() == [m["text"] for m in records[0]["messages"]]
    assert first["ts"].iloc[0].isoformat() == records[0]["messages"][0]["ts"]


def test_reader_sees_the_same_data_in_jsonl_and_gb18030_csv(written):
    from qa_toolkit.io import read_conversations

    a = read_conversations(written / "conversations.jsonl")
    b = read_conversations(written / "conversations_gb18030.csv")
    assert not a.log.problems and not b.log.problems
    assert len(a.conversations) == len(b.conversations) == 400
    assert len(a.messages) == len(b.messages)
    assert a.messages["role"].value_counts().to_dict() == b.messages["role"].value_counts().to_dict()
    assert a.conversations["channel"].tolist() == b.conversations["channel"].tolist()
    assert a.conversations["started_at"].equals(b.conversations["started_at"])


def test_write_synth_rejects_unknown_format_and_leaves_nothing(tmp_path):
    with pytest.raises(ValueError, match="xml"):
        write_synth(tmp_path / "o", [], make_agents(3, 1, pd.Timestamp("2026-09-07").date()), ["xml"])
    assert not (tmp_path / "o").exists()


def test_write_synth_failure_midway_leaves_no_partial_file(tmp_path):
    def broken():
        yield from generate(5, seed=1).records
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_synth(tmp_path, broken(), make_agents(3, 1, pd.Timestamp("2026-09-07").date()), ["jsonl", "csv"])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args, message",
    [
        (["--formats", "jsonl,xml"], "--formats"),
        (["--start", "2026-13-01"], "--start"),
        (["--agents", "2"], "--agents"),
        (["-n", "-5"], "-n"),
    ],
)
def test_cli_usage_errors_exit_2(tmp_path, args, message):
    result = CliRunner().invoke(main, ["data", "synth", "-o", str(tmp_path / "o"), *args])
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "o").exists()


def test_cli_help_documents_formats():
    result = CliRunner().invoke(main, ["data", "synth", "--help"])
    assert result.exit_code == 0 and "--seed" in result.output and "GB18030" in result.output


def test_fast_csv_lines_equal_the_csv_module_on_tricky_text():
    texts = ["a,b", 'say "hi"', "line\nbreak", "cr\rx", "", " sp ", "'=1+1", "普通，全角逗号", "𠮷䶮"]
    rec = generate(1, seed=2).records[0]
    rec = {**rec, "messages": [{"ts": rec["started_at"], "role": "customer", "text": t} for t in texts]}
    buf = io.StringIO(newline="")
    csv.writer(buf).writerows(csv_rows(rec))
    assert csv_lines(rec) == buf.getvalue()
    assert csv_lines(rec).encode("gb18030").decode("gb18030") == buf.getvalue()


def test_cli_unwritable_output_is_a_message_not_a_traceback(tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x", encoding="utf-8")
    result = CliRunner().invoke(main, ["data", "synth", "-n", "5", "-o", str(blocker / "sub")])
    assert result.exit_code == 2 and "cannot write to" in result.output
    assert not isinstance(result.exception, OSError)
