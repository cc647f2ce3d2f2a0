"""A grades.csv as `qa grade import` writes it (through ``csv_safe``) reads back in `qa report --grades`."""

import pandas as pd

from qa_toolkit.excel import csv_safe
from qa_toolkit.review.calibration import read_grades
from qa_toolkit.review.importer import GRADES


def test_negative_zero_points_quoted_by_csv_safe_read_back_as_numbers(tmp_path):
    row = {
        "grader": "Lee",
        "graded_on": "2026-11-20",
        "conversation_id": "c1",
        "criterion_id": "complaint_risk",
        "auto_outcome": "na",
        "human_outcome": "na",
        "points": "-0.0",
        "max_points": "0.0",
        "total": "90",
        "comment": "-ok",
    }
    path = tmp_path / "grades.csv"
    csv_safe(pd.DataFrame([row], columns=[c for c in GRADES if c in row])).to_csv(
        path, index=False, encoding="utf-8-sig"
    )
    assert "'-0.0" in path.read_text(encoding="utf-8-sig")
    grades = read_grades(path)
    assert grades.loc[0, "points"] == 0.0 and grades.loc[0, "comment"] == "-ok"
