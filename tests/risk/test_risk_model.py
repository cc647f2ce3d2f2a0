"""Risk model: conversation features, training with CV, threshold, card, reasons, storage."""

from __future__ import annotations

import copy
import json
import os
import pickle
import random
import re
import zipfile

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from risk_records import make_records
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import FunctionTransformer

from qa_toolkit import frames
from qa_toolkit.io import conversations_from_records
from qa_toolkit.problems import InputError
from qa_toolkit.risk import load_model, parse_label, predict_risk, save_model, train_model
from qa_toolkit.risk.card import card_markdown
from qa_toolkit.risk.explain import explain
from qa_toolkit.risk.features import ConversationFeatures, conversation_table, normalise_text
from qa_toolkit.risk.metrics import binary_metrics, choose_threshold


@pytest.fixture(scope="module")
def dataset():
    return conversations_from_records(make_records())


@pytest.fixture(scope="module")
def model(dataset):
    return train_model(dataset.conversations, dataset.messages, parse_label("csat <= 2"), folds=3, target_precision=0.8)


def _one(messages: list[tuple[str, str, str | None]], **conv) -> dict:
    record = {
        "conversation_id": "x1",
        "channel": "chat",
        "agent_id": "a1",
        "started_at": "2026-03-02T09:00:00",
        "ended_at": "2026-03-02T09:30:00",
        "csat": 1,
        "tags": [],
    }
    record.update(conv)
    record["messages"] = [{"role": r, "text": t, **({"ts": ts} if ts else {})} for r, t, ts in messages]
    return record


def test_conversation_table_measures_gaps_from_the_first_unanswered_message():
    ds = conversations_from_records(
        [
            _one(
                [
                    ("agent", "您好", "2026-03-02T09:00:00"),
                    ("customer", "我要投诉！", "2026-03-02T09:01:00"),
                    ("customer", "人呢？？", "2026-03-02T09:05:00"),
                    ("system", "客户评价：1星", "2026-03-02T09:06:00"),
                    ("agent", "抱歉久等", "2026-03-02T09:15:00"),
                    ("customer", "垃圾服务，退款", "2026-03-02T09:16:00"),
                    ("agent", "马上处理", "2026-03-02T09:17:00"),
                ]
            )
        ]
    )
    row = conversation_table(ds.conversations, ds.messages).iloc[0]
    assert row["customer_text"] == "我要投诉！\n人呢？？\n垃圾服务，退款"
    assert "评价" not in row["customer_text"] + row["agent_text"]  # system lines never reach the model
    assert row["max_gap_s"] == 14 * 60  # 09:01 -> 09:15, not 09:05 -> 09:15
    assert row["first_response_s"] == 14 * 60
    assert row["mean_gap_s"] == (14 * 60 + 60) / 2
    assert row["handle_s"] == 30 * 60
    assert (row["n_customer"], row["n_agent"], row["n_messages"]) == (3, 3, 7)
    assert (row["negative_hits"], row["escalation_hits"], row["exclamations"]) == (1, 2, 3)


def test_conversation_table_copes_without_timestamps_or_messages():
    ds = conversations_from_records(
        [
            _one(
                [("customer", "where is my order", None), ("agent", "checking", None)], started_at=None, ended_at=None
            ),
            _one([("agent", "您好", "2026-03-02T09:00:00")], conversation_id="x2"),
        ]
    )
    table = conversation_table(ds.conversations, ds.messages)
    assert list(table["conversation_id"]) == ["x1", "x2"]
    assert table[["max_gap_s", "handle_s"]].iloc[0].isna().all()
    assert table.loc[1, "customer_text"] == "" and table.loc[1, "n_customer"] == 0
    assert np.isnan(table.loc[1, "max_gap_s"]) and table.loc[1, "handle_s"] == 30 * 60
    features = ConversationFeatures().fit(table)
    out = features.transform(table)
    assert not out.drop(columns=["customer_text", "agent_text"]).isna().any().any()
    assert out.loc[0, "times_missing"] == 1.0


