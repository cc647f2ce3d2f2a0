"""The ``model`` check as its documentation states it: a conversation's score is the ``column``
of the first row of the risk frame with its conversation id (an id written as a number is not
the same as one written as text), read as a number (text that is no number, and missing values,
give none). No score: N/A. Otherwise it fails at or above ``fail_at`` and passes below, showing
the score to three decimals and the model's reasons. Compared as values: -0.000 equals 0.000."""

import math

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st
from spec_settings import SEEDED, SPEC

from qa_toolkit.io import conversations_from_records
from qa_toolkit.rubric.checks import model
from qa_toolkit.rubric.checks._base import Chunk

IDS = [f"c{i}" for i in range(8)]


def as_number(value):
    """The value as a number, or None."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def spec_model(config, risk_rows, conversation_id):
    """(outcome, score or None, reasons or None) of one conversation; ``risk_rows`` as dicts."""
    row = next(
        (r for r in risk_rows if isinstance(r["conversation_id"], str) and r["conversation_id"] == conversation_id),
        None,
    )
    score = None if row is None else as_number(row.get(config.column))
    if score is None:
        return "na", None, None
    reasons = row.get("risk_reasons")
    return ("fail" if score >= config.fail_at else "pass"), score, "" if reasons is None else str(reasons)


def risk_rows(rnd, with_reasons):
    """Up to 40 rows of a run's risk frame: ids of the chunk, of other conversations and numbers,
    repeated; scores at and around the thresholds, -0.0, NaN; a text column; reasons or none."""
    rows = []
    for _ in range(rnd.randint(0, 40)):
        row = {
            "conversation_id": rnd.choice([*IDS, "other", 0, 3]),
            "risk_score": rnd.choice([0.1234, 0.1236, 0.6999, 0.7, -0.0, 0.0, 0.5, 1.0, math.nan, rnd.random()]),
            "other": rnd.choice(["0.9", "abc", None, "0.2", "", 3, "0.5"]),
        }
        if with_reasons:
            row["risk_reasons"] = rnd.choice(["多次催促; 投诉词", "long wait", None, "", ["催促", "long wait"]])
        rows.append(row)
    return rows


@SPEC
@given(
    SEEDED,
    st.sampled_from([0.0, 0.5, 0.7, 1.0]),
    st.sampled_from(["risk_score", "other"]),
    st.booleans(),
    st.sampled_from(["float64", "Float64", "object"]),
)
def test_model_outcomes_and_notes_are_the_specified_ones(rnd, fail_at, column, with_reasons, score_dtype):
    rows = risk_rows(rnd, with_reasons)
    risk = pd.DataFrame(rows, columns=["conversation_id", "risk_score", "other"] + ["risk_reasons"] * with_reasons)
    risk = risk.astype({"conversation_id": object, "other": object, "risk_score": score_dtype})
    ds = conversations_from_records(
        [{"conversation_id": cid, "messages": [{"role": "agent", "text": "您好"}]} for cid in IDS]
    )
    config = model.ModelCheck(type="model", fail_at=fail_at, column=column)
    got = model.evaluate(config, Chunk(ds.conversations, ds.messages, risk)).frame()
    for cid, row in got.iterrows():
        outcome, score, reasons = spec_model(config, rows, cid)
        assert row["outcome"] == outcome, (cid, rows)
        if score is None:
            continue
        assert math.isclose(float(row["evidence_match"]), score, abs_tol=5e-4)
        sign = ">=" if outcome == "fail" else "<"
        assert row["note"] == f"{column} {row['evidence_match']} {sign} {fail_at:g}" + (
            f"; {reasons}" if with_reasons else ""
        )


def test_no_risk_frame_or_no_such_column_is_na_and_an_empty_chunk_is_empty():
    ds = conversations_from_records([{"conversation_id": "c0", "messages": [{"role": "agent", "text": "您好"}]}])
    risk = pd.DataFrame({"conversation_id": ["c0"], "risk_score": [0.9]})
    for frame, column in ((None, "risk_score"), (risk, "absent")):
        got = model.evaluate(model.ModelCheck(type="model", column=column), Chunk(ds.conversations, ds.messages, frame))
        assert got.frame()["outcome"].tolist() == ["na"]
    empty = Chunk(ds.conversations.iloc[:0], ds.messages.iloc[:0], risk)
    assert model.evaluate(model.ModelCheck(type="model"), empty).frame().empty
