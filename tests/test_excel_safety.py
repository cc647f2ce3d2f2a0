"""Untrusted text written to xlsx never becomes a formula; illegal characters never crash."""

import datetime as dt

import pandas as pd
from openpyxl import Workbook, load_workbook

from qa_toolkit.excel import MAX_CELL_CHARS, safe_value, write_cell

DANGEROUS = ['=HYPERLINK("http://evil.example","点我")', "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1"]


def test_dangerous_text_is_stored_as_text(tmp_path):
    wb = Workbook()
    ws = wb.active
    for i, text in enumerate(DANGEROUS, start=1):
        write_cell(ws, i, 1, text)
    write_cell(ws, 20, 1, -5)  # a real number stays a number
    path = tmp_path / "x.xlsx"
    wb.save(path)
    ws2 = load_workbook(path).active
    for i, text in enumerate(DANGEROUS, start=1):
        cell = ws2.cell(i, 1)
        assert cell.data_type == "s", text
        assert cell.value == text.replace("\r", "\n") or cell.value == text
        assert cell.quotePrefix
    assert ws2.cell(20, 1).value == -5 and ws2.cell(20, 1).data_type == "n"


def test_safe_value_cleans():
    assert safe_value("a\x00b\x07c") == "a\ufffdb\ufffdc"
    long = safe_value("字" * (MAX_CELL_CHARS + 10))
    assert len(long) == MAX_CELL_CHARS and long.endswith("[truncated]")
    assert safe_value(float("nan")) is None
    assert safe_value(pd.NA) is None
    assert safe_value(pd.NaT) is None
    aware = pd.Timestamp("2026-01-01 09:00", tz="Asia/Shanghai")
    assert safe_value(aware) == dt.datetime(2026, 1, 1, 9, 0)
    assert safe_value(["投诉", "vip"]) == "投诉|vip"
    assert safe_value(pd.Series([3]).iloc[0]) == 3
