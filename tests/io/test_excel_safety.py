"""Untrusted text written to xlsx never becomes a formula; illegal characters never crash."""

import datetime as dt

import pandas as pd
from openpyxl import load_workbook

from qa_toolkit.excel import MAX_CELL_CHARS, new_workbook, put, safe_value

DANGEROUS = ['=HYPERLINK("http://evil.example","点我")', "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1"]


def test_put_stores_formula_like_text_as_quoted_text_and_keeps_the_cell_format(tmp_path):
    path = tmp_path / "x.xlsx"
    wb = new_workbook(path)
    ws = wb.add_worksheet("s")
    bold = wb.add_format({"bold": True})
    for i, text in enumerate(DANGEROUS):
        put(ws, i, 0, text, bold if i % 2 else None)
    put(ws, 10, 0, -5)
    put(ws, 11, 0, "12")  # text that looks like a number stays text
    put(ws, 12, 0, "http://evil.example")  # and a URL is not made a link
    put(ws, 13, 0, pd.Timestamp("2026-01-01 09:00", tz="Asia/Shanghai"))
    put(ws, 14, 0, float("nan"))
    put(ws, 15, 0, "a\x00b")
    wb.close()
    ws2 = load_workbook(path)["s"]
    for i, text in enumerate(DANGEROUS, start=1):
        cell = ws2.cell(i, 1)
        assert (cell.data_type, cell.quotePrefix) == ("s", True), text
        assert cell.value in (text, text.replace("\r", "\n"))
        assert cell.font.b == bool((i - 1) % 2)
    assert (ws2.cell(11, 1).value, ws2.cell(11, 1).data_type) == (-5, "n")
    assert (ws2.cell(12, 1).value, ws2.cell(12, 1).data_type) == ("12", "s")
    assert ws2.cell(13, 1).hyperlink is None
    assert ws2.cell(14, 1).value == dt.datetime(2026, 1, 1, 9, 0)
    assert ws2.cell(15, 1).value is None
    assert ws2.cell(16, 1).value == "a\ufffdb"


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


# --- CSV cells (issue 16, class 12) and display safety (classes 11 and 33) -----------------------
import random  # noqa: E402

import numpy as np  # noqa: E402

from qa_toolkit.atomic import write_frame  # noqa: E402
from qa_toolkit.excel import FORMULA_PREFIXES, csv_restore, csv_safe, display_text  # noqa: E402


def _hostile_frame(n: int, seed: int) -> pd.DataFrame:
    rng = random.Random(seed)
    pieces = ["'", "''", "=", "+", "-", "@", "\t", "\r", "\n", "a", "1", "中", "=HYPERLINK(\"x\")", " "]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randrange(5))) for _ in range(n)]
    return pd.DataFrame(
        {
            "text": pd.Series(texts, dtype="string"),
            "plain": pd.Series(texts, dtype=object),
            "mixed": pd.Series([t if i % 3 else i - 5 for i, t in enumerate(texts)], dtype=object),
            "category": pd.Categorical([t[:2] for t in texts]),
            "number": np.arange(n) - n / 2,
        }
    )


def test_csv_safe_quotes_every_formula_text_and_restore_gives_it_back():
    frame = _hostile_frame(3000, seed=1)
    safe = csv_safe(frame)
    for column in ("text", "plain", "mixed", "category"):
        cells = [v for v in safe[column].astype(object) if isinstance(v, str)]
        assert not [v for v in cells if v.startswith(FORMULA_PREFIXES)], column
    assert safe["number"].equals(frame["number"]) and (frame["number"] < 0).any()
    restored = csv_restore(safe)
    for column in frame.columns:
        assert restored[column].astype(object).tolist() == frame[column].astype(object).tolist(), column


def test_written_csvs_are_quoted_and_read_back_exactly(tmp_path):
    frame = _hostile_frame(500, seed=2)[["text", "number"]].dropna()
    frame = frame[frame["text"].str.strip("\r\n ") == frame["text"]]  # CSV keeps no edge CR/LF or spaces
    path = write_frame(frame.assign(ids=[["=a", "b"]] * len(frame)), tmp_path / "out.csv")
    raw = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    assert not raw["text"].str.startswith(FORMULA_PREFIXES).any() and raw["ids"].eq("'=a|b").all()
    back = csv_restore(raw)
    assert back["text"].tolist() == frame["text"].fillna("").tolist()


def test_display_text_replaces_what_breaks_xml_or_reorders_what_is_shown(tmp_path):
    hostile = "A\x00B\x07C\x1fD\ud800E\ufffeF\u202eG\u2066H\u202aI"
    assert display_text(hostile) == "A\ufffdB\ufffdC\ufffdD\ufffdE\ufffdF\ufffdG\ufffdH\ufffdI"
    assert display_text("制表\t换行\n回车\r 中文 ✓") == "制表\t换行\n回车\r 中文 ✓"
    wb = new_workbook(tmp_path / "x.xlsx")
    put(wb.add_worksheet("ok"), 0, 0, hostile)
    wb.close()
    assert load_workbook(tmp_path / "x.xlsx")["ok"]["A1"].value == display_text(hostile)