def test_conversation_features_follow_the_estimator_contract(dataset):
    table = conversation_table(dataset.conversations, dataset.messages)
    step = ConversationFeatures(exclude_fields=("started_at",))
    assert step.get_params() == {"exclude_fields": ("started_at",)}
    with pytest.raises(NotFittedError):
        step.transform(table)
    assert step.fit(table) is step
    assert hasattr(step, "fill_values_") and hasattr(step, "numeric_columns_")
    assert "handle_s" not in step.numeric_columns_  # handle time can come from started_at
    assert "handle_s" in ConversationFeatures().fit(table).numeric_columns_
    assert not hasattr(clone(step), "fill_values_")
    assert list(step.transform(table).columns) == list(step.get_feature_names_out())


def test_label_fields_never_reach_the_features(dataset, model):
    convs = dataset.conversations.copy()
    convs["csat"] = pd.array([5] * len(convs), dtype="Int64")
    convs["tags"] = [["anything"]] * len(convs)
    before = predict_risk(model, dataset.conversations, dataset.messages)
    after = predict_risk(model, convs, dataset.messages)
    np.testing.assert_allclose(before["risk_score"], after["risk_score"])
    assert model.card["label_fields_excluded_from_features"] == ["csat"]


def test_training_reports_cv_metrics_and_threshold_in_the_card(model):
    card = model.card
    cv = card["cross_validation"]
    assert card["data"]["conversations_excluded_missing_label"] == sum(1 for i in range(160) if i % 9 == 0)
    assert card["data"]["conversations_labelled"] + card["data"]["conversations_excluded_missing_label"] == 160
    assert cv["roc_auc"] > 0.75 and cv["pr_auc"] > 0.6
    assert 0 <= cv["ece"] <= 1 and [p["fraction"] for p in cv["precision_at_top"]] == [0.01, 0.05, 0.1]
    assert card["threshold"]["value"] == model.threshold
    assert "precision" in card["threshold"]["rule"]
    assert card["data"]["fingerprint"].startswith("sha256:")
    assert card["versions"]["scikit-learn"]
    text = card_markdown(card)
    assert f"{cv['roc_auc']:.3f}" in text and "csat <= 2" in text
    json.dumps(card, allow_nan=False)  # strict JSON


def test_threshold_rules():
    y = np.array([0, 0, 0, 1, 0, 1, 1, 1])
    s = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8])
    assert choose_threshold(y, s, target_precision=1.0)[0] == 0.6
    assert choose_threshold(y, s, target_recall=1.0)[0] == 0.4
    t, note = choose_threshold(y, s, target_precision=1.01)
    assert "not reached" in note
    assert binary_metrics(y, s, 0.6)["confusion"] == {"tp": 3, "fp": 0, "fn": 1, "tn": 4}


def test_too_few_labels_is_an_input_error(dataset):
    with pytest.raises(InputError, match="positive"):
        train_model(dataset.conversations.head(12), dataset.messages, parse_label("csat <= 2"), folds=5)


_REASON = re.compile(r"(客户说了|客服说了)“(.+?)”|(customer said|agent said) \"(.+?)\"")


def test_reasons_of_top_flagged_point_at_what_is_really_in_them(dataset, model):
    risk = predict_risk(model, dataset.conversations, dataset.messages, n_reasons=5)
    assert list(risk.columns) == list(frames.RISK)
    assert (risk["risk_flag"] == (risk["risk_score"] >= model.threshold)).all()
    assert (risk.loc[~risk["risk_flag"], "risk_reasons"] == "").all()
    table = conversation_table(dataset.conversations, dataset.messages).set_index("conversation_id")
    top = risk.sort_values("risk_score", ascending=False).head(15)
    checked, quoted = 0, 0
    for cid, reasons in zip(top["conversation_id"], top["risk_reasons"]):
        row = table.loc[cid]
        assert reasons
        for reason in reasons.split("; "):
            if m := _REASON.fullmatch(reason):
                who = "customer" if (m.group(1) or m.group(3)).startswith(("客户", "customer")) else "agent"
                assert (m.group(2) or m.group(4)).strip("…") in row[f"{who}_text"]
                quoted += 1
            elif m := re.fullmatch(r"(最长回复间隔|longest response gap) ([0-9]+) (分钟|min)", reason):
                assert int(m.group(2)) == round(row["max_gap_s"] / 60)
            elif m := re.fullmatch(r"(客户提到|customer mentioned )(.+)", reason):
                for word in re.findall(r"[“\"](.+?)[”\"]", m.group(2)):
                    assert word.lower() in row["customer_text"].lower()
            checked += 1
    assert checked >= 15 and quoted >= 5


