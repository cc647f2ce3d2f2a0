"""Damaged text never turns into silent mojibake: a file that is UTF-8 (or GB18030) but for a few
bytes is read in that encoding, its damaged lines reported with their byte offsets and skipped;
only a file that is neither is handed to a detector. UTF-16/32 files read whole; a codec that is
not a text encoding is a clear input error; Parquet text stored as bytes is decoded."""

from __future__ import annotations

import codecs
import json
import random

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from reading_routes import TEXTS, long_table, read_route
from reading_routes import chat_records as records

from qa_toolkit.cli import main
from qa_toolkit.io import read_conversations
from qa_toolkit.io.encoding import detect_encoding
from qa_toolkit.io.roster import read_roster
from qa_toolkit.problems import InputError


def jsonl_lines(recs: list[dict]) -> list[bytes]:
    return [json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in recs]


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


# --- detection: the majority of lines decides, never a guess over a damaged UTF-8 file --------


def test_one_invalid_byte_keeps_utf8_and_locates_the_line(tmp_path):
    lines = jsonl_lines(records())
    lines[3] = lines[3].replace(b'"text": "', b'"text": "\xff', 1)
    path = tmp_path / "c.jsonl"
    path.write_bytes(b"".join(lines))
    found = detect_encoding(path)
    offset = sum(map(len, lines[:3])) + lines[3].index(b"\xff")
    assert found.name == "utf-8" and [(d.line, d.offset, d.raw) for d in found.damaged] == [(4, offset, b"\xff")]


def test_a_gbk_line_in_a_utf8_file_is_a_damaged_line(tmp_path):
    lines = jsonl_lines(records())
    lines[5] = lines[5].decode().encode("gbk")
    path = tmp_path / "c.jsonl"
    path.write_bytes(b"".join(lines))
    found = detect_encoding(path)
    assert found.name == "utf-8" and [d.line for d in found.damaged] == [6]


def test_a_gb18030_file_with_two_bad_bytes_stays_gb18030(tmp_path):
    text = "".join(f"C{i},客服,{TEXTS[i % 5]}\n" for i in range(50)).encode("gb18030")
    data = bytearray(text)
    for line in (10, 40):
        data[data.index(f"C{line},".encode()) + 4] = 0xFF
    path = tmp_path / "c.csv"
    path.write_bytes(bytes(data))
    found = detect_encoding(path)
    assert found.name == "gb18030" and [d.line for d in found.damaged] == [11, 41]


def test_a_gbk_file_whose_short_line_happens_to_be_utf8_is_gbk(tmp_path):
    lines = [f"{TEXTS[i % 5]}\n".encode("gbk") for i in range(30)] + ["é\n".encode()]
    path = tmp_path / "c.csv"
    path.write_bytes(b"".join(lines))
    assert detect_encoding(path).name == "gb18030"


