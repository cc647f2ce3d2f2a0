"""``concat_datasets``: Datasets read in pieces (a file's chunks, a chunk's runs of lines) as one,
the same whatever the cut."""

from __future__ import annotations

import pandas as pd

from qa_toolkit.frames import CONVERSATIONS, MESSAGES, Dataset
from qa_toolkit.io.validate import typed_extras
from qa_toolkit.problems import ProblemLog


def concat_datasets(parts: list[Dataset]) -> Dataset:
    """One Dataset from chunks: frames concatenated, logs merged."""
    log = ProblemLog()
    for part in parts:
        log.merge(part.log)
    frames = []
    for attr, contract in (("conversations", CONVERSATIONS), ("messages", MESSAGES)):
        parts_ = [getattr(p, attr) for p in parts if len(getattr(p, attr))] or [getattr(parts[0], attr)]
        frames.append(typed_extras(pd.concat(parts_, ignore_index=True), contract))  # chunks are conformed already
    return Dataset(frames[0], frames[1], log, parts[0].roster)
