"""Hostile-input sweep (issue 16): makes several hundred hostile or messy inputs itself — exports,
rubrics, plans, mappings, run configs, grading workbooks, risk models, labels, options, output
folders, planted personal data — runs each through the `qa` CLI in a child process with a time
limit, and prints how many were tried and handled, and the unhandled ones by class.

Handled: exit code 0, 1 or 2; a message when the exit code is not 0; no traceback; done within
the time limit (and a memory limit); none of the planted personal data unmasked in what the
command printed or wrote (where masking is on); no CSV cell that a spreadsheet would run as a
formula. No network, no data outside what the script writes.

    python benchmarks/hostile_sweep.py                 # every case, one at a time
    python benchmarks/hostile_sweep.py --jobs 2 --only rubric,workbook --json sweep.json
    python benchmarks/hostile_sweep.py --list          # the cases, not run
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import multiprocessing as mp
import os
import pickle
import re
import shutil
import sys
import tempfile
import time
import traceback
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# Loaded before any child is forked, so a child starts in milliseconds.
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from click.testing import CliRunner
from openpyxl import load_workbook

from qa_toolkit.cli import main

MEMORY_LIMIT = 3 << 30  # bytes of address space a case may use (Unix)

# ---------------------------------------------------------------- planted personal data
MOBILE = "13987654321"
EMAIL = "zhang.wei.planted@example.com"


def _id_number(body: str = "11010519850307123") -> str:
    """A GB 11643 ID number with a valid check digit."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]


def _luhn(body: str) -> str:
    """``body`` with a Luhn check digit."""
    total = 0
    for i, d in enumerate(reversed(body)):
        n = int(d) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return body + str((10 - total % 10) % 10)


ID_NUMBER = _id_number()
CARD = _luhn("622202020011223344")
PLANTED = [MOBILE, EMAIL, ID_NUMBER, CARD]
#: Spellings the issue found unmasked (other engineers' classes 4-7): each must be masked too.
PLANTED_VARIANTS = {
    "mobile dotted": "139.8765.4321", "mobile 3-3-3-2": "139 876 543 21", "mobile em dash": "139—8765—4321",
    "id Pudong 1985": _id_number("31011519850307123"), "id spaced": " ".join([ID_NUMBER[:6], ID_NUMBER[6:14], ID_NUMBER[14:]]),
    "card 9558": _luhn("955880020011223344"), "email Chinese local part": "张伟@例子.公司",
}


# ---------------------------------------------------------------- base data the cases start from
def conversation(i: int, **overrides) -> dict:
    """One ordinary chat conversation; ``i`` varies agent, channel, CSAT and wording."""
    day = 10 + i % 14
    agent = f"A{i % 4 + 1}"
    complaint = i % 5 == 0
    messages = [
        {"ts": f"2026-11-{day:02d}T10:00:00+08:00", "role": "customer",
         "text": "我要投诉，怎么还没发货！！" if complaint else f"你好，订单{202611000 + i}什么时候发货"},
        {"ts": f"2026-11-{day:02d}T10:01:30+08:00", "role": "agent",
         "text": "您好，非常抱歉让您久等了，我马上帮您查询" if i % 3 else "稍等"},
        {"ts": f"2026-11-{day:02d}T10:03:00+08:00", "role": "agent", "text": "已为您催促仓库，预计2个工作日内发出"},
        {"ts": f"2026-11-{day:02d}T10:04:00+08:00", "role": "customer", "text": "好的谢谢"},
        {"ts": f"2026-11-{day:02d}T10:05:00+08:00", "role": "agent", "text": "感谢您的耐心，祝您生活愉快，再见"},
    ]
    record = {"conversation_id": f"c{i:04d}", "channel": ["chat", "phone", "email", "social"][i % 4],
              "agent_id": agent, "customer_id": f"u{i:04d}", "started_at": messages[0]["ts"],
              "ended_at": messages[-1]["ts"], "csat": 1 if complaint else 2 + i % 4,
              "tags": ["complaint"] if complaint else [], "customer_tier": "vip" if i % 7 == 0 else "normal",
              "queue": "售后", "messages": messages}
    record.update(overrides)
    return record


