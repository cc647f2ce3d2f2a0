"""Benchmark full-coverage scoring on one generated file: the JSONL parse ceiling (orjson, 1
and N processes), a naive single-process loop (the reference an analyst writes by hand), and
the engine with 1 and N workers on JSONL and Parquet. Every measurement runs in its own
subprocess, which reports its wall time and peak RSS (its own and its workers').

    python benchmarks/bench_score.py -n 100000 --workers 2

Generated data is cached under benchmarks/.cache/ (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from multiprocessing import Pool
from pathlib import Path

import orjson

CACHE = Path(__file__).resolve().parent / ".cache"


# -- data ------------------------------------------------------------------------------------


def data_folder(n: int, seed: int, distinct: bool) -> Path:
    return CACHE / (f"n{n}-s{seed}" + ("-distinct" if distinct else ""))


def ensure_data(n: int, seed: int, distinct: bool = False) -> Path:
    """JSONL + Parquet of ``n`` synthetic conversations (cached), with meta.json counts.
    ``distinct``: every message text made unique (a letter tag appended), the worst case for
    the engine's once-per-distinct-text work — generated texts repeat like template replies."""
    folder = data_folder(n, seed, distinct)
    if (folder / "meta.json").exists():
        return folder
    from datetime import date

    from qa_toolkit.synth import iter_records, make_agents
    from qa_toolkit.synth.writers import write_synth

    start = "2026-09-07"
    print(f"generating {n} conversations into {folder} ...", file=sys.stderr)
    records = iter_records(n, seed, start, 8, 30)
    write_synth(
        folder,
        _distinct_texts(records) if distinct else records,
        make_agents(30, seed, date.fromisoformat(start)),
        formats=("jsonl", "parquet"),
    )
    conversations = messages = 0
    with (folder / "conversations.jsonl").open("rb") as fh:  # streamed: 10^6 conversations are 1.5 GB
        for line in fh:
            conversations += 1
            messages += len(orjson.loads(line)["messages"])
    (folder / "meta.json").write_text(json.dumps({"conversations": conversations, "messages": messages}))
    return folder


def _distinct_texts(records):
    """Each message text with a unique tag of letters (no digits: nothing for the PII search)."""
    number = 0
    for record in records:
        for message in record["messages"]:
            tag, k = "", number
            while True:
                tag, k = "abcdefghijklmnopqrstuvwxyz"[k % 26] + tag, k // 26
                if not k:
                    break
            message["text"] = f"{message['text']} {tag}"
            number += 1
        yield record


