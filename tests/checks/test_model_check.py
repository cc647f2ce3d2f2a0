"""The model check (the run's risk frame cut to the chunk once, looked up by pyarrow, notes
worded once per distinct score and reason) gives exactly what the version it replaced gave:
risk frames larger than the chunk, repeated and missing ids, unparseable, missing, negative-zero
and integer scores, Chinese, English, missing and list-valued reasons."""

import numpy as np
import pandas as pd
import pytest

from qa_toolkit.io import conversations_from_records
from qa_toolkit.rubric.checks import model
from qa_toolkit.rubric.checks._base import Frames, Outcomes


# ---------------------------------------------------------------------------------------------
# REFERENCE ORACLE: a frozen copy of qa_toolkit/rubric/checks/model.py's evaluate before this
# rewrite (commit ad63a44). Do not "fix" it: the fast code must agree with it.
def oracle_evaluate(config, frames):
    out = Outcomes(frames, "na", "no risk score")
    risk = frames.risk
    if risk is None or config.column not in risk.columns:
        return out
    risk = risk.drop_duplicates("conversation_id").set_index("conversation_id")
    score = pd.to_numeric(risk[config.column], errors="coerce").reindex(frames.index)
    known = score.notna().to_numpy()
    if not known.any():
        return out
    score = score[known]
    high = (score >= config.fail_at).to_numpy()
    shown = [f"{v:.3f}" for v in score.tolist()]
    reasons = [f"; {r}" for r in risk["risk_reasons"].reindex(score.index).fillna("").tolist()] \
        if "risk_reasons" in risk else [""] * len(shown)
    notes = [f"{config.column} {v} {'>=' if h else '<'} {config.fail_at:g}{r}" for v, h, r in zip(shown, high, reasons)]
    out.set(known, np.where(high, "fail", "pass"), notes, np.array(shown, dtype=object))
    return out
# ------------------------------------------------------------------ end of the reference oracle


def chunk(n=300):
    records = [{"conversation_id": f"c{i:04d}", "channel": "chat",
                "messages": [{"role": "customer", "text": "在吗"}, {"role": "agent", "text": "您好"}]} for i in range(n)]
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
    risk = pd.DataFrame({"conversation_id": pd.array(ids, dtype="string"), "risk_score": score,
                         "other": rng.choice(["0.9", "abc", None, "0.2"], size=len(ids)).astype(object)})
    if reasons:
        risk["risk_reasons"] = rng.choice(["多次催促; 投诉词", "long wait", None, "", "差评 risk"], size=len(ids))
    return risk.sample(frac=1.0, random_state=seed).reset_index(drop=True)


CONFIGS = [{"fail_at": 0.7}, {"fail_at": 0.0}, {"fail_at": 1.0}, {"fail_at": 0.5, "column": "other"},
           {"fail_at": 0.5, "column": "absent"}]


@pytest.mark.parametrize("settings", CONFIGS, ids=lambda c: f"{c.get('column', 'risk_score')}-{c['fail_at']}")
@pytest.mark.parametrize("variant", ["reasons", "no reasons", "object ids", "mixed ids", "int scores",
                                     "nullable scores", "list reasons", "no risk", "empty chunk"])
def test_model_check_matches_the_oracle(settings, variant):
    conv, msgs = chunk()
    if variant == "empty chunk":
        conv, msgs = conv.iloc[:0], msgs.iloc[:0]
    risk = risk_frame(chunk()[0]["conversation_id"], seed=len(variant), reasons=variant != "no reasons")
    if variant == "object ids":
        risk["conversation_id"] = risk["conversation_id"].astype(object)
    if variant == "mixed ids":  # numbers never equal the chunk's text ids, text ones still do
        risk["conversation_id"] = [i if n % 4 else n for n, i in enumerate(risk["conversation_id"])]
    if variant == "int scores":
        risk["risk_score"] = (risk["risk_score"].fillna(0) > 0.6).astype(int)
    if variant == "nullable scores":
        risk["risk_score"] = risk["risk_score"].astype("Float64")
    if variant == "list reasons":
        risk["risk_reasons"] = [["催促", "long wait"] if i % 3 else None for i in range(len(risk))]
    if variant == "no risk":
        risk = None
    config = model.ModelCheck(type="model", **settings)
    got = model.evaluate(config, Frames(conv, msgs, risk)).frame()
    want = oracle_evaluate(config, Frames(conv, msgs, risk)).frame()
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_model_criteria_sharing_a_chunk_cut_the_risk_frame_once():
    conv, msgs = chunk()
    frames = Frames(conv, msgs, risk_frame(conv["conversation_id"], seed=3))
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
    for ids in ([1, 2, 3], ["1", 2, "x"], pd.array(["1", "2", None], dtype="string")):
        risk = pd.DataFrame({"conversation_id": ids, "risk_score": [0.9, 0.1, 0.5]})
        got = model.evaluate(model.ModelCheck(type="model"), Frames(conv, msgs, risk)).frame()
        pd.testing.assert_frame_equal(got, oracle_evaluate(model.ModelCheck(type="model"), Frames(conv, msgs, risk)).frame())


def test_notes_by_hand():
    conv, msgs = chunk(3)
    risk = pd.DataFrame({"conversation_id": ["c0000", "c0001", "c0001", "c0002"], "risk_score": [0.91, 0.1234, 0.99, -0.0],
                         "risk_reasons": ["多次催促", None, "ignored: not the first row", "long wait"]})
    got = model.evaluate(model.ModelCheck(type="model", fail_at=0.7), Frames(conv, msgs, risk)).frame()
    assert got["outcome"].tolist() == ["fail", "pass", "pass"]
    assert got["note"].tolist() == ["risk_score 0.910 >= 0.7; 多次催促", "risk_score 0.123 < 0.7; ",
                                    "risk_score -0.000 < 0.7; long wait"]
    assert got["evidence_match"].tolist() == ["0.910", "0.123", "-0.000"]
