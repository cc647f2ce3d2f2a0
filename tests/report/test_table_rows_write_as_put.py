"""The report's tables write a row list at a time (``excel.put_rows``): every value must land as
``put`` writes it alone — formula-like text quoted, CR as LF, controls replaced, text capped,
missing values blank — in the column's format for text or for anything else."""

import datetime as dt

import numpy as np
import pandas as pd
from openpyxl import load_workbook

from qa_toolkit.excel import MAX_CELL_CHARS, new_workbook, put, put_rows

VALUES = [
    '=HYPERLINK("http://evil.example","点我")',
    "+1+1",
    "-2",
    "@SUM(A1:A2)",
    "\t=1",
    "\r=1",
    "a\r\nb\rc",
    "a\x00b\u202e",
    "字" * (MAX_CELL_CHARS + 5),
    "",
    "12",
    "客服",
    None,
    float("nan"),
    pd.NA,
    pd.NaT,
    -5,
    2.5,
    True,
    np.int64(7),
    np.float64(0.25),
    pd.Timestamp("2026-01-01 09:00", tz="Asia/Shanghai"),
    dt.datetime(2026, 1, 2, 10, 30),
    ["投诉", "vip"],
]


def _cells(path):
    ws = load_workbook(path)["s"]
    return [
        [
            (c.value, c.data_type, c.quotePrefix, c.font.b, c.number_format, c.alignment.vertical)
            for c in ws.iter_cols(min_col=1, max_col=2, min_row=r, max_row=r)
            for c in c
        ]
        for r in range(1, len(VALUES) + 1)
    ]


def test_a_row_list_writes_every_value_as_put_does_in_the_columns_formats(tmp_path):
    by_put, by_rows = tmp_path / "put.xlsx", tmp_path / "rows.xlsx"
    for path in (by_put, by_rows):
        wb = new_workbook(path)
        ws = wb.add_worksheet("s")
        text_fmt = wb.add_format({"bold": True, "valign": "top"})
        number_fmt = wb.add_format({"num_format": "0.0%", "valign": "top"})
        rows = [[v, v] for v in VALUES]  # the same value in two columns, the second without formats
        if path == by_put:
            for r, (v, _) in enumerate(rows):
                put(ws, r, 0, v, text_fmt if isinstance(v, str) else number_fmt)
                put(ws, r, 1, v)
        else:
            put_rows(ws, 0, 0, rows, [(text_fmt, number_fmt), (None, None)])
        wb.close()
    assert _cells(by_rows) == _cells(by_put)
    quoted = [row[0] for row in _cells(by_rows)[:6]]
    assert all(quote for _, kind, quote, *_ in quoted if kind == "s")  # the test sees formula-like text quoted
