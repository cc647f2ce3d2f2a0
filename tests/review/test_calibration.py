"""Calibration statistics against values computed by hand on small fixtures."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from qa_toolkit.problems import InputError
from qa_toolkit.review.calibration import calibrate, read_grades


def grades_frame(rows) -> pd.DataFrame:
    """rows: (grader, conversation, criterion, auto_outcome, human_outcome, points, total)."""
    df = pd.DataFrame(
        rows, columns=["grader", "conversation_id", "criterion_id", "auto_outcome", "human_outcome", "points", "total"]
    )
    return df.astype({"points": "float64", "total": "float64"})


# Two graders, four conversations. Criterion "greet" (binary, 10 points):
#   甲: pass pass fail fail ; 乙: pass fail fail fail
# Criterion "empathy" (3-point: 10 / 5 / 0): 甲: 10 5 0 na ; 乙: 10 5 5 na
# Totals: 甲 80 90 70 50 ; 乙 80 100 60 50
P, F = ("pass", 10.0), ("fail", 0.0)
HUMAN = {
    "甲": {
        "greet": [P, P, F, F],
        "empathy": [("pass", 10.0), ("pass", 5.0), ("fail", 0.0), ("na", 0.0)],
        "total": [80, 90, 70, 50],
    },
    "乙": {
        "greet": [P, F, F, F],
        "empathy": [("pass", 10.0), ("pass", 5.0), ("pass", 5.0), ("na", 0.0)],
        "total": [80, 100, 60, 50],
    },
}
AUTO_GREET = ["pass", "fail", "fail", "pass"]


def fixture_grades() -> pd.DataFrame:
    rows = []
    for g, h in HUMAN.items():
        for i in range(4):
            cid = f"c{i + 1}"
            rows.append((g, cid, "greet", AUTO_GREET[i], h["greet"][i][0], h["greet"][i][1], h["total"][i]))
            rows.append((g, cid, "empathy", "review", h["empathy"][i][0], h["empathy"][i][1], h["total"][i]))
    return grades_frame(rows)


def test_percent_agreement_kappa_and_alpha_by_hand():
    cal = calibrate(fixture_grades())
    crit = cal.criteria.set_index("criterion_id")
    assert crit.loc["greet", "percent_agreement"] == pytest.approx(3 / 4)
    # coincidences: pp=2, pf=fp=1, ff=4; n=8, n_p=3, n_f=5: α = 1 − (2/8) / (2·3·5/(8·7)) = 1 − 112/240
    assert crit.loc["greet", "alpha"] == pytest.approx(1 - 112 / 240)
    assert crit.loc["empathy", "percent_agreement"] == pytest.approx(3 / 4)  # labels 10,5,0|5,na
    pairs = cal.pairs.set_index("criterion_id")
    # greet: po = 3/4, pe = .5·.25 + .5·.75 = .5 → κ = .5
    assert pairs.loc["greet", "kappa"] == pytest.approx(0.5)
    assert pairs.loc["greet", "n"] == 4 and pairs.loc["greet", "agreement"] == pytest.approx(0.75)
    # pooled over both criteria: 8 items, 6 agree
    assert pairs.loc["*", "n"] == 8 and pairs.loc["*", "agreement"] == pytest.approx(6 / 8)


def test_totals_leniency_alpha_interval_and_tolerance_by_hand():
    cal = calibrate(fixture_grades(), tolerance=10)
    graders = cal.graders.set_index("grader")
    # 甲 − 乙 per conversation: 0, −10, +10, 0 → mean 0 ; 乙: 0, +10, −10, 0 → 0
    assert graders.loc["甲", "leniency"] == pytest.approx(0)
    assert graders.loc["甲", "mean_total"] == pytest.approx(72.5)
    assert cal.totals["share_within"] == pytest.approx(1.0)
    assert calibrate(fixture_grades(), tolerance=5).totals["share_within"] == pytest.approx(0.5)
    # interval α: values 80 80 90 100 70 60 50 50; Do = (200 + 200)/8, De = 2·8·Σ(v−mean)²/(8·7)
    values = [80, 80, 90, 100, 70, 60, 50, 50]
    mean = sum(values) / 8
    de = 2 * 8 * sum((v - mean) ** 2 for v in values) / (8 * 7)
    assert cal.totals["alpha_interval"] == pytest.approx(1 - (400 / 8) / de)


def test_leniency_with_three_graders():
    rows = [(g, "c1", "x", "pass", "pass", 10.0, t) for g, t in (("a", 90), ("b", 80), ("c", 70))]
    rows += [(g, "c2", "x", "pass", "pass", 10.0, t) for g, t in (("a", 100), ("b", 60))]
    g = calibrate(grades_frame(rows)).graders.set_index("grader")["leniency"]
    # a: c1 90 − 75 = 15, c2 100 − 60 = 40 → 27.5 ; c: 70 − 85 = −15
    assert g["a"] == pytest.approx(27.5) and g["c"] == pytest.approx(-15)
    assert g["b"] == pytest.approx(((80 - 80) + (60 - 100)) / 2)


def test_auto_versus_human_precision_recall_kappa():
    cal = calibrate(fixture_grades())
    auto = cal.auto.set_index("criterion_id").loc["greet"]
    # 8 rows (2 graders): auto fail on c2,c3 ; 甲 fails c3,c4 ; 乙 fails c2,c3,c4
    # TP: 甲 c3; 乙 c2, c3 → 3 ; auto fails 4 → precision 3/4 ; human fails 5 → recall 3/5
    assert auto["n"] == 8 and auto["precision"] == pytest.approx(3 / 4) and auto["recall"] == pytest.approx(3 / 5)
    # agreement: 甲 c1 ✓ c2 ✗ c3 ✓ c4 ✗ ; 乙 ✓ ✓ ✓ ✗ → 5/8 ; κ: po=5/8, pe=(4/8)(5/8)+(4/8)(3/8)=1/2 → 1/4
    assert auto["agreement"] == pytest.approx(5 / 8) and auto["kappa"] == pytest.approx(0.25)
    assert "empathy" not in set(cal.auto["criterion_id"])


def test_undefined_statistics_are_nan_not_errors():
    rows = [(g, "c1", "x", "pass", "pass", 10.0, 100.0) for g in ("a", "b")]
    cal = calibrate(grades_frame(rows))
    assert math.isnan(cal.pairs["kappa"].iloc[0]) and cal.pairs["agreement"].iloc[0] == 1
    assert math.isnan(cal.criteria["alpha"].iloc[0])
    assert math.isnan(cal.auto["precision"].iloc[0])
    json.dumps(cal.to_dict())  # NaN becomes null


def test_read_grades_errors_name_row_and_field(tmp_path):
    path = tmp_path / "grades.csv"
    fixture_grades().to_csv(path, index=False)
    assert len(read_grades(path)) == 16
    df = fixture_grades().astype({"total": "object"})
    df.loc[3, "total"] = "很好"
    df.to_csv(path, index=False)
    with pytest.raises(InputError, match=r"grades.csv:5.*total"):
        read_grades(path)
    pd.DataFrame({"grader": ["a"]}).to_csv(path, index=False)
    with pytest.raises(InputError, match="lacks column"):
        read_grades(path)


def test_overturned_automatic_outcomes_per_criterion_from_grades_and_disputes():
    grades = fixture_grades()
    grades["critical_review"] = ""
    grades.loc[
        (grades["grader"] == "甲") & (grades["conversation_id"] == "c4") & (grades["criterion_id"] == "greet"),
        "critical_review",
    ] = "confirm"
    disputes = pd.DataFrame(
        {
            "criterion_id": ["greet", "greet", "empathy"],
            "decided_by": ["auto", "auto", "grade"],
            "decision": ["accepted", "rejected", "partly"],
        }
    )
    over = calibrate(grades, disputes=disputes).overturns
    # greet: rules vs 8 grades, overturned c2 and c4 by 甲, c4 by 乙; two disputes of rule outcomes, one accepted;
    # empathy was never the rules' to decide (review), its dispute was of a grade
    assert over.to_dict(orient="records") == [
        {
            "criterion_id": "greet",
            "graded": 8,
            "overturned_by_grade": 3,
            "critical_confirmed": 1,
            "critical_overturned": 0,
            "disputed": 2,
            "overturned_by_dispute": 1,
            "overturned": 4,
            "share": 0.4,
        }
    ]
    assert calibrate(fixture_grades()).overturns["overturned_by_dispute"].eq(0).all()