def byte_ranges(path: Path, n: int) -> list[tuple[str, int, int | None]]:
    """``n`` line-aligned byte ranges of a file."""
    size = path.stat().st_size
    cuts = [0]
    with path.open("rb") as fh:
        for i in range(1, n):
            fh.seek(size * i // n)
            fh.readline()
            cuts.append(fh.tell())
    cuts.append(size)
    return [(str(path), a, b) for a, b in zip(cuts, cuts[1:])]


def lines(path: str, start: int, end: int | None):
    with open(path, "rb") as fh:
        fh.seek(start)
        data = fh.read() if end is None else fh.read(end - start)
    return data.splitlines()


# -- measurements (each runs in a child process) -----------------------------------------------


def parse_range(span: tuple[str, int, int | None]) -> tuple[int, int]:
    """(conversations, messages) parsed with orjson: the ceiling of any JSONL scorer."""
    conversations = messages = 0
    for line in lines(*span):
        record = orjson.loads(line)
        conversations += 1
        messages += len(record["messages"])
    return conversations, messages


def measure_parse(folder: Path, workers: int) -> int:
    path = folder / "conversations.jsonl"
    if workers == 1:
        return parse_range((str(path), 0, None))[0]
    with Pool(workers) as pool:
        return sum(c for c, _ in pool.map(parse_range, byte_ranges(path, workers)))


def naive_criteria(rubric) -> list[tuple[str, str | None, re.Pattern]]:
    """(criterion id, role or None for any, compiled regex) for every phrase/regex criterion:
    one alternation per phrase list, as a hand-written loop would do."""
    from qa_toolkit.rubric.checks import get
    from qa_toolkit.rubric.checks._detector import compiled

    out = []
    for _, c in rubric.criteria:
        check, t = c.check, c.check.type
        if t == "keywords":
            out.append(
                (
                    c.id,
                    None if check.role == "any" else check.role,
                    re.compile("|".join(map(re.escape, check.phrases)), re.I),
                )
            )
        elif hasattr(get(t), "DETECTOR"):  # a built-in detector: its own pattern, as configured
            out.append(
                (c.id, None if check.role == "any" else check.role, re.compile(compiled(check, get(t).DETECTOR)[0]))
            )
        elif t == "regex":
            out.append((c.id, None if check.role == "any" else check.role, re.compile(check.pattern)))
        elif t == "context":
            out.append((c.id + ":trigger", check.trigger_role, re.compile("|".join(map(re.escape, check.trigger)))))
            out.append((c.id, "agent", re.compile("|".join(map(re.escape, check.phrases)))))
    return out


def measure_naive(folder: Path, rubric_path: str) -> int:
    """Parse each conversation, ``re.search`` each criterion's regex over its role's messages."""
    from qa_toolkit.rubric import load_rubric

    rubric, _ = load_rubric(rubric_path)
    criteria = naive_criteria(rubric)
    n = hits = 0
    for line in lines(str(folder / "conversations.jsonl"), 0, None):
        record = orjson.loads(line)
        msgs = record["messages"]
        for _, role, pattern in criteria:
            search = pattern.search
            hits += any(search(m["text"]) for m in msgs if role is None or m["role"] == role)
        n += 1
    return n


def measure_engine(folder: Path, rubric_path: str, fmt: str, workers: int, chunk_size: int) -> int:
    from qa_toolkit.engine import ScoreJob, score_file

    out = Path(tempfile.mkdtemp(prefix="bench-", dir=CACHE))
    try:
        path = folder / f"conversations.{fmt}"
        size = chunk_size if fmt == "jsonl" else chunk_size * 12  # table chunks count rows (messages)
        run = score_file(path, ScoreJob(rubric_path, str(out)), workers=workers, chunk_size=size)
        return run.summary["conversations"]
    finally:
        shutil.rmtree(out, ignore_errors=True)


def measure_dask(folder: Path, rubric_path: str, workers: int) -> int:
    from qa_toolkit.engine import ScoreJob
    from qa_toolkit.engine.dask import score_dask

    out = Path(tempfile.mkdtemp(prefix="bench-", dir=CACHE))
    try:
        run = score_dask(folder / "conversations.parquet", ScoreJob(rubric_path, str(out)), workers=workers)
        return run.summary["conversations"]
    finally:
        shutil.rmtree(out, ignore_errors=True)


def child(args: argparse.Namespace) -> None:
    """Run one measurement; print JSON with seconds, conversations and peak RSS (MB)."""
    folder, kind = Path(args.data), args.measure
    start = time.perf_counter()
    if kind == "generate":
        n = 0
        ensure_data(args.n, args.seed, args.distinct_texts)
    elif kind == "parse":
        n = measure_parse(folder, args.workers)
    elif kind == "naive":
        n = measure_naive(folder, args.rubric)
    elif kind == "dask":
        n = measure_dask(folder, args.rubric, args.workers)
    else:
        n = measure_engine(folder, args.rubric, kind, args.workers, args.chunk_size)
    seconds = time.perf_counter() - start
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu_seconds": cpu,
                "conversations": n,
                "rss_main": own.ru_maxrss / 1024,
                "rss_worker": kids.ru_maxrss / 1024,
            }
        )
    )


# -- driver ------------------------------------------------------------------------------------


