"""Python's cycle collector kept out of the way of bulk work. Reading, scoring, reports and
workbooks make 10^5 small objects that form no cycles (parsed JSON, cells, rows, template
output), yet every collection walks every object alive, the imported modules included:
measured, a third of reading JSONL, a fifth of writing a workbook or the report's pages."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: Whether a ``frozen_heap`` block of this process is open. Asking the collector instead
#: (``gc.get_freeze_count``) walks every frozen object: ~10 ms once a test process's heap is frozen.
_holding = False


@contextmanager
def paused() -> Iterator[None]:
    """The collector off inside the block (left as it was found: a caller may have paused it
    already). Never hold it across a ``yield`` of a generator the caller drives."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Everything alive at the start (the modules, compiled rubrics, the data read so far) frozen
    out of the collector's scans until the block ends, so collections scan only what the block
    makes; left alone when the process froze its own heap already (a worker)."""
    global _holding
    if _holding or gc.get_freeze_count():
        yield
        return
    gc.freeze()
    _holding = True
    try:
        yield
    finally:
        _holding = False
        gc.unfreeze()


def join_frozen_heap() -> None:
    """What is alive now, garbage included, frozen with the heap a caller froze (``frozen_heap``)
    until that block ends; nothing when no heap is frozen (a library caller keeps its
    collections). For a command's last bulk step: a report leaves ~170,000 objects in reference
    cycles (a workbook's sheets and cells), which the collector would walk and free once more,
    ~0.06 CPU s, right before the command exits without freeing anything."""
    if _holding or gc.get_freeze_count():
        gc.freeze()
