"""Hostile-input sweep (issue 16), the one script: makes several hundred hostile or messy inputs
itself — exports (encodings, structure, times, types, CSV/XLSX/Parquet tables), rubrics, plans,
mappings, run configs, grading workbooks, risk models, labels, options, output folders, planted
personal data — runs each through the `qa` CLI in a child process with a time and memory limit,
and checks thousands of generated texts and cells in process against the functions every output
passes through (masking, CSV cells, workbook cells, HTML text). Prints how many were tried and
handled, per class, and for each unhandled case the command and what happened.

Handled: exit code 0, 1 or 2 (and the one the case's rule names); a message when the exit code is
not 0; no traceback; done within the time and memory limits; the expected problem code named and
the text read right (no mojibake); none of the planted personal data unmasked in what the command
printed or wrote; no CSV cell that a spreadsheet would run as a formula. A command line the CLI
does not have (a usage slip) is not handled: the case tried nothing. Cases expected to fail for
now (a fix on another branch) are listed apart and do not fail the run. No network, no data
outside what the script writes.

    python benchmarks/hostile_sweep.py --jobs 2        # every case
    python benchmarks/hostile_sweep.py --quick         # the first case of each class
    python benchmarks/hostile_sweep.py --only rubric,reading,privacy --json sweep.json
    python benchmarks/hostile_sweep.py --list          # the cases, not run
"""

from __future__ import annotations

import argparse
import codecs
import copy
import csv
import datetime as dt
import io
import json
import multiprocessing as mp
import os
import pickle
import random
import re
import shutil
import sys
import tempfile
import time
import traceback
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path
from xml.etree import ElementTree

# Loaded before any child is forked, so a child starts in milliseconds.
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from qa_toolkit.atomic import write_frame
from qa_toolkit.cli import main as qa
from qa_toolkit.excel import FORMULA_PREFIXES, csv_restore, new_workbook, put
from qa_toolkit.io import read_conversations
from qa_toolkit.privacy import mask_text
from qa_toolkit.problems import Problem
from qa_toolkit.report.html import shown
from qa_toolkit.review.importer import workbook_input_cells
from qa_toolkit.risk import load_model

MEMORY_LIMIT = 3 << 30  # bytes of address space a case may use (Unix)
#: the reason of cases expected to fail until the reading engineer's io/ fixes are merged

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
    "mobile dotted": "139.8765.4321",
    "mobile 3-3-3-2": "139 876 543 21",
    "mobile em dash": "139—8765—4321",
    "id Pudong 1985": _id_number("31011519850307123"),
    "id spaced": " ".join([ID_NUMBER[:6], ID_NUMBER[6:14], ID_NUMBER[14:]]),
    "card 9558": _luhn("955880020011223344"),
    "email Chinese local part": "张伟@例子.公司",
}


# ---------------------------------------------------------------- base data the cases start from
def conversation(i: int, **overrides) -> dict:
    """One ordinary chat conversation; ``i`` varies agent, channel, CSAT and wording."""
    day = 10 + i % 14
    agent = f"A{i % 4 + 1}"
    complaint = i % 5 == 0
    messages = [
        {
            "ts": f"2026-11-{day:02d}T10:00:00+08:00",
            "role": "customer",
            "text": "我要投诉，怎么还没发货！！" if complaint else f"你好，订单{202611000 + i}什么时候发货",
        },
        {
            "ts": f"2026-11-{day:02d}T10:01:30+08:00",
            "role": "agent",
            "text": "您好，非常抱歉让您久等了，我马上帮您查询" if i % 3 else "稍等",
        },
        {"ts": f"2026-11-{day:02d}T10:03:00+08:00", "role": "agent", "text": "已为您催促仓库，预计2个工作日内发出"},
        {"ts": f"2026-11-{day:02d}T10:04:00+08:00", "role": "customer", "text": "好的谢谢"},
        {"ts": f"2026-11-{day:02d}T10:05:00+08:00", "role": "agent", "text": "感谢您的耐心，祝您生活愉快，再见"},
    ]
    record = {
        "conversation_id": f"c{i:04d}",
        "channel": ["chat", "phone", "email", "social"][i % 4],
        "agent_id": agent,
        "customer_id": f"u{i:04d}",
        "started_at": messages[0]["ts"],
        "ended_at": messages[-1]["ts"],
        "csat": 1 if complaint else 2 + i % 4,
        "tags": ["complaint"] if complaint else [],
        "customer_tier": "vip" if i % 7 == 0 else "normal",
        "queue": "售后",
        "messages": messages,
    }
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
    f"{c}: &{c} [" + ",".join([f"*{p}"] * 9) + "]\n" for p, c in zip("abcdefgh", "bcdefghi")
)
DEEP_YAML = "a: " + "[" * 3000 + "]" * 3000 + "\n"


@dataclass
class Shared:
    """Inputs made once (``build``) and read by many cases, never written by them; their paths
    follow from ``root``, the folder every case folder is made in."""

    root: Path
    data: Path = field(init=False)
    rubric: Path = field(init=False)
    scored: Path = field(init=False)
    batch: Path = field(init=False)
    workbook: Path = field(init=False)
    model: Path = field(init=False)

    def __post_init__(self) -> None:
        self.data, self.rubric = self.root / "base.jsonl", self.root / "rubric.yaml"
        self.scored, self.batch = self.root / "scored", self.root / "batch"
        self.workbook, self.model = self.root / "grading.xlsx", self.root / "model.skops"

    def build(self) -> None:
        self.data.write_text(jsonl(base_records()), encoding="utf-8")
        self.rubric.write_text(RUBRIC, encoding="utf-8")
        for argv in (
            ["score", self.data, "--rubric", self.rubric, "-o", self.scored],
            ["sample", self.data, "--quota", "2", "--period", "all", "--seed", "1", "-o", self.batch],
            ["grade", "export", self.batch, "--data", self.data, "--rubric", self.rubric, "-o", self.workbook],
            ["risk", "train", self.data, "--label", "csat <= 2", "--folds", "2", "-o", self.model],
        ):
            result = CliRunner().invoke(qa, [str(a) for a in argv])
            if result.exit_code != 0:
                raise SystemExit(f"sweep setup failed at {argv[:2]}: {result.output}")


# ---------------------------------------------------------------- cases
@dataclass
class Case:
    """One hostile input. Through the CLI: ``make(folder)`` writes it into a fresh folder (made in
    the shared root) and returns the commands to run there (each a list of arguments). In process:
    ``probe()`` returns why the input was not handled, or None (masking, CSV and workbook cells)."""

    cls: str
    name: str
    make: Callable[[Path], list[list]] | None = None
    probe: Callable[[], str | None] | None = None
    #: personal data none of the commands' outputs may show
    planted: tuple[str, ...] = ()
    #: a pattern the output must show (e.g. bad bytes must be reported, never decoded silently)
    must_say: str = ""
    #: exit codes the one rule allows the last command (0 clean, 1 findings/skipped, 2 unusable input)
    codes: tuple[int, ...] = (0, 1, 2)
    #: problem codes the output must name (``a|b``: either): the problem is located by its code
    expect: tuple[str, ...] = ()
    #: a check of what was read, on the case folder (e.g. no mojibake)
    check: Callable[[Path], bool] | None = None
    #: why this case is expected to fail for now (a fix on another branch): reported apart
    known: str = ""


CASES: list[Case] = []


def case(
    cls: str,
    name: str,
    make: Callable[[Path], list[list]],
    planted: tuple[str, ...] = (),
    must_say: str = "",
    known: str = "",
) -> None:
    CASES.append(Case(cls, name, make, planted=planted, must_say=must_say, known=known))


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
        return b"".join(lines[:i] + [raw] + lines[i + 1 :])

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
        "20,000 messages": (
            "structure",
            with_record(
                messages=[
                    {"ts": "2026-11-10T10:00:00+08:00", "role": "agent" if k % 2 else "customer", "text": f"第{k}条"}
                    for k in range(20_000)
                ]
            ),
        ),
        "null everywhere": (
            "structure",
            with_record(
                channel=None, agent_id=None, customer_id=None, started_at=None, csat=None, tags=None, messages=None
            ),
        ),
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

            silent = name in ("invalid UTF-8 byte", "one GBK line")
            # a raw NUL byte is a control character JSON forbids: that line is invalid JSON, located
            say = r"(?i)byte|utf-?8|decod|encod" if silent else r"invalid_json" if "NUL" in name else ""
            case(f"export-{cls}", f"{name} / {command}", make, must_say=say)


def id_cases(sh: Shared) -> None:
    """Hostile ids and text through score → report and sample → grade export (classes 11, 12, 33)."""
    ids = {
        "NUL": "A\x00B",
        "control chars": "A\x07\x1b[31mB",
        "right-to-left override": "A\u202eB",
        "formula": '=HYPERLINK("http://x","y")',
        "plus formula": "+1+cmd|' /C calc'!A0",
        "path traversal": "../../../etc/passwd",
        "10k characters": "A" * 10_000,
        "emoji": "客服😀",
        "empty": "",
        "whitespace": "   ",
        "newline": "A\nB",
    }
    for name, value in ids.items():
        records = [conversation(i, agent_id=value if i % 2 else "A1") for i in range(12)]

        def report(folder, records=records):
            data = write(folder, "export.jsonl", jsonl(records))
            return [
                ["score", data, "--rubric", sh.rubric, "-o", folder / "out"],
                ["report", "--data", data, "--scores", folder / "out", "--rubric", sh.rubric, "-o", folder / "rep"],
            ]

        def grading(folder, records=records):
            data = write(folder, "export.jsonl", jsonl(records))
            return [
                ["sample", data, "--quota", "1", "--period", "all", "-o", folder / "batch"],
                ["grade", "export", folder / "batch", "--data", data, "--rubric", sh.rubric, "-o", folder / "g.xlsx"],
            ]

        case("ids", f"agent_id {name} / score+report", report)
        case("ids", f"agent_id {name} / sample+grade export", grading)
    for name, value in {
        "formula text": '=HYPERLINK("http://evil","点我")',
        "at formula": "@SUM(1+1)*cmd",
        "minus formula": "-2+3+cmd|' /C calc'!A0",
    }.items():
        records = [conversation(i) for i in range(12)]
        for r in records:
            r["messages"][1]["text"] = value + " 您好 2个工作日"
            r["conversation_id"] = value[:1] + r["conversation_id"]

        def scored(folder, records=records):
            data = write(folder, "export.jsonl", jsonl(records))
            return [
                ["score", data, "--rubric", sh.rubric, "-o", folder / "out"],
                ["sample", data, "--quota", "1", "--period", "all", "-o", folder / "batch"],
                ["risk", "predict", data, "--model", sh.model, "-o", folder / "risk.csv"],
            ]

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
        "report": lambda d, f: [
            ["score", d, "--rubric", sh.rubric, "-o", f / "out"],
            ["report", "--data", d, "--scores", f / "out", "--rubric", sh.rubric, "-o", f / "rep"],
        ],
        "grade export": lambda d, f: [
            ["sample", d, "--quota", "2", "--period", "all", "-o", f / "batch"],
            ["grade", "export", f / "batch", "--data", d, "--rubric", sh.rubric, "-o", f / "g.xlsx"],
        ],
        "inspect": lambda d, f: [["data", "inspect", d]],
        "predict": lambda d, f: [["risk", "predict", d, "--model", sh.model, "-o", f / "risk.csv", "--reasons", "5"]],
    }
    where = {
        "agent text": ("score", "report", "grade export"),
        "customer text": ("grade export", "predict"),
        "tags": ("grade export", "inspect"),
        "queue": ("grade export", "inspect"),
        "invalid csat": ("score", "inspect"),
    }
    planted = {
        "mobile": (f"电话{MOBILE}", MOBILE),
        "email": (f"邮箱{EMAIL}", EMAIL),
        "ID number": (f"身份证号{ID_NUMBER}", ID_NUMBER),
        "bank card": (f"银行卡号{CARD}", CARD),
    }
    runs = [(spot, vname, cname) for spot in spots for vname in planted for cname in where[spot]]
    variants = {name: (f"联系方式 {value}", value) for name, value in PLANTED_VARIANTS.items()}
    runs += [
        (spot, vname, cname) for spot in ("agent text", "customer text") for vname in variants for cname in where[spot]
    ]
    for spot, vname, cname in runs:
        text, value = {**planted, **variants}[vname]

        def make(folder, records_of=spots[spot], text=text, command=commands[cname]):
            return command(write(folder, "export.jsonl", jsonl(records_of(text))), folder)

        case("personal-data", f"{vname} in {spot} / {cname}", make, planted=(value,))


