"""A line of UTF-8 text pasted into a GB18030 export (Excel on Chinese Windows) whose bytes are
valid GB18030 too would read as mojibake (好的谢谢 as 濂界殑璋㈣阿) without a word: it is found,
reported with its line and what it would have said, and skipped like a damaged line. Genuine
GB18030 text that happens to be valid UTF-8 (一些 is һЩ in UTF-8) is read as GB18030."""

from __future__ import annotations

import json

from click.testing import CliRunner
from reading_routes import chat_records, long_table

from qa_toolkit.cli import main
from qa_toolkit.io import read_conversations
from qa_toolkit.io.encoding import detect_encoding
from qa_toolkit.io.roster import read_roster


def _gb18030_csv_with_a_utf8_line(tmp_path):
    """A long-table CSV in GB18030 whose line 8 (C03's customer message, 好的谢谢) is UTF-8."""
    lines = long_table(chat_records(6)).to_csv(index=False).encode("gb18030").splitlines(keepends=True)
    assert "好的谢谢".encode("gb18030") in lines[7]
    lines[7] = lines[7].decode("gb18030").encode("utf-8")
    path = tmp_path / "c.csv"
    path.write_bytes(b"".join(lines))
    return path


def test_a_utf8_line_in_a_gb18030_csv_is_reported_and_its_conversation_skipped(tmp_path):
    path = _gb18030_csv_with_a_utf8_line(tmp_path)
    found = detect_encoding(path)
    start = len("C03,A1,chat,0,customer,")
    assert found.name == "gb18030" and [(d.line, d.col, d.misread) for d in found.damaged] == [
        (8, start + 1, "濂界殑璋㈣阿")
    ]
    ds = read_conversations(path)
    assert list(ds.conversations["conversation_id"]) == ["C00", "C01", "C02", "C04", "C05"]
    [problem] = ds.log.problems
    assert (problem.line, problem.code, problem.level) == (8, "bad_encoding", "error")
    assert "UTF-8 text in a GB18030 file: '好的谢谢' would read as '濂界殑璋㈣阿'" in problem.message
    assert "濂" not in "".join(ds.messages["text"])


def test_genuine_gb18030_text_that_is_valid_utf8_too_is_read_as_gb18030(tmp_path):
    records = chat_records(6)
    records[2]["messages"][1]["text"] = "一些"
    assert "一些".encode("gb18030").decode("utf-8") == "һЩ"  # its line is valid UTF-8 too
    path = tmp_path / "c.csv"
    long_table(records).to_csv(path, index=False, encoding="gb18030")
    found = detect_encoding(path)
    assert found.name == "gb18030" and found.damaged == ()
    ds = read_conversations(path)
    assert ds.log.problems == [] and "一些" in set(ds.messages["text"])


def test_a_utf8_line_in_a_gb18030_jsonl_file_is_skipped_with_its_line(tmp_path):
    lines = [json.dumps(r, ensure_ascii=False).encode("gb18030") + b"\n" for r in chat_records(6)]
    lines[3] = lines[3].decode("gb18030").encode("utf-8")
    path = tmp_path / "c.jsonl"
    path.write_bytes(b"".join(lines))
    ds = read_conversations(path)
    assert list(ds.conversations["conversation_id"]) == ["C00", "C01", "C02", "C04", "C05"]
    assert [(p.line, p.code) for p in ds.log.problems] == [(4, "bad_encoding")]
    assert "line skipped" in ds.log.problems[0].message


def test_the_cli_exits_1_and_names_the_line(tmp_path):
    path = _gb18030_csv_with_a_utf8_line(tmp_path)
    result = CliRunner().invoke(main, ["data", "inspect", str(path)])
    assert result.exit_code == 1, result.output
    assert f"{path}:8" in result.output and "UTF-8 text in a GB18030 file" in result.output


def test_a_utf8_row_in_a_gb18030_roster_is_one_warning_and_read_as_it_stands(tmp_path):
    rows = ["agent_id,name,team", "A1,王芳,售前组", "A2,刘洋,售后组", "A3,陈静,售后组"]
    data = [line.encode("gb18030") for line in rows]
    data[2] = rows[2].encode("utf-8")  # its last bytes are not valid GB18030: damaged and UTF-8, one warning
    path = tmp_path / "roster.csv"
    path.write_bytes(b"\n".join(data) + b"\n")
    roster, log = read_roster(path)
    [problem] = log.problems
    assert (problem.line, problem.level, problem.code) == (3, "warning", "bad_encoding")
    assert "UTF-8 text in a GB18030 file: '刘洋,售后组' would read as" in problem.message
    assert problem.message.endswith("read as it stands")
    assert list(roster["agent_id"]) == ["A1", "A2", "A3"]
