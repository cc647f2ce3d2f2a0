"""Which of a chunk's distinct texts some messages use: the marking both the chunk
(``checks._base``) and the matcher (``matching``) need, kept below both."""

from __future__ import annotations

import numpy as np


def marked_texts(codes: np.ndarray, rows: np.ndarray, n_texts: int) -> np.ndarray:
    """Per distinct text (``codes``: each message's number into them): whether a message at
    ``rows`` (row numbers or a mask) has it, by marking instead of sorting every message."""
    used = np.zeros(n_texts, dtype=bool)
    used[codes[rows]] = True
    return used


def used_texts(codes: np.ndarray, rows: np.ndarray, n_texts: int) -> np.ndarray:
    """The distinct-text numbers (ascending, as ``np.unique(codes[rows])``) of the messages at
    ``rows`` (row numbers or a mask): ``marked_texts``' numbers."""
    return np.flatnonzero(marked_texts(codes, rows, n_texts))
