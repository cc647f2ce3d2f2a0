"""Derived fields and language detection on hand-made edge cases (no messages, foreign and
missing ids, untimed messages, English, emoji, CJK block edges), the letter counts and bit
counts under them, and the shortcuts a chunk hands over (its conversation rows, distinct texts);
the rules themselves are checked against tests/spec/test_derived_fields_spec.py and
tests/spec/test_conditions_spec.py."""

import itertools
import json

import numpy as np
import pandas as pd
import pytest

from qa_toolkit import frames
from qa_toolkit.resources import sample_conversations
from qa_toolkit.rubric import predicates
from qa_toolkit.rubric.predicates import (
    FieldTest,
    derived_fields,
    detect_language,
)


def load_sample():
    convs, msgs = [], []
    with open(sample_conversations(), encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            convs.append({k: v for k, v in rec.items() if k != "messages"})
            msgs += [{"conversation_id": rec["conversation_id"], "seq": i, **m} for i, m in enumerate(rec["messages"])]
    return frames.conform(pd.DataFrame(convs), frames.CONVERSATIONS), frames.conform(
        pd.DataFrame(msgs), frames.MESSAGES
    )


EDGE_MESSAGES = [
    ("a", "customer", "2026-09-07 09:00:00", "你好，我想退货"),
    ("a", "agent", "2026-09-07 09:01:30.250", "好的，请提供订单号"),
    ("a", "bot", None, "[机器人] 已转人工"),
    ("b", "customer", "2026-09-07 10:00:00", "Hello, I want a refund for order 123"),
    ("b", "agent", "2026-09-07 10:05:00", "Sure! 好的"),
    ("c", "customer", None, "😊👍🏻 !!! 123"),  # no letters: language unknown
    ("d", "system", None, None),
    ("e", "customer", "2026-09-07 11:00:00", "\u4e00\u9fff\u3400\u4dbf\u4dc0\ua000 ＡＢＣ abc"),  # CJK block edges
    ("e", None, "2026-09-07 11:30:00", "no role"),
    ("zz", "agent", "2026-09-07 12:00:00", "a conversation outside the frame"),
    (None, "agent", "2026-09-07 12:00:00", "no conversation id"),
    ("f", "customer", "2026-09-07 13:00:00", "mixed English and 中文 text ok"),
]
EDGE_CONVERSATIONS = [
    # id, channel, started_at, ended_at, csat, tags, escalated (object: mixed), refund (float)
    ("a", "chat", "2026-09-07 09:00:00", "2026-09-07 09:10:00", 5, ["complaint"], True, 12.5),
    ("b", "email", None, None, None, [], "yes", float("nan")),
    ("c", "phone", "2026-09-07 09:00:00", None, 1, ["vip", "complaint"], 1, 0.0),
    ("d", None, None, None, 3, [], None, -0.0),
    ("e", "chat", None, "2026-09-07 12:00:00", 2, ["x"], "1", 2.0**60),
    ("f", "chat", "2026-09-07 13:00:00", "2026-09-07 12:59:00", 4, [], False, 1e-9),
    ("g", "social", None, None, None, [], 1.0, 300.0),  # no messages at all
]


def edge_frames():
    conv = pd.DataFrame(
        EDGE_CONVERSATIONS,
        columns=["conversation_id", "channel", "started_at", "ended_at", "csat", "tags", "escalated", "refund_amount"],
    )
    conv = frames.conform(conv, frames.CONVERSATIONS)
    conv["escalated"] = conv["escalated"].astype(object)
    msgs = pd.DataFrame(EDGE_MESSAGES, columns=["conversation_id", "role", "ts", "text"])
    msgs["seq"] = msgs.groupby("conversation_id", dropna=False).cumcount()
    return conv, frames.conform(msgs, frames.MESSAGES)


def test_derived_fields_on_edge_cases_by_hand():
    conv, msgs = edge_frames()
    got = derived_fields(conv, msgs)
    assert got["language"].tolist()[:3] == ["zh", "en", pd.NA] and pd.isna(got.loc["g", "language"])
    assert got.loc["a", "n_messages"] == 3 and got.loc["e", "n_messages"] == 2 and got.loc["g", "n_messages"] == 0
    assert got.loc["b", "handle_time_s"] == 300.0 and got.loc["a", "handle_time_s"] == 600.0


def test_empty_frames():
    conv, msgs = edge_frames()
    got = derived_fields(conv, msgs.iloc[:0])
    assert got["n_messages"].tolist() == [0] * len(conv) and got["language"].isna().all()
    assert derived_fields(conv.iloc[:0], msgs).empty


def test_letter_counts_equal_regex_counts_on_random_text():
    rng = np.random.default_rng(5)
    alphabet = list("aZ09 ,.!\n") + [
        "\u4e00",
        "\u4dff",
        "\u4e01",
        "\u9fff",
        "\ua000",
        "\u3400",
        "\u4db5",
        "\u4dc0",
        "ｚ",
        "é",
        "😊",
        "\U00020000",
        "，",
        "ǅ",
    ]
    texts = pd.Series(
        ["".join(rng.choice(alphabet, size=rng.integers(0, 90))) for _ in range(3000)] + [None], dtype="string"
    )
    cjk, latin = predicates._letter_counts(texts)
    filled = texts.fillna("")
    assert cjk.tolist() == filled.str.count("[\u4e00-\u9fff]").tolist()
    assert latin.tolist() == filled.str.count("[A-Za-z]").tolist()
    sliced = texts.iloc[17:2000]  # an arrow slice with an offset
    assert predicates._letter_counts(sliced)[0].tolist() == filled.iloc[17:2000].str.count("[\u4e00-\u9fff]").tolist()


def test_count_between_at_word_edges():
    rng = np.random.default_rng(9)
    for size in (0, 1, 63, 64, 65, 128, 1000):
        flags = rng.random(size) < 0.4
        edges = [c for c in (63, 64, 65, 128) if c <= size]
        cuts = np.unique(np.r_[0, rng.integers(0, size + 1, 20), edges, size].astype(np.int64))
        expected = [int(flags[a:b].sum()) for a, b in itertools.pairwise(cuts)]
        assert predicates._count_between(flags, cuts).tolist() == expected


def test_field_test_value_validation_still_applies():
    with pytest.raises(ValueError):
        FieldTest(field="csat", op=">=")


def test_derived_fields_with_the_callers_conversation_rows():
    conv, msgs = edge_frames()
    rows = pd.Index(conv["conversation_id"]).get_indexer(msgs["conversation_id"])
    pd.testing.assert_frame_equal(derived_fields(conv, msgs, rows), derived_fields(conv, msgs))


@pytest.mark.parametrize("dtype", ["string", "str", object])
def test_detect_language_keeps_the_id_dtype(dtype):
    _, msgs = edge_frames()
    expected = detect_language(msgs)
    msgs = msgs.assign(conversation_id=msgs["conversation_id"].astype(dtype))
    pd.testing.assert_series_equal(detect_language(msgs), expected, check_index_type=False)


def distinct_texts(msgs):
    """The messages' texts as Chunk.distinct gives them: numbers into distinct texts ("" for none)."""
    codes, texts = pd.factorize(msgs["text"].astype("string").fillna(""))
    return codes.astype(np.int64), pd.Series(texts, dtype="string")


@pytest.mark.parametrize("cut", ["all", "every third", "no messages"])
def test_derived_fields_from_distinct_texts_equal_those_from_the_messages(cut):
    """Letters counted once per distinct text (the chunk's ``Chunk.distinct``) give the same
    languages; repeated, missing, Chinese and English texts, messages of other conversations."""
    conv, msgs = load_sample()
    msgs = pd.concat([msgs, msgs.iloc[::5]], ignore_index=True)  # repeated texts
    msgs.loc[msgs.index[::11], "text"] = pd.NA
    conv = {"all": conv, "every third": conv.iloc[::3], "no messages": conv}[cut]
    msgs = msgs.iloc[:0] if cut == "no messages" else msgs
    rows = pd.Index(conv["conversation_id"]).get_indexer(msgs["conversation_id"])
    got = derived_fields(conv, msgs, rows, distinct_texts(msgs))
    pd.testing.assert_frame_equal(got, derived_fields(conv, msgs))
