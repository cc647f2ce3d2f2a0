"""Long tables (CSV/XLSX/Parquet): mapping presets, encodings, row-located problems, chunks."""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from qa_toolkit.cli import main
from qa_toolkit.io import concat_datasets, iter_conversations, read_conversations
from qa_toolkit.problems import InputError

FIX = Path(__file__).parents[1] / "fixtures" / "io"
ZH = FIX / "zh_gb18030.csv"


def check_zh_fixture(ds):
    """The three conversations of zh_gb18030.csv / bom.csv, however they were read."""
    assert ds.conversations["conversation_id"].tolist() == ["S001", "S002", "S003"]
    assert ds.conversations["channel"].tolist() == ["chat", "phone", "email"]
    assert ds.conversations.loc[0, "tags"] == ["complaint", "物流"]
    assert ds.conversations["csat"].iloc[0] == 5 and pd.isna(ds.conversations["csat"].iloc[2])
    s002 = ds.messages[ds.messages["conversation_id"] == "S002"]
    assert s002["role"].tolist() == ["customer", "bot", "agent"]  # sorted by 序号, not file order
    assert s002["seq"].tolist() == [0, 1, 2]
    assert ds.messages["text"].iloc[2] == "好的，䶮𠮷 谢谢"  # needs GB18030, not GBK
    assert ds.messages["ts"].iloc[0] == pd.Timestamp("2026-09-01 10:00:05", tz="Asia/Shanghai")
    assert ds.conversations.loc[2, "customer_id"] == "13800138000"


def test_gb18030_csv_with_chinese_headers_is_detected():
    ds = read_conversations(ZH)
    check_zh_fixture(ds)
    assert ds.conversations["是否升级"].tolist() == ["是", "否", "否"]  # extra column kept as-is
    assert not ds.log.problems


def test_utf8_bom_csv_with_english_headers():
    check_zh_fixture(read_conversations(FIX / "bom.csv"))


def test_xlsx_and_parquet_read_like_the_csv(tmp_path):
    frame = pd.read_csv(ZH, dtype=str, keep_default_na=False, encoding="gb18030")
    frame.to_excel(tmp_path / "export.xlsx", index=False)
    frame.to_parquet(tmp_path / "export.parquet", index=False)
    for name in ("export.xlsx", "export.parquet"):
        ds = read_conversations(tmp_path / name)
        check_zh_fixture(ds)
        assert not ds.log.problems


def test_parquet_with_native_types(tmp_path):
    frame = pd.read_csv(FIX / "bom.csv", dtype=str, keep_default_na=False)
    frame["timestamp"] = pd.to_datetime(frame["timestamp"])
    frame["satisfaction"] = pd.to_numeric(frame["satisfaction"]).astype("Int64")
    frame.to_parquet(tmp_path / "typed.parquet", index=False)
    check_zh_fixture(read_conversations(tmp_path / "typed.parquet"))


def test_missing_required_column_names_it_and_the_headers():
    with pytest.raises(InputError) as err:
        read_conversations(FIX / "missing_column.csv")
    message = str(err.value)
    assert "'role'" in message and "会话ID" in message and "missing_column.csv" in message
    result = CliRunner().invoke(main, ["data", "inspect", str(FIX / "missing_column.csv")])
    assert result.exit_code == 2 and "role" in result.output and "Traceback" not in result.output


def test_mapping_file_overrides_columns_and_values():
    ds = read_conversations(FIX / "custom_headers.csv", mapping=FIX / "mapping.yaml")
    assert ds.conversations["conversation_id"].tolist() == ["T1", "T2"]
    assert ds.messages["role"].tolist() == ["agent", "customer", "customer"]
    assert ds.conversations["channel"].iloc[0] == "chat"
    assert pd.isna(ds.messages["ts"].iloc[2])
    result = CliRunner().invoke(
        main, ["data", "inspect", "--mapping", str(FIX / "mapping.yaml"), "--json", str(FIX / "custom_headers.csv")]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["conversations"] == 2


def test_preset_by_name_and_bad_mapping(tmp_path):
    assert len(read_conversations(ZH, mapping="zh").conversations) == 3
    with pytest.raises(InputError, match="'conversation_id', 'agent_id', 'role', 'text' not found"):
        read_conversations(ZH, mapping="default")
    bad = tmp_path / "bad.yaml"
    bad.write_text("columns:\n  speaker: 说话人\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown canonical column 'speaker'"):
        read_conversations(FIX / "custom_headers.csv", mapping=bad)
    with pytest.raises(InputError, match="neither a preset"):
        read_conversations(ZH, mapping="klingon")


def test_bad_rows_name_the_spreadsheet_row_and_field(tmp_path):
    text = ZH.read_bytes().decode("gb18030").replace("2026-09-01 10:00:20", "上午十点").replace("用户", "外星人")
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="gb18030")
    ds = read_conversations(path)
    assert ds.conversations["conversation_id"].tolist() == ["S001"]
    got = sorted((p.line, p.field, p.code) for p in ds.log.problems)
    # S002's bot message is file row 5 (header = row 1); S003's 用户 row is row 9
    assert got == [(5, "ts", "bad_timestamp"), (9, "role", "unknown_role")]
    assert ds.log.records_skipped == 2
    result = CliRunner().invoke(main, ["data", "inspect", "--strict", str(path)])
    assert result.exit_code == 2 and "bad.csv:5" in result.output and "'ts'" in result.output


