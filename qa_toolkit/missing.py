"""What "no value" means, one rule for the whole package: None, NaN, pandas NA/NaT and blank
(empty or whitespace-only) text. Readers, reports and label expressions all ask here, so a cell
that is blank in one place is never a value in another."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def is_missing(value: object) -> bool:
    """Whether one value is no value: None, NaN, pandas NA/NaT or blank text."""
    if isinstance(value, str):
        return not value.strip()
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def missing_mask(values: pd.Series) -> np.ndarray:
    """``is_missing`` for every value of a column at once (text columns vectorised)."""
    if values.dtype == object:
        return values.map(is_missing).to_numpy(dtype=bool)
    if pd.api.types.is_string_dtype(values.dtype):
        return (values.isna() | values.str.strip().eq("")).to_numpy(dtype=bool, na_value=True)
    return values.isna().to_numpy(dtype=bool)