def jsonl(records: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def base_records(n: int = 40) -> list[dict]:
    return [conversation(i) for i in range(n)]


RUBRIC = """id: sweep
version: "1"
name: Sweep
language: zh
sections:
  - id: s
    name: S
    weight: 100
    criteria:
      - id: greet
        name: 问候
        points: 10
        check: {type: keywords, phrases: [您好, 你好], role: agent}
        examples:
          - {name: p, expect: pass, messages: [{agent: 您好}]}
          - {name: f, expect: fail, messages: [{agent: 嗯}]}
      - id: timeline
        name: 时效
        points: 10
        check: {type: regex, role: agent, pattern: "[0-9]+个?工作日"}
        examples:
          - {name: p, expect: pass, messages: [{agent: 2个工作日}]}
          - {name: f, expect: fail, messages: [{agent: 很快}]}
"""

BOMB_YAML = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{c}: &{c} [" + ",".join([f"*{p}"] * 9) + "]\n" for p, c in zip("abcdefgh", "bcdefghi"))
DEEP_YAML = "a: " + "[" * 3000 + "]" * 3000 + "\n"


@dataclass
class Shared:
    """Inputs made once and read by many cases (never written by them)."""

    root: Path
    data: Path = field(init=False)
    rubric: Path = field(init=False)
    scored: Path = field(init=False)
    batch: Path = field(init=False)
    workbook: Path = field(init=False)
    model: Path = field(init=False)

    def build(self) -> None:
        self.data = self.root / "base.jsonl"
        self.data.write_text(jsonl(base_records()), encoding="utf-8")
        self.rubric = self.root / "rubric.yaml"
        self.rubric.write_text(RUBRIC, encoding="utf-8")
        self.scored, self.batch = self.root / "scored", self.root / "batch"
        self.workbook, self.model = self.root / "grading.xlsx", self.root / "model.skops"
        for argv in (["score", self.data, "--rubric", self.rubric, "-o", self.scored],
                     ["sample", self.data, "--quota", "2", "--period", "all", "--seed", "1", "-o", self.batch],
                     ["grade", "export", self.batch, "--data", self.data, "--rubric", self.rubric, "-o", self.workbook],
                     ["risk", "train", self.data, "--label", "csat <= 2", "--folds", "2", "-o", self.model]):
            result = CliRunner().invoke(main, [str(a) for a in argv])
            if result.exit_code != 0:
                raise SystemExit(f"sweep setup failed at {argv[:2]}: {result.output}")


# ---------------------------------------------------------------- cases
@dataclass
class Case:
    """One hostile input: ``make(folder)`` writes it and returns the commands to run there (each
    a list of arguments); ``planted``: personal data none of their outputs may show."""

    cls: str
    name: str
    make: Callable[[Path], list[list]]
    planted: tuple[str, ...] = ()
    #: a pattern the output must show (e.g. bad bytes must be reported, never decoded silently)
    must_say: str = ""


CASES: list[Case] = []


def case(cls: str, name: str, make: Callable[[Path], list[list]], planted: tuple[str, ...] = (),
         must_say: str = "") -> None:
    CASES.append(Case(cls, name, make, planted, must_say))


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def export_commands(path: Path, folder: Path, sh: Shared) -> dict[str, list]:
    """Every command that reads a conversation export, on ``path``."""
    return {
        "inspect": ["data", "inspect", path],
        "score": ["score", path, "--rubric", sh.rubric, "-o", folder / "out"],
        "sample": ["sample", path, "--quota", "1", "--period", "all", "-o", folder / "batch"],
        "predict": ["risk", "predict", path, "--model", sh.model, "-o", folder / "risk.csv"],
    }


def export_cases(sh: Shared) -> None:
    base = base_records(12)
    good = jsonl(base).encode()
    lines = good.splitlines(keepends=True)

    def replace_line(i: int, raw: bytes) -> bytes:
        return b"".join(lines[:i] + [raw] + lines[i + 1:])

    def with_record(**overrides) -> bytes:
        return jsonl([conversation(0, **overrides)] + base[1:]).encode()

    def with_message(**fields) -> bytes:
        messages = [dict(m) for m in base[0]["messages"]]
        messages[1].update(fields)
        return with_record(messages=messages)

    variants: dict[str, tuple[str, bytes]] = {
        # encodings (class 1, 21)
        "invalid UTF-8 byte": ("encoding", replace_line(3, lines[3].replace("订单".encode(), b"\xff\xfe", 1))),
        "one GBK line": ("encoding", replace_line(2, json.dumps(base[2], ensure_ascii=False).encode("gbk") + b"\n")),
        "UTF-8 BOM": ("encoding", b"\xef\xbb\xbf" + good),
        "UTF-16 LE BOM": ("encoding", good.decode().encode("utf-16")),
        "UTF-16 BE BOM": ("encoding", b"\xfe\xff" + good.decode().encode("utf-16-be")),
        "UTF-32 BOM": ("encoding", good.decode().encode("utf-32")),
        "GB18030 whole file": ("encoding", good.decode().encode("gb18030")),
        "NUL bytes in a line": ("encoding", replace_line(4, lines[4][:40] + b"\x00\x00" + lines[4][40:])),
        "CRLF line ends": ("encoding", good.replace(b"\n", b"\r\n")),
        "lone surrogate escape": ("encoding", replace_line(1, lines[1].replace("你好".encode(), b"\\ud800", 1))),
        # structure
        "empty file": ("structure", b""),
        "whitespace only": ("structure", b"  \n\n\t\n"),
        "binary garbage": ("structure", bytes(range(256)) * 40),
        "truncated last line": ("structure", good[:-40]),
        "malformed JSON line": ("structure", replace_line(5, b'{"conversation_id": "c9", "messages": [\n')),
        "top-level array": ("structure", json.dumps(base).encode()),
        "scalar line": ("structure", replace_line(6, b"42\n")),
        "deep nesting": ("structure", replace_line(7, b"[" * 100_000 + b"]" * 100_000 + b"\n")),
        "messages a string": ("structure", with_record(messages="你好")),
        "message a number": ("structure", with_record(messages=[1, 2, 3])),
        "no conversation_id": ("structure", with_record(conversation_id=None)),
        "duplicate conversation ids": ("structure", good + jsonl(base[:3]).encode()),
        "10 MB message": ("structure", with_message(text="很长" * 5_000_000)),
        "20,000 messages": ("structure", with_record(messages=[
            {"ts": "2026-11-10T10:00:00+08:00", "role": "agent" if k % 2 else "customer", "text": f"第{k}条"}
            for k in range(20_000)])),
        "null everywhere": ("structure", with_record(channel=None, agent_id=None, customer_id=None, started_at=None,
                                                     csat=None, tags=None, messages=None)),
        # timestamps (class 2)
        "message in year 1": ("timestamps", with_message(ts="0001-01-01T00:00:00+08:00")),
        "message in year 9999": ("timestamps", with_message(ts="9999-12-31T23:59:59+08:00")),
        "epoch 1e20": ("timestamps", with_message(ts=1e20)),
        "negative epoch": ("timestamps", with_message(ts=-1e15)),
        "started_at year 1": ("timestamps", with_record(started_at="0001-01-01T00:00:00")),
        "started_at not a date": ("timestamps", with_record(started_at="昨天下午")),
        "offset +25:00": ("timestamps", with_message(ts="2026-11-10T10:00:00+25:00")),
        "ended before started": ("timestamps", with_record(ended_at="2020-01-01T00:00:00+08:00")),
        # wrong types (class 29)
        "csat true": ("types", with_record(csat=True)),
        "csat text": ("types", with_record(csat="five")),
        "csat 99": ("types", with_record(csat=99)),
        "text a dict": ("types", with_message(text={"a": 1})),
        "text a number": ("types", with_message(text=12345)),
        "agent_id a list": ("types", with_record(agent_id=["A1", "A2"])),
        "tags a string": ("types", with_record(tags="complaint")),
        "tags a dict": ("types", with_record(tags={"x": 1})),
        "unknown role": ("types", with_message(role="robot")),
        "channel a number": ("types", with_record(channel=7)),
    }
    for name, (cls, content) in variants.items():
        for command in ("inspect", "score", "sample", "predict"):
            if cls in ("types", "timestamps") and command == "predict":
                continue

            def make(folder, content=content, command=command):
                return [export_commands(write(folder, "export.jsonl", content), folder, sh)[command]]
            silent = name in ("invalid UTF-8 byte", "one GBK line", "NUL bytes in a line")
            case(f"export-{cls}", f"{name} / {command}", make, must_say=r"(?i)byte|utf-?8|decod|encod" if silent else "")


def id_cases(sh: Shared) -> None:
    """Hostile ids and text through score → report and sample → grade export (classes 11, 12, 33)."""
    ids = {"NUL": "A\x00B", "control chars": "A\x07\x1b[31mB", "right-to-left override": "A\u202eB",
           "formula": "=HYPERLINK(\"http://x\",\"y\")", "plus formula": "+1+cmd|' /C calc'!A0",
           "path traversal": "../../../etc/passwd", "10k characters": "A" * 10_000, "emoji": "客服😀",
           "empty": "", "whitespace": "   ", "newline": "A\nB"}
    for name, value in ids.items():
        records = [conversation(i, agent_id=value if i % 2 else "A1") for i in range(12)]

        def report(folder, records=records):
            data = write(folder, "export.jsonl", jsonl(records))
            return [["score", data, "--rubric", sh.rubric, "-o", folder / "out"],
                    ["report", data, "--scores", folder / "out", "--rubric", sh.rubric, "-o", folder / "rep"]]

        def grading(folder, records=records):
            data = write(folder, "export.jsonl", jsonl(records))
            return [["sample", data, "--quota", "1", "--period", "all", "-o", folder / "batch"],
                    ["grade", "export", folder / "batch", "--data", data, "--rubric", sh.rubric, "-o", folder / "g.xlsx"]]
        case("ids", f"agent_id {name} / score+report", report)
        case("ids", f"agent_id {name} / sample+grade export", grading)
    for name, value in {"formula text": "=HYPERLINK(\"http://evil\",\"点我\")", "at formula": "@SUM(1+1)*cmd",
                        "minus formula": "-2+3+cmd|' /C calc'!A0"}.items():
        records = [conversation(i) for i in range(12)]
        for r in records:
            r["messages"][1]["text"] = value + " 您好 2个工作日"
            r["conversation_id"] = value[:1] + r["conversation_id"]

        def scored(folder, records=records):
            data = write(folder, "export.jsonl", jsonl(records))
            return [["score", data, "--rubric", sh.rubric, "-o", folder / "out"],
                    ["sample", data, "--quota", "1", "--period", "all", "-o", folder / "batch"],
                    ["risk", "predict", data, "--model", sh.model, "-o", folder / "risk.csv"]]
        case("csv-injection", f"{name} / score, sample, predict", scored)


def pii_cases(sh: Shared) -> None:
    """Planted personal data (as customers and agents write it: with 电话/卡号/身份证 beside it)
    wherever an output shows it: evidence (agent text), transcripts (customer text), the facts
    line and top tags (tags, queue), problem messages (an invalid CSAT)."""
    def with_text(role: str, text: str) -> list[dict]:
        records = []
        for i in range(12):
            messages = [dict(m) for m in conversation(i)["messages"]]
            spot = 1 if role == "agent" else 0
            messages[spot] = {**messages[spot], "text": text}
            records.append(conversation(i, messages=messages))
        return records

    spots: dict[str, Callable[[str], list[dict]]] = {
        "agent text": lambda v: with_text("agent", f"您好，{v}，2个工作日内联系您"),
        "customer text": lambda v: with_text("customer", f"我的{v}，尽快联系我"),
        "tags": lambda v: [conversation(i, tags=["complaint", f"回电{v}"]) for i in range(12)],
        "queue": lambda v: [conversation(i, queue=f"回访{v}") for i in range(12)],
        "invalid csat": lambda v: [conversation(i, csat=f"客户说{v}") for i in range(12)],
    }
    commands = {
        "score": lambda d, f: [["score", d, "--rubric", sh.rubric, "-o", f / "out"]],
        "report": lambda d, f: [["score", d, "--rubric", sh.rubric, "-o", f / "out"],
                                ["report", d, "--scores", f / "out", "--rubric", sh.rubric, "-o", f / "rep"]],
        "grade export": lambda d, f: [["sample", d, "--quota", "2", "--period", "all", "-o", f / "batch"],
                                      ["grade", "export", f / "batch", "--data", d, "--rubric", sh.rubric,
                                       "-o", f / "g.xlsx"]],
        "inspect": lambda d, f: [["data", "inspect", d]],
        "predict": lambda d, f: [["risk", "predict", d, "--model", sh.model, "-o", f / "risk.csv", "--reasons", "5"]],
    }
    where = {"agent text": ("score", "report", "grade export"), "customer text": ("grade export", "predict"),
             "tags": ("grade export", "inspect"), "queue": ("grade export", "inspect"), "invalid csat": ("score", "inspect")}
    planted = {"mobile": (f"电话{MOBILE}", MOBILE), "email": (f"邮箱{EMAIL}", EMAIL),
               "ID number": (f"身份证号{ID_NUMBER}", ID_NUMBER), "bank card": (f"银行卡号{CARD}", CARD)}
    runs = [(spot, vname, cname) for spot in spots for vname in planted for cname in where[spot]]
    variants = {name: (f"联系方式 {value}", value) for name, value in PLANTED_VARIANTS.items()}
    runs += [(spot, vname, cname) for spot in ("agent text", "customer text") for vname in variants
             for cname in where[spot]]
    for spot, vname, cname in runs:
        text, value = {**planted, **variants}[vname]

        def make(folder, records_of=spots[spot], text=text, command=commands[cname]):
            return command(write(folder, "export.jsonl", jsonl(records_of(text))), folder)
        case("personal-data", f"{vname} in {spot} / {cname}", make, planted=(value,))


def table_cases(sh: Shared) -> None:
    header = "会话ID,渠道,客服,客户,开始时间,满意度,发送方,时间,内容\n"
    rows = [f"c{i},chat,A{i % 3},u{i},2026-11-1{i % 9} 10:00:00,{1 + i % 5},{r},2026-11-1{i % 9} 10:0{k}:00,{t}\n"
            for i in range(10) for k, (r, t) in enumerate([("客户", "你好在吗"), ("客服", "您好，2个工作日发货")])]
    good = header + "".join(rows)
    variants = {
        "zh headers": good.encode("utf-8"),
        "GB18030": good.encode("gb18030"),
        "GB18030 with two bad bytes (reported)": good.encode("gb18030").replace("你好".encode("gb18030"), b"\x81\x20", 1)
        .replace("您好".encode("gb18030"), b"\xff\xff", 1),
        "extra unquoted comma": (header + rows[0].replace("你好在吗", "你好,在吗") + "".join(rows[1:])).encode(),
        "conflicting agent in one conversation": (header + rows[0] + rows[1].replace(",A0,", ",A9,")
                                                  + "".join(rows[2:])).encode(),
        "header only": header.encode(),
        "unclosed quote": (header + '"c0,chat,A0\n' + "".join(rows[1:])).encode(),
        "required column missing": good.replace("会话ID", "编号").encode(),
        "formula cells": good.replace("你好在吗", "=1+2").encode(),
        "year 1 time": good.replace("2026-11-10 10:00:00", "0001-01-01 10:00:00", 1).encode(),
    }
    for name, content in variants.items():
        for command in ("inspect", "score"):
            def make(folder, content=content, command=command):
                path = write(folder, "export.csv", content)
                return [export_commands(path, folder, sh)[command] + ["--mapping", "zh"]]
            case("export-table", f"csv {name} / {command}", make,
                 must_say=r"(?i)byte|decod|encod" if "bad bytes" in name else "")
    for name, content in {"year 1 hire date": "agent_id,name,team,hire_date\nA1,王,t,0001-01-01\n",
                          "no agent column": "name,team\n王,t\n", "duplicate agent": "agent_id,name\nA1,王\nA1,李\n",
                          "GBK roster": "agent_id,name\nA1,王芳\n", "empty roster": ""}.items():
        def make(folder, content=content, name=name):
            roster = write(folder, "roster.csv", content.encode("gbk") if "GBK" in name else content.encode())
            return [["data", "inspect", sh.data, "--roster", roster], ["sample", sh.data, "--quota", "1", "--period",
                                                                        "all", "--roster", roster, "-o", folder / "b"]]
        case("roster", name, make)


def xlsx_bytes(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def zip_bomb(plain: bytes, padding: int = 300 << 20) -> bytes:
    """``plain`` (an xlsx) with its first sheet padded by ``padding`` blanks: about 1000:1."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * padding)
            dst.writestr(item.filename, data)
    return out.getvalue()


def xlsx_cases(sh: Shared) -> None:
    header = ["conversation_id", "channel", "agent_id", "customer_id", "started_at", "role", "ts", "text"]
    rows = [header] + [[f"c{i}", "chat", "A1", "u1", "2026-11-10 10:00:00", "agent", "2026-11-10 10:00:00", "您好"]
                       for i in range(10)]
    plain = xlsx_bytes(rows)
    bomb = zip_bomb(plain)
    variants = {
        "zip bomb": bomb, "not a zip": b"PK\x03\x04 this is not really a workbook" * 10, "truncated": plain[:len(plain) // 2],
        "empty workbook": xlsx_bytes([]), "header only": xlsx_bytes([header]),
        "formula cells": xlsx_bytes([header] + [r[:-1] + ["=1+1"] for r in rows[1:]]),
        "year 1 dates": xlsx_bytes([header] + [r[:4] + ["0001-01-01 00:00:00"] + r[5:] for r in rows[1:]]),
    }
    for name, content in variants.items():
        for command in ("inspect", "score"):
            def make(folder, content=content, command=command):
                return [export_commands(write(folder, "export.xlsx", content), folder, sh)[command]]
            case("export-xlsx", f"{name} / {command}", make)
    roster = xlsx_bytes([["agent_id", "name", "team", "hire_date"], ["A1", "王芳", "t1", "2026-01-01"]])
    for name, content in {"zip bomb": zip_bomb(roster), "truncated": roster[:300]}.items():
        def make(folder, content=content):
            return [["data", "inspect", sh.data, "--roster", write(folder, "roster.xlsx", content)]]
        case("roster", f"xlsx {name}", make)


def parquet_cases(sh: Shared) -> None:
    base = pd.DataFrame({"conversation_id": [f"c{i // 2}" for i in range(20)], "channel": "chat", "agent_id": "A1",
                         "customer_id": "u1", "started_at": pd.Timestamp("2026-11-10 10:00", tz="Asia/Shanghai"),
                         "role": ["customer", "agent"] * 10, "ts": pd.Timestamp("2026-11-10 10:00", tz="Asia/Shanghai"),
                         "text": ["你好", "您好，2个工作日发货"] * 10})

    def table(**columns) -> pa.Table:
        t = pa.Table.from_pandas(base, preserve_index=False)
        for name, array in columns.items():
            t = t.set_column(t.schema.get_field_index(name), name, array)
        return t

    variants = {
        "text as binary": table(text=pa.array([s.encode() for s in base["text"]], pa.binary())),
        "csat as text": pa.Table.from_pandas(base.assign(csat="five"), preserve_index=False),
        "timestamp at the int64 edge": table(ts=pa.array([2**63 - 1] * 20, pa.timestamp("ns"))),
        "year 1 in microseconds": table(ts=pa.array([-62135596800 * 10**6] * 20, pa.timestamp("us"))),
        "no rows": pa.Table.from_pandas(base.iloc[:0], preserve_index=False),
        "no text column": pa.Table.from_pandas(base.drop(columns="text"), preserve_index=False),
    }
    for name, t in variants.items():
        for command in ("inspect", "score"):
            def make(folder, t=t, command=command):
                path = folder / "export.parquet"
                pq.write_table(t, path)
                return [export_commands(path, folder, sh)[command]]
            case("export-parquet", f"{name} / {command}", make)


def rubric_cases(sh: Shared) -> None:
    def regex(pattern: str) -> str:
        return RUBRIC.replace('"[0-9]+个?工作日"', json.dumps(pattern))

    many = RUBRIC.split("      - id: timeline")[0] + "".join(
        f"      - id: k{i}\n        name: K{i}\n        points: 1\n        check: {{type: keywords, phrases: [词{i}]}}\n"
        for i in range(2000))
    variants = {
        "alias bomb": BOMB_YAML, "deep nesting": DEEP_YAML, "alias bomb inside a rubric": RUBRIC + "x: " + BOMB_YAML.replace("\n", "\n  ")[:-2],
        "duplicate keys": RUBRIC.replace("language: zh\n", "language: zh\nlanguage: en\n"),
        "no and on as phrases": RUBRIC.replace("[您好, 你好]", "[no, on, 12:30]"),
        "catastrophic regex (a+)+(?=c)": regex("(a+)+(?=c)"), "catastrophic regex ((a+)+\\2)+c": regex("((a+)+\\2)+c"),
        "catastrophic regex (\\s*a)+c": regex("(\\s*a)+c"), "back-reference (a+)\\1+c": regex("(a+)\\1+c"),
        "repetition over 1000": regex("a{1001}"), "nested repetition too large": regex("(?:a{1000}){1000}"),
        "lookbehind": regex("(?<![0-9])1[3-9][0-9]{9}"), "invalid regex": regex("([0-9]"),
        "possessive quantifier": regex("[0-9]++工作日"), "unknown check type": RUBRIC.replace("type: keywords", "type: magic"),
        "weights 60": RUBRIC.replace("weight: 100", "weight: 60"), "2000 criteria": many,
        "not UTF-8": RUBRIC.encode("gbk"), "empty file": "", "top-level list": "- a\n- b\n",
        "NUL character": RUBRIC.replace("问候", "问\x00候"), "negative points": RUBRIC.replace("points: 10", "points: -5", 1),
        "points as text": RUBRIC.replace("points: 10", "points: ten", 1), "id with path": RUBRIC.replace("id: greet", "id: ../../x"),
    }
    for name, content in variants.items():
        for command in ("lint", "test", "doc", "score"):
            def make(folder, content=content, command=command):
                path = write(folder, "rubric.yaml", content)
                return [{"lint": ["rubric", "lint", path], "test": ["rubric", "test", path],
                         "doc": ["rubric", "doc", path],
                         "score": ["score", sh.data, "--rubric", path, "-o", folder / "out"]}[command]]
            case("rubric", f"{name} / {command}", make)


def config_cases(sh: Shared) -> None:
    plans = {"alias bomb": BOMB_YAML, "deep nesting": DEEP_YAML, "quota -1": "quota: -1\n", "quota 10^12": "quota: 1000000000000\n",
             "unknown stratum": "strata: [{kind: psychic, count: 1}]\n", "period garbage": "period: 下周\n",
             "from after to": "period: {from: 2026-12-01, to: 2026-01-01}\n", "duplicate keys": "quota: 1\nquota: 2\n",
             "not a map": "- 1\n- 2\n", "year 1 period": "period: {from: 0001-01-01, to: 0001-01-02}\n"}
    for name, content in plans.items():
        case("plan", name, lambda folder, content=content: [
            ["sample", sh.data, "--plan", write(folder, "plan.yaml", content), "-o", folder / "b"]])
    mappings = {"alias bomb": BOMB_YAML, "deep nesting": DEEP_YAML, "columns a list": "columns: [a, b]\n",
                "values a string": "columns: {conversation_id: 会话ID}\nvalues: oops\n", "unknown target": "columns: {wat: x}\n",
                "empty": "", "not a map": "42\n"}
    for name, content in mappings.items():
        case("mapping", name, lambda folder, content=content: [
            ["data", "inspect", sh.data, "--mapping", write(folder, "mapping.yaml", content)]])
    runs = {"alias bomb": BOMB_YAML, "deep nesting": DEEP_YAML, "unknown key": f"data: {sh.data}\nbogus: 1\n",
            "data missing": "data: /nonexistent/x.jsonl\n", "rubric missing": f"data: {sh.data}\nrubric: /nope.yaml\n",
            "inline plan bomb": f"data: {sh.data}\nsample:\n  plan:\n    " + BOMB_YAML.replace("\n", "\n    ")}
    for name, content in runs.items():
        case("run-config", name, lambda folder, content=content: [["run", write(folder, "run.yaml", content), "-o", folder / "o"]])


def workbook_cases(sh: Shared) -> None:
    def edited(change: Callable) -> Callable[[Path], list[list]]:
        def make(folder):
            wb = load_workbook(sh.workbook)
            ids = list(wb["_ids"].iter_rows(values_only=True))[1:]
            for sheet, cell, _cid, _crit, kind, _prefill in ids:
                if kind == "grader":
                    wb[sheet][cell] = "王芳"
            change(wb)
            wb.save(folder / "in.xlsx")
            return [["grade", "import", folder / "in.xlsx", "--data", sh.data, "--rubric", sh.rubric, "-o", folder / "g.csv"]]
        return make

    def cell(sheet: str, ref: str, value) -> Callable:
        return lambda wb: wb[sheet].__setitem__(ref, value)

    variants = {
        "grade column deleted": lambda wb: wb["C001"].delete_cols(4), "comment column deleted": lambda wb: wb["C001"].delete_cols(9),
        "row inserted": lambda wb: wb["C002"].insert_rows(7), "title row deleted": lambda wb: wb["C001"].delete_rows(1),
        "id cell address garbage": cell("_ids", "B3", "not a cell"), "id cell empty": cell("_ids", "B4", None),
        "id kind unknown": cell("_ids", "E5", "bogus"), "id conversation empty": cell("_ids", "C6", None),
        "meta rubric damaged": cell("_meta", "B1", None), "meta version removed": cell("_meta", "B2", None),
        "id sheet header damaged": cell("_ids", "A1", "x"), "conversation sheet removed": lambda wb: wb.remove(wb["C001"]),
        "grader a formula": cell("C001", "C3", "=cmd|' /C calc'!A0"), "grade not allowed": cell("C001", "H7", "maybe"),
        "comment 40,000 characters": cell("C001", "I7", "长" * 40_000), "date year 1": cell("C001", "C4", "0001-01-01"),
        "date garbage": cell("C001", "C4", "昨天"),
    }
    for name, change in variants.items():
        case("workbook", name, edited(change))

    def other_data(folder):
        records = base_records()
        for r in records:
            r["agent_id"] = "A9"
        data = write(folder, "other.jsonl", jsonl(records))
        return [["grade", "import", sh.workbook, "--data", data, "--rubric", sh.rubric, "-o", folder / "g.csv"]]
    case("workbook", "another export whose ids coincide", other_data)
    for name, content in {"zip bomb": lambda: zip_bomb(sh.workbook.read_bytes()), "random bytes": lambda: os.urandom(5000),
                          "empty": lambda: b"", "plain xlsx": lambda: xlsx_bytes([["a"], [1]])}.items():
        case("workbook", name, lambda folder, content=content: [
            ["grade", "import", write(folder, "in.xlsx", content()), "--data", sh.data, "--rubric", sh.rubric,
             "-o", folder / "g.csv"]])


def model_cases(sh: Shared) -> None:
    import copy

    import skops.io as sio
    from sklearn.linear_model import LogisticRegression

    from qa_toolkit.risk import load_model

    model = load_model(sh.model)
    payload = {"kind": "qa-toolkit-risk-model", "format_version": 1, "pipeline": model.pipeline,
               "threshold": model.threshold, "label": model.label, "label_fields": list(model.label_fields),
               "card_json": json.dumps(model.card)}
    other = copy.deepcopy(model.pipeline)
    other.named_steps["features"].numeric_columns_ = ["sentiment_score"]

    class Boom:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    variants: dict[str, Callable[[], bytes]] = {
        "random bytes": lambda: os.urandom(4096), "empty": lambda: b"", "pickle": lambda: pickle.dumps(Boom()),
        "threshold text": lambda: sio.dumps({**payload, "threshold": "0.5"}),
        "threshold NaN": lambda: sio.dumps({**payload, "threshold": float("nan")}),
        "threshold 2": lambda: sio.dumps({**payload, "threshold": 2.0}),
        "card not JSON": lambda: sio.dumps({**payload, "card_json": "{oops"}),
        "label fields a number": lambda: sio.dumps({**payload, "label_fields": 3}),
        "trained on other columns": lambda: sio.dumps({**payload, "pipeline": other}),
        "a bare estimator": lambda: sio.dumps({**payload, "pipeline": LogisticRegression()}),
        "format 99": lambda: sio.dumps({**payload, "format_version": 99}),
        "foreign skops": lambda: sio.dumps(LogisticRegression()),
    }
    for name, content in variants.items():
        for command in ("predict", "evaluate"):
            def make(folder, content=content, command=command):
                path = write(folder, "model.skops", content())
                return [["risk", "predict", sh.data, "--model", path, "-o", folder / "r.csv"] if command == "predict"
                        else ["risk", "evaluate", sh.data, "--model", path, "--label", "csat <= 2"]]
            case("risk-model", f"{name} / {command}", make)


def option_cases(sh: Shared) -> None:
    labels = {"nested parentheses": "(" * 20_000 + "csat <= 2" + ")" * 20_000, "nested not": "not " * 20_000 + "escalated",
              "nested lists": "[" * 20_000 + "]" * 20_000, "python injection": "__import__('os').system('echo x')",
              "empty": "", "unknown field": "mood <= 2", "100k characters": "csat <= 2 or " * 8_000 + "csat <= 1",
              "full-width operators": "csat ＜＝ 2"}
    for name, text in labels.items():
        case("label", name, lambda folder, text=text: [["risk", "train", sh.data, "--label", text, "--folds", "2",
                                                        "-o", folder / "m.skops"]])
    sample = ["sample", sh.data, "--quota", "1"]
    options = {
        "--today year 1": sample + ["--today", "0001-01-01"], "--today year 9999": sample + ["--today", "9999-12-31"],
        "--period garbage": sample + ["--period", "下周"], "--period year 1": sample + ["--period", "0001-01-01..0001-01-07"],
        "--period reversed": sample + ["--period", "2026-12-01..2026-01-01"],
        "report --from year 9999": ["report", sh.data, "--scores", sh.scored, "--from", "9999-12-31"],
        "report --to year 1": ["report", sh.data, "--scores", sh.scored, "--to", "0001-01-01"],
        "synth --start year 1": ["data", "synth", "-n", "5", "--start", "0001-01-01"],
        "synth --start year 9999": ["data", "synth", "-n", "5", "--start", "9999-12-25"],
        "synth --start garbage": ["data", "synth", "-n", "5", "--start", "soon"],
        "--encoding base64": ["data", "inspect", sh.data, "--encoding", "base64"],
        "--encoding rot13": ["data", "inspect", sh.data, "--encoding", "rot13"],
        "--encoding nonsense": ["data", "inspect", sh.data, "--encoding", "klingon"],
        "--tz nonsense": ["data", "inspect", sh.data, "--tz", "Mars/Olympus"],
        "--chunk-size 0": ["score", sh.data, "--chunk-size", "0"], "--workers 0": ["score", sh.data, "--workers", "0"],
        "--sla -1": ["report", sh.data, "--scores", sh.scored, "--sla", "-1"],
        "--sla-channel garbage": ["report", sh.data, "--scores", sh.scored, "--sla-channel", "email"],
        "--mapping missing preset": ["data", "inspect", sh.data, "--mapping", "klingon"],
        "--roster a folder": ["data", "inspect", sh.data, "--roster", "."],
        "--max-problems -1": ["data", "inspect", sh.data, "--max-problems", "-1"],
        "calibrate random CSV": ["calibrate", sh.data], "rubric diff same file": ["rubric", "diff", sh.rubric, sh.rubric,
                                                                               "--data", sh.data],
    }
    for name, argv in options.items():
        def make(folder, argv=argv, name=name):
            out = ["-o", folder / "o"] if argv[0] in ("sample", "score", "report", "data") and argv[1] != "inspect" else []
            return [argv + out]
        case("options", name, make)


def output_cases(sh: Shared) -> None:
    def readonly(folder):
        folder = folder / "ro"
        folder.mkdir()
        folder.chmod(0o500)
        return [["score", sh.data, "--rubric", sh.rubric, "-o", folder / "out"]]

    def file_as_folder(folder):
        write(folder, "out", "I am a file")
        return [["score", sh.data, "--rubric", sh.rubric, "-o", folder / "out"]]

    def report_twice(folder):
        return [["report", sh.data, "--scores", sh.scored, "--rubric", sh.rubric, "-o", folder / "r"],
                ["report", sh.data, "--scores", sh.scored, "--rubric", sh.rubric, "--agent", "A1", "-o", folder / "r"]]

    def report_other_data(folder):
        other = write(folder, "other.jsonl", jsonl([conversation(i, agent_id="Z9") for i in range(40)]))
        return [["report", other, "--scores", sh.scored, "--rubric", sh.rubric, "-o", folder / "r"]]

    def scores_folder_empty(folder):
        (folder / "empty").mkdir()
        return [["report", sh.data, "--scores", folder / "empty", "-o", folder / "r"]]

    def parts_over_single(folder):
        shutil.copytree(sh.scored, folder / "out")
        return [["score", sh.data, "--rubric", sh.rubric, "--parts", "-o", folder / "out"],
                ["report", sh.data, "--scores", folder / "out", "--rubric", sh.rubric, "-o", folder / "r"]]

    def workers_then_report(folder):
        return [["score", sh.data, "--rubric", sh.rubric, "--workers", "2", "-o", folder / "out"],
                ["report", sh.data, "--scores", folder / "out", "--rubric", sh.rubric, "-o", folder / "r"]]

    def ledger_empty(folder):
        return [["sample", sh.data, "--quota", "1", "--period", "all", "--ledger", write(folder, "ledger.csv", ""),
                 "-o", folder / "b"]]

    case("output", "report on another export's scores", report_other_data,
         must_say=r"(?i)fingerprint|mismatch|another export|other data|different")
    for name, make in {"read-only folder": readonly, "output is a file": file_as_folder, "report twice": report_twice,
                       "empty scores folder": scores_folder_empty,
                       "--parts over a single-file run": parts_over_single, "--workers 2 then report": workers_then_report,
                       "empty ledger": ledger_empty}.items():
        case("output", name, make)


BUILDERS = (export_cases, id_cases, pii_cases, table_cases, xlsx_cases, parquet_cases, rubric_cases, config_cases,
            workbook_cases, model_cases, option_cases, output_cases)


# ---------------------------------------------------------------- running and judging
#: names of the files cases write as inputs: never judged as outputs
INPUTS = ("export.", "other.", "rubric.", "roster.", "ledger.", "in.")

def _outputs_text(folder: Path) -> str:
    """Everything the case's commands wrote, as text: CSV/JSON/HTML/Markdown, the XML inside
    workbooks, the string columns of Parquet files."""
    parts = []
    for path in folder.rglob("*"):
        if not path.is_file() or path.name.startswith(INPUTS):
            continue
        suffix = path.suffix.lower()
        try:
            if suffix in (".csv", ".json", ".jsonl", ".html", ".md", ".txt"):
                parts.append(path.read_text(encoding="utf-8-sig", errors="replace"))
            elif suffix == ".xlsx":
                with zipfile.ZipFile(path) as z:
                    parts.extend(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
            elif suffix == ".parquet":
                parts.append(pq.read_table(path).to_pandas().astype(str).to_csv())
        except Exception:  # noqa: BLE001 - an unreadable output is judged by the command's exit, not here
            continue
    return "\n".join(parts)


def _formula_cells(folder: Path) -> list[str]:
    """CSV cells a spreadsheet would run as a formula (OWASP: = + - @ TAB CR first)."""
    found = []
    for path in folder.rglob("*.csv"):
        if path.name.startswith(INPUTS):
            continue
        try:
            for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig", errors="replace"))):
                found += [f"{path.name}: {c[:40]!r}" for c in row if c[:1] in ("=", "+", "@", "\t", "\r")
                          or (c[:1] == "-" and not _number(c))]
        except csv.Error:
            continue
    return found


def _number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _child(commands: list[list[str]], folder: str, conn) -> None:
    """Run the commands in ``folder`` (a forked child) and send back each one's outcome."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    except (ImportError, ValueError, OSError):
        pass
    os.chdir(folder)
    outcomes = []
    for argv in commands:
        try:
            result = CliRunner().invoke(main, argv)
            error = None
            if result.exception is not None and not isinstance(result.exception, SystemExit):
                error = "".join(traceback.format_exception(*result.exc_info))[-1500:]
            outcomes.append((result.exit_code, result.output[-20_000:], error))
        except BaseException as err:  # noqa: BLE001 - reported, never raised
            outcomes.append((None, "", f"{type(err).__name__}: {err}"))
        if outcomes[-1][0] not in (0, 1):
            break
    conn.send(outcomes)
    conn.close()


def judge(case_: Case, folder: Path, outcomes: list | None, seconds: float, timeout: float) -> str | None:
    """Why the case was not handled, or None."""
    if outcomes is None:
        return f"no answer within {timeout:g} s (hang, or killed by the memory limit)"
    for exit_code, output, error in outcomes:
        if error:
            return "traceback: " + error.strip().splitlines()[-1][:200]
        if "Traceback (most recent call last)" in output:
            return "traceback in output: " + output.split("Traceback")[1].strip().splitlines()[-1][:200]
        if exit_code not in (0, 1, 2):
            return f"exit code {exit_code}"
        if exit_code != 0 and not output.strip():
            return f"exit {exit_code} without a message"
    if case_.must_say and not re.search(case_.must_say, "\n".join(o[1] for o in outcomes)):
        return f"silent: the output never says /{case_.must_say}/ (garbled or dropped without a word?)"
    if case_.planted:
        shown = "\n".join(o[1] for o in outcomes) + _outputs_text(folder)
        leaked = [p for p in case_.planted if p in shown]
        if leaked:
            return f"personal data left unmasked: {leaked[0]!r}"
    formulas = _formula_cells(folder)
    if formulas:
        return f"formula-like CSV cell: {formulas[0]}"
    return None


def run_case(case_: Case, root: Path, timeout: float) -> tuple[str | None, float]:
    folder = Path(tempfile.mkdtemp(prefix="case-", dir=root))
    start = time.monotonic()
    try:
        commands = [[str(a) for a in argv] for argv in case_.make(folder)]
    except Exception as err:  # noqa: BLE001 - a case that cannot be built is the script's bug, shown as such
        return f"case could not be built: {type(err).__name__}: {err}", 0.0
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(commands, str(folder), send))  # not a daemon: --workers forks
    child.start()
    send.close()
    outcomes = receive.recv() if receive.poll(timeout) else None
    child.join(5)
    if child.is_alive():
        child.kill()
        child.join()
    seconds = time.monotonic() - start
    verdict = judge(case_, folder, outcomes, seconds, timeout)
    for path in folder.rglob("*"):  # a read-only case folder must still be removable
        if path.is_dir():
            path.chmod(0o700)
    shutil.rmtree(folder, ignore_errors=True)
    return verdict, seconds


def main_(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--timeout", type=float, default=90, help="Seconds a case may take (default 90).")
    parser.add_argument("--only", default="", help="Comma-separated class prefixes, e.g. rubric,workbook.")
    parser.add_argument("--jobs", type=int, default=1, help="Cases run at a time (default 1).")
    parser.add_argument("--list", action="store_true", help="List the cases and exit.")
    parser.add_argument("--json", type=Path, default=None, help="Also write every verdict to this file.")
    args = parser.parse_args(argv)

    root = Path(tempfile.mkdtemp(prefix="qa-hostile-"))
    try:
        shared = Shared(root)
        if not args.list:
            print("making the shared inputs (export, score folder, batch, workbook, model) ...", file=sys.stderr)
            shared.build()
        else:
            shared.data = shared.rubric = shared.scored = shared.batch = shared.workbook = shared.model = root / "x"
        for build in BUILDERS:
            if build is model_cases and args.list:
                continue
            build(shared)
        wanted = [c for c in CASES if not args.only or any(c.cls.startswith(p) for p in args.only.split(","))]
        if args.list:
            for c in wanted:
                print(f"{c.cls}: {c.name}")
            print(f"{len(wanted)} cases (risk-model cases need the shared model: not listed)")
            return 0
        verdicts: list[tuple[Case, str | None, float]] = []
        if args.jobs > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(args.jobs) as pool:
                for c, (verdict, seconds) in zip(wanted, pool.map(lambda c: run_case(c, root, args.timeout), wanted)):
                    verdicts.append((c, verdict, seconds))
                    print(f"{'ok  ' if verdict is None else 'FAIL'} {seconds:6.1f}s {c.cls}: {c.name}"
                          + (f" -- {verdict}" if verdict else ""), file=sys.stderr, flush=True)
        else:
            for c in wanted:
                verdict, seconds = run_case(c, root, args.timeout)
                verdicts.append((c, verdict, seconds))
                print(f"{'ok  ' if verdict is None else 'FAIL'} {seconds:6.1f}s {c.cls}: {c.name}"
                      + (f" -- {verdict}" if verdict else ""), file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)

    handled = sum(v is None for _, v, _ in verdicts)
    print(f"\ntried {len(verdicts)}, handled {handled}, not handled {len(verdicts) - handled}")
    per_class = Counter(c.cls for c, _, _ in verdicts)
    failed = defaultdict(list)
    for c, v, _ in verdicts:
        if v is not None:
            failed[c.cls].append((c.name, v))
    for cls in sorted(per_class):
        print(f"  {cls:<18} {per_class[cls] - len(failed.get(cls, [])):>4} / {per_class[cls]:<4} handled")
    for cls, items in sorted(failed.items()):
        print(f"\nnot handled: {cls}")
        for name, verdict in items:
            print(f"  {name}: {verdict}")
    if args.json:
        args.json.write_text(json.dumps([{"class": c.cls, "case": c.name, "handled": v is None, "why": v,
                                          "seconds": round(s, 2)} for c, v, s in verdicts],
                                        ensure_ascii=False, indent=2), encoding="utf-8")
    return 0 if handled == len(verdicts) else 1


if __name__ == "__main__":
    raise SystemExit(main_())