def table_cases(sh: Shared) -> None:
    header = "会话ID,渠道,客服,客户,开始时间,满意度,发送方,时间,内容\n"
    rows = [
        f"c{i},chat,A{i % 3},u{i},2026-11-1{i % 9} 10:00:00,{1 + i % 5},{r},2026-11-1{i % 9} 10:0{k}:00,{t}\n"
        for i in range(10)
        for k, (r, t) in enumerate([("客户", "你好在吗"), ("客服", "您好，2个工作日发货")])
    ]
    good = header + "".join(rows)
    variants = {
        "zh headers": good.encode("utf-8"),
        "GB18030": good.encode("gb18030"),
        "GB18030 with two bad bytes (reported)": good.encode("gb18030")
        .replace("你好".encode("gb18030"), b"\x81\x20", 1)
        .replace("您好".encode("gb18030"), b"\xff\xff", 1),
        "extra unquoted comma": (header + rows[0].replace("你好在吗", "你好,在吗") + "".join(rows[1:])).encode(),
        "conflicting agent in one conversation": (
            header + rows[0] + rows[1].replace(",A0,", ",A9,") + "".join(rows[2:])
        ).encode(),
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

            case(
                "export-table",
                f"csv {name} / {command}",
                make,
                must_say=r"(?i)byte|decod|encod" if "bad bytes" in name else "",
            )
    for name, content in {
        "year 1 hire date": "agent_id,name,team,hire_date\nA1,王,t,0001-01-01\n",
        "no agent column": "name,team\n王,t\n",
        "duplicate agent": "agent_id,name\nA1,王\nA1,李\n",
        "GBK roster": "agent_id,name\nA1,王芳\n",
        "empty roster": "",
    }.items():

        def make(folder, content=content, name=name):
            roster = write(folder, "roster.csv", content.encode("gbk") if "GBK" in name else content.encode())
            return [
                ["data", "inspect", sh.data, "--roster", roster],
                ["sample", sh.data, "--quota", "1", "--period", "all", "--roster", roster, "-o", folder / "b"],
            ]

        case("roster", name, make)


def xlsx_bytes(rows: list[list]) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@lru_cache(maxsize=4)
def zip_bomb(plain: bytes, padding: int = 300 << 20) -> bytes:
    """``plain`` (an xlsx) with its first sheet padded by ``padding`` blanks: about 1000:1 (made
    when a case needs it, once)."""
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
    rows = [header] + [
        [f"c{i}", "chat", "A1", "u1", "2026-11-10 10:00:00", "agent", "2026-11-10 10:00:00", "您好"] for i in range(10)
    ]
    plain = xlsx_bytes(rows)
    variants = {
        "zip bomb": partial(zip_bomb, plain),
        "not a zip": b"PK\x03\x04 this is not really a workbook" * 10,
        "truncated": plain[: len(plain) // 2],
        "empty workbook": xlsx_bytes([]),
        "header only": xlsx_bytes([header]),
        "formula cells": xlsx_bytes([header] + [r[:-1] + ["=1+1"] for r in rows[1:]]),
        "year 1 dates": xlsx_bytes([header] + [r[:4] + ["0001-01-01 00:00:00"] + r[5:] for r in rows[1:]]),
    }
    for name, content in variants.items():
        for command in ("inspect", "score"):

            def make(folder, content=content, command=command):
                path = write(folder, "export.xlsx", content if isinstance(content, bytes) else content())
                return [export_commands(path, folder, sh)[command]]

            case("export-xlsx", f"{name} / {command}", make)
    roster = xlsx_bytes([["agent_id", "name", "team", "hire_date"], ["A1", "王芳", "t1", "2026-01-01"]])
    for name, content in {"zip bomb": partial(zip_bomb, roster), "truncated": partial(bytes, roster[:300])}.items():

        def make(folder, content=content):
            return [["data", "inspect", sh.data, "--roster", write(folder, "roster.xlsx", content())]]

        case("roster", f"xlsx {name}", make)


def parquet_cases(sh: Shared) -> None:
    base = pd.DataFrame(
        {
            "conversation_id": [f"c{i // 2}" for i in range(20)],
            "channel": "chat",
            "agent_id": "A1",
            "customer_id": "u1",
            "started_at": pd.Timestamp("2026-11-10 10:00", tz="Asia/Shanghai"),
            "role": ["customer", "agent"] * 10,
            "ts": pd.Timestamp("2026-11-10 10:00", tz="Asia/Shanghai"),
            "text": ["你好", "您好，2个工作日发货"] * 10,
        }
    )

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
        f"      - id: k{i}\n        name: K{i}\n        points: 1\n"
        f"        check: {{type: keywords, phrases: [词{i}]}}\n"
        for i in range(2000)
    )
    variants = {
        "alias bomb": BOMB_YAML,
        "deep nesting": DEEP_YAML,
        "alias bomb inside a rubric": RUBRIC + "x: " + BOMB_YAML.replace("\n", "\n  ")[:-2],
        "duplicate keys": RUBRIC.replace("language: zh\n", "language: zh\nlanguage: en\n"),
        "no and on as phrases": RUBRIC.replace("[您好, 你好]", "[no, on, 12:30]"),
        "catastrophic regex (a+)+(?=c)": regex("(a+)+(?=c)"),
        "catastrophic regex ((a+)+\\2)+c": regex("((a+)+\\2)+c"),
        "catastrophic regex (\\s*a)+c": regex("(\\s*a)+c"),
        "back-reference (a+)\\1+c": regex("(a+)\\1+c"),
        "repetition over 1000": regex("a{1001}"),
        "nested repetition too large": regex("(?:a{1000}){1000}"),
        "lookbehind": regex("(?<![0-9])1[3-9][0-9]{9}"),
        "invalid regex": regex("([0-9]"),
        "possessive quantifier": regex("[0-9]++工作日"),
        "unknown check type": RUBRIC.replace("type: keywords", "type: magic"),
        "weights 60": RUBRIC.replace("weight: 100", "weight: 60"),
        "2000 criteria": many,
        "not UTF-8": RUBRIC.encode("gbk"),
        "empty file": "",
        "top-level list": "- a\n- b\n",
        "NUL character": RUBRIC.replace("问候", "问\x00候"),
        "negative points": RUBRIC.replace("points: 10", "points: -5", 1),
        "points as text": RUBRIC.replace("points: 10", "points: ten", 1),
        "id with path": RUBRIC.replace("id: greet", "id: ../../x"),
    }
    for name, content in variants.items():
        for command in ("lint", "test", "doc", "score"):

            def make(folder, content=content, command=command):
                path = write(folder, "rubric.yaml", content)
                return [
                    {
                        "lint": ["rubric", "lint", path],
                        "test": ["rubric", "test", path],
                        "doc": ["rubric", "doc", path],
                        "score": ["score", sh.data, "--rubric", path, "-o", folder / "out"],
                    }[command]
                ]

            case("rubric", f"{name} / {command}", make)


def config_cases(sh: Shared) -> None:
    plans = {
        "alias bomb": BOMB_YAML,
        "deep nesting": DEEP_YAML,
        "quota -1": "quota: -1\n",
        "quota 10^12": "quota: 1000000000000\n",
        "unknown stratum": "strata: [{kind: psychic, count: 1}]\n",
        "period garbage": "period: 下周\n",
        "from after to": "period: {from: 2026-12-01, to: 2026-01-01}\n",
        "duplicate keys": "quota: 1\nquota: 2\n",
        "not a map": "- 1\n- 2\n",
        "year 1 period": "period: {from: 0001-01-01, to: 0001-01-02}\n",
        "seed -1": "seed: -1\n",
        "seed 2^70": f"seed: {2**70}\n",
    }
    for name, content in plans.items():
        case(
            "plan",
            name,
            lambda folder, content=content: [
                ["sample", sh.data, "--plan", write(folder, "plan.yaml", content), "-o", folder / "b"]
            ],
        )
    mappings = {
        "alias bomb": BOMB_YAML,
        "deep nesting": DEEP_YAML,
        "columns a list": "columns: [a, b]\n",
        "values a string": "columns: {conversation_id: 会话ID}\nvalues: oops\n",
        "unknown target": "columns: {wat: x}\n",
        "empty": "",
        "not a map": "42\n",
    }
    for name, content in mappings.items():
        case(
            "mapping",
            name,
            lambda folder, content=content: [
                ["data", "inspect", sh.data, "--mapping", write(folder, "mapping.yaml", content)]
            ],
        )
    runs = {
        "alias bomb": BOMB_YAML,
        "deep nesting": DEEP_YAML,
        "unknown key": f"data: {sh.data}\nbogus: 1\n",
        "data missing": "data: /nonexistent/x.jsonl\n",
        "rubric missing": f"data: {sh.data}\nrubric: /nope.yaml\n",
        "sample seed -1": f"data: {sh.data}\nsample:\n  seed: -1\n",
        "risk seed 2^70": f"data: {sh.data}\nrisk:\n  train_label: csat <= 2\n  seed: {2**70}\n",
        "inline plan bomb": f"data: {sh.data}\nsample:\n  plan:\n    " + BOMB_YAML.replace("\n", "\n    "),
    }
    for name, content in runs.items():
        case(
            "run-config",
            name,
            lambda folder, content=content: [["run", write(folder, "run.yaml", content), "-o", folder / "o"]],
        )


def workbook_cases(sh: Shared) -> None:
    def edited(change: Callable) -> Callable[[Path], list[list]]:
        def make(folder):
            wb = load_workbook(sh.workbook)
            for sheet, cell, _cid, _crit, kind, _prefill in workbook_input_cells(sh.workbook):
                if kind == "grader":
                    wb[sheet][cell] = "王芳"
            change(wb)
            wb.save(folder / "in.xlsx")
            return [
                [
                    "grade",
                    "import",
                    folder / "in.xlsx",
                    "--data",
                    sh.data,
                    "--rubric",
                    sh.rubric,
                    "-o",
                    folder / "g.csv",
                ]
            ]

        return make

    def cell(sheet: str, ref: str, value) -> Callable:
        return lambda wb: wb[sheet].__setitem__(ref, value)

    variants = {
        "grade column deleted": lambda wb: wb["C001"].delete_cols(4),
        "comment column deleted": lambda wb: wb["C001"].delete_cols(9),
        "row inserted": lambda wb: wb["C002"].insert_rows(7),
        "title row deleted": lambda wb: wb["C001"].delete_rows(1),
        "layout cell address garbage": cell("_layout", "D3", "not a cell"),
        "layout cell empty": cell("_layout", "D4", None),
        "layout kind unknown": cell("_layout", "B5", "bogus"),
        "id conversation empty": cell("_ids", "B2", None),
        "id prefills cut": cell("_ids", "D3", "pass"),
        "meta rubric damaged": cell("_meta", "B1", None),
        "meta version removed": cell("_meta", "B2", None),
        "id sheet header damaged": cell("_ids", "A1", "x"),
        "conversation sheet removed": lambda wb: wb.remove(wb["C001"]),
        "grader a formula": cell("C001", "C3", "=cmd|' /C calc'!A0"),
        "grade not allowed": cell("C001", "H7", "maybe"),
        "comment 40,000 characters": cell("C001", "I7", "长" * 40_000),
        "date year 1": cell("C001", "C4", "0001-01-01"),
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
    for name, content in {
        "zip bomb": lambda: zip_bomb(sh.workbook.read_bytes()),
        "random bytes": lambda: os.urandom(5000),
        "empty": lambda: b"",
        "plain xlsx": lambda: xlsx_bytes([["a"], [1]]),
    }.items():
        case(
            "workbook",
            name,
            lambda folder, content=content: [
                [
                    "grade",
                    "import",
                    write(folder, "in.xlsx", content()),
                    "--data",
                    sh.data,
                    "--rubric",
                    sh.rubric,
                    "-o",
                    folder / "g.csv",
                ]
            ],
        )


def model_cases(sh: Shared) -> None:
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression

    @lru_cache(maxsize=1)
    def payload() -> dict:
        """The shared model's payload, read when a case is first made (after the shared build)."""
        model = load_model(sh.model)
        return {
            "kind": "qa-toolkit-risk-model",
            "format_version": 1,
            "pipeline": model.pipeline,
            "threshold": model.threshold,
            "label": model.label,
            "label_fields": list(model.label_fields),
            "card_json": json.dumps(model.card),
        }

    def other_columns() -> dict:
        other = copy.deepcopy(payload()["pipeline"])
        other.named_steps["features"].numeric_columns_ = ["sentiment_score"]
        return {**payload(), "pipeline": other}

    class Boom:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    variants: dict[str, Callable[[], bytes]] = {
        "random bytes": lambda: os.urandom(4096),
        "empty": lambda: b"",
        "pickle": lambda: pickle.dumps(Boom()),
        "threshold text": lambda: sio.dumps({**payload(), "threshold": "0.5"}),
        "threshold NaN": lambda: sio.dumps({**payload(), "threshold": float("nan")}),
        "threshold 2": lambda: sio.dumps({**payload(), "threshold": 2.0}),
        "card not JSON": lambda: sio.dumps({**payload(), "card_json": "{oops"}),
        "label fields a number": lambda: sio.dumps({**payload(), "label_fields": 3}),
        "trained on other columns": lambda: sio.dumps(other_columns()),
        "a bare estimator": lambda: sio.dumps({**payload(), "pipeline": LogisticRegression()}),
        "format 99": lambda: sio.dumps({**payload(), "format_version": 99}),
        "foreign skops": lambda: sio.dumps(LogisticRegression()),
    }
    for name, content in variants.items():
        for command in ("predict", "evaluate"):

            def make(folder, content=content, command=command):
                path = write(folder, "model.skops", content())
                return [
                    ["risk", "predict", sh.data, "--model", path, "-o", folder / "r.csv"]
                    if command == "predict"
                    else ["risk", "evaluate", sh.data, "--model", path, "--label", "csat <= 2"]
                ]

            case("risk-model", f"{name} / {command}", make)


def option_cases(sh: Shared) -> None:
    labels = {
        "nested parentheses": "(" * 20_000 + "csat <= 2" + ")" * 20_000,
        "nested not": "not " * 20_000 + "escalated",
        "nested lists": "[" * 20_000 + "]" * 20_000,
        "python injection": "__import__('os').system('echo x')",
        "empty": "",
        "unknown field": "mood <= 2",
        "100k characters": "csat <= 2 or " * 8_000 + "csat <= 1",
        "full-width operators": "csat ＜＝ 2",
    }
    for name, text in labels.items():
        case(
            "label",
            name,
            lambda folder, text=text: [
                ["risk", "train", sh.data, "--label", text, "--folds", "2", "-o", folder / "m.skops"]
            ],
        )
    sample = ["sample", sh.data, "--quota", "1"]
    options = {
        "--today year 1": sample + ["--today", "0001-01-01"],
        "--today year 9999": sample + ["--today", "9999-12-31"],
        "--period garbage": sample + ["--period", "下周"],
        "--period year 1": sample + ["--period", "0001-01-01..0001-01-07"],
        "--period reversed": sample + ["--period", "2026-12-01..2026-01-01"],
        "report --from year 9999": ["report", "--data", sh.data, "--scores", sh.scored, "--from", "9999-12-31"],
        "report --to year 1": ["report", "--data", sh.data, "--scores", sh.scored, "--to", "0001-01-01"],
        "synth --start year 1": ["data", "synth", "-n", "5", "--start", "0001-01-01"],
        "synth --start year 9999": ["data", "synth", "-n", "5", "--start", "9999-12-25"],
        "synth --start garbage": ["data", "synth", "-n", "5", "--start", "soon"],
        "--encoding base64": ["data", "inspect", sh.data, "--encoding", "base64"],
        "--encoding rot13": ["data", "inspect", sh.data, "--encoding", "rot13"],
        "--encoding nonsense": ["data", "inspect", sh.data, "--encoding", "klingon"],
        "--tz nonsense": ["data", "inspect", sh.data, "--tz", "Mars/Olympus"],
        "--chunk-size 0": ["score", sh.data, "--chunk-size", "0"],
        "--workers 0": ["score", sh.data, "--workers", "0"],
        "--sla -1": ["report", "--data", sh.data, "--scores", sh.scored, "--sla", "-1"],
        "--sla nan": ["report", "--data", sh.data, "--scores", sh.scored, "--sla", "nan"],
        "--sla-channel negative": ["report", "--data", sh.data, "--scores", sh.scored, "--sla-channel", "email=-5"],
        "--fcr-days 0": ["report", "--data", sh.data, "--scores", sh.scored, "--fcr-days", "0"],
        "sample --seed -1": sample + ["--period", "all", "--seed", "-1"],
        "sample --seed 2^70": sample + ["--period", "all", "--seed", str(2**70)],
        "synth --seed -1": ["data", "synth", "-n", "5", "--seed", "-1"],
        "synth -n 0": ["data", "synth", "-n", "0"],
        "risk train --seed -1": ["risk", "train", sh.data, "--label", "csat <= 2", "--folds", "2", "--seed", "-1"],
        "risk train --target-precision nan": [
            "risk",
            "train",
            sh.data,
            "--label",
            "csat <= 2",
            "--folds",
            "2",
            "--target-precision",
            "nan",
        ],
        "calibrate --tolerance nan": ["calibrate", sh.data, "--tolerance", "nan"],
        "predict --reasons 0": ["risk", "predict", sh.data, "--model", sh.model, "--reasons", "0"],
        "--sla-channel garbage": ["report", "--data", sh.data, "--scores", sh.scored, "--sla-channel", "email"],
        "--mapping missing preset": ["data", "inspect", sh.data, "--mapping", "klingon"],
        "--roster a folder": ["data", "inspect", sh.data, "--roster", "."],
        "--max-problems -1": ["data", "inspect", sh.data, "--max-problems", "-1"],
        "calibrate random CSV": ["calibrate", sh.data],
        "rubric diff same file": ["rubric", "diff", sh.rubric, sh.rubric, "--data", sh.data],
    }
    for name, argv in options.items():

        def make(folder, argv=argv, name=name):
            out = (
                ["-o", folder / "o"]
                if argv[0] in ("sample", "score", "report", "data", "risk") and argv[1] != "inspect"
                else []
            )
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
        return [
            ["report", "--data", sh.data, "--scores", sh.scored, "--rubric", sh.rubric, "-o", folder / "r"],
            [
                "report",
                "--data",
                sh.data,
                "--scores",
                sh.scored,
                "--rubric",
                sh.rubric,
                "--agent",
                "A1",
                "-o",
                folder / "r",
            ],
        ]

    def report_other_data(folder):
        other = write(folder, "other.jsonl", jsonl([conversation(i, agent_id="Z9") for i in range(40)]))
        return [["report", "--data", other, "--scores", sh.scored, "--rubric", sh.rubric, "-o", folder / "r"]]

    def scores_folder_empty(folder):
        (folder / "empty").mkdir()
        return [["report", "--data", sh.data, "--scores", folder / "empty", "-o", folder / "r"]]

    def parts_over_single(folder):
        shutil.copytree(sh.scored, folder / "out")
        return [
            ["score", sh.data, "--rubric", sh.rubric, "--parts", "-o", folder / "out"],
            ["report", "--data", sh.data, "--scores", folder / "out", "--rubric", sh.rubric, "-o", folder / "r"],
        ]

    def workers_then_report(folder):
        return [
            ["score", sh.data, "--rubric", sh.rubric, "--workers", "2", "-o", folder / "out"],
            ["report", "--data", sh.data, "--scores", folder / "out", "--rubric", sh.rubric, "-o", folder / "r"],
        ]

    def ledger_empty(folder):
        return [
            [
                "sample",
                sh.data,
                "--quota",
                "1",
                "--period",
                "all",
                "--ledger",
                write(folder, "ledger.csv", ""),
                "-o",
                folder / "b",
            ]
        ]

    case(
        "output",
        "report on another export's scores",
        report_other_data,
        must_say=r"(?i)fingerprint|mismatch|another export|other data|different",
    )
    for name, make in {
        "read-only folder": readonly,
        "output is a file": file_as_folder,
        "report twice": report_twice,
        "empty scores folder": scores_folder_empty,
        "--parts over a single-file run": parts_over_single,
        "--workers 2 then report": workers_then_report,
        "empty ledger": ledger_empty,
    }.items():
        case("output", name, make)


# ---------------------------------------------------------------- reading-side cases
# Damaged encodings, times pandas cannot hold, values of the wrong type, long tables that shift or
# contradict themselves, odd options and small files, through every command that reads an export:
# each with the exit code the one rule gives and the problem code that locates it.

TEXTS = [
    "您好，请问有什么可以帮您？",
    "我的快递三天了还没到，太慢了",
    "已为您核实订单信息，明天送达。",
    "好的谢谢",
    "退款什么时候到账",
]
LABEL = "csat <= 2 or 'complaint' in tags"
READERS = {  # the commands that read an export, {data} and {dir} filled in per case
    "inspect": ["data", "inspect", "{data}"],
    "score": ["score", "{data}", "-o", "{dir}/score"],
    "sample": ["sample", "{data}", "-o", "{dir}/batch", "--quota", "2", "--seed", "1"],
    "risk predict": ["risk", "predict", "{data}", "--model", "{model}", "-o", "{dir}/risk.csv"],
    "score --workers 2": ["score", "{data}", "-o", "{dir}/score2", "--workers", "2", "--chunk-size", "2"],
}


def reading_case(
    kind: str,
    name: str,
    files: dict[str, bytes],
    args: list[str],
    codes: tuple[int, ...],
    expect: tuple[str, ...] = (),
    check: Callable[[Path], bool] | None = None,
) -> Case:
    """A reading-side case: ``files`` written into the case folder, one command (``args`` with
    {data}, {dir} and {model} filled in), the exit codes the rule allows, the problem codes the
    output must name, and an optional check of what was read."""

    def make(folder: Path) -> list[list]:
        for file_name, content in files.items():
            (folder / file_name).write_bytes(content)
        data = next((folder / n for n in files if n.startswith("data.")), folder / "data.jsonl")
        return [[a.format(data=data, dir=folder, model=Shared(folder.parent).model) for a in args]]

    return Case(
        f"reading-{kind}",
        name,
        make,
        codes=codes,
        expect=expect,
        check=check,
    )


# --- inputs ------------------------------------------------------------------------------------


def reading_records(n: int = 6) -> list[dict]:
    out = []
    for i in range(n):
        start = dt.datetime(2026, 3, 2, 9) + dt.timedelta(hours=5 * i)
        out.append(
            {
                "conversation_id": f"C{i:03d}",
                "channel": ["chat", "phone", "email"][i % 3],
                "agent_id": f"A{i % 3}",
                "customer_id": f"U{i}",
                "started_at": start.isoformat() + "+08:00",
                "ended_at": (start + dt.timedelta(minutes=9)).isoformat() + "+08:00",
                "csat": [5, 1, 4, 2, 5, 3][i % 6],
                "tags": ["complaint"] if i % 4 == 1 else ["logistics"],
                "queue": "售前",
                "messages": [
                    {
                        "ts": (start + dt.timedelta(minutes=m)).isoformat() + "+08:00",
                        "role": role,
                        "text": TEXTS[(i + m) % 5],
                    }
                    for m, role in enumerate(["customer", "agent", "customer", "agent"])
                ],
            }
        )
    return out


def reading_jsonl(recs: list[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs).encode()


def reading_table(recs: list[dict]) -> pd.DataFrame:
    rows = []
    for rec in recs:
        conv = {k: ("|".join(v) if isinstance(v, list) else v) for k, v in rec.items() if k != "messages"}
        rows += [{**conv, "seq": i, **m} for i, m in enumerate(rec["messages"])]
    return pd.DataFrame(rows)


def reading_csv(frame: pd.DataFrame, encoding: str = "utf-8") -> bytes:
    return frame.to_csv(index=False, lineterminator="\n").encode(encoding)


def reading_parquet(frame_or_table) -> bytes:
    sink = pa.BufferOutputStream()
    data = (
        frame_or_table
        if isinstance(frame_or_table, pa.Table)
        else pa.Table.from_pandas(frame_or_table, preserve_index=False)
    )
    pq.write_table(data, sink)
    return sink.getvalue().to_pybytes()


def reading_xlsx(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    return buffer.getvalue()


def texts_read_right(name: str) -> Callable[[Path], bool]:
    """A check: every message text read from ``name`` is one of TEXTS (no mojibake, no U+FFFD)."""

    def check(folder: Path) -> bool:
        return set(read_conversations(folder / name).messages["text"]) <= set(TEXTS)

    return check


# --- the classes -------------------------------------------------------------------------------

DAMAGE = {  # name: (bytes put into a message text, or None: the whole line re-encoded in GBK)
    "invalid byte 0xFF": b"\xff",
    "lone continuation 0x80": b"\x80",
    "cut 3-byte character": "中".encode()[:2],
    "overlong slash C0 AF": b"\xc0\xaf",
    "UTF-16 surrogate ED A0 80": b"\xed\xa0\x80",
    "beyond U+10FFFF F4 90 80 80": b"\xf4\x90\x80\x80",
    "GBK line": None,
    "Latin-1 line": "latin",
}


def reading_encoding_cases() -> list[Case]:
    cases = []
    base = reading_records()
    lines = reading_jsonl(base).splitlines(keepends=True)
    for where, line in (("first line", 0), ("middle line", 3), ("last line", 5)):
        for name, damage in DAMAGE.items():
            bad = list(lines)
            if damage is None:
                bad[line] = bad[line].decode().encode("gbk")
            elif damage == "latin":
                bad[line] = bad[line].replace(b'"text": "', b'"text": "caf\xe9 ', 1)
            else:
                bad[line] = bad[line].replace(b'"text": "', b'"text": "' + damage, 1)
            files = {"data.jsonl": b"".join(bad)}
            for command in ("inspect", ("score", "sample", "risk predict")[line % 3]):
                cases.append(
                    reading_case(
                        "encoding",
                        f"JSONL {where}: {name} [{command}]",
                        files,
                        READERS[command],
                        (1,),
                        ("bad_encoding",),
                        texts_read_right("data.jsonl"),
                    )
                )
            frame_lines = reading_csv(reading_table(base)).splitlines(keepends=True)
            row = 1 + 4 * line + 1
            if damage is None:
                frame_lines[row] = frame_lines[row].decode().encode("gbk")
            else:
                raw = b"caf\xe9 " if damage == "latin" else damage
                frame_lines[row] = frame_lines[row].replace(
                    TEXTS[(line + 1) % 5].encode(), raw + TEXTS[(line + 1) % 5].encode(), 1
                )
            cases.append(
                reading_case(
                    "encoding",
                    f"UTF-8 CSV {where}: {name}",
                    {"data.csv": b"".join(frame_lines)},
                    READERS["inspect"],
                    (1,),
                    ("bad_encoding",),
                    texts_read_right("data.csv"),
                )
            )
    gb = reading_csv(reading_table(base), "gb18030")
    for at, byte in ((200, 0xFF), (900, 0x80), (1500, 0xFF)):
        data = bytearray(gb)
        at = data.index(TEXTS[1].encode("gb18030"), at)
        data[at] = byte
        for command in ("inspect", "score"):
            cases.append(
                reading_case(
                    "encoding",
                    f"GB18030 CSV: 0x{byte:02X} near byte {at} [{command}]",
                    {"data.csv": bytes(data)},
                    READERS[command],
                    (1,),
                    ("bad_encoding",),
                    texts_read_right("data.csv"),
                )
            )
    text = reading_jsonl(base).decode()
    for codec, bom in (
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-be", codecs.BOM_UTF16_BE),
        ("utf-32-le", codecs.BOM_UTF32_LE),
        ("utf-32-be", codecs.BOM_UTF32_BE),
        ("utf-8", codecs.BOM_UTF8),
        ("gb18030", b""),
    ):
        cases.append(
            reading_case(
                "encoding",
                f"whole JSONL in {codec}{' with a BOM' if bom else ''}",
                {"data.jsonl": bom + text.encode(codec)},
                READERS["inspect"],
                (0,),
                (),
                texts_read_right("data.jsonl"),
            )
        )
        cases.append(
            reading_case(
                "encoding",
                f"whole CSV in {codec}{' with a BOM' if bom else ''}",
                {"data.csv": bom + reading_csv(reading_table(base)).decode().encode(codec)},
                READERS["inspect"],
                (0,),
                (),
                texts_read_right("data.csv"),
            )
        )
    cases.append(
        reading_case(
            "encoding",
            "UTF-16 JSONL cut in a character",
            {"data.jsonl": text.encode("utf-16")[:-1]},
            READERS["inspect"],
            (2,),
            ("bad_encoding",),
        )
    )
    for codec in ("base64", "rot13", "zlib", "hex", "bz2", "uu", "quopri", "no-such-codec"):
        cases.append(
            reading_case(
                "encoding",
                f"--encoding {codec}",
                {"data.jsonl": reading_jsonl(base)},
                READERS["inspect"] + ["--encoding", codec],
                (2,),
                ("bad_encoding",),
            )
        )
    cases.append(
        reading_case(
            "encoding",
            "--encoding utf-8 on a GB18030 CSV",
            {"data.csv": gb},
            READERS["inspect"] + ["--encoding", "utf-8"],
            (1,),
            ("bad_encoding",),
        )
    )
    cases.append(
        reading_case(
            "encoding",
            "--encoding utf-16 on a UTF-8 file",
            {"data.jsonl": reading_jsonl(base) + b"x"},
            READERS["inspect"] + ["--encoding", "utf-16"],
            (2,),
            ("bad_encoding",),
        )
    )
    return cases


OUT_OF_RANGE = [
    "0001-01-01T00:00:00",
    "9999-12-31T23:59:59",
    "0001-01-01T00:00:00+08:00",
    "2262-04-12T00:00:00",
    "1677-09-21T00:00:00Z",
    1e20,
    -1e20,
    10**30,
    -62135596800,
    "100000000000000000000",
    "1e400",
]


def reading_time_cases() -> list[Case]:
    cases = []
    for i, value in enumerate(OUT_OF_RANGE):
        for field_ in ("ts", "started_at", "ended_at"):
            recs = reading_records()
            if field_ == "ts":
                recs[2]["messages"][1]["ts"] = value
            else:
                recs[2][field_] = value
            command = ("inspect", "score", "sample", "risk predict")[(i + len(field_)) % 4]
            codes = ("time_out_of_range|bad_timestamp",)
            cases.append(
                reading_case(
                    "times",
                    f"JSONL {field_} = {value!r} [{command}]",
                    {"data.jsonl": reading_jsonl(recs)},
                    READERS[command],
                    (1,),
                    codes,
                )
            )
            if isinstance(value, str):
                cases.append(
                    reading_case(
                        "times",
                        f"CSV {field_} = {value!r}",
                        {"data.csv": reading_csv(reading_table(recs))},
                        READERS["inspect"],
                        (1,),
                        codes,
                    )
                )
    for value in (dt.datetime(1, 1, 1), dt.datetime(9999, 12, 31)):
        frame = reading_table(reading_records())
        frame["ts"] = pd.to_datetime(frame["ts"]).dt.tz_localize(None).astype("datetime64[us]").astype(object)
        frame.loc[5, "ts"] = value
        frame["ts"] = frame["ts"].astype("datetime64[us]")
        for command in ("inspect", "score --workers 2"):
            cases.append(
                reading_case(
                    "times",
                    f"Parquet timestamp column holding {value:%Y-%m-%d} [{command}]",
                    {"data.parquet": reading_parquet(frame)},
                    READERS[command],
                    (1,),
                    ("time_out_of_range",),
                )
            )
    for value in ("0001-01-01", "9999-12-31", "1e20", "99999999999999999999"):
        roster = f"agent_id,name,team,hire_date\nA0,甲,T1,{value}\nA1,乙,T1,2024-01-01\nA2,丙,T2,2024-01-01\n"
        cases.append(
            reading_case(
                "times",
                f"roster hire_date {value}",
                {"data.jsonl": reading_jsonl(reading_records()), "roster.csv": roster.encode()},
                READERS["inspect"] + ["--roster", "{dir}/roster.csv"],
                (1,),
                ("hire_date",),
            )
        )
    cases.append(
        reading_case(
            "times",
            "JSONL with workers: message time 1e20",
            {
                "data.jsonl": reading_jsonl(
                    [
                        {**r, "messages": [{**m, "ts": 1e20} for m in r["messages"]]} if i == 3 else r
                        for i, r in enumerate(reading_records())
                    ]
                )
            },
            READERS["score --workers 2"],
            (1,),
            ("time_out_of_range",),
        )
    )
    return cases


WRONG = [
    ("conversation_id", ["x"]),
    ("conversation_id", {"id": 1}),
    ("conversation_id", True),
    ("agent_id", {"id": 3}),
    ("agent_id", ["A1"]),
    ("agent_id", False),
    ("channel", True),
    ("channel", ["chat"]),
    ("channel", {"c": 1}),
    ("customer_id", [1, 2]),
    ("customer_id", {"u": 1}),
    ("customer_tier", True),
    ("customer_tier", ["vip"]),
    ("queue", {"q": 1}),
    ("queue", [1]),
    ("skill_group", {"q": 1}),
    ("csat", True),
    ("csat", False),
    ("csat", [4]),
    ("csat", {"score": 4}),
    ("csat", "very good"),
    ("csat", 4.5),
    ("csat", 0),
    ("tags", {"a": 1}),
    ("tags", True),
    ("tags", [["nested"]]),
    ("tags", [1, {"a": 1}]),
    ("messages", {"role": "agent"}),
    ("messages", "hello"),
    ("messages", []),
]
WRONG_IN_MESSAGE = [
    ("text", {"a": 1}),
    ("text", 42),
    ("text", True),
    ("text", ["你好"]),
    ("text", None),
    ("role", ["agent"]),
    ("role", {"r": 1}),
    ("role", 7),
    ("role", "外星人"),
    ("ts", True),
    ("ts", ["2026-01-01"]),
    ("ts", {"t": 1}),
    ("ts", "yesterday"),
    ("ts", "2026-02-30T10:00:00"),
]


def reading_type_cases() -> list[Case]:
    cases = []
    for i, (name, value) in enumerate(WRONG + WRONG_IN_MESSAGE):
        recs = reading_records()
        if (name, value) in WRONG:
            recs[2][name] = value
            if name == "skill_group":  # the alias of queue, read as queue when there is none
                del recs[2]["queue"]
        else:
            recs[2]["messages"][1][name] = value
        command = ("inspect", "score", "sample", "risk predict")[i % 4]
        for cmd in dict.fromkeys(("inspect", command)):
            cases.append(
                reading_case(
                    "types", f"{name} = {value!r} [{cmd}]", {"data.jsonl": reading_jsonl(recs)}, READERS[cmd], (1,), ()
                )
            )
    frame = reading_table(reading_records())
    frame["csat"] = (frame["conversation_id"] == "C002").map({True: True, False: None})
    cases.append(
        reading_case(
            "types",
            "Parquet: true as CSAT",
            {"data.parquet": reading_parquet(frame)},
            READERS["inspect"],
            (1,),
            ("bad_csat",),
        )
    )
    numbers = reading_table(reading_records()).assign(text=lambda f: range(len(f)))
    cases.append(
        reading_case(
            "types",
            "Parquet: numbers in the text column",
            {"data.parquet": reading_parquet(numbers)},
            READERS["inspect"],
            (0,),
        )
    )
    raw = pa.Table.from_pandas(reading_table(reading_records()), preserve_index=False).replace_schema_metadata(None)
    texts = [t.encode() for t in raw.column("text").to_pylist()]
    good = raw.set_column(raw.schema.get_field_index("text"), "text", pa.array(texts, pa.binary()))
    cases.append(
        reading_case(
            "types",
            "Parquet: text stored as bytes",
            {"data.parquet": reading_parquet(good)},
            READERS["inspect"],
            (0,),
            (),
            texts_read_right("data.parquet"),
        )
    )
    texts[6] = b"\xff\xfe"
    bad = raw.set_column(raw.schema.get_field_index("text"), "text", pa.array(texts, pa.binary()))
    for command in ("inspect", "score --workers 2"):
        cases.append(
            reading_case(
                "types",
                f"Parquet: text bytes that are not UTF-8 [{command}]",
                {"data.parquet": reading_parquet(bad)},
                READERS[command],
                (1,),
                ("bad_encoding",),
            )
        )
    return cases


def reading_table_cases() -> list[Case]:
    cases = []
    lines = reading_csv(reading_table(reading_records())).splitlines(keepends=True)
    for row in (2, 3, 12, len(lines)):
        one, two = list(lines), list(lines)
        one[row - 1] = one[row - 1].rstrip(b"\n") + b",extra\n"
        two[row - 1] = two[row - 1].rstrip(b"\n") + b",extra,more\n"
        for command in ("inspect", "score"):
            cases.append(
                reading_case(
                    "tables",
                    f"CSV row {row}: one field too many [{command}]",
                    {"data.csv": b"".join(one)},
                    READERS[command],
                    (1,),
                    ("extra_field",),
                )
            )
        cases.append(
            reading_case(
                "tables",
                f"CSV row {row}: one field too many, --strict",
                {"data.csv": b"".join(one)},
                READERS["inspect"] + ["--strict"],
                (2,),
                ("extra_field",),
            )
        )
        cases.append(
            reading_case(
                "tables",
                f"CSV row {row}: two fields too many",
                {"data.csv": b"".join(two)},
                READERS["inspect"],
                (1, 2),
                ("extra_field|unreadable",),
            )
        )
    for column, value in (
        ("agent_id", "A9"),
        ("channel", "social"),
        ("csat", 3),
        ("customer_id", "U9"),
        ("started_at", "2026-03-01T00:00:00+08:00"),
        ("tags", "vip"),
        ("queue", "售后"),
    ):
        frame = reading_table(reading_records()).astype(object)
        frame.loc[5, column] = value
        for suffix in ("csv", "parquet"):
            data = reading_csv(frame) if suffix == "csv" else reading_parquet(frame.astype(str))
            cases.append(
                reading_case(
                    "tables",
                    f"{suffix.upper()}: {column} differs within a conversation",
                    {f"data.{suffix}": data},
                    READERS["inspect"],
                    (1,),
                    ("conflicting_values",),
                )
            )
    once = reading_table(reading_records()).astype(object)
    once.loc[once["seq"] > 0, ["agent_id", "channel", "csat", "started_at"]] = ""
    cases.append(
        reading_case(
            "tables",
            "CSV: conversation fields written on the first row only",
            {"data.csv": reading_csv(once)},
            READERS["inspect"],
            (0,),
        )
    )
    quoted = reading_table(reading_records())
    quoted.loc[0, "text"] = '第一行\n第二行，"引号"'
    data = bytearray(reading_csv(quoted, "gb18030"))
    data[data.index(TEXTS[2].encode("gb18030"))] = 0xFF
    cases.append(
        reading_case(
            "tables",
            "GB18030 CSV: a quoted newline before a damaged row",
            {"data.csv": bytes(data)},
            READERS["inspect"],
            (1,),
            ("bad_encoding",),
        )
    )
    blank = reading_csv(reading_table(reading_records())).replace(b"\n", b"\n\n", 3)
    cases.append(reading_case("tables", "CSV with blank lines", {"data.csv": blank}, READERS["inspect"], (0,)))
    crlf = reading_csv(reading_table(reading_records())).replace(b"\n", b"\r\n")
    cases.append(reading_case("tables", "CSV with CRLF line ends", {"data.csv": crlf}, READERS["inspect"], (0,)))
    numbers = reading_xlsx(reading_table(reading_records()).assign(text=lambda f: range(len(f))))
    cases.append(
        reading_case("tables", "XLSX: numbers in the text column", {"data.xlsx": numbers}, READERS["inspect"], (0,))
    )
    return cases


def reading_option_cases() -> list[Case]:
    cases = []
    data = {"data.jsonl": reading_jsonl(reading_records())}
    days = [
        ["sample", "{data}", "-o", "{dir}/b", "--period", "last_week", "--today", day]
        for day in ("9999-12-31", "0001-01-01", "2026-02-30", "yesterday")
    ]
    days += [
        ["report", "--scores", "{dir}", "--data", "{data}", "-o", "{dir}/r", flag, day]
        for flag in ("--from", "--to")
        for day in ("9999-12-31", "0001-01-01")
    ]
    days += [["data", "synth", "-n", "2", "-o", "{dir}/s", "--start", day] for day in ("9999-12-01", "0001-01-01")]
    days += [["data", "synth", "-n", "2", "-o", "{dir}/s", "--weeks", "999999999"]]
    cases += [
        reading_case("options", " ".join(a for a in args if "{" not in a), data, args, (2,), ("Invalid value",))
        for args in days
    ]
    for body in (
        "columns: [a, b]\n",
        "columns: 工单\n",
        "values: [role]\n",
        "values:\n  role: agent\n",
        "values:\n  role:\n    客服: [agent]\n",
        "columns:\n  conversation_id: {a: b}\n",
        "preset: [zh]\n",
        "columns:\n  not_a_column: x\n",
        "- just\n- a list\n",
        "{{{",
    ):
        files = {"data.csv": reading_csv(reading_table(reading_records())), "m.yaml": body.encode()}
        cases.append(
            reading_case(
                "options",
                f"mapping file {body.strip()!r}",
                files,
                READERS["inspect"] + ["--mapping", "{dir}/m.yaml"],
                (2,),
            )
        )
    for content in (b"", b"\n", codecs.BOM_UTF8):
        cases.append(
            reading_case(
                "options",
                f"empty ledger {content!r}",
                {**data, "ledger.csv": content},
                READERS["sample"] + ["--ledger", "{dir}/ledger.csv"],
                (0,),
            )
        )
    roster = "agent_id,name,team\nA0,张三,一组\n".encode() + "A1,李四,二组\n".encode("gbk") + b"A2,x,y\n"
    cases.append(
        reading_case(
            "options",
            "roster with a GBK line",
            {**data, "roster.csv": roster},
            READERS["inspect"] + ["--roster", "{dir}/roster.csv"],
            (1,),
            ("bad_encoding",),
        )
    )
    return cases


def reading_risk_cases() -> list[Case]:
    cases = []
    for keep in ("customer", "agent"):
        recs = reading_records(40)
        for r in recs:
            r["messages"] = [m for m in r["messages"] if m["role"] == keep]
        cases.append(
            reading_case(
                "risk",
                f"risk train on {keep} messages only",
                {"data.jsonl": reading_jsonl(recs)},
                ["risk", "train", "{data}", "--label", LABEL, "-o", "{dir}/m.skops", "--folds", "2"],
                (0,),
            )
        )
    return cases


def reading_odd_cases() -> list[Case]:
    """Inputs at the edges of the formats: control bytes, stray marks, line ends, odd cells."""
    base = reading_records()
    lines = reading_jsonl(base).splitlines(keepends=True)
    text = reading_jsonl(base).decode()
    cases = []
    nul = list(lines)
    nul[2] = nul[2].replace(b'"text": "', b'"text": "\x00', 1)
    cases.append(
        reading_case(
            "odd",
            "JSONL: a raw NUL byte inside a string",
            {"data.jsonl": b"".join(nul)},
            READERS["inspect"],
            (1,),
            ("invalid_json",),
        )
    )
    escaped = list(lines)
    escaped[2] = escaped[2].replace(b'"text": "', b'"text": "\\u0000\\u202e', 1)
    cases.append(
        reading_case(
            "odd",
            "JSONL: escaped NUL and right-to-left override in a text",
            {"data.jsonl": b"".join(escaped)},
            READERS["score"],
            (0,),
        )
    )
    bom = list(lines)
    bom[3] = codecs.BOM_UTF8 + bom[3]
    cases.append(
        reading_case(
            "odd",
            "JSONL: a UTF-8 BOM in the middle",
            {"data.jsonl": b"".join(bom)},
            READERS["inspect"],
            (1,),
            ("invalid_json",),
        )
    )
    cases.append(
        reading_case(
            "odd",
            "JSONL: CR-only line ends",
            {"data.jsonl": reading_jsonl(base).replace(b"\n", b"\r")},
            READERS["inspect"],
            (1,),
            ("invalid_json",),
        )
    )
    cases.append(
        reading_case(
            "odd",
            "JSONL: CRLF line ends",
            {"data.jsonl": reading_jsonl(base).replace(b"\n", b"\r\n")},
            READERS["inspect"],
            (0,),
        )
    )
    cases.append(
        reading_case(
            "odd",
            "JSONL: no final line end",
            {"data.jsonl": reading_jsonl(base).rstrip(b"\n")},
            READERS["inspect"],
            (0,),
        )
    )
    cases.append(
        reading_case(
            "odd",
            "JSONL: the last line cut",
            {"data.jsonl": reading_jsonl(base)[:-40]},
            READERS["inspect"],
            (1,),
            ("truncated_line",),
        )
    )
    for codec in ("utf-16-le", "utf-16-be", "utf-32-le"):  # the detector knows these without a BOM
        cases.append(
            reading_case(
                "odd",
                f"JSONL in {codec} without a BOM",
                {"data.jsonl": text.encode(codec)},
                READERS["inspect"],
                (0,),
                (),
                texts_read_right("data.jsonl"),
            )
        )
    big = [dict(r) for r in base]
    big[1]["conversation_id"], big[2]["customer_id"] = 2**70, -(2**65)
    cases.append(
        reading_case(
            "odd", "JSONL: integers beyond 64 bits as ids", {"data.jsonl": reading_jsonl(big)}, READERS["score"], (0,)
        )
    )
    for name, value, codes in (
        ("csat", "５", (0,)),
        ("csat", "NaN", (1,)),
        ("csat", "inf", (1,)),
        ("csat", "4.0", (0,)),
        ("started_at", "2026-03-01T10:00:00+25:00", (1,)),
        ("started_at", "2026-03-01 10:00:00 +0800", (0, 1)),
        ("started_at", "10:00:00", (1,)),
        ("tags", "|||", (0,)),
        ("tags", "，、；", (0,)),
    ):
        recs = [dict(r) for r in base]
        recs[2][name] = value
        cases.append(
            reading_case(
                "odd", f"JSONL: {name} = {value!r}", {"data.jsonl": reading_jsonl(recs)}, READERS["inspect"], codes
            )
        )
    frame = reading_table(base)
    cases.append(
        reading_case(
            "odd",
            "CSV: a NUL byte in a cell",
            {"data.csv": reading_csv(frame).replace(TEXTS[1].encode(), b"\x00" + TEXTS[1].encode(), 1)},
            READERS["inspect"],
            (0, 1),
        )
    )
    dup = reading_csv(frame).replace(b"customer_id", b"text", 1)
    cases.append(reading_case("odd", "CSV: two columns named text", {"data.csv": dup}, READERS["inspect"], (0, 1, 2)))
    cases.append(
        reading_case(
            "odd",
            "CSV: header only",
            {"data.csv": reading_csv(frame).splitlines(keepends=True)[0]},
            READERS["inspect"],
            (2,),
            ("empty_file",),
        )
    )
    cases.append(
        reading_case(
            "odd",
            "CSV: a UTF-8 BOM and CRLF",
            {"data.csv": codecs.BOM_UTF8 + reading_csv(frame).replace(b"\n", b"\r\n")},
            READERS["inspect"],
            (0,),
            (),
            texts_read_right("data.csv"),
        )
    )
    for seq in ("1e400", "-1", "9" * 30, "一"):
        odd = frame.astype(object)
        odd.loc[1, "seq"] = seq
        cases.append(
            reading_case("odd", f"CSV: seq {seq!r}", {"data.csv": reading_csv(odd)}, READERS["inspect"], (0, 1))
        )
    nested = pa.Table.from_pandas(frame, preserve_index=False).append_column(
        "meta", pa.array([{"a": i} for i in range(len(frame))])
    )
    cases.append(
        reading_case(
            "odd",
            "Parquet: a nested struct column",
            {"data.parquet": reading_parquet(nested)},
            READERS["inspect"],
            (0,),
        )
    )
    dictionary = pa.Table.from_pandas(frame, preserve_index=False)
    dictionary = dictionary.set_column(
        dictionary.schema.get_field_index("text"), "text", dictionary.column("text").dictionary_encode()
    )
    cases.append(
        reading_case(
            "odd",
            "Parquet: a dictionary text column",
            {"data.parquet": reading_parquet(dictionary)},
            READERS["score --workers 2"],
            (0,),
        )
    )
    large = pa.Table.from_pandas(frame, preserve_index=False)
    large = large.set_column(
        large.schema.get_field_index("text"), "text", pa.array([t.encode() for t in frame["text"]], pa.large_binary())
    )
    cases.append(
        reading_case(
            "odd",
            "Parquet: text as large binary",
            {"data.parquet": reading_parquet(large)},
            READERS["inspect"],
            (0,),
            (),
            texts_read_right("data.parquet"),
        )
    )
    for row, column, value, code in (
        (1, "ts", dt.time(10, 0), "bad_timestamp"),
        (0, "started_at", dt.datetime(9999, 12, 31), "time_out_of_range"),
        (4, "csat", True, "bad_csat"),
        (5, "csat", True, "conflicting_values"),
        (1, "ts", "10:00:00", "bad_timestamp"),
        (1, "ts", "now", "bad_timestamp"),
    ):
        cells = reading_table(base).astype(object)
        cells.loc[row, column] = value
        cases.append(
            reading_case(
                "odd",
                f"XLSX: {column} cell {value!r}",
                {"data.xlsx": reading_xlsx(cells)},
                READERS["inspect"],
                (1,),
                (code,),
            )
        )
    for value in ("2026年3月2日 09:00", "2026年03月02日"):
        recs = [dict(r) for r in base]
        recs[2]["started_at"] = value
        cases.append(
            reading_case(
                "odd", f"JSONL: started_at {value!r}", {"data.jsonl": reading_jsonl(recs)}, READERS["inspect"], (0,)
            )
        )
    gbk_with_utf8 = reading_csv(frame, "gb18030").splitlines(keepends=True)
    gbk_with_utf8[3] = gbk_with_utf8[3].decode("gb18030").encode("utf-8")
    cases.append(
        reading_case(
            "odd",
            "GB18030 CSV holding one UTF-8 line",
            {"data.csv": b"".join(gbk_with_utf8)},
            READERS["inspect"],
            (1,),
            ("bad_encoding",),
            texts_read_right("data.csv"),
        )
    )
    short = frame.assign(queue="", customer_id="")
    short.loc[2, "text"] = TEXTS[3]  # 好的谢谢: its UTF-8 bytes also read as GB18030 (濂界殑璋㈣阿)
    gbk_with_utf8 = reading_csv(short, "gb18030").splitlines(keepends=True)
    gbk_with_utf8[3] = gbk_with_utf8[3].decode("gb18030").encode("utf-8")
    cases.append(
        reading_case(
            "odd",
            "GB18030 CSV holding a UTF-8 line that is valid GB18030 too",
            {"data.csv": b"".join(gbk_with_utf8)},
            READERS["inspect"],
            (1,),
            ("bad_encoding",),
            texts_read_right("data.csv"),
        )
    )
    return cases


def reading_cases(sh: Shared) -> None:
    for make in (
        reading_encoding_cases,
        reading_time_cases,
        reading_type_cases,
        reading_table_cases,
        reading_option_cases,
        reading_risk_cases,
        reading_odd_cases,
    ):
        CASES.extend(make())


# ---------------------------------------------------------------- output-safety probes (in process)
# Personal data written the ways people write it (must be masked), near misses (must stay as they
# are), CSV cells that start a formula (written neutralised, read back as they were), and text with
# control and bidirectional characters (workbook and HTML cells must not carry them): generated
# from a seed, checked in this process through the functions every output passes through.

SEPARATORS = [
    " ",
    "  ",
    "-",
    ".",
    "_",
    "/",
    "\t",
    "—",
    "——",
    "–",
    "·",
    "\u3000",
    "\u00a0",
    "－",
    "．",
    "＿",
    "\u200b",
    "\u00ad",
    "\u2060",
    "\ufeff",
]
BEFORE = ["", "我的", "客户说", "您好，", "请核对：", "Hi, my ", "好的，", "（", "【"]
AFTER = ["", "，谢谢", "。", " thanks", "）", "】", "，麻烦尽快处理"]
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
FULL_WIDTH_BACK = str.maketrans("０１２３４５６７８９", "0123456789")
PROVINCES = "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65".split()
NUMERALS = {
    "0": "〇零",
    "1": "一幺壹",
    "2": "二贰",
    "3": "三叁",
    "4": "四肆",
    "5": "五伍",
    "6": "六陆",
    "7": "七柒",
    "8": "八捌",
    "9": "九玖",
}


def _grouped(rng: random.Random, digits: str) -> str:
    """``digits`` in random groups with one random separator (or none)."""
    if rng.random() < 0.3:
        return digits
    sep, out, pos = rng.choice(SEPARATORS), [], 0
    while pos < len(digits):
        size = rng.choice([2, 3, 4, 4, 6, 8])
        out.append(digits[pos : pos + size])
        pos += size
    return sep.join(out)


def _written(rng: random.Random, digits: str) -> str:
    text = _grouped(rng, digits)
    return text.translate(FULL_WIDTH) if rng.random() < 0.15 else text


def _hidden(shown: str, secret: str) -> bool:
    """``shown`` (a masked text) no longer holds ``secret`` (letters and digits compared only)."""
    return _plain(secret) not in _plain(shown)


def _plain(text: str) -> str:
    """The letters and digits of ``text``, full-width digits as ASCII."""
    return "".join(c for c in text.translate(FULL_WIDTH_BACK) if c.isalnum())


def _random_id_number(rng: random.Random) -> str:
    body = (
        f"{rng.choice(PROVINCES)}{rng.randrange(100, 10000):04d}{rng.randrange(1900, 2025)}"
        f"{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}{rng.randrange(1000):03d}"
    )
    check = (1 - 2 * int(body, 13)) % 11
    return body + ("X" if check == 10 else str(check))


def leaks(rng: random.Random) -> Iterator[tuple[str, str, str]]:
    """(class, text, secret) of personal data that must be masked."""
    while True:
        mobile = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
        if rng.random() < 0.15:
            spelt = "".join(rng.choice(NUMERALS[d]) for d in mobile)
            text = spelt if rng.random() < 0.5 else " ".join((spelt[:3], spelt[3:7], spelt[7:]))
        else:
            text = rng.choice(["", "+86 ", "+86-", "86"]) + _written(rng, mobile)
        yield (
            "5 mobile",
            f"{rng.choice(BEFORE)}{rng.choice(['', '手机', '电话：', 'tel '])}{text}{rng.choice(AFTER)}",
            mobile,
        )
        number = _random_id_number(rng)
        yield (
            "4 id_number",
            f"{rng.choice(BEFORE)}身份证{_written(rng, number.lower() if rng.random() < 0.2 else number)}"
            f"{rng.choice(AFTER)}",
            number,
        )
        card = _luhn(
            rng.choice(["9558", "6222", "6228", "4111", "5210", "6212"])
            + "".join(rng.choice("0123456789") for _ in range(rng.randrange(11, 15)))
        )
        word = rng.choice(
            ["卡号", "银行卡", "账号", "帐号", "工行卡", "建行卡", "信用卡", "储蓄卡", "card no.", "Account"]
        )
        filler = rng.choice(["", "：", "是招商银行的，", "（刚在手机银行里查过，应该没错）就是 "])
        yield "6 bank_card", f"{rng.choice(BEFORE)}{word}{filler}{_written(rng, card)}{rng.choice(AFTER)}", card
        house = rng.choice(
            [str(rng.randrange(1, 999)), "八十八", "十一", "一百零五", f"{rng.randrange(1, 99)}-{rng.randrange(1, 9)}"]
        )
        city = rng.choice(["", "上海市", "杭州市", "广东省深圳市", "北京市朝阳区", "成都市武侯区", "某某县"])
        address = rng.choice(
            [
                f"{city}{rng.choice(['张江', '文一西', '人民', '中山北', '科技'])}"
                f"{rng.choice(['路', '大道', '街'])}{house}号",
                f"{city}{rng.choice(['忠孝东路', '长乐路'])}{rng.choice(['四段', '100弄', '3巷'])}{house}号",
                f"{city}{rng.choice(['阳光', '万科城市', '绿城桂', '华星时代'])}"
                f"{rng.choice(['小区', '花园', '公寓', '广场'])}{rng.randrange(1, 30)}"
                f"{rng.choice(['栋', '号楼', '幢', '座'])}{rng.randrange(1, 6)}单元{rng.randrange(101, 2999)}",
                f"{city}{rng.choice(['李庄', '张家', '王家'])}村{rng.choice(['五', '3', '十二'])}组{house}号",
                f"{city}{rng.choice(['阳光', '万科'])}{rng.choice(['小区', '花园'])}{rng.randrange(1, 30)}-"
                f"{rng.randrange(1, 6)}-{rng.randrange(101, 2999)}",
                f"{city}{rng.choice(['文三', '人民'])}路 {rng.randrange(1, 999)} 号",
            ]
        )
        yield (
            "7 address",
            f"{rng.choice(['请寄到', '地址：', '我住在', '收货地址是', ''])}{address}{rng.choice(AFTER)}",
            address[len(city) :],
        )
        local = rng.choice(["zhang.san", "李四", "wang_5", "客服"])
        domain = rng.choice(["example.com", "例子.中国", "公司.网络", "mail.example.org", "qq.com"])
        yield (
            "8 email",
            f"{rng.choice(['邮箱是', '发到 ', 'mail: ', ''])}{local}@{domain}{rng.choice(AFTER)}",
            local[1:] + "@",
        )
        account = rng.choice(
            [f"wx_{rng.randrange(10**5, 10**7)}", f"zhang{rng.randrange(100, 9999)}", f"abc_{rng.randrange(10, 99)}x"]
        )
        yield (
            "8 wechat",
            f"{rng.choice(['加我微信', 'vx: ', '微信号：', 'V信 ', '加V ', 'WeChat '])}{account}{rng.choice(AFTER)}",
            account[1:],
        )
        qq = str(rng.randrange(10**4, 10**10))
        yield "8 qq", f"{rng.choice(['加我QQ ', 'QQ：', 'qq号', '扣扣 '])}{qq}{rng.choice(AFTER)}", qq[1:]


def near_misses(rng: random.Random) -> Iterator[tuple[str, str, str]]:
    """(class, text, '') that hold no personal data and must come out unchanged."""
    while True:
        order = f"{rng.choice(['26', '25', '20'])}{rng.randrange(10**13, 10**14)}"
        yield "near miss", f"订单号{order}{rng.choice(AFTER)}", ""
        yield "near miss", f"订单 {' '.join(order[i : i + 4] for i in range(0, len(order), 4))} 已发货", ""
        prices = " ".join(f"{rng.randrange(1, 200)}.{rng.randrange(10, 99)}" for _ in range(rng.randrange(3, 6)))
        yield "near miss", f"单价 {prices} 元", ""
        yield (
            "near miss",
            f"{rng.randrange(2020, 2027)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d} "
            f"{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d} 发货",
            "",
        )
        yield (
            "near miss",
            rng.choice(
                [
                    "我知道3号发货",
                    "地铁1号线",
                    "您3号到货",
                    "WeChat payment is fine",
                    "微信支付已退款",
                    "QQ群已经满了",
                    "加个微信吧",
                    "通道2号门",
                    "第1380号",
                    "尾号5678",
                ]
            ),
            "",
        )


def csv_cells(rng: random.Random) -> Iterator[str]:
    pieces = [
        "'",
        "=",
        "+",
        "-",
        "@",
        "\t",
        "\r",
        "\n",
        '=HYPERLINK("http://x","点我")',
        "cmd|' /C calc'!A0",
        "a",
        "1",
        "中",
        " ",
        ",",
    ]
    while True:
        yield "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 6)))


def display_cells(rng: random.Random) -> Iterator[str]:
    bad = [
        chr(c)
        for c in [
            *range(0, 9),
            11,
            12,
            *range(14, 32),
            0xD800,
            0xDFFF,
            0xFFFE,
            0xFFFF,
            *range(0x202A, 0x202F),
            *range(0x2066, 0x206A),
        ]
    ]
    while True:
        yield "".join(rng.choice(bad + ["A016", "客服", "=x", " "]) for _ in range(rng.randrange(1, 6)))


def privacy_cases(n: int, seed: int) -> None:
    """``n`` probes per class (7 × ``n`` for the personal-data kinds), generated from ``seed``."""
    rng = random.Random(seed)
    gen = leaks(rng)
    for _ in range(n * 7):
        cls, text, secret = next(gen)
        CASES.append(Case(f"privacy-{cls}", ascii(text), probe=partial(_masked, text, secret)))
    gen = near_misses(rng)
    for _ in range(n):
        cls, text, _ = next(gen)
        CASES.append(Case(f"privacy-{cls}", ascii(text), probe=partial(_kept, text)))
    for _ in range(n):
        _, text, secret = next(leaks(rng))
        message = str(Problem("data.jsonl", f"csat '{text}' is outside 1..5", line=2, field="csat"))
        CASES.append(Case("privacy-10 problem message", ascii(message), probe=partial(_masked, message, secret, False)))
    cells = csv_cells(rng)
    for _ in range(n):
        cell = next(cells)
        CASES.append(Case("privacy-12 csv cell", repr(cell), probe=partial(_csv_cell, cell)))
    shown_texts = display_cells(rng)
    for _ in range(n):
        text = next(shown_texts)
        CASES.append(Case("privacy-11 workbook cell", ascii(text), probe=partial(_workbook_cell, text)))
        CASES.append(Case("privacy-33 html text", ascii(text), probe=partial(_html_text, text)))


def _masked(text: str, secret: str, mask: bool = True) -> str | None:
    """Masking ``text`` (``mask``; a problem message masks itself) hides ``secret``."""
    shown = mask_text(text) if mask else text
    return None if _hidden(shown, secret) else f"left unmasked: {ascii(shown)}"


def _kept(text: str) -> str | None:
    return None if mask_text(text) == text else f"changed: {ascii(mask_text(text))}"


def _csv_cell(cell: str) -> str | None:
    """A cell written by ``write_frame`` starts no formula and reads back as it was."""
    with tempfile.TemporaryDirectory() as tmp:
        path = write_frame(pd.DataFrame({"text": [cell], "ids": [[cell, "x"]]}), Path(tmp) / "c.csv")
        raw = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    written, read = raw["text"][0], csv_restore(raw)["text"][0]
    if written.startswith(FORMULA_PREFIXES) or read != cell:
        return f"written {written!r}, read back {read!r}"
    return None


def _workbook_cell(text: str) -> str | None:
    """A cell written by ``put`` (every workbook we write) leaves well-formed XML and no control
    or direction character."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cell.xlsx"
        wb = new_workbook(path)
        put(wb.add_worksheet("s"), 0, 0, text)
        wb.close()
        with zipfile.ZipFile(path) as z:
            if not all(_well_formed(z.read(p)) for p in z.namelist() if p.endswith(".xml")):
                return "malformed workbook XML"
        value = load_workbook(path)["s"]["A1"].value
    return None if value is not None and _clean(value) else f"stored {ascii(value)}"


def _html_text(text: str) -> str | None:
    return None if _clean(str(shown(text))) else f"shown as {ascii(str(shown(text)))}"


def _well_formed(xml: bytes) -> bool:
    try:
        ElementTree.fromstring(xml)
    except ElementTree.ParseError:
        return False
    return True


def _clean(text: str) -> bool:
    return not any(
        ord(c) < 32
        and c not in "\t\n\r"
        or 0xD800 <= ord(c) <= 0xDFFF
        or c in "\ufffe\uffff"
        or 0x202A <= ord(c) <= 0x202E
        or 0x2066 <= ord(c) <= 0x2069
        for c in text
    )


BUILDERS = (
    export_cases,
    id_cases,
    pii_cases,
    table_cases,
    xlsx_cases,
    parquet_cases,
    rubric_cases,
    config_cases,
    workbook_cases,
    model_cases,
    option_cases,
    output_cases,
    reading_cases,
)


# ---------------------------------------------------------------- running and judging
#: names of the files cases write as inputs: never judged as outputs
INPUTS = ("export.", "other.", "rubric.", "roster.", "ledger.", "in.", "data.")
#: click's words for a command line the CLI does not have: the case is wrong, not the CLI
USAGE_SLIPS = (
    "No such option",
    "Missing option",
    "Missing argument",
    "Got unexpected extra argument",
    "No such command",
)


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
                found += [
                    f"{path.name}: {c[:40]!r}"
                    for c in row
                    if c[:1] in ("=", "+", "@", "\t", "\r") or (c[:1] == "-" and not _number(c))
                ]
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
            result = CliRunner().invoke(qa, argv)
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


def judge(case_: Case, folder: Path, commands: list[list[str]], outcomes: list | None, timeout: float) -> str | None:
    """Why the case was not handled (naming the command that was not), or None."""
    if outcomes is None:
        return f"no answer within {timeout:g} s (hang, or killed by the memory limit)"
    for argv, (exit_code, output, error) in zip(commands, outcomes):
        said = _said(argv, folder)
        if error:
            return f"{said}: traceback: " + _raised(error)
        if "Traceback (most recent call last)" in output:
            return f"{said}: traceback in output: " + _raised(output.split("Traceback")[1])
        slip = next((s for s in USAGE_SLIPS if s in output), None)
        if slip:
            return f"{said}: the case's command is wrong ({slip}): it tries nothing"
        if exit_code not in (0, 1, 2):
            return f"{said}: exit code {exit_code}"
        if exit_code != 0 and not output.strip():
            return f"{said}: exit {exit_code} without a message"
    said, (last_exit, _, _) = _said(commands[len(outcomes) - 1], folder), outcomes[-1]
    output = "\n".join(o[1] for o in outcomes)
    if last_exit not in case_.codes:
        return f"{said}: exit {last_exit}, the rule says {'/'.join(map(str, case_.codes))}: {_tail(output)}"
    missing = [word for word in case_.expect if not any(w in output for w in word.split("|"))]
    if missing:
        return f"{said}: the output never names {'/'.join(missing)}: {_tail(output)}"
    if case_.must_say and not re.search(case_.must_say, output):
        return f"{said}: silent: the output never says /{case_.must_say}/ (garbled or dropped without a word?)"
    if case_.check is not None:
        try:
            read_right = case_.check(folder)
        except Exception as err:  # noqa: BLE001 - a check that cannot read the input reads it wrong
            read_right = False
            output = f"{type(err).__name__}: {err}"
        if not read_right:
            return f"{said}: read wrong (mojibake or U+FFFD in the texts)"
    if case_.planted:
        shown = output + _outputs_text(folder)
        leaked = [p for p in case_.planted if p in shown]
        if leaked:
            return f"{said}: personal data left unmasked: {leaked[0]!r}"
    formulas = _formula_cells(folder)
    if formulas:
        return f"{said}: formula-like CSV cell: {formulas[0]}"
    return None


def _said(argv: list[str], folder: Path) -> str:
    """The command as a user would type it, the case folder and shared root left out of paths."""
    words = [a.replace(f"{folder}/", "").replace(f"{folder.parent}/", "") for a in argv]
    return "qa " + " ".join(w if len(w) <= 60 and w.isprintable() and " " not in w else repr(w[:60]) for w in words)


def _raised(trace: str) -> str:
    """The exception line of a traceback (its last unindented line; notes after it are indented)."""
    lines = [line for line in trace.strip().splitlines() if line and not line[0].isspace()]
    return (lines[-1] if lines else trace.strip())[:200]


def _tail(output: str) -> str:
    return " ".join(output.split())[-200:]


def run_case(case_: Case, root: Path, timeout: float) -> tuple[str | None, float]:
    """(why not handled or None, seconds) of one case: a probe here, commands in a forked child."""
    start = time.monotonic()
    if case_.probe is not None:
        try:
            return case_.probe(), time.monotonic() - start
        except Exception as err:  # noqa: BLE001 - an error is a verdict
            return f"raised {type(err).__name__}: {err}", time.monotonic() - start
    folder = Path(tempfile.mkdtemp(prefix="case-", dir=root))
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
    verdict = judge(case_, folder, commands, outcomes, timeout)
    for path in folder.rglob("*"):  # a read-only case folder must still be removable
        if path.is_dir():
            path.chmod(0o700)
    shutil.rmtree(folder, ignore_errors=True)
    return verdict, time.monotonic() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--timeout", type=float, default=90, help="Seconds a case may take (default 90).")
    parser.add_argument("--only", default="", help="Comma-separated class prefixes, e.g. rubric,workbook,privacy.")
    parser.add_argument("--quick", action="store_true", help="Only the first case of each class.")
    parser.add_argument("--jobs", type=int, default=1, help="Cases run at a time (default 1).")
    parser.add_argument("-n", type=int, default=300, help="Output-safety probes per class (default 300).")
    parser.add_argument("--seed", type=int, default=1, help="Seed of the output-safety probes (default 1).")
    parser.add_argument("--list", action="store_true", help="List the cases and exit.")
    parser.add_argument("--json", type=Path, default=None, help="Also write every verdict to this file.")
    args = parser.parse_args(argv)

    CASES.clear()
    root = Path(tempfile.mkdtemp(prefix="qa-hostile-"))
    try:
        shared = Shared(root)
        only = [p for p in args.only.split(",") if p]
        if not only or not all(p.startswith("privacy") for p in only):  # the probes alone need no CLI cases
            for build in BUILDERS:
                build(shared)
        privacy_cases(args.n, args.seed)
        wanted = [c for c in CASES if not only or c.cls.startswith(tuple(only))]
        if args.quick:
            firsts: dict[str, Case] = {}
            for c in wanted:
                if not c.known:
                    firsts.setdefault(c.cls, c)
            wanted = list(firsts.values())
        if args.list:
            for c in wanted:
                print(f"{c.cls}: {c.name}" + (f"  [expected to fail: {c.known}]" if c.known else ""))
            through_cli = sum(c.make is not None for c in wanted)
            print(f"{len(wanted)} cases: {through_cli} through the CLI, {len(wanted) - through_cli} in process")
            return 0
        if any(c.make is not None for c in wanted):
            print("making the shared inputs (export, score folder, batch, workbook, model) ...", file=sys.stderr)
            shared.build()
        verdicts = _run_all(wanted, root, args.timeout, args.jobs)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    failed = _report(verdicts)
    if args.json:
        args.json.write_text(
            json.dumps(
                [
                    {
                        "class": c.cls,
                        "case": c.name,
                        "handled": v is None,
                        "why": v,
                        "expected_to_fail": c.known or None,
                        "seconds": round(s, 2),
                    }
                    for c, v, s in verdicts
                ],
                ensure_ascii=False,
                indent=2,
            ),
            encoding="utf-8",
        )
    return 1 if failed else 0


def _run_all(cases: list[Case], root: Path, timeout: float, jobs: int) -> list[tuple[Case, str | None, float]]:
    """Every case's verdict, CLI cases ``jobs`` at a time, each printed (to stderr) as it ends."""

    def one(c: Case) -> tuple[Case, str | None, float]:
        verdict, seconds = run_case(c, root, timeout)
        if c.make is not None or verdict is not None:
            print(
                f"{'ok  ' if verdict is None else 'FAIL'} {seconds:6.1f}s {c.cls}: {c.name}"
                + (f" -- {verdict}" if verdict else ""),
                file=sys.stderr,
                flush=True,
            )
        return c, verdict, seconds

    if jobs <= 1:
        return [one(c) for c in cases]
    with ThreadPoolExecutor(jobs) as pool:
        return list(pool.map(one, cases))


def _report(verdicts: list[tuple[Case, str | None, float]]) -> int:
    """Print tried / handled, per class, and each unhandled case with its command and what
    happened; returns how many were not handled and not expected to fail."""
    handled = sum(v is None for _, v, _ in verdicts)
    print(f"\ntried {len(verdicts)}, handled {handled}, not handled {len(verdicts) - handled}")
    per_class = Counter(c.cls for c, _, _ in verdicts)
    failed, expected, fixed = defaultdict(list), [], []
    for c, v, _ in verdicts:
        if v is not None and c.known:
            expected.append((c, v))
        elif v is not None:
            failed[c.cls].append((c.name, v))
        elif c.known:
            fixed.append(c)
    not_handled = Counter(c.cls for c, v, _ in verdicts if v is not None)
    for cls in sorted(per_class):
        print(f"  {cls:<32} {per_class[cls] - not_handled[cls]:>5} / {per_class[cls]:<5} handled")
    for cls, items in sorted(failed.items()):
        print(f"\nnot handled: {cls}")
        for name, verdict in items:
            print(f"  {name}\n      {verdict}")
    if expected:
        print("\nnot handled, expected to fail for now:")
        for c, verdict in expected:
            print(f"  {c.cls}: {c.name} ({c.known})\n      {verdict}")
    for c in fixed:
        print(f"now handled, no longer expected to fail: {c.cls}: {c.name}")
    return sum(len(items) for items in failed.values())


if __name__ == "__main__":
    raise SystemExit(main())
