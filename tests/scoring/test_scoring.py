"""Scoring arithmetic: N/A leaves the denominator, bonus/deduction, fail_section, critical
precedence, bands, aggregate after grade overrides, chunk invariance and determinism."""

import math

import pandas as pd
import pytest
from tiny_rubric import RUBRIC, data, row, score

from qa_toolkit.engine import score_chunks
from qa_toolkit.frames import RESULTS, SCORES
from qa_toolkit.rubric.schema import Rubric
from qa_toolkit.scoring import aggregate_scores, summarise


def test_frames_follow_the_contracts():
    results, scores = score(("a", "x", [("agent", "您好")]))
    assert list(results.columns) == list(RESULTS)
    assert list(scores.columns)[: len(SCORES)] == list(SCORES)
    assert list(scores.columns)[len(SCORES) :] == ["section_s1", "section_s2"]
    assert len(results) == 7
    assert set(results["outcome"]) <= {"pass", "fail", "na", "review"}
    assert (scores["rubric_id"] == "t").all() and (scores["rubric_version"] == "3").all()


def test_na_and_review_leave_the_denominator():
    results, scores = score(("a", "x", [("agent", "您好")]))
    r = row(scores, "a")
    # greet pass 10/10, taboo pass 10/10, sorry na, bonus not earned, deduct pass; pii pass, grade review
    assert r["section_s1"] == 100 and r["section_s2"] == 100 and r["total"] == 100
    assert r["n_review"] == 1 and r["band"] == "A"
    res = results.set_index("criterion_id")
    assert res.loc["sorry", "max_points"] == 0 and res.loc["grade", "outcome"] == "review"


def test_deduction_subtracts_with_floor_and_bonus_is_capped():
    _, scores = score(
        ("d", "x", [("agent", "说"), ("agent", "急什么")]),
        ("b", "x", [("agent", "说，给您补发")]),
        ("f", "x", [("agent", "说，急什么")]),
    )
    # d: greet fail 0/10, taboo pass 10/10 -> 10 earned - 15 deduction -> floor 0
    assert row(scores, "d")["section_s1"] == 0
    # b: 10 earned of 20 + 10 bonus = 20 -> capped at 100 %
    assert row(scores, "b")["section_s1"] == 100
    # weights: s1 0 % * 60 + s2 100 % * 40 = 40
    assert row(scores, "d")["total"] == pytest.approx(40)
    assert row(scores, "d")["band"] == "C"


def test_fail_section_zeroes_only_its_section():
    _, scores = score(("a", "x", [("agent", "您好，不知道，给您补发")]))
    r = row(scores, "a")
    assert r["section_s1"] == 0 and r["section_s2"] == 100
    assert r["total"] == pytest.approx(40) and not r["critical_failed"]


def test_critical_zeroes_the_total_and_names_the_criterion():
    results, scores = score(("a", "x", [("agent", "您好"), ("agent", "您的手机13812345678")]))
    r = row(scores, "a")
    assert r["total"] == 0 and r["critical_failed"] and r["critical_criteria"] == "pii"
    assert r["section_s1"] == 100  # sections stay informative
    ev = results.set_index("criterion_id").loc["pii"]
    assert ev["evidence_seq"] == 1 and ev["evidence_match"] == "138****5678"


def _with_critical(rubric_mode: str | None, item_mode) -> Rubric:
    spec = RUBRIC.model_dump(by_alias=True, exclude_none=True)
    spec["sections"][1]["criteria"][0]["critical"] = item_mode
    if rubric_mode:
        spec["critical"] = rubric_mode
    return Rubric.model_validate(spec)


LEAK = ("a", "x", [("agent", "您好"), ("agent", "您的手机13812345678")])


@pytest.mark.parametrize(
    ("rubric_mode", "item_mode", "pending"),
    [
        (None, True, False),  # critical: true keeps today's meaning: zeroed at once
        ("confirm", True, True),  # true follows the rubric's critical: confirm
        ("confirm", "auto", False),  # the item's own mode wins
        (None, "confirm", True),
    ],
)
def test_a_confirmed_critical_waits_for_a_grader_before_it_zeroes(rubric_mode, item_mode, pending):
    ds = data(LEAK)
    rubric = _with_critical(rubric_mode, item_mode)
    _, scores = score_chunks(ds.conversations, ds.messages, rubric)
    r = row(scores, "a")
    assert r["critical_pending"] == ("pii" if pending else "")
    assert bool(r["critical_failed"]) is not pending and r["critical_criteria"] == ("" if pending else "pii")
    assert bool(r["total"] > 0) is pending  # a pending critical is recorded beside, the total not zeroed


