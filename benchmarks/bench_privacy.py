"""Benchmark personal-data masking on the message texts of one generated (or given) JSONL file:
the RE2 pre-filter alone, ``mask_series`` over every message (what reports and evidence masking
run), ``find_first_pii`` with the pii check's default kinds, and ``mask_text`` on every distinct
text (the Python search, no pre-filter). Remembered searches are forgotten before each step.

    python benchmarks/bench_privacy.py -n 20000            # generated with `qa data synth`, seed 11
    python benchmarks/bench_privacy.py --data conversations.jsonl --distinct

``--distinct`` appends a letter tag to every text (no digits: nothing for the search), the
worst case for the once-per-distinct-text work.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from qa_toolkit import privacy

CHECK_KINDS = ("mobile", "id_number", "bank_card", "email")  # the pii check's default kinds


def texts_of(path: Path, distinct: bool) -> pd.Series:
    """Every message text of a JSONL export, in order (a letter tag appended if ``distinct``)."""
    texts = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            texts.extend(str(m.get("text") or "") for m in json.loads(line)["messages"])
    if distinct:
        texts = [f"{t} {_tag(i)}" for i, t in enumerate(texts)]
    return pd.Series(texts, dtype="string[pyarrow]")


def _tag(number: int) -> str:
    tag = ""
    while True:
        tag, number = "abcdefghijklmnopqrstuvwxyz"[number % 26] + tag, number // 26
        if not number:
            return tag


def timed(label: str, megabytes: float, step) -> object:
    """Run ``step`` once; print its wall and CPU time (CPU: this process only, steadier on a
    shared machine) and the CPU throughput."""
    privacy._remembered.cache_clear()
    wall, cpu = time.perf_counter(), time.process_time()
    out = step()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label:<48} {wall:6.2f} s wall {cpu:6.2f} s CPU {megabytes / cpu:7.1f} MB/s")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, help="A JSONL export (default: generate one)")
    parser.add_argument("-n", type=int, default=20000, help="conversations to generate")
    parser.add_argument("--distinct", action="store_true", help="make every text distinct")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.data
        if path is None:
            from qa_toolkit.synth import iter_records, make_agents
            from qa_toolkit.synth.writers import write_synth

            write_synth(
                Path(tmp),
                iter_records(args.n, 11, "2026-09-07", 8, 30),
                make_agents(30, 11, date(2026, 9, 7)),
                formats=("jsonl",),
            )
            path = Path(tmp) / "conversations.jsonl"
        texts = texts_of(path, args.distinct)
    distinct = texts.drop_duplicates()
    megabytes = sum(len(t.encode()) for t in texts) / 1e6
    distinct_mb = sum(len(t.encode()) for t in distinct) / 1e6
    print(f"{len(texts):,} messages ({megabytes:.1f} MB), {len(distinct):,} distinct ({distinct_mb:.1f} MB)")
    kept = timed(
        "pre-filter (RE2), distinct texts",
        distinct_mb,
        lambda: pc.match_substring_regex(pa.array(distinct.array), privacy.may_hold_pattern()),
    )
    print(f"  kept by the pre-filter: {pc.sum(kept).as_py():,}")
    masked = timed("mask_series, every message", megabytes, lambda: privacy.mask_series(texts))
    print(f"  messages changed: {int((masked != texts).sum()):,}")
    timed("find_first_pii (check kinds), every message", megabytes, lambda: privacy.find_first_pii(texts, CHECK_KINDS))
    timed(
        "mask_text, every distinct text (no pre-filter)",
        distinct_mb,
        lambda: [privacy.mask_text(t) for t in distinct.tolist()],
    )


if __name__ == "__main__":
    main()
