"""Risk model files: vocabularies stored as plain JSON numbers (fast to save and load), deflated,
and files written before that change still load and score exactly the same."""

from __future__ import annotations

import copy
import json
import zipfile

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from risk_records import make_records

from qa_toolkit.io import conversations_from_records
from qa_toolkit.risk import load_model, parse_label, predict_risk, save_model, train_model


@pytest.fixture(scope="module")
def dataset():
    return conversations_from_records(make_records())


@pytest.fixture(scope="module")
def fresh(dataset):
    """A model as training leaves it: scikit-learn's vocabularies hold numpy int64 indices."""
    return train_model(dataset.conversations, dataset.messages, parse_label("csat <= 2"), folds=3)


def _vectorizers(model) -> list:
    return [t for _, t, _ in model.pipeline.named_steps["columns"].transformers_ if hasattr(t, "vocabulary_")]


def _old_file(model, path) -> None:
    """The archive ``save_model`` wrote before vocabularies were made plain: stored, not deflated,
    numpy int64 term indices (one array file each)."""
    payload = {
        "kind": "qa-toolkit-risk-model",
        "format_version": 1,
        "pipeline": model.pipeline,
        "threshold": float(model.threshold),
        "label": model.label,
        "label_fields": list(model.label_fields),
        "card_json": json.dumps(model.card, ensure_ascii=False),
    }
    path.write_bytes(sio.dumps(payload))


def _arrays(path) -> int:
    with zipfile.ZipFile(path) as z:
        return sum(name.endswith(".npy") for name in z.namelist())


def test_a_model_file_from_before_plain_vocabularies_loads_and_scores_the_same(tmp_path, dataset, fresh):
    model = copy.deepcopy(fresh)
    assert all(isinstance(next(iter(v.vocabulary_.values())), np.integer) for v in _vectorizers(model))
    _old_file(model, tmp_path / "old.skops")
    terms = sum(len(v.vocabulary_) for v in _vectorizers(model))
    assert _arrays(tmp_path / "old.skops") > terms  # the old layout: an array file per term
    loaded = load_model(tmp_path / "old.skops")
    pd.testing.assert_frame_equal(
        predict_risk(loaded, dataset.conversations, dataset.messages),
        predict_risk(model, dataset.conversations, dataset.messages),
    )


def test_saved_vocabularies_are_plain_numbers_not_array_files(tmp_path, dataset, fresh):
    model = copy.deepcopy(fresh)
    before = predict_risk(model, dataset.conversations, dataset.messages)
    path = save_model(model, tmp_path / "new.skops")
    terms = sum(len(v.vocabulary_) for v in _vectorizers(model))
    assert terms > 100 and _arrays(path) < 100
    with zipfile.ZipFile(path) as z:
        assert all(info.compress_type == zipfile.ZIP_DEFLATED for info in z.infolist())
    loaded = load_model(path)
    for vectorizer in _vectorizers(loaded):
        assert all(type(index) is int for index in vectorizer.vocabulary_.values())
    pd.testing.assert_frame_equal(predict_risk(loaded, dataset.conversations, dataset.messages), before)
    pd.testing.assert_frame_equal(predict_risk(model, dataset.conversations, dataset.messages), before)
