"""JSONL reader: every kind of bad line is located, skipped and counted; --strict exits 2."""

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from qa_toolkit.cli import main
from qa_toolkit.io import concat_datasets, iter_conversations, read_conversations
from qa_toolkit.problems import InputError

FIX = Path(__file__).parents[1] / "fixtures" / "io"
GOOD_IDS = ["S001", "S002", "S003"]

BAD = [  # fixture, line, field, code
    ("truncated.jsonl", 4, None, "truncated_line"),
    ("invalid_json.jsonl", 2, None, "invalid_json"),
    ("missing_field.jsonl", 3, "agent_id", "missing_field"),
    ("bad_timestamp.jsonl", 2, "messages[1].ts", "bad_timestamp"),
    ("unknown_role.jsonl", 3, "messages[2].role", "unknown_role"),
    ("duplicate_id.jsonl", 3, "conversation_id", "duplicate_id"),
    ("csat_range.jsonl", 2, "csat", "bad_csat"),
]


def test_good_file_reads_every_conversation():
    ds = read_conversations(FIX / "good.jsonl")
    assert ds.conversations["conversation_id"].tolist() == GOOD_IDS
    assert len(ds.messages) == 9 and not ds.log.problems
    assert ds.conversations.loc[0, "tags"] == ["complaint"]
    assert ds.conversations.loc[1, "channel"] == "phone"
    assert pd.isna(ds.conversations.loc[2, "csat"])
    assert "escalated" in ds.conversations.columns


@pytest.mark.parametrize("name,line,field,code", BAD)
def test_bad_record_is_located_and_the_rest_is_read(name, line, field, code):
    ds = read_conversations(FIX / name)
    assert ds.conversations["conversation_id"].tolist() == GOOD_IDS
    assert ds.log.records_skipped == 1
    [problem] = ds.log.problems
    assert (problem.line, problem.field, problem.code) == (line, field, code)
    assert problem.file.endswith(name)
    assert f"{name}:{line}" in str(problem)


@pytest.mark.parametrize("name,line,field,code", BAD)
def test_cli_reports_problem_exit_1_and_strict_exit_2(name, line, field, code):
    runner = CliRunner()
    lenient = runner.invoke(main, ["data", "inspect", str(FIX / name)])
    assert lenient.exit_code == 1, lenient.output
    assert f"{name}:{line}" in lenient.output and "conversations" in lenient.output
    if field:
        assert f"'{field}'" in lenient.output
    strict = runner.invoke(main, ["data", "inspect", "--strict", str(FIX / name)])
    assert strict.exit_code == 2
    assert f"{name}:{line}" in strict.output and "Traceback" not in strict.output


def test_a_bad_message_says_its_conversation_was_skipped():
    [problem] = read_conversations(FIX / "unknown_role.jsonl").log.problems
    assert "外星人" in problem.message and "S009" in problem.message and "skipped" in problem.message


def test_strict_raises_with_every_problem():
    with pytest.raises(InputError) as err:
        read_conversations(FIX / "duplicate_id.jsonl", strict=True)
    assert [p.code for p in err.value.problems] == ["duplicate_id"]


@pytest.mark.parametrize("content", [b"", b"\n\n  \n"])
def test_empty_file_is_an_input_error(tmp_path, content):
    path = tmp_path / "empty.jsonl"
    path.write_bytes(content)
    with pytest.raises(InputError, match="empty file"):
        read_conversations(path)
    result = CliRunner().invoke(main, ["data", "inspect", str(path)])
    assert result.exit_code == 2 and "empty file" in result.output


def test_empty_fixture_exit_2():
    result = CliRunner().invoke(main, ["data", "inspect", str(FIX / "empty.jsonl")])
    assert result.exit_code == 2 and "empty.jsonl" in result.output


