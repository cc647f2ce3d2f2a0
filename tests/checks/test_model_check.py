"""The model check cuts the run's risk frame to the chunk once for every criterion, never matches
a number id to a text id, and words notes as shown by hand; the rule itself is checked against
its specification in tests/spec/test_model_check_spec.py."""

import numpy as np
import pandas as pd

from qa_toolkit.io import conversations_from_records
from qa_toolkit.rubric.checks import model
from qa_toolkit.rubric.checks._base import Chunk


def chunk(n=300):
    records = [
        {
            "conversation_id": f"c{i:04d}",
            "channel": "chat",
            "messages": [{"role": "customer", "text": "在吗"}, {"role": "agent", "text": "您好"}],
        }
        for i in range(n)
    ]
    ds = conversations_from_records(records)
    return ds.conversations, ds.messages


def risk_frame(ids, seed, reasons=True):
    """The run's risk frame: more conversations than the chunk, shuffled, some ids twice (the
    first counts), some missing, scores rounding alike, -0.0, NaN and text that is no number."""
    rng = np.random.default_rng(seed)
    ids = list(ids) + [f"other{i}" for i in range(500)]
    ids = [i for i in ids if rng.random() > 0.1]
    ids += list(rng.choice(ids, size=60))
    score = rng.choice([0.1234, 0.1231, 0.7, 0.69999, 0.95, -0.0, 0.0, 1.0, np.nan, 0.5], size=len(ids))
    risk = pd.DataFrame(
        {
            "conversation_id": pd.array(ids, dtype="string"),
            "risk_score": score,
            "other": rng.choice(["0.9", "abc", None, "0.2"], size=len(ids)).astype(object),
        }
    )
    if reasons:
        risk["risk_reasons"] = rng.choice(["多次催促; 投诉词", "long wait", None, "", "差评 risk"], size=len(ids))
    return risk.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def test_model_criteria_sharing_a_chunk_cut_the_risk_frame_once():
    conv, msgs = chunk()
    frames = Chunk(conv, msgs, risk_frame(conv["conversation_id"], seed=3))
    first = model.evaluate(model.ModelCheck(type="model", fail_at=0.7), frames).frame()
    cut = frames.cached(("model", "risk rows"), model._chunk_risk)
    second = model.evaluate(model.ModelCheck(type="model", fail_at=0.7), frames).frame()
    assert frames.cached(("model", "risk rows"), model._chunk_risk) is cut
    pd.testing.assert_frame_equal(first, second)
    assert set(cut[0]["conversation_id"]) <= set(conv["conversation_id"])


def test_ids_that_are_numbers_do_not_match_text_ids():
    conv, msgs = chunk(3)
    conv = conv.assign(conversation_id=pd.array(["1", "2", "c"], dtype="string"))
    msgs = msgs.assign(conversation_id=msgs["conversation_id"].map({"c0000": "1", "c0001": "2", "c0002": "c"}))
    expected = (
        ([1, 2, 3], ["na", "na", "na"]),
        (["1", 2, "x"], ["fail", "na", "na"]),
        (pd.array(["1", "2", None], dtype="string"), ["fail", "pass", "na"]),
    )
    for ids, outcomes in expected:
        risk = pd.DataFrame({"conversation_id": ids, "risk_score": [0.9, 0.1, 0.5]})
        got = model.evaluate(model.ModelCheck(type="model"), Chunk(conv, msgs, risk)).frame()
        assert got["outcome"].tolist() == outcomes


def test_notes_by_hand():
    conv, msgs = chunk(3)
    risk = pd.DataFrame(
        {
            "conversation_id": ["c0000", "c0001", "c0001", "c0002"],
            "risk_score": [0.91, 0.1234, 0.99, -0.0],
            "risk_reasons": ["多次催促", None, "ignored: not the first row", "long wait"],
        }
    )
    got = model.evaluate(model.ModelCheck(type="model", fail_at=0.7), Chunk(conv, msgs, risk)).frame()
    assert got["outcome"].tolist() == ["fail", "pass", "pass"]
    assert got["note"].tolist() == [
        "risk_score 0.910 >= 0.7; 多次催促",
        "risk_score 0.123 < 0.7; ",
        "risk_score -0.000 < 0.7; long wait",
    ]
    assert got["evidence_match"].tolist() == ["0.910", "0.123", "-0.000"]
