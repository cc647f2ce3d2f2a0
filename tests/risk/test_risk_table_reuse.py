"""The conversation table computed once (as `qa run` does) trains the same model and gives the
same RISK frame as each step computing its own."""

from __future__ import annotations

import pandas as pd
import pytest
from risk_records import make_records

from qa_toolkit.io import conversations_from_records
from qa_toolkit.risk import parse_label, predict_risk, risk_frame, train_model
from qa_toolkit.risk.features import conversation_table


@pytest.fixture(scope="module")
def dataset():
    records = make_records(120)
    for record in records[::7]:
        record["csat"] = None  # unlabelled: left out of training, scored all the same
    return conversations_from_records(records)


def test_a_shared_table_trains_the_same_model_and_scores_the_same(dataset):
    conv, msgs = dataset.conversations, dataset.messages
    label = parse_label("csat <= 2")
    table = conversation_table(conv, msgs)
    own = train_model(conv, msgs, label, folds=3)
    shared = train_model(conv, msgs, label, folds=3, table=table)
    assert shared.card["data"] == own.card["data"] and shared.card["data"]["conversations_excluded_missing_label"]
    assert shared.card["cross_validation"] == own.card["cross_validation"] and shared.threshold == own.threshold
    expected = predict_risk(own, conv, msgs)
    assert expected["risk_flag"].any()
    pd.testing.assert_frame_equal(risk_frame(shared, table), expected)
