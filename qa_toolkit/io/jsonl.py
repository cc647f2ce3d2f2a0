"""JSONL reader: one conversation object per line, streamed line by line."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import orjson

from qa_toolkit.io.columnar import add_records
from qa_toolkit.io.validate import FrameBuilder
from qa_toolkit.problems import Problem


def iter_jsonl(path: Path, builder: FrameBuilder, encoding: str, chunk_size: int,
               progress: Callable[[int], None] | None) -> Iterator:
    """Feed each line's object to ``builder`` (a chunk at a time, through ``columnar.add_records``);
    yield a Dataset every ``chunk_size`` records."""
    utf8 = encoding in ("utf-8", "utf-8-sig")
    pending = 0
    records: list = []
    lines: list[int] = []
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if progress:
                progress(len(raw))
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            ended = raw.endswith(b"\n")
            raw = raw.rstrip(b"\r\n")
            if not raw.strip():
                continue
            try:
                record = orjson.loads(raw if utf8 else raw.decode(encoding))
            except (orjson.JSONDecodeError, UnicodeDecodeError) as err:
                add_records(builder, records, lines)  # the records before it first: problems stay in line order
                records, lines = [], []
                builder.log.records_read += 1
                builder.log.records_skipped += 1
                reason = getattr(err, "msg", str(err))
                truncated = not ended or "unexpected end" in reason
                what = "truncated line (the JSON ends early)" if truncated else "invalid JSON"
                builder.log.add(Problem(str(path), f"{what}: {reason}", line=number, col=getattr(err, "colno", None),
                                        code="truncated_line" if truncated else "invalid_json"))
            else:
                records.append(record)
                lines.append(number)
            pending += 1
            if pending >= chunk_size:
                add_records(builder, records, lines)
                records, lines = [], []
                yield builder.take()
                pending = 0
    add_records(builder, records, lines)
    yield builder.take()
