"""The conversation table computed once and the final fit's features reused for the conversations
it saw (as `qa run` does) train the same model and give the same RISK frame as each step
computing its own."""

from __future__ import annotations

import pandas as pd
import pytest
from risk_records import make_records

from qa_toolkit.io import conversations_from_records
from qa_toolkit.risk import parse_label, predict_risk, risk_frame, train_and_score, train_model
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


def test_training_and_scoring_at_once_scores_as_predicting_afterwards(dataset):
    conv, msgs = dataset.conversations, dataset.messages
    label = parse_label("csat <= 2")
    table = conversation_table(conv, msgs)
    alone = train_model(conv, msgs, label, folds=3)
    model, risk = train_and_score(conv, msgs, label, table, folds=3, mask=False)
    assert model.card["cross_validation"] == alone.card["cross_validation"] and model.threshold == alone.threshold
    pd.testing.assert_frame_equal(risk, predict_risk(alone, conv, msgs, mask=False))
    assert risk["risk_flag"].any() and not risk["risk_flag"].all()
    assert conv["csat"].isna().any()  # unlabelled conversations are scored too, in their place
