"""Learned criteria, as a library: grades read as labels, a model trained and cross-validated
from them with its card, stored through skops, and judging conversations in a rubric with the
message that drove each decision as evidence."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from learned_data import graded_records, write_rubric
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import FunctionTransformer
from tiny_rubric import data as chats

from qa_toolkit.engine import score_chunks
from qa_toolkit.io import conversations_from_records
from qa_toolkit.learning import store
from qa_toolkit.learning.card import card_markdown
from qa_toolkit.learning.features import FOCUS, RuleOutcome
from qa_toolkit.learning.grades import labels_from, read_grades
from qa_toolkit.learning.model import LearnedModel
from qa_toolkit.learning.pipeline import RULE_CATEGORIES, build_pipeline
from qa_toolkit.learning.search import simplest_within_one_se
from qa_toolkit.learning.store import cached_model, load_model, save_model
from qa_toolkit.learning.train import rule_of, train_criterion, training_set
from qa_toolkit.problems import InputError
from qa_toolkit.rubric import checks, require_rubric
from qa_toolkit.rubric.checks._base import Chunk
from qa_toolkit.rubric.checks._views import conversation_views


@pytest.fixture(scope="module")
def graded():
    records, grades = graded_records()
    data = conversations_from_records(records)
    return data, labels_from(pd.DataFrame(grades), "outcome", "grades.csv")


@pytest.fixture(scope="module")
def rubric_path(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rubric")
    return write_rubric(folder / "rubric.yaml")


@pytest.fixture(scope="module")
def soothe(graded, rubric_path):
    data, grades = graded
    return train_criterion(
        data.conversations, data.messages, grades, "soothe", rubric=require_rubric(rubric_path), folds=3
    )


# grades -------------------------------------------------------------------------------------


def test_grades_take_the_human_verdict_and_the_majority(tmp_path):
    path = tmp_path / "grades.csv"
    pd.DataFrame(
        [
            # qa grade import's shape: human_outcome is the grader's own verdict, "" = not graded
            {
                "grader": "a",
                "conversation_id": "c1",
                "criterion_id": "x",
                "auto_outcome": "pass",
                "human_outcome": "fail",
                "outcome": "fail",
            },
            {
                "grader": "b",
                "conversation_id": "c1",
                "criterion_id": "x",
                "auto_outcome": "pass",
                "human_outcome": "fail",
                "outcome": "fail",
            },
            {
                "grader": "c",
                "conversation_id": "c1",
                "criterion_id": "x",
                "auto_outcome": "pass",
                "human_outcome": "pass",
                "outcome": "pass",
            },
            {
                "grader": "a",
                "conversation_id": "c2",
                "criterion_id": "x",
                "auto_outcome": "pass",
                "human_outcome": "",
                "outcome": "pass",
            },
            {
                "grader": "a",
                "conversation_id": "c3",
                "criterion_id": "x",
                "auto_outcome": "fail",
                "human_outcome": "pass",
                "outcome": "pass",
            },
            {
                "grader": "b",
                "conversation_id": "c3",
                "criterion_id": "x",
                "auto_outcome": "fail",
                "human_outcome": "na",
                "outcome": "na",
            },
            {
                "grader": "a",
                "conversation_id": "c4",
                "criterion_id": "x",
                "auto_outcome": "fail",
                "human_outcome": "通过",
                "outcome": "pass",
            },
            {
                "grader": "a",
                "conversation_id": "c5",
                "criterion_id": "x",
                "auto_outcome": "fail",
                "human_outcome": "maybe",
                "outcome": "maybe",
            },
        ]
    ).to_csv(path, index=False, encoding="utf-8-sig")
    grades = read_grades(path)
    assert grades.of("x").to_dict() == {"c1": "fail", "c4": "pass"}  # c2 ungraded, c3 tied, c5 not a grade
    messages = [str(p) for p in grades.log.problems]
    assert any("c3" in m and "disagree" in m for m in messages)
    assert any(m.startswith(f"{path}:9:") and "'maybe'" in m for m in messages)
    assert grades.log.records_skipped == 1


def test_a_grades_file_without_the_columns_is_an_input_error(tmp_path):
    path = tmp_path / "grades.csv"
    path.write_text("conversation_id,verdict\nc1,pass\n", encoding="utf-8")
    with pytest.raises(InputError, match="lacks column.*criterion_id"):
        read_grades(path)


# training -----------------------------------------------------------------------------------


def test_training_cross_validates_and_writes_the_card(soothe, graded):
    card = soothe.card
    assert soothe.classes == ["fail", "na", "pass"]  # three-way: the grades had na
    assert card["criterion_id"] == "soothe" and card["rubric"]["id"] == "learned-test"
    assert card["data"]["per_class"] == graded[1].of("soothe").value_counts().sort_index().to_dict()
    assert card["data"]["fingerprint"].startswith("sha256:")
    cv = card["cross_validation"]
    assert cv["n"] == 120 and cv["kappa"] > 0.8 and cv["recall_fail"] > 0.8
    assert sum(sum(row.values()) for row in cv["confusion"].values()) == 120
    assert cv["rule_alone"] is None  # the rubric's soothe is manual: no rule to read
    assert any("抱歉" in f["feature"] or "歉" in f["feature"] for f in card["top_features"]["pass"])
    md = card_markdown(card)
    assert "| Cohen's κ |" in md and "Confusion" in md and "toward **fail**" in md


def test_the_rubric_rule_for_the_criterion_becomes_a_feature(graded, rubric_path):
    data, grades = graded
    rubric = require_rubric(rubric_path)
    rule = rule_of(rubric, "greeting")
    assert checks.Rule.model_validate_json(rule).check.type == "keywords"
    model = train_criterion(data.conversations, data.messages, grades, "greeting", rubric=rubric, folds=3)
    assert model.rule == rule and model.card["features"]["rule_from"] == "greeting"
    # these grades follow the rule exactly: the text cannot beat it, the rule's own outcome is kept
    assert model.card["cross_validation"]["rule_alone"]["kappa"] == model.card["cross_validation"]["kappa"] == 1.0
    assert model.card["chosen"]["model"] == "the rule's own outcome" and model.card["top_features"] == {}
    assert "the rule's own outcome (the text did not beat it)" in card_markdown(model.card)


def test_rule_of_keeps_the_when_and_drops_manual_and_learned_parts(tmp_path):
    rubric = require_rubric(
        write_rubric(
            tmp_path / "r.yaml",
            greeting_check="{type: any, checks: [{type: manual}, {type: keywords, phrases: [您好]}]}",
        )
    )
    assert checks.Rule.model_validate_json(rule_of(rubric, "greeting")).check.type == "keywords"
    assert rule_of(rubric, "soothe") is None
    zh = require_rubric("rubrics/ecommerce-zh.yaml")
    verify = checks.Rule.model_validate_json(rule_of(zh, "verify"))
    assert verify.when is not None and checks.phrases(verify.check, verify.when)


def test_too_few_grades_is_an_input_error(graded, rubric_path):
    data, _ = graded
    few = labels_from(
        pd.DataFrame(
            {
                "conversation_id": ["g0000", "g0001", "g0002"],
                "criterion_id": "soothe",
                "outcome": ["pass", "pass", "fail"],
            }
        ),
        "outcome",
        "g.csv",
    )
    with pytest.raises(InputError, match="needs at least 3 conversations of each of two outcomes"):
        train_criterion(data.conversations, data.messages, few, "soothe", folds=3)
    with pytest.raises(InputError, match="no grades for criterion 'nope'"):
        train_criterion(data.conversations, data.messages, few, "nope", folds=3)


# storage ------------------------------------------------------------------------------------


def test_a_model_round_trips_through_skops(tmp_path, soothe, graded):
    data, _ = graded
    loaded = load_model(save_model(soothe, tmp_path / "soothe.skops"))
    assert (loaded.criterion_id, loaded.rubric_id, loaded.rubric_version) == ("soothe", "learned-test", "1")
    assert loaded.card == soothe.card
    table = conversation_views(Chunk(data.conversations, data.messages))
    np.testing.assert_array_equal(loaded.predict(table)[0], soothe.predict(table)[0])


def test_a_model_file_of_format_1_loads_and_judges_the_same(tmp_path, soothe, graded):
    data, _ = graded
    payload = {
        "kind": "qa-toolkit-learned-criterion",
        "format_version": 1,  # vocabularies written as dicts, as releases before format 2 did
        "pipeline": soothe.pipeline,
        "criterion_id": soothe.criterion_id,
        "rubric_id": soothe.rubric_id,
        "rubric_version": soothe.rubric_version,
        "rule": soothe.rule,
        "card_json": json.dumps(soothe.card, ensure_ascii=False),
    }
    sio.dump(payload, tmp_path / "format-1.skops")
    loaded = load_model(tmp_path / "format-1.skops")
    table = conversation_views(Chunk(data.conversations, data.messages))
    np.testing.assert_array_equal(loaded.predict(table)[0], soothe.predict(table)[0])


def _refused(path, words: str) -> None:
    with pytest.raises(InputError) as err:
        load_model(path)
    assert "refusing to load the model" in str(err.value) and words in str(err.value)


def test_foreign_and_tampered_model_files_are_refused(tmp_path, soothe):
    sio.dump({"kind": "qa-toolkit-learned-criterion", "step": FunctionTransformer(func=eval)}, tmp_path / "evil.skops")
    _refused(tmp_path / "evil.skops", "builtins.eval")
    sio.dump(LogisticRegression(), tmp_path / "foreign.skops")
    _refused(tmp_path / "foreign.skops", "not a qa-toolkit learned criterion model")
    path = save_model(soothe, tmp_path / "m.skops")
    with zipfile.ZipFile(path) as z:
        entries = {name: z.read(name) for name in z.namelist()}
    schema = entries["schema.json"].decode()
    entries["schema.json"] = (
        schema.replace('"qa_toolkit.learning.features"', '"os"').replace('"ViewFeatures"', '"system"').encode()
    )
    with zipfile.ZipFile(tmp_path / "tampered.skops", "w") as z:
        for name, content in entries.items():
            z.writestr(name, content)
    _refused(tmp_path / "tampered.skops", "os.system")


def test_a_model_file_is_loaded_once_per_process(tmp_path, soothe, monkeypatch):
    path = save_model(soothe, tmp_path / "once.skops")
    calls = []
    real = store.load_model
    monkeypatch.setattr(store, "load_model", lambda p: calls.append(p) or real(p))
    assert cached_model(path) is cached_model(path)
    assert len(calls) == 1


# judging ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def learned_rubric(tmp_path_factory, soothe):
    folder = tmp_path_factory.mktemp("learned")
    save_model(soothe, folder / "models" / "soothe.skops")
    return write_rubric(folder / "rubric.yaml", soothe_check="{type: learned, model: models/soothe.skops}")


def test_a_learned_criterion_judges_with_the_deciding_message_as_evidence(learned_rubric):
    rubric = require_rubric(learned_rubric)  # the model path is relative to the rubric file
    data = chats(
        (
            "p",
            "a",
            [
                ("customer", "东西坏了，我要投诉"),
                ("agent", "您好，很高兴为您服务"),
                ("agent", "实在不好意思给您添麻烦了"),
                ("customer", "什么时候发货"),
                ("agent", "已为您查询，明天发货"),
            ],
        ),
        (
            "f",
            "a",
            [
                ("customer", "质量太差了"),
                ("agent", "订单号发一下"),
                ("customer", "这个有货吗"),
                ("agent", "可以的，稍后为您开具"),
            ],
        ),
        (
            "n",
            "a",
            [
                ("customer", "请问可以开发票吗"),
                ("agent", "您好，很高兴为您服务"),
                ("customer", "能改地址吗"),
                ("agent", "好的，已经登记了"),
            ],
        ),
    )
    results, _ = score_chunks(data.conversations, data.messages, rubric)
    soothe = results[results["criterion_id"] == "soothe"].set_index("conversation_id")
    assert soothe["outcome"].to_dict() == {"p": "pass", "f": "fail", "n": "na"}
    assert soothe.loc["p", "evidence_text"] == "实在不好意思给您添麻烦了"
    assert soothe.loc["f", "evidence_seq"] in (1, 3)
    assert pd.isna(soothe.loc["n", "evidence_seq"])
    assert 0.5 < float(soothe.loc["p", "evidence_match"]) <= 1.0


def test_a_model_for_another_criterion_or_rubric_version_is_refused(tmp_path, soothe):
    save_model(soothe, tmp_path / "soothe.skops")
    other = write_rubric(tmp_path / "other.yaml", greeting_check="{type: learned, model: soothe.skops}")
    with pytest.raises(InputError) as err:
        require_rubric(other)
    text = str(err.value)
    assert f"{tmp_path / 'soothe.skops'}" in text and "trained for criterion 'soothe'" in text
    assert "not for criterion 'greeting'" in text and "other.yaml:" in text
    bumped = write_rubric(tmp_path / "bumped.yaml", soothe_check="{type: learned, model: soothe.skops}", version="2")
    with pytest.raises(InputError, match="rubric learned-test 1, not for criterion 'soothe' of rubric learned-test 2"):
        require_rubric(bumped)
    missing = write_rubric(tmp_path / "missing.yaml", soothe_check="{type: learned, model: nowhere.skops}")
    with pytest.raises(InputError, match="cannot read the model file"):
        require_rubric(missing)
    # retraining the refused model needs the rubric all the same
    assert require_rubric(bumped, tolerate=("learned-model",)).version == "2"


def test_rules_and_a_learned_model_combine(tmp_path, soothe):
    save_model(soothe, tmp_path / "soothe.skops")
    path = write_rubric(
        tmp_path / "any.yaml",
        soothe_check=(
            "{type: any, checks: [{type: context, trigger: [投诉], phrases: [对不起]}, "
            "{type: learned, model: soothe.skops}]}"
        ),
    )
    rubric = require_rubric(path)
    data = chats(
        (
            "x",
            "a",
            [
                ("customer", "东西坏了，我要投诉"),
                ("agent", "订单号发一下"),
                ("agent", "非常抱歉让您久等了，理解您的心情"),
            ],
        )
    )
    results, _ = score_chunks(data.conversations, data.messages, rubric)
    row = results[results["criterion_id"] == "soothe"].iloc[0]
    assert row["outcome"] == "pass" and row["note"].startswith("check 2: the learned model says pass")


def test_views_read_opening_closing_and_the_customer_message_each_reply_answers():
    turns = [("customer", "在吗"), ("customer", "快递呢"), ("agent", "您好"), ("system", "请评价"), ("agent", "查一下")]
    data = chats(("v", "a", [*turns, ("customer", "好"), ("agent", "已催"), ("agent", "再见"), ("customer", "嗯")]))
    row = conversation_views(Chunk(data.conversations, data.messages)).iloc[0]
    assert row["opening"] == "您好" and row["closing"] == "查一下\n已催\n再见"
    assert row["agent"] == "您好\n查一下\n已催\n再见" and row["customer"] == "在吗\n快递呢\n好\n嗯"
    assert row["prompts"] == "快递呢\n好"  # bot/system lines are not read
    assert (row["n_agent"], row["n_customer"], row["customer_after_last_agent"]) == (4, 4, 1)


def test_where_the_rule_alone_decides_its_evidence_is_quoted(tmp_path, graded):
    data, grades = graded
    anywhere = "{type: keywords, phrases: [您好]}"  # in any agent message: its evidence need not be the first
    rubric = require_rubric(write_rubric(tmp_path / "r.yaml", greeting_check=anywhere))
    rule = rule_of(rubric, "greeting")
    table = training_set(Chunk(data.conversations, data.messages), grades.of("greeting"), rule)
    views = FOCUS["whole"]
    pipeline = build_pipeline(views).set_params(
        **{f"columns__{v}": "drop" for v in (*views, "counts")}, classifier=RuleOutcome(categories=RULE_CATEGORIES)
    )
    model = LearnedModel(pipeline.fit(table.table, table.y), "greeting", rubric.id, rubric.version, rule=rule)
    save_model(model, tmp_path / "greeting.skops")
    path = write_rubric(tmp_path / "r.yaml", greeting_check="{type: learned, model: greeting.skops}")
    data = chats(("x", "a", [("customer", "在吗"), ("agent", "请稍等"), ("agent", "您好，很高兴为您服务")]))
    results, _ = score_chunks(data.conversations, data.messages, require_rubric(path))
    row = results[results["criterion_id"] == "greeting"].iloc[0]
    assert row["outcome"] == "pass" and row["evidence_text"] == "您好，很高兴为您服务"


def test_the_simplest_candidate_within_one_standard_error_is_chosen():
    # the rule alone (first) is within one standard error of the best: it wins
    assert simplest_within_one_se({"mean_test_score": [0.70, 0.60, 0.74], "std_test_score": [0.1, 0.1, 0.1]}) == 0
    # the text clearly beats it: the best is chosen
    assert simplest_within_one_se({"mean_test_score": [0.30, 0.60, 0.74], "std_test_score": [0.1, 0.1, 0.03]}) == 2
    assert simplest_within_one_se({"mean_test_score": [float("nan"), 0.5], "std_test_score": [0.0, 0.0]}) == 1
