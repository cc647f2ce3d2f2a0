"""One rule for "no value" (qa_toolkit.missing): None, NaN, pandas NA/NaT and blank text —
the same for a scalar and a whole column, and the one the readers, the reports and risk label
expressions use."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from qa_toolkit.io import validate
from qa_toolkit.missing import is_missing, missing_mask
from qa_toolkit.report import view
from qa_toolkit.risk import parse_label

MISSING = [None, float("nan"), pd.NA, pd.NaT, "", "   ", "\t\n", np.float64("nan")]
PRESENT = ["a", " a ", 0, 0.0, False, -1, "0", "nan", pd.Timestamp("2026-01-01"), math.inf]


@pytest.mark.parametrize("value", MISSING)
def test_no_value(value):
    assert is_missing(value)


@pytest.mark.parametrize("value", PRESENT)
def test_a_value(value):
    assert not is_missing(value)


@pytest.mark.parametrize("dtype", [object, "string", "str"])
def test_a_column_follows_the_scalar_rule(dtype):
    texts = pd.Series(["a", "", "  ", None, " b"], dtype=dtype)
    assert missing_mask(texts).tolist() == [is_missing(v) for v in ["a", "", "  ", None, " b"]]


def test_numbers_and_mixed_objects_follow_the_scalar_rule():
    mixed = pd.Series([1, None, "", float("nan"), "x", pd.NA], dtype=object)
    assert missing_mask(mixed).tolist() == [False, True, True, True, False, True]
    numbers = pd.Series([1, None, 3], dtype="Int64")
    assert missing_mask(numbers).tolist() == [False, True, False]


def test_readers_and_reports_share_the_rule():
    assert validate.is_missing is is_missing
    assert view.is_missing is is_missing


def test_a_blank_field_is_no_label():
    conversations = pd.DataFrame(
        {"conversation_id": ["a", "b", "c"], "complaint_type": pd.array(["refund", "  ", None], dtype="string")}
    )
    result = parse_label('complaint_type == "refund"').evaluate(conversations)
    assert result.known.tolist() == [True, False, False]