def test_missing_file_and_unknown_extension_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_conversations(tmp_path / "nope.jsonl")
    odd = tmp_path / "export.dat"
    odd.write_text("x")
    with pytest.raises(InputError, match="unknown file extension"):
        read_conversations(odd)
    result = CliRunner().invoke(main, ["data", "inspect", str(odd)])
    assert result.exit_code == 2 and "export.dat" in result.output


def test_epoch_seconds_and_milliseconds():
    ds = read_conversations(FIX / "epoch.jsonl", tz="Asia/Shanghai")
    conv = ds.conversations.iloc[0]
    assert conv["started_at"] == pd.Timestamp("2026-09-01 10:00:00", tz="Asia/Shanghai")
    assert ds.messages["ts"].tolist() == [
        pd.Timestamp("2026-09-01 10:00:05", tz="Asia/Shanghai"),
        pd.Timestamp("2026-09-01 10:00:40", tz="Asia/Shanghai"),
    ]
    assert ds.messages["role"].tolist() == ["customer", "agent"]


def test_no_timestamps_at_all_is_fine():
    ds = read_conversations(FIX / "no_timestamps.jsonl")
    assert not ds.log.problems and len(ds.conversations) == 2
    assert ds.messages["ts"].isna().all() and ds.conversations["started_at"].isna().all()
    result = CliRunner().invoke(main, ["data", "inspect", "--json", str(FIX / "no_timestamps.jsonl")])
    assert result.exit_code == 0
    summary = json.loads(result.output)
    assert summary["conversations_without_timestamps"] == 2
    assert summary["date_range"] == {"first": None, "last": None}


def test_naive_times_take_the_given_zone():
    ds = read_conversations(FIX / "good.jsonl", tz="Europe/Berlin")
    assert ds.conversations.loc[0, "started_at"] == pd.Timestamp("2026-09-01 10:00:00", tz="Europe/Berlin")


def test_gb18030_jsonl_and_encoding_override(tmp_path):
    path = tmp_path / "gbk.jsonl"
    path.write_bytes((FIX / "good.jsonl").read_text(encoding="utf-8").encode("gb18030"))
    assert read_conversations(path).messages["text"].iloc[0] == "我的快递还没到"
    assert read_conversations(path, encoding="gb18030").messages["text"].iloc[0] == "我的快递还没到"
    with pytest.raises(InputError, match="unknown encoding"):
        read_conversations(path, encoding="klingon")


def test_chunked_iteration_equals_full_read_and_finds_duplicates_across_chunks():
    full = read_conversations(FIX / "duplicate_id.jsonl")
    chunks = list(iter_conversations(FIX / "duplicate_id.jsonl", chunk_size=1))
    assert len(chunks) >= 3
    assert max(len(c.conversations) for c in chunks) == 1
    joined = concat_datasets(chunks)
    pd.testing.assert_frame_equal(joined.conversations, full.conversations)
    pd.testing.assert_frame_equal(joined.messages, full.messages)
    assert sum(len(c.log.problems) for c in chunks) == 1


def test_progress_reports_every_byte():
    seen = []
    read_conversations(FIX / "good.jsonl", progress=seen.append)
    assert sum(seen) == (FIX / "good.jsonl").stat().st_size


def test_unknown_time_zone_is_an_input_error():
    result = CliRunner().invoke(main, ["data", "inspect", "--tz", "Mars/Olympus", str(FIX / "good.jsonl")])
    assert result.exit_code == 2 and "Mars/Olympus" in result.output and "Traceback" not in result.output


def test_a_line_holding_two_objects_is_invalid_not_truncated(tmp_path):
    """CR-only line ends make the file one line: the JSON is complete and more follows it."""
    path = tmp_path / "cr.jsonl"
    path.write_bytes(b'{"conversation_id": "a", "agent_id": "A", "messages": []}\r{"conversation_id": "b"}\r')
    ds = read_conversations(path)
    assert [(p.line, p.code) for p in ds.log.problems] == [(1, "invalid_json")]