@pytest.mark.parametrize("seed", range(20))
def test_a_few_damaged_lines_never_change_the_encoding(tmp_path, seed):
    rng = random.Random(seed)
    lines = [rng.choice(TEXTS).encode() + b"\n" for _ in range(rng.randint(3, 60))]
    bad = rng.sample(range(len(lines)), k=max(1, len(lines) // 3))
    for i in bad:
        kind = rng.randrange(3)
        lines[i] = (
            lines[i].decode().encode("gbk")
            if kind == 0
            else lines[i][:3] + bytes([rng.randrange(0x80, 0x100)]) + lines[i][3:]
            if kind == 1
            else lines[i][:-2] + b"\n"
        )  # a character cut
    path = tmp_path / "c.txt"
    path.write_bytes(b"".join(lines))
    found = detect_encoding(path)
    assert found.name == "utf-8"
    assert {d.line for d in found.damaged} <= {i + 1 for i in bad}


def test_a_utf8_bom_file_with_damage_stays_utf8(tmp_path):
    lines = jsonl_lines(records())
    lines[2] = lines[2].replace("您".encode(), b"\xc0\xaf")
    path = tmp_path / "c.jsonl"
    path.write_bytes(codecs.BOM_UTF8 + b"".join(lines))
    found = detect_encoding(path)
    assert found.name == "utf-8-sig" and [d.line for d in found.damaged] == [3]


# --- JSONL: the damaged lines are skipped, the rest read right ---------------------------------


@pytest.mark.parametrize("route", ["jsonl", "cli_workers"])
def test_damaged_jsonl_lines_are_skipped_with_their_offset(route, tmp_path):
    lines = jsonl_lines(records())
    lines[3] = lines[3].replace(b'"text": "', b'"text": "\xff\xfe', 1)
    lines[7] = lines[7].decode().encode("gbk")
    path = tmp_path / "c.jsonl"
    path.write_bytes(b"".join(lines))
    if route == "cli_workers":
        result = invoke("score", path, "-o", tmp_path / "out", "--workers", "2", "--chunk-size", "3")
        assert result.exit_code == 1, result.output
        offset = sum(map(len, lines[:3])) + lines[3].index(b"\xff")
        assert f"0xFF at byte offset {offset} is not valid UTF-8 text; line skipped" in result.output
        assert "scored 10 of 10" in result.output
        return
    ds = read_conversations(path)
    assert len(ds.conversations) == 10 and set(ds.messages["text"]) == set(TEXTS)  # no mojibake
    assert [(p.line, p.code) for p in ds.log.problems] == [(4, "bad_encoding"), (8, "bad_encoding")]
    assert ds.log.records_skipped == 2


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-be"])
def test_utf16_and_utf32_jsonl_with_a_bom_read_every_record(codec, tmp_path):
    text = b"".join(jsonl_lines(records())).decode()
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE, "utf-32-be": codecs.BOM_UTF32_BE}
    path = tmp_path / "c.jsonl"
    path.write_bytes(bom.get(codec, b"") + text.encode(codec))
    ds = read_conversations(path)
    assert len(ds.conversations) == 12 and not ds.log.problems and set(ds.messages["text"]) == set(TEXTS)
    named = read_conversations(path, encoding=codec if codec in ("utf-16", "utf-32") else codec[:6])
    assert len(named.conversations) == 12


def test_utf16_csv_reads_and_damaged_utf16_is_located(tmp_path):
    frame = long_table(records(4))
    path = tmp_path / "c.csv"
    frame.to_csv(path, index=False, encoding="utf-16")
    assert len(read_conversations(path).conversations) == 4
    broken = tmp_path / "b.jsonl"
    broken.write_bytes(b"".join(jsonl_lines(records(2))).decode().encode("utf-16") + b"\x00\xd8")
    with pytest.raises(InputError) as err:
        read_conversations(broken)
    assert err.value.problems[0].code == "bad_encoding" and "byte offset" in err.value.problems[0].message


# --- long tables: the conversation holding a damaged row is skipped ----------------------------


def damaged_gb18030_csv(tmp_path, *, quoted_newline: bool = False):
    frame = long_table(records())
    if quoted_newline:
        frame.loc[0, "text"] = "第一行\n第二行"
    path = tmp_path / "c.csv"
    frame.to_csv(path, index=False, encoding="gb18030")
    data = bytearray(path.read_bytes())
    for cid in ("C03", "C08"):
        at = data.index(f"{cid},A1,chat,1,agent,".encode())
        data[at + len(f"{cid},A1,chat,1,agent,")] = 0xFF
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("quoted_newline", [False, True])
def test_damaged_csv_rows_skip_their_conversations(tmp_path, quoted_newline):
    ds = read_conversations(damaged_gb18030_csv(tmp_path, quoted_newline=quoted_newline))
    assert list(ds.conversations["conversation_id"]) == [f"C{i:02d}" for i in range(12) if i not in (3, 8)]
    assert [(p.line, p.field, p.code) for p in ds.log.problems] == [
        (9, "text", "bad_encoding"),
        (19, "text", "bad_encoding"),
    ]
    assert "— conversation 'C03' skipped" in ds.log.problems[0].message
    assert "\ufffd" not in "".join(ds.messages["text"])


def test_a_gbk_line_in_a_utf8_csv_and_a_damaged_header(tmp_path):
    frame = long_table(records(5))
    text = frame.to_csv(index=False)
    lines = text.encode().splitlines(keepends=True)
    lines[0] = lines[0].replace(b"channel", "渠道".encode("gbk"))  # a damaged extra column name
    lines[0] = lines[0].replace(b"text", b"text")
    lines[4] = lines[4].decode().encode("gbk")
    path = tmp_path / "c.csv"
    path.write_bytes(b"".join(lines))
    ds = read_conversations(path)
    assert list(ds.conversations["conversation_id"]) == ["C00", "C02", "C03", "C04"]
    assert [(p.line, p.code, p.level) for p in ds.log.problems] == [
        (1, "bad_encoding", "warning"),
        (5, "bad_encoding", "error"),
    ]


@pytest.mark.parametrize("route", ["parquet", "row_group"])
def test_parquet_text_stored_as_bytes_is_decoded_or_located(route, tmp_path, monkeypatch):
    frame = long_table(records(4))
    table = pa.Table.from_pandas(frame, preserve_index=False)
    texts = [t.encode() for t in frame["text"]]
    texts[5] = b"\xff\xfe broken"
    table = table.set_column(table.schema.get_field_index("text"), "text", pa.array(texts, pa.binary()))
    table = table.replace_schema_metadata(None)
    path = tmp_path / "t.parquet"
    pq.write_table(table, path)
    monkeypatch.setattr(pd.DataFrame, "to_parquet", lambda self, p, **k: None)  # read_route writes the file
    ds = read_route(route, frame, tmp_path)
    assert list(ds.conversations["conversation_id"]) == ["C00", "C01", "C03"]
    assert set(ds.messages["text"]) <= set(TEXTS)  # decoded, never "b'\\xe6...'"
    assert [(p.line, p.field, p.code) for p in ds.log.problems] == [(7, "text", "bad_encoding")]


def test_roster_with_a_damaged_line_warns(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(
        "agent_id,name,team\nA1,张三,一组\n".encode() + "A2,李四,二组\n".encode("gbk") + "A3,王五,二组\n".encode()
    )
    roster, log = read_roster(path)
    assert list(roster["agent_id"]) == ["A1", "A2", "A3"] and roster["name"].iloc[0] == "张三"
    assert [(p.line, p.code, p.level) for p in log.problems] == [(3, "bad_encoding", "warning")]


# --- --encoding --------------------------------------------------------------------------------


@pytest.mark.parametrize("codec", ["base64", "rot13", "zlib", "hex", "bz2", "no-such-codec"])
def test_a_codec_that_is_not_a_text_encoding_is_a_usage_error(codec, tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_bytes(b"".join(jsonl_lines(records(2))))
    result = invoke("data", "inspect", path, "--encoding", codec)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "encoding" in result.output and codec in result.output


def test_a_named_encoding_reports_the_lines_it_cannot_read(tmp_path):
    path = damaged_gb18030_csv(tmp_path)
    ds = read_conversations(path, encoding="gb18030")
    assert [p.line for p in ds.log.problems] == [9, 19]
    ds = read_conversations(path, encoding="utf-8")  # the wrong one, named: every damaged row is located
    assert ds.log.problems and all(p.code == "bad_encoding" for p in ds.log.problems)