def test_a_critical_fail_a_grader_confirmed_zeroes_the_total():
    ds = data(LEAK)
    rubric = _with_critical(None, "confirm")
    results, _ = score_chunks(ds.conversations, ds.messages, rubric)
    confirmed = results.assign(confirmed=results["criterion_id"].eq("pii"))
    r = row(aggregate_scores(confirmed, ds.conversations, rubric), "a")
    assert r["total"] == 0 and r["critical_failed"] and r["critical_criteria"] == "pii" and r["critical_pending"] == ""
    unconfirmed = row(aggregate_scores(results, ds.conversations, rubric), "a")
    assert unconfirmed["critical_pending"] == "pii" and unconfirmed["total"] > 0


def test_all_na_section_leaves_the_weighting():
    # s2 holds only pii (pass) and a manual item; drop pii so s2 is all review -> NaN
    spec = RUBRIC.model_dump(by_alias=True, exclude_none=True)
    spec["sections"][1]["criteria"] = spec["sections"][1]["criteria"][1:]
    ds = data(("a", "x", [("agent", "说")]))
    _, scores = score_chunks(ds.conversations, ds.messages, Rubric.model_validate(spec))
    r = row(scores, "a")
    assert math.isnan(r["section_s2"])
    assert r["total"] == pytest.approx(r["section_s1"]) == pytest.approx(50)
    _, scores = score_chunks(ds.conversations, ds.messages, _one_section_manual())
    assert math.isnan(row(scores, "a")["total"]) and pd.isna(row(scores, "a")["band"])


def _one_section_manual():
    return Rubric.model_validate(
        {
            "id": "m",
            "version": "1",
            "name": "m",
            "language": "zh",
            "sections": [
                {
                    "id": "s",
                    "name": "s",
                    "weight": 100,
                    "criteria": [{"id": "g", "name": "g", "check": {"type": "manual"}}],
                }
            ],
        }
    )


def test_aggregate_after_grades_override_outcomes():
    results, scores = score(("a", "x", [("agent", "您好")]))
    graded = results.copy()
    mask = graded["criterion_id"] == "grade"
    graded.loc[mask, ["outcome", "points", "max_points"]] = ["fail", 0.0, 10.0]
    again = aggregate_scores(graded, data(("a", "x", [("agent", "您好")])).conversations, RUBRIC)
    r = row(again, "a")
    assert r["section_s2"] == 50 and r["n_review"] == 0
    assert r["total"] == pytest.approx(60 + 0.4 * 50)


def test_applies_to_language_makes_everything_na():
    rubric = Rubric.model_validate(
        {**RUBRIC.model_dump(by_alias=True, exclude_none=True), "applies_to": {"languages": ["zh"]}}
    )
    ds = data(("en", "x", [("agent", "Hello, your phone 13812345678")]), ("zh", "x", [("agent", "您好")]))
    results, scores = score_chunks(ds.conversations, ds.messages, rubric)
    assert set(results[results["conversation_id"] == "en"]["outcome"]) == {"na"}
    assert pd.isna(row(scores, "en")["total"]) and row(scores, "zh")["total"] == 100


CONVS = [
    (
        f"c{i}",
        f"a{i % 3}",
        [
            ("customer", "我要投诉" if i % 2 else "在吗"),
            ("agent", "您好" if i % 4 else "说"),
            ("agent", "抱歉，给您补发" if i % 3 else "不知道，13812345678"),
        ],
    )
    for i in range(23)
]


def test_chunks_give_the_same_result_as_one_call():
    ds = data(*CONVS)
    whole = score_chunks(ds.conversations, ds.messages, RUBRIC)
    chunked = score_chunks(ds.conversations, ds.messages, RUBRIC, chunk_size=5)
    pd.testing.assert_frame_equal(whole[0], chunked[0])
    pd.testing.assert_frame_equal(whole[1], chunked[1])


def test_scoring_is_deterministic_and_order_follows_input():
    ds = data(*CONVS)
    a = score_chunks(ds.conversations, ds.messages, RUBRIC)
    shuffled = ds.messages.sample(frac=1, random_state=1)
    b = score_chunks(ds.conversations, shuffled, RUBRIC)
    pd.testing.assert_frame_equal(a[0], b[0])
    assert list(a[1]["conversation_id"]) == [c[0] for c in CONVS]


def test_summary_counts():
    ds = data(*CONVS)
    results, scores = score_chunks(ds.conversations, ds.messages, RUBRIC)
    s = summarise(results, scores, RUBRIC)
    assert s["conversations"] == 23 and s["critical_failures"] == int(scores["critical_failed"].sum()) > 0
    assert all(x["criterion_id"] != "bonus" for x in s["top_failed"])
    assert sum(s["bands"].values()) == 23


def test_empty_input():
    ds = data()
    results, scores = score_chunks(ds.conversations, ds.messages, RUBRIC)
    assert results.empty and scores.empty and list(results.columns) == list(RESULTS)
