"""Two pieces of the SCORES arithmetic as plain rules: a section's sum per conversation is the
sum of its criteria's points (a missing value counts nothing; no points: 0), compared as values
with a tolerance for the order of summation; a total's band is the band with the highest
minimum at or below it (among equal minimums the one listed last), none for a missing total
or one below every band."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from spec_settings import SPEC

from qa_toolkit.rubric.schema import Rubric
from qa_toolkit.scoring.points import _bands, _cell_sums


def spec_cell_sums(values, cell, size):
    """Per cell 0..size-1, the sum of its values, missing ones skipped."""
    return [math.fsum(v for v, c in zip(values, cell) if c == k and not math.isnan(v)) for k in range(size)]


def spec_band(total, bands):
    """The name of ``total``'s band, or None."""
    if total is None or math.isnan(total):
        return None
    reached = [(b["min"], i) for i, b in enumerate(bands) if b["min"] <= total]
    return bands[max(reached)[1]]["name"] if reached else None


def rubric_with(bands):
    return Rubric.model_validate(
        {
            "id": "r",
            "version": "1",
            "name": "评分",
            "language": "zh",
            "bands": bands,
            "sections": [
                {
                    "id": "s",
                    "name": "s",
                    "weight": 1,
                    "criteria": [
                        {"id": "c", "name": "问候", "points": 10, "check": {"type": "keywords", "phrases": ["您好"]}}
                    ],
                }
            ],
        }
    )


@SPEC
@given(
    st.lists(
        st.tuples(st.sampled_from([0.1, 2.5, -3.0, 1e16, -1e16, 1 / 3, -0.0, 0.0, 7.0, math.nan]), st.integers(0, 30)),
        max_size=300,
    ),
    st.booleans(),
)
def test_cell_sums_are_the_specified_sums(pairs, runs):
    if runs:  # cells in runs, as scoring lays them out
        pairs = sorted(pairs, key=lambda p: p[1])
    values = np.array([v for v, _ in pairs], dtype="float64")
    cell = np.array([c for _, c in pairs], dtype=np.int64)
    got, want = _cell_sums(values, cell, 34), spec_cell_sums(values.tolist(), cell.tolist(), 34)
    slack = len(pairs) * 2e16 * np.finfo(float).eps  # summation order with ±1e16 among the values
    np.testing.assert_allclose(got, want, rtol=0, atol=slack)


def test_cell_sums_of_nothing_are_zero():
    assert _cell_sums(np.zeros(0), np.zeros(0, dtype=np.int64), 3).tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    "bands",
    [
        [
            {"name": "优秀", "min": 90},
            {"name": "良好", "min": 75},
            {"name": "合格", "min": 60},
            {"name": "不合格", "min": 0},
        ],
        [{"name": "pass", "min": 60}, {"name": "same", "min": 60}, {"name": "low", "min": 10}],  # equal minimums
        [{"name": "top", "min": 50}],  # totals below every band
    ],
)
def test_bands_are_the_specified_bands(bands):
    total = pd.Series([np.nan, 0.0, 9.9999, 10.0, 59.99, 60.0, 75.0, 89.9999, 90.0, 100.0, -1.0], index=range(5, 16))
    got = _bands(total, rubric_with(bands))
    assert got.index.tolist() == total.index.tolist() and str(got.dtype) == "string"
    assert [None if pd.isna(b) else b for b in got.tolist()] == [spec_band(t, bands) for t in total.tolist()]
    assert _bands(total.iloc[:0], rubric_with(bands)).empty
