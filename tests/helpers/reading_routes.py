"""Helpers for tests that hold on every way into a Dataset: the same records read as in-memory
records (the library API), as a JSONL file (the reader, the workers' Arrow JSONL front end and a
worker's line range), and as long tables (CSV, Parquet, a Dask partition's rows, a worker's
Parquet row group)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from qa_toolkit.engine.parts import JsonlLines
from qa_toolkit.engine.tables import dataset_from_row_group, first_rows
from qa_toolkit.frames import DEFAULT_TZ
from qa_toolkit.io import conversations_from_records, read_conversations
from qa_toolkit.io.arrow_jsonl import dataset_from_bytes
from qa_toolkit.io.jsonl import LineRange
from qa_toolkit.io.table import dataset_from_rows

RECORD_ROUTES = ("records", "jsonl", "arrow_jsonl", "jsonl_range")
#: Chinese messages for the encoding tests: none of them is valid UTF-8 written as GB18030.
TEXTS = ["您好，请问有什么可以帮您？", "我的快递三天了还没到", "已为您核实订单信息。", "好的谢谢", "退款什么时候到账"]
TABLE_ROUTES = ("csv", "parquet", "parquet_rows", "row_group")


def chat_records(n: int = 12) -> list[dict]:
    """``n`` chats of agent A1 (ids C00, C01, …), the customer saying ``TEXTS[i % 5]``, the agent the next text."""
    return [
        {
            "conversation_id": f"C{i:02d}",
            "agent_id": "A1",
            "channel": "chat",
            "messages": [{"role": "customer", "text": TEXTS[i % 5]}, {"role": "agent", "text": TEXTS[(i + 1) % 5]}],
        }
        for i in range(n)
    ]


def write_jsonl(records: list, path: Path) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def long_table(records: list[dict]) -> pd.DataFrame:
    """JSONL-shaped records as a long table (one row per message), the way exports write them."""
    rows = []
    for rec in records:
        conv = {
            k: ("|".join(v) if k == "tags" and isinstance(v, list) else v) for k, v in rec.items() if k != "messages"
        }
        for i, message in enumerate(rec["messages"]):
            rows.append({**conv, "seq": i, **message})
    return pd.DataFrame(rows)


def read_route(route: str, source, tmp_path: Path, tz: str = DEFAULT_TZ):
    """The Dataset ``route`` makes of ``source``: records for the record routes, a long-table
    frame (as written to the file) for the table routes."""
    if route == "records":
        return conversations_from_records(source, tz=tz)
    if route in RECORD_ROUTES:
        path = write_jsonl(source, tmp_path / f"{route}.jsonl")
        if route == "jsonl":
            return read_conversations(path, tz=tz)
        if route == "arrow_jsonl":
            return dataset_from_bytes(path.read_bytes(), tz)  # None: it declines, the reference reads it
        return JsonlLines(str(path), LineRange(0, path.stat().st_size, 1), tz).dataset()
    if route == "csv":
        path = tmp_path / "t.csv"
        source.to_csv(path, index=False)
        return read_conversations(path, tz=tz)
    path = tmp_path / "t.parquet"
    source.to_parquet(path, index=False)
    if route == "parquet":
        return read_conversations(path, tz=tz)
    if route == "parquet_rows":  # a Dask partition: the row group's rows as pandas reads them
        return dataset_from_rows(pq.read_table(path).to_pandas(), source=str(path), first_row=2, tz=tz)
    return dataset_from_row_group(path, 0, source=str(path), first_row=first_rows(path)[0], tz=tz)[0]


def kept_and_codes(dataset) -> tuple[list[str], list[str]]:
    """The conversation ids kept and the problem codes, in order."""
    return list(dataset.conversations["conversation_id"]), [p.code for p in dataset.log.problems]