def run_child(folder: Path, kind: str, workers: int, args: argparse.Namespace) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--measure",
        kind,
        "--data",
        str(folder),
        "--workers",
        str(workers),
        "--rubric",
        args.rubric,
        "--chunk-size",
        str(args.chunk_size),
        "-n",
        str(args.n),
        "--seed",
        str(args.seed),
    ]
    cmd += ["--distinct-texts"] if args.distinct_texts else []
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=100000, help="conversations to generate (cached)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--chunk-size", type=int, default=10000, help="conversations (JSONL lines) per engine task")
    parser.add_argument(
        "--only", default=None, help="comma-separated measurements to run (parse,naive,jsonl,parquet,dask); default all"
    )
    parser.add_argument("--rubric", default=None, help="rubric YAML (default: the shipped Chinese rubric)")
    parser.add_argument("--dask", action="store_true", help="also time --engine dask on a LocalCluster")
    parser.add_argument(
        "--distinct-texts",
        action="store_true",
        help="make every message text unique (the worst case: generated texts repeat)",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the rows as JSON here")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rubric is None:
        from qa_toolkit.resources import default_rubric  # light: no pandas

        args.rubric = str(default_rubric())
    if args.measure:
        child(args)
        return
    # The driver stays small (stdlib + orjson) and forks nothing big: Linux carries a parent's
    # peak RSS into a forked child's ru_maxrss, so even generating the data is a child.
    folder = data_folder(args.n, args.seed, args.distinct_texts)
    run_child(folder, "generate", 1, args)
    meta = json.loads((folder / "meta.json").read_text())
    n_w = args.workers
    plan = [
        ("parse ceiling (orjson)", "parse", 1),
        (f"parse ceiling (orjson) x{n_w}", "parse", n_w),
        ("naive loop (re.search)", "naive", 1),
        ("engine JSONL", "jsonl", 1),
        (f"engine JSONL x{n_w}", "jsonl", n_w),
        ("engine Parquet", "parquet", 1),
        (f"engine Parquet x{n_w}", "parquet", n_w),
    ]
    if args.dask:
        plan.append((f"engine Dask Parquet x{n_w}", "dask", n_w))
    if args.only:
        plan = [p for p in plan if p[1] in args.only.split(",")]
    rows = []
    for label, kind, workers in plan:
        print(f"measuring {label} ...", file=sys.stderr)
        r = run_child(folder, kind, workers, args)
        rows.append(
            {
                "label": label,
                "kind": kind,
                "workers": workers,
                **r,
                "conv_s": meta["conversations"] / r["seconds"],
                "msg_s": meta["messages"] / r["seconds"],
            }
        )
    print_table(rows, meta, n_w)
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "rows": rows}, indent=2))


def print_table(rows: list[dict], meta: dict, n_w: int) -> None:
    by = {(r["kind"], r["workers"]): r for r in rows}
    nan = float("nan")
    naive = by[("naive", 1)]["conv_s"] if ("naive", 1) in by else nan
    ceiling = {w: by[("parse", w)]["conv_s"] if ("parse", w) in by else nan for w in (1, n_w)}
    print(f"\n{meta['conversations']} conversations, {meta['messages']} messages, {os.cpu_count()} CPUs\n")
    print(
        f"| {'measurement':<28} | {'seconds':>7} | {'CPU s':>7} | {'conv/s':>9} | {'msg/s':>10} "
        f"| {'conv/CPU-s':>10} | {'RSS main MB':>11} | {'RSS worker MB':>13} | {'vs naive':>8} | {'vs ceiling':>10} |"
    )
    print(
        f"|{'-' * 30}|{'-' * 8}:|{'-' * 8}:|{'-' * 10}:|{'-' * 11}:|{'-' * 11}:|{'-' * 12}:|{'-' * 14}:|"
        f"{'-' * 9}:|{'-' * 11}:|"
    )
    for r in rows:
        vs_ceiling = r["conv_s"] / ceiling.get(r["workers"], ceiling[1])
        worker = f"{r['rss_worker']:.0f}" if r["workers"] > 1 else "-"
        per_cpu = meta["conversations"] / r["cpu_seconds"]
        print(
            f"| {r['label']:<28} | {r['seconds']:>7.2f} | {r['cpu_seconds']:>7.2f} | {r['conv_s']:>9,.0f} "
            f"| {r['msg_s']:>10,.0f} | {per_cpu:>10,.0f} | {r['rss_main']:>11.0f} | {worker:>13} "
            f"| {r['conv_s'] / naive:>7.2f}x | {vs_ceiling:>9.0%} |"
        )
    print(
        "\nvs ceiling: against the orjson parse rate with the same number of processes. CPU s: user + system\n"
        "time of the measurement's processes; conv/CPU-s does not depend on what else the machine runs."
    )


if __name__ == "__main__":
    main()
