"""The SCORES arithmetic's two rewritten pieces equal what they replace (frozen copies below):
section sums per conversation × section as pandas' groupby sum gave them, and the band as
the chain of ``mask`` calls gave it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qa_toolkit.rubric.model import Rubric
from qa_toolkit.scoring import _bands, _cell_sums


def old_cell_sums(values, cell, size):
    sums = pd.Series(values).groupby(cell).sum()
    out = np.zeros(size)
    out[sums.index.to_numpy()] = sums.to_numpy()
    return out


def old_bands(total, rubric):
    band = pd.Series(pd.NA, index=total.index, dtype="string")
    for b in sorted(rubric.bands, key=lambda b: b.min):
        band = band.mask(total >= b.min, b.name)
    return band


def rubric_with(bands):
    return Rubric.model_validate({
        "id": "r", "version": "1", "name": "评分", "language": "zh", "bands": bands,
        "sections": [{"id": "s", "name": "s", "weight": 1, "criteria": [
            {"id": "c", "name": "问候", "points": 10, "check": {"type": "keywords", "phrases": ["您好"]}}]}],
    })


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("layout", ["runs", "shuffled", "with nan", "gaps"])
def test_cell_sums_equal_pandas_group_sums(seed, layout):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 20, size=200)  # runs long enough for numpy's unrolled summation
    cell = np.repeat(np.arange(len(sizes)) * (3 if layout == "gaps" else 1), sizes)
    values = rng.choice([0.1, 2.5, -3.0, 1e16, -1e16, 1 / 3, -0.0, 0.0, 7.0], size=len(cell))
    if layout == "shuffled":
        cell = rng.permutation(cell)
    if layout == "with nan":
        values[rng.integers(0, len(values), 5)] = np.nan
    size = int(cell.max()) + 4
    got, want = _cell_sums(values, cell, size), old_cell_sums(values, cell, size)
    assert got.tobytes() == want.tobytes()  # bit for bit, -0.0 included


def test_cell_sums_of_nothing_are_zero():
    assert _cell_sums(np.zeros(0), np.zeros(0, dtype=np.int64), 3).tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("bands", [
    [{"name": "优秀", "min": 90}, {"name": "良好", "min": 75}, {"name": "合格", "min": 60}, {"name": "不合格", "min": 0}],
    [{"name": "pass", "min": 60}, {"name": "same", "min": 60}, {"name": "low", "min": 10}],  # equal minimums
    [{"name": "top", "min": 50}],  # totals below every band
])
def test_bands_equal_the_masks(bands):
    total = pd.Series([np.nan, 0.0, 9.9999, 10.0, 59.99, 60.0, 75.0, 89.9999, 90.0, 100.0, -1.0], index=range(5, 16))
    rubric = rubric_with(bands)
    pd.testing.assert_series_equal(_bands(total, rubric), old_bands(total, rubric))
    pd.testing.assert_series_equal(_bands(total.iloc[:0], rubric), old_bands(total.iloc[:0], rubric))