def test_header_only_and_empty_csv(tmp_path):
    (tmp_path / "h.csv").write_text("会话ID,客服,发送方,内容\n", encoding="utf-8")
    (tmp_path / "e.csv").write_bytes(b"")
    for name in ("h.csv", "e.csv"):
        with pytest.raises(InputError, match="empty file"):
            read_conversations(tmp_path / name)


@pytest.mark.parametrize(
    "name,content",
    [
        ("x.xlsx", b"this is not a zip"),
        ("x.parquet", b"PAR1 garbage PAR1"),
        ("x.csv", b'a,b\n"unterminated\n'),
        ("y.csv", b"a,b\n1,2\n1,2,3\n"),
    ],
)
def test_corrupt_files_are_input_errors_not_tracebacks(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    result = CliRunner().invoke(main, ["data", "inspect", str(path)])
    assert result.exit_code == 2, result.output
    assert name in result.output and "Traceback" not in result.output


def test_chunks_never_split_a_conversation_and_equal_the_full_read(tmp_path):
    full = read_conversations(ZH)
    for size in (1, 2, 3, 5):
        chunks = list(iter_conversations(ZH, chunk_size=size))
        ids = [cid for c in chunks for cid in c.conversations["conversation_id"]]
        assert ids == ["S001", "S002", "S003"]
        joined = concat_datasets(chunks)
        pd.testing.assert_frame_equal(joined.conversations, full.conversations)
        pd.testing.assert_frame_equal(joined.messages, full.messages)


def test_duplicate_id_across_chunks_in_a_table(tmp_path):
    text = ZH.read_bytes().decode("gb18030")
    lines = text.splitlines(keepends=True)
    path = tmp_path / "dup.csv"
    path.write_text("".join(lines + lines[1:4]), encoding="gb18030")  # S001 again at the end
    for size in (2, 1000):
        ds = concat_datasets(list(iter_conversations(path, chunk_size=size)))
        assert len(ds.conversations) == 3
        [problem] = ds.log.problems
        assert (problem.line, problem.field, problem.code) == (10, "conversation_id", "duplicate_id")


def test_format_option_and_progress(tmp_path):
    path = tmp_path / "export.txt.gz.weird"
    shutil.copy(ZH, path)
    seen = []
    ds = read_conversations(path, format="csv", progress=seen.append)
    assert len(ds.conversations) == 3 and sum(seen) == path.stat().st_size
    result = CliRunner().invoke(main, ["data", "inspect", "--format", "csv", str(path)])
    assert result.exit_code == 0, result.output


def test_encoding_falls_back_to_a_detector(tmp_path):
    from qa_toolkit.io.encoding import detect_encoding

    text = "session_id,agent,sender,message\n" + "".join(
        f"s{i},a1,customer,Le café était très froid; désolé — numéro {i}\n" for i in range(40)
    )
    path = tmp_path / "latin.csv"
    path.write_bytes(text.encode("cp1252"))
    assert detect_encoding(path).name not in ("utf-8", "gb18030")
    ds = read_conversations(path)
    assert ds.messages["text"].iloc[0].startswith("Le café était")
    assert read_conversations(path, encoding="cp1252").messages["text"].iloc[0].startswith("Le café")


def test_xlsx_native_cells_and_blank_rows(tmp_path):
    from datetime import datetime

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["会话ID", "客服工号", "客户ID", "满意度", "发送时间", "发送方", "内容"])
    sheet.append([1001, "A01", 13800138000, 4, datetime(2026, 9, 1, 10, 0, 5), "顾客", "在吗"])
    sheet.append([1001, "A01", 13800138000, 4, datetime(2026, 9, 1, 10, 0, 9), "客服", "placeholder"])
    sheet["G3"].value, sheet["G3"].data_type = '=HYPERLINK("x")', "s"  # text, not a formula
    sheet.append([None] * 7)
    sheet.append([1002, "A02", None, 9, None, "客服", "hi"])  # csat 9 → row 5
    sheet.append([None] * 7)
    book.create_sheet("notes").append(["ignored"])
    book.save(tmp_path / "native.xlsx")
    ds = read_conversations(tmp_path / "native.xlsx")
    assert ds.conversations["conversation_id"].tolist() == ["1001"]
    assert ds.conversations.loc[0, "customer_id"] == "13800138000" and ds.conversations.loc[0, "csat"] == 4
    assert ds.messages["ts"].iloc[1] == pd.Timestamp("2026-09-01 10:00:09", tz="Asia/Shanghai")
    assert ds.messages["text"].iloc[1] == '=HYPERLINK("x")'
    [problem] = ds.log.problems
    assert (problem.line, problem.field, problem.code) == (5, "csat", "bad_csat")


def test_mapping_file_yaml_errors_name_their_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("columns:\n  text: 内容\n  text: 消息\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_conversations(FIX / "custom_headers.csv", mapping=bad)
    problem = err.value.problems[0]
    assert (problem.code, problem.line) == ("duplicate-key", 3)
    bad.write_text("columns: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_conversations(FIX / "custom_headers.csv", mapping=bad)
    assert err.value.problems[0].code == "yaml-syntax" and err.value.problems[0].line is not None