def test_reasons_are_in_the_conversations_language(dataset, model):
    risk = predict_risk(model, dataset.conversations, dataset.messages).set_index("conversation_id")
    flagged = risk[risk["risk_flag"]]
    en = [c for c in flagged.index if int(c[1:]) % 5 == 0]
    zh = [c for c in flagged.index if int(c[1:]) % 5]
    assert en and zh
    assert all(re.search("[\u4e00-\u9fff]", flagged.loc[c, "risk_reasons"]) for c in zh)
    assert not any(re.search("[分钟客户]", flagged.loc[c, "risk_reasons"]) for c in en)


def test_quoted_personal_data_is_masked(model):
    ds = conversations_from_records(
        [
            _one(
                [
                    ("customer", "我要投诉13812345678我要投诉", "2026-03-02T09:00:00"),
                    ("agent", "您好", "2026-03-02T09:20:00"),
                ]
            )
        ]
    )
    table = conversation_table(ds.conversations, ds.messages)
    masked = explain(model, table, n_reasons=10)[0]
    plain = explain(model, table, n_reasons=10, mask=False)[0]
    assert "13812345678" not in masked and "138****5678" in masked
    assert "13812345678" in plain


def test_prediction_on_chunks_equals_prediction_on_the_whole(dataset, model):
    whole = predict_risk(model, dataset.conversations, dataset.messages)
    convs = dataset.conversations
    parts = [predict_risk(model, convs.iloc[a:b], dataset.messages) for a, b in ((0, 70), (70, len(convs)))]
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), whole)


def test_model_round_trips_through_skops(tmp_path, dataset, model):
    path = save_model(model, tmp_path / "m.skops")
    loaded = load_model(path)
    assert loaded.threshold == model.threshold and loaded.card == model.card
    table = conversation_table(dataset.conversations, dataset.messages)
    np.testing.assert_allclose(loaded.score(table), model.score(table))


def _refused(path, words: str) -> None:
    with pytest.raises(InputError) as err:
        load_model(path)
    assert "refusing to load the model" in str(err.value) and words in str(err.value)


def test_random_bytes_and_pickles_are_refused(tmp_path):
    (tmp_path / "random.skops").write_bytes(bytes(random.Random(1).randrange(256) for _ in range(4096)))
    _refused(tmp_path / "random.skops", "not a skops model archive")

    class Boom:
        def __reduce__(self):
            return (os.system, ("touch " + str(tmp_path / "pwned"),))

    (tmp_path / "model.pkl").write_bytes(pickle.dumps(Boom()))
    _refused(tmp_path / "model.pkl", "pickles and other formats are never loaded")
    assert not (tmp_path / "pwned").exists()


def test_untrusted_types_and_foreign_models_are_refused(tmp_path):
    sio.dump({"kind": "qa-toolkit-risk-model", "step": FunctionTransformer(func=eval)}, tmp_path / "evil.skops")
    _refused(tmp_path / "evil.skops", "builtins.eval")
    sio.dump(LogisticRegression(), tmp_path / "foreign.skops")
    _refused(tmp_path / "foreign.skops", "not a qa-toolkit risk model")


