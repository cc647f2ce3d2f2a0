"""Write synthetic data the way real exports look: nested JSONL (UTF-8), a long-table CSV in
GB18030 with the Chinese headers of a domestic helpdesk export, a UTF-8 roster CSV, and
optionally a Parquet long table with the canonical English columns. Everything streams (one
pass, bounded memory) and lands atomically."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from pathlib import Path

import orjson

from qa_toolkit.atomic import atomic_path
from qa_toolkit.synth.profiles import Agent

FORMATS = ("jsonl", "csv", "parquet")
FILENAMES = {
    "jsonl": "conversations.jsonl",
    "csv": "conversations_gb18030.csv",
    "parquet": "conversations.parquet",
    "roster": "roster.csv",
}
#: Long-table CSV headers, exactly as the reader's ``zh`` preset expects them.
CSV_HEADERS = [
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
CHANNEL_ZH = {"chat": "在线", "phone": "电话", "email": "邮件", "social": "社交"}
ROLE_ZH = {"agent": "客服", "customer": "顾客", "bot": "机器人", "system": "系统"}
PARQUET_CONVERSATION_COLUMNS = [
    "conversation_id",
    "channel",
    "agent_id",
    "customer_id",
    "started_at",
    "ended_at",
    "csat",
    "tags",
    "customer_tier",
    "queue",
    "escalated",
    "transferred",
    "complaint_type",
    "order_id",
]
PARQUET_BATCH = 20000  # conversations per Parquet row group


def write_synth(
    out_dir: str | os.PathLike,
    records: Iterable[dict],
    agents: list[Agent],
    formats: Iterable[str] = ("jsonl", "csv"),
    progress: Callable[[int], None] | None = None,
) -> dict[str, Path]:
    """Stream ``records`` into the requested formats in ``out_dir`` plus ``roster.csv``, in one
    pass; each file appears only when complete. Returns format -> path (and "roster")."""
    formats = list(dict.fromkeys(formats))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown format(s) {', '.join(unknown)}; choose from {', '.join(FORMATS)}")
    out = Path(out_dir)
    paths = {f: out / FILENAMES[f] for f in formats}
    with ExitStack() as stack:
        tmp = {f: stack.enter_context(atomic_path(p)) for f, p in paths.items()}
        sinks = []
        if "jsonl" in tmp:
            fh = stack.enter_context(open(tmp["jsonl"], "wb"))
            sinks.append(lambda rec, fh=fh: fh.write(orjson.dumps(rec) + b"\n"))
        if "csv" in tmp:
            fh = stack.enter_context(open(tmp["csv"], "w", encoding="gb18030", newline=""))
            fh.write(",".join(CSV_HEADERS) + "\r\n")
            sinks.append(lambda rec, fh=fh: fh.write(csv_lines(rec)))
        if "parquet" in tmp:
            parquet = stack.enter_context(_ParquetSink(tmp["parquet"]))
            sinks.append(parquet.add)
        for rec in records:
            for sink in sinks:
                sink(rec)
            if progress:
                progress(1)
    paths["roster"] = write_roster(out / FILENAMES["roster"], agents)
    return paths


def csv_rows(rec: dict) -> list[list]:
    """One long-table row per message, conversation fields repeated, Chinese labels, naive
    local times, 序号 1-based as helpdesk exports number them."""
    head = [
        rec["conversation_id"],
        CHANNEL_ZH[rec["channel"]],
        rec["agent_id"],
        rec["customer_id"],
        _naive(rec["started_at"]),
        _naive(rec["ended_at"]),
        "" if rec["csat"] is None else str(rec["csat"]),
        "|".join(rec["tags"]),
        rec["customer_tier"],
        rec["queue"],
    ]
    tail = [
        "true" if rec["escalated"] else "false",
        "true" if rec["transferred"] else "false",
        rec["complaint_type"] or "",
        rec["order_id"] or "",
    ]
    return [
        head + [str(i + 1), _naive(m["ts"]), ROLE_ZH[m["role"]], m["text"]] + tail
        for i, m in enumerate(rec["messages"])
    ]


def csv_lines(rec: dict) -> str:
    """``csv_rows`` as CSV text, byte-identical to ``csv.writer`` (excel dialect), but several
    times faster: only free text can need quoting, every other field is generated."""
    return "".join(
        ",".join(row[:13]) + "," + _quote(row[13]) + "," + ",".join(row[14:]) + "\r\n" for row in csv_rows(rec)
    )


def _quote(text: str) -> str:
    if "," in text or '"' in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def write_roster(dest: str | os.PathLike, agents: list[Agent]) -> Path:
    """Roster CSV (UTF-8): agent_id, name, team, hire_date (YYYY-MM-DD)."""
    with atomic_path(dest) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["agent_id", "name", "team", "hire_date"])
        writer.writerows([a.agent_id, a.name, a.team, a.hire_date.isoformat()] for a in agents)
    return Path(dest)


def _naive(iso: str | None) -> str:
    """'2026-09-07T10:00:05+08:00' -> '2026-09-07 10:00:05' (local wall time, as exports show it)."""
    return "" if not iso else f"{iso[:10]} {iso[11:19]}"


class _ParquetSink:
    """Collects conversations and writes them as long-table row groups of PARQUET_BATCH."""

    def __init__(self, path: Path):
        self.path = path
        self.batch: list[dict] = []
        self.writer = None

    def __enter__(self) -> _ParquetSink:
        return self

    def add(self, rec: dict) -> None:
        self.batch.append(rec)
        if len(self.batch) >= PARQUET_BATCH:
            self._flush()

    def _flush(self) -> None:
        import pyarrow.parquet as pq

        table = _long_table(self.batch)
        self.batch = []
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, table.schema)
        self.writer.write_table(table)

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None and (self.batch or self.writer is None):
            self._flush()
        if self.writer is not None:
            self.writer.close()


def _long_table(records: list[dict]):
    """The canonical English long table (one row per message) for a batch of conversations:
    conversation columns built once per conversation, then repeated by Arrow."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    stamp = pa.timestamp("s", tz="Asia/Shanghai")

    def times(values: list) -> pa.Array:
        return pc.strptime(pa.array(values, pa.string()), format="%Y-%m-%dT%H:%M:%S%z", unit="s").cast(stamp)

    types = {"csat": pa.int64(), "escalated": pa.bool_(), "transferred": pa.bool_()}
    conv = {}
    for c in PARQUET_CONVERSATION_COLUMNS:
        values = ["|".join(r["tags"]) for r in records] if c == "tags" else [r[c] for r in records]
        conv[c] = times(values) if c in ("started_at", "ended_at") else pa.array(values, types.get(c, pa.string()))
    counts = np.fromiter((len(r["messages"]) for r in records), dtype=np.int64, count=len(records))
    table = pa.table(conv).take(pa.array(np.repeat(np.arange(len(records)), counts)))
    messages = [m for r in records for m in r["messages"]]
    seq = np.arange(len(messages)) - np.repeat(np.cumsum(counts) - counts, counts)
    table = table.append_column("seq", pa.array(seq, pa.int64()))
    table = table.append_column("ts", times([m["ts"] for m in messages]))
    table = table.append_column("role", pa.array([m["role"] for m in messages], pa.string()))
    return table.append_column("text", pa.array([m["text"] for m in messages], pa.string()))
