"""CPU seconds (user+sys) of ``read_conversations`` on one export, and a digest of what it read
(values, dtypes, problems), to compare checkouts: ``python benchmarks/bench_read.py EXPORT`` with
each checkout's venv, old and new alternated (see docs/reading.md)."""

from __future__ import annotations

import hashlib
import resource
import sys

import pandas as pd

from qa_toolkit.io import read_conversations


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def digest(dataset) -> str:
    """What was read, as 16 hex digits: frames' values, columns and dtypes, and the problems."""
    h = hashlib.sha256()
    for frame in (dataset.conversations, dataset.messages):
        h.update(pd.util.hash_pandas_object(frame.astype(str), index=True).values.tobytes())
        h.update(str(list(frame.dtypes)).encode())
    h.update(repr([(p.line, p.field, p.code, p.message) for p in dataset.log.problems]).encode())
    return h.hexdigest()[:16]


def main(path: str) -> None:
    start = cpu_seconds()
    dataset = read_conversations(path)
    cpu = cpu_seconds() - start
    print(
        f"{path} cpu={cpu:.2f}s conv={len(dataset.conversations)} msgs={len(dataset.messages)} digest={digest(dataset)}"
    )


if __name__ == "__main__":
    main(sys.argv[1])