def test_a_tampered_model_file_is_refused(tmp_path, model):
    path = save_model(model, tmp_path / "m.skops")
    with zipfile.ZipFile(path) as z:
        entries = {name: z.read(name) for name in z.namelist()}
    schema = entries["schema.json"].decode()
    assert '"qa_toolkit.risk.features"' in schema
    entries["schema.json"] = (
        schema.replace('"qa_toolkit.risk.features"', '"os"').replace('"ConversationFeatures"', '"system"').encode()
    )
    with zipfile.ZipFile(tmp_path / "tampered.skops", "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)
    _refused(tmp_path / "tampered.skops", "os.system")


def _payload(model, **changes) -> dict:
    payload = {
        "kind": "qa-toolkit-risk-model",
        "format_version": 1,
        "pipeline": model.pipeline,
        "threshold": model.threshold,
        "label": model.label,
        "label_fields": list(model.label_fields),
        "card_json": json.dumps(model.card),
    }
    return {**payload, **changes}


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"threshold": "0.5"}, "threshold '0.5'"),
        ({"threshold": float("nan")}, "threshold nan"),
        ({"threshold": 1.5}, "threshold 1.5"),
        ({"threshold": True}, "threshold True"),
        ({"threshold": None}, "threshold"),
        ({"card_json": "{not json"}, "model card"),
        ({"card_json": "[1, 2]"}, "model card"),
        ({"card_json": 3}, "model card"),
        ({"label": 7}, "label"),
        ({"label_fields": "csat"}, "label"),
        ({"label_fields": [1]}, "label"),
    ],
    ids=[
        "text threshold",
        "NaN threshold",
        "threshold over 1",
        "boolean threshold",
        "no threshold",
        "card not JSON",
        "card a list",
        "card a number",
        "label a number",
        "fields a string",
        "fields numbers",
    ],
)
def test_a_hand_edited_payload_is_refused_by_field(tmp_path, model, changes, words):
    sio.dump(_payload(model, **changes), tmp_path / "edited.skops")
    _refused(tmp_path / "edited.skops", words)


def test_a_model_trained_on_other_columns_is_refused_at_load(tmp_path, model):
    pipeline = copy.deepcopy(model.pipeline)
    features = pipeline.named_steps["features"]
    features.numeric_columns_ = [*features.numeric_columns_[:-1], "sentiment_score"]  # a column we never make
    sio.dump(_payload(model, pipeline=pipeline), tmp_path / "other.skops")
    _refused(tmp_path / "other.skops", "trained on other columns")
    sio.dump(_payload(model, pipeline=LogisticRegression()), tmp_path / "bare.skops")
    _refused(tmp_path / "bare.skops", "cannot score")


def test_predict_on_a_model_from_other_columns_is_exit_2_not_a_traceback(tmp_path, dataset, model):
    from click.testing import CliRunner

    from qa_toolkit.cli import main

    pipeline = copy.deepcopy(model.pipeline)
    pipeline.named_steps["features"].numeric_columns_ = ["sentiment_score"]
    sio.dump(_payload(model, pipeline=pipeline), tmp_path / "other.skops")
    data = tmp_path / "d.jsonl"
    data.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in make_records(20)) + "\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["risk", "predict", str(data), "--model", str(tmp_path / "other.skops"), "-o", str(tmp_path / "r.csv")]
    )
    assert result.exit_code == 2 and "trained on other columns" in result.output and "Traceback" not in result.output


def test_long_numbers_are_one_token_for_the_model_but_12315_stays():
    assert normalise_text("订单2609070153790527，电话13812345678，打12315 NOW") == "订单#，电话#，打12315 now"


def test_empty_chunks_and_conversations_without_messages(model):
    empty = predict_risk(model, frames.empty(frames.CONVERSATIONS), frames.empty(frames.MESSAGES))
    assert list(empty.columns) == list(frames.RISK) and empty.empty
    lone = frames.conform(
        pd.DataFrame({"conversation_id": ["a"], "agent_id": ["x"], "tags": [[]]}), frames.CONVERSATIONS
    )
    risk = predict_risk(model, lone, frames.empty(frames.MESSAGES))
    assert list(risk["conversation_id"]) == ["a"] and 0 <= risk.loc[0, "risk_score"] <= 1


def test_the_same_data_trains_the_same_model(dataset, model):
    """liblinear visits samples in random order: with its seed fixed, reruns give identical scores."""
    again = train_model(
        dataset.conversations, dataset.messages, parse_label("csat <= 2"), folds=3, target_precision=0.8
    )
    first = predict_risk(model, dataset.conversations, dataset.messages)
    second = predict_risk(again, dataset.conversations, dataset.messages)
    assert first["risk_score"].tolist() == second["risk_score"].tolist()
