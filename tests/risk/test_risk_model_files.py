"""Risk model files: each vocabulary stored as one array of its terms (fast to save and load),
deflated; files of format 1 (a numpy int64 index per term, or plain JSON numbers) still load and
score exactly the same, and a format newer than this qa-toolkit reads is refused."""

from __future__ import annotations

import copy
import json
import zipfile

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from risk_records import make_records
from sklearn.feature_extraction.text import CountVectorizer

from qa_toolkit.io import conversations_from_records
from qa_toolkit.modelfile import load_archive, save_archive
from qa_toolkit.problems import InputError
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


def _file(model, path, format_version: int = 1) -> None:
    """An archive as ``save_model`` wrote it in format 1: the vocabularies as the model holds them."""
    payload = {
        "kind": "qa-toolkit-risk-model",
        "format_version": format_version,
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


@pytest.mark.parametrize("indices", ["numpy int64 arrays", "plain numbers"])
def test_a_format_1_model_file_loads_and_scores_the_same(tmp_path, dataset, fresh, indices):
    model = copy.deepcopy(fresh)
    assert all(isinstance(next(iter(v.vocabulary_.values())), np.integer) for v in _vectorizers(model))
    if indices == "plain numbers":
        for vectorizer in _vectorizers(model):
            vectorizer.vocabulary_ = {term: int(index) for term, index in vectorizer.vocabulary_.items()}
    _file(model, tmp_path / "old.skops")
    terms = sum(len(v.vocabulary_) for v in _vectorizers(model))
    assert (_arrays(tmp_path / "old.skops") > terms) == (indices == "numpy int64 arrays")
    loaded = load_model(tmp_path / "old.skops")
    pd.testing.assert_frame_equal(
        predict_risk(loaded, dataset.conversations, dataset.messages),
        predict_risk(model, dataset.conversations, dataset.messages),
    )


def test_saved_vocabularies_are_term_arrays_and_load_as_the_same_mapping(tmp_path, dataset, fresh):
    model = copy.deepcopy(fresh)
    vocabularies = [v.vocabulary_ for v in _vectorizers(model)]
    before = predict_risk(model, dataset.conversations, dataset.messages)
    path = save_model(model, tmp_path / "new.skops")
    assert [v.vocabulary_ for v in _vectorizers(model)] == vocabularies  # the caller's model is left as it was
    assert all(v.vocabulary_ is kept for v, kept in zip(_vectorizers(model), vocabularies))
    _file(model, tmp_path / "format-1.skops")
    with zipfile.ZipFile(path) as z, zipfile.ZipFile(tmp_path / "format-1.skops") as old:
        assert all(info.compress_type == zipfile.ZIP_DEFLATED for info in z.infolist())
        saved = len(old.read("schema.json")) - len(z.read("schema.json"))
    terms = sum(len(v) for v in vocabularies)
    assert terms > 100 and _arrays(path) < 100 and saved > 100 * terms  # not JSON nodes per term
    loaded = load_model(path)
    assert [v.vocabulary_ for v in _vectorizers(loaded)] == vocabularies
    for vectorizer in _vectorizers(loaded):
        assert all(type(index) is int for index in vectorizer.vocabulary_.values())
    pd.testing.assert_frame_equal(predict_risk(loaded, dataset.conversations, dataset.messages), before)


def test_a_vocabulary_an_array_cannot_hold_exactly_is_saved_as_it_is(tmp_path):
    texts = ["ab\x00", "ab", "b\x00"]  # numpy's string arrays drop trailing NULs
    vectorizer = CountVectorizer(analyzer="char", ngram_range=(1, 2)).fit(texts)
    assert "\x00" in vectorizer.vocabulary_
    save_archive(tmp_path / "nul.skops", "test-kind", 2, vectorizer, {}, {})
    payload = load_archive(tmp_path / "nul.skops", kind="test-kind", format_version=2, trusted=frozenset(), what="x")
    assert payload["pipeline"].vocabulary_ == vectorizer.vocabulary_
    assert (payload["pipeline"].transform(texts) != vectorizer.transform(texts)).nnz == 0


@pytest.mark.parametrize(
    "terms",
    [np.array([["a", "b"], ["c", "d"]]), np.array([1, 2, 3]), np.array(["a", "b", "a"])],
    ids=["two-dimensional", "numbers", "a term twice"],
)
def test_a_vocabulary_array_that_is_not_distinct_terms_is_refused(tmp_path, terms):
    vectorizer = CountVectorizer(analyzer="char").fit(["abc"])
    vectorizer.vocabulary_ = terms  # what an edited archive would hold
    (tmp_path / "edited.skops").write_bytes(
        sio.dumps({"kind": "test-kind", "format_version": 2, "pipeline": vectorizer})
    )
    with pytest.raises(InputError) as err:
        load_archive(tmp_path / "edited.skops", kind="test-kind", format_version=2, trusted=frozenset(), what="x")
    assert "a vocabulary is not a list of distinct terms" in str(err.value)


def test_a_newer_model_format_is_refused_with_the_formats_read(tmp_path, fresh):
    _file(fresh, tmp_path / "future.skops", format_version=3)
    with pytest.raises(InputError) as err:
        load_model(tmp_path / "future.skops")
    assert "model format 3 is not supported (this qa-toolkit reads formats 1 to 2); retrain it" in str(err.value)
