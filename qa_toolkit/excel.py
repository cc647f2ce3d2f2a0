"""Writing untrusted text into openpyxl cells safely (shared by grading workbooks and reports).

Customer text that starts with ``=``, ``+``, ``-``, ``@``, TAB, CR or LF would become a live
formula (CSV/formula injection); we store it as a string with Excel's quote prefix, which
keeps the text exactly and shows no visible apostrophe. Control characters that openpyxl
refuses are replaced, and text is capped at Excel's 32,767 characters per cell.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
MAX_CELL_CHARS = 32_767
_TRUNCATED = "…[truncated]"


def safe_value(value: Any) -> Any:
    """A value openpyxl can store: text cleaned and capped, missing values as None, aware
    datetimes made naive (Excel has no time zones), numpy scalars as Python numbers."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy / pandas scalars
        try:
            value = value.item()
        except (ValueError, AttributeError):
            pass
    try:
        import pandas as pd

        if value is pd.NaT or (not isinstance(value, (str, list, dict)) and pd.isna(value)):
            return None
        if isinstance(value, pd.Timestamp):
            value = value.to_pydatetime()
    except (TypeError, ValueError):
        pass
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    if isinstance(value, (list, tuple)):
        value = "|".join(map(str, value))
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
        if len(value) > MAX_CELL_CHARS:
            value = value[: MAX_CELL_CHARS - len(_TRUNCATED)] + _TRUNCATED
    return value


def write_cell(ws: Worksheet, row: int, col: int, value: Any) -> Cell:
    """Write ``value`` into ``ws`` at (row, col) so that no text ever becomes a formula."""
    value = safe_value(value)
    cell = ws.cell(row=row, column=col)
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell
