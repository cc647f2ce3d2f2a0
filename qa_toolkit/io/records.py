"""In-memory JSONL-shaped records → a Dataset, by the rules every reader applies."""

from __future__ import annotations

from collections.abc import Iterable

from qa_toolkit.frames import DEFAULT_TZ, Dataset
from qa_toolkit.io.columnar import add_records
from qa_toolkit.io.validate import FrameBuilder


def conversations_from_records(records: Iterable[dict], tz: str = DEFAULT_TZ, source: str = "<memory>") -> Dataset:
    """Build conformed CONVERSATIONS and MESSAGES frames from JSONL-shaped dicts, validating
    each one as the JSONL reader does (``line`` in problems is the record's 1-based position)."""
    builder = FrameBuilder(tz, source)
    records = list(records)
    add_records(builder, records, list(range(1, len(records) + 1)))
    return builder.take()
