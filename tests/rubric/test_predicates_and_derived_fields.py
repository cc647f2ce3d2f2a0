"""The vectorised derived fields, language detection and field conditions give exactly what the
groupby / value-by-value implementation they replaced gave, on the sample data and on
hand-made edge cases (no messages, foreign and missing ids, untimed messages, English, emoji,
CJK block edges, mixed-type and list columns)."""

import itertools
import json
import operator

import numpy as np
import pandas as pd
import pytest
from pydantic import TypeAdapter

from qa_toolkit import frames
from qa_toolkit.io.validate import as_bool
from qa_toolkit.resources import sample_conversations
from qa_toolkit.rubric import predicates
from qa_toolkit.rubric.predicates import (
    AllOf,
    AnyOf,
    FieldTest,
    NotOf,
    Predicate,
    derived_fields,
    detect_language,
)


# ---------------------------------------------------------------------------------------------
# REFERENCE ORACLE: a frozen copy of qa_toolkit/rubric/predicates.py's derived fields, language
# detection and field-condition evaluation before vectorisation (groupby + value_counts, per
# value Python calls). Do not "fix" it: the fast code must agree with it.
def oracle_derived_fields(conversations, messages):
    ids = conversations["conversation_id"]
    counts = messages.groupby("conversation_id")["role"].value_counts().unstack(fill_value=0)
    out = pd.DataFrame(index=pd.Index(ids, name="conversation_id"))
    total = messages.groupby("conversation_id").size()
    out["n_messages"] = total.reindex(out.index).fillna(0).astype("Int64")
    for role in ("agent", "customer"):
        col = counts[role] if role in counts.columns else pd.Series(dtype="Int64")
        out[f"n_{role}_messages"] = col.reindex(out.index).fillna(0).astype("Int64")
    conv = conversations.set_index("conversation_id")
    span = messages.groupby("conversation_id")["ts"].agg(["min", "max"]).reindex(out.index)
    # handle time changed on purpose since the freeze (one definition, timing.handle_seconds):
    # ended_at - started_at when both are known, else the messages' span; negative is unknown
    declared = (conv["ended_at"] - conv["started_at"]).dt.total_seconds() \
        if {"started_at", "ended_at"} <= set(conv.columns) else pd.Series(np.nan, index=out.index)
    handle = declared.fillna((span["max"] - span["min"]).dt.total_seconds())
    out["handle_time_s"] = handle.where(handle >= 0).astype("float64")
    out["language"] = oracle_detect_language(messages).reindex(out.index).astype("string")
    return out


def oracle_detect_language(messages):
    texts = messages["text"].astype("string").fillna("")
    cjk = pd.Series(texts.str.count("[\u4e00-\u9fff]").to_numpy(), index=messages.index)
    latin = pd.Series(texts.str.count("[A-Za-z]").to_numpy(), index=messages.index)
    by = messages["conversation_id"]
    cjk, latin = cjk.groupby(by).sum(), latin.groupby(by).sum()
    letters = cjk + latin
    lang = pd.Series("en", index=cjk.index, dtype="string").mask(cjk >= 0.3 * letters, "zh")
    return lang.mask(letters == 0, pd.NA)


_O_COMPARE = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
              ">": operator.gt, ">=": operator.ge}


def oracle_evaluate(pred, conversations, messages, derived):
    index = pd.Index(conversations["conversation_id"], name="conversation_id")
    if isinstance(pred, (AllOf, AnyOf)):
        parts = [oracle_evaluate(p, conversations, messages, derived) for p in (pred.all if isinstance(pred, AllOf) else pred.any)]
        out = parts[0]
        for p in parts[1:]:
            out = (out & p) if isinstance(pred, AllOf) else (out | p)
        return out
    if isinstance(pred, NotOf):
        return ~oracle_evaluate(pred.not_, conversations, messages, derived)
    if pred.field in conversations.columns:
        values = conversations.set_index("conversation_id")[pred.field]
    elif pred.field in predicates.DERIVED_FIELDS:
        values = derived[pred.field]
    elif pred.op in ("missing", "present"):
        return pd.Series(pred.op == "missing", index=index, dtype="boolean")
    else:
        return pd.Series(pd.NA, index=index, dtype="boolean")
    values = values.reindex(index)
    present = oracle_map_distinct(values, oracle_present).astype("boolean")
    if pred.op == "present":
        return present
    if pred.op == "missing":
        return ~present
    result = oracle_map_distinct(values, lambda v: oracle_apply(pred.op, v, pred.value) if oracle_present(v) else pd.NA)
    return result.astype("boolean")


def oracle_map_distinct(values, func):
    cache = {}
    try:
        out = [cache[key] if (key := (type(v), v)) in cache else cache.setdefault(key, func(v))
               for v in values.tolist()]
    except TypeError:
        return values.map(func)
    return pd.Series(out, index=values.index, dtype=object)


def oracle_present(v):
    if isinstance(v, (list, tuple)):
        return True
    return not (v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v))  # noqa: PLR0124


def oracle_apply(op, left, right):
    try:
        if op == "contains":
            return right in left if isinstance(left, (list, tuple, str)) else pd.NA
        if op in ("in", "not in"):
            options = right if isinstance(right, (list, tuple)) else [right]
            found = left in options or str(left) in [str(o) for o in options]
            return found if op == "in" else not found
        if isinstance(left, str) and isinstance(right, bool):
            left = as_bool(left) is True
        if isinstance(left, pd.Timestamp) and isinstance(right, str):
            right = pd.Timestamp(right, tz=left.tz) if pd.Timestamp(right).tz is None else pd.Timestamp(right)
        return bool(_O_COMPARE[op](left, right))
    except (TypeError, ValueError):
        return pd.NA
# ------------------------------------------------------------------ end of the reference oracle


def load_sample():
    convs, msgs = [], []
    with open(sample_conversations(), encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            convs.append({k: v for k, v in rec.items() if k != "messages"})
            msgs += [{"conversation_id": rec["conversation_id"], "seq": i, **m} for i, m in enumerate(rec["messages"])]
    return frames.conform(pd.DataFrame(convs), frames.CONVERSATIONS), frames.conform(pd.DataFrame(msgs), frames.MESSAGES)


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
    conv = pd.DataFrame(EDGE_CONVERSATIONS, columns=["conversation_id", "channel", "started_at", "ended_at", "csat",
                                                     "tags", "escalated", "refund_amount"])
    conv = frames.conform(conv, frames.CONVERSATIONS)
    conv["escalated"] = conv["escalated"].astype(object)
    msgs = pd.DataFrame(EDGE_MESSAGES, columns=["conversation_id", "role", "ts", "text"])
    msgs["seq"] = msgs.groupby("conversation_id", dropna=False).cumcount()
    return conv, frames.conform(msgs, frames.MESSAGES)


def test_derived_fields_match_the_oracle_on_edge_cases():
    conv, msgs = edge_frames()
    got = derived_fields(conv, msgs)
    pd.testing.assert_frame_equal(got, oracle_derived_fields(conv, msgs))
    assert got["language"].tolist()[:3] == ["zh", "en", pd.NA] and pd.isna(got.loc["g", "language"])
    assert got.loc["a", "n_messages"] == 3 and got.loc["e", "n_messages"] == 2 and got.loc["g", "n_messages"] == 0
    assert got.loc["b", "handle_time_s"] == 300.0 and got.loc["a", "handle_time_s"] == 600.0


def test_derived_fields_match_the_oracle_on_the_sample_data():
    conv, msgs = load_sample()
    got = derived_fields(conv, msgs)
    pd.testing.assert_frame_equal(got, oracle_derived_fields(conv, msgs))
    assert set(got["language"].dropna()) == {"zh", "en"} and got["handle_time_s"].notna().all()
    # shuffled messages, a sub-chunk of conversations, untimed and text-less messages
    msgs = msgs.sample(frac=1.0, random_state=3)
    msgs.loc[msgs.index[::7], "ts"] = pd.NaT
    msgs.loc[msgs.index[::11], "text"] = pd.NA
    sub = conv.iloc[::3].assign(started_at=pd.Series(pd.NaT, index=conv.index, dtype=conv["started_at"].dtype))
    pd.testing.assert_frame_equal(derived_fields(sub, msgs), oracle_derived_fields(sub, msgs))


@pytest.mark.parametrize("unit", ["s", "ms", "us"])
def test_timestamp_units_and_naive_times(unit):
    conv, msgs = edge_frames()
    msgs["ts"] = msgs["ts"].astype(f"datetime64[{unit}, Asia/Shanghai]")
    pd.testing.assert_frame_equal(derived_fields(conv, msgs), oracle_derived_fields(conv, msgs))
    naive_conv = conv.assign(started_at=conv["started_at"].dt.tz_localize(None),
                             ended_at=conv["ended_at"].dt.tz_localize(None))
    naive_msgs = msgs.assign(ts=msgs["ts"].dt.tz_localize(None))
    pd.testing.assert_frame_equal(derived_fields(naive_conv, naive_msgs), oracle_derived_fields(naive_conv, naive_msgs))


def test_empty_frames():
    conv, msgs = edge_frames()
    pd.testing.assert_frame_equal(derived_fields(conv, msgs.iloc[:0]), oracle_derived_fields(conv, msgs.iloc[:0]))
    assert derived_fields(conv.iloc[:0], msgs).empty


def test_detect_language_matches_the_oracle():
    _, msgs = edge_frames()
    pd.testing.assert_series_equal(detect_language(msgs), oracle_detect_language(msgs))
    _, sample = load_sample()
    pd.testing.assert_series_equal(detect_language(sample), oracle_detect_language(sample))


def test_letter_counts_equal_regex_counts_on_random_text():
    rng = np.random.default_rng(5)
    alphabet = list("aZ09 ,.!\n") + ["\u4e00", "\u4dff", "\u4e01", "\u9fff", "\ua000", "\u3400", "\u4db5", "\u4dc0",
                                     "ｚ", "é", "😊", "\U00020000", "，", "ǅ"]
    texts = pd.Series(["".join(rng.choice(alphabet, size=rng.integers(0, 90))) for _ in range(3000)] + [None],
                      dtype="string")
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


CONDITIONS = [
    {"field": "csat", "op": ">=", "value": 3}, {"field": "csat", "op": "==", "value": 5},
    {"field": "csat", "op": "<", "value": 2.5}, {"field": "csat", "op": ">=", "value": "3"},
    {"field": "csat", "op": "==", "value": True}, {"field": "csat", "op": "in", "value": [1, "2", 5]},
    {"field": "csat", "op": "missing"}, {"field": "csat", "op": "present"},
    {"field": "channel", "op": "not in", "value": ["email"]}, {"field": "channel", "op": "==", "value": "chat"},
    {"field": "channel", "op": "<", "value": "d"}, {"field": "channel", "op": "contains", "value": "ha"},
    {"field": "channel", "op": "in", "value": "chat"},
    {"field": "started_at", "op": ">=", "value": "2026-09-07 09:00"},
    {"field": "started_at", "op": "<", "value": "2026-09-10T00:00:00+00:00"},
    {"field": "started_at", "op": "==", "value": "not a date"}, {"field": "started_at", "op": "!=", "value": "NaT"},
    {"field": "started_at", "op": ">", "value": 3},
    {"field": "ended_at", "op": "missing"},
    {"field": "refund_amount", "op": ">", "value": 0}, {"field": "refund_amount", "op": "==", "value": 0.0},
    {"field": "refund_amount", "op": ">=", "value": 2**60}, {"field": "refund_amount", "op": "<", "value": 2**60 + 1},
    {"field": "refund_amount", "op": "!=", "value": True},
    {"field": "escalated", "op": "==", "value": True}, {"field": "escalated", "op": "!=", "value": True},
    {"field": "escalated", "op": "==", "value": 1}, {"field": "escalated", "op": "in", "value": [1]},
    {"field": "escalated", "op": "present"},
    {"field": "tags", "op": "contains", "value": "complaint"}, {"field": "tags", "op": "==", "value": ["x"]},
    {"field": "tags", "op": "missing"},
    {"field": "handle_time_s", "op": ">", "value": 300}, {"field": "handle_time_s", "op": "<=", "value": 300.0},
    {"field": "n_messages", "op": ">=", "value": 2}, {"field": "n_agent_messages", "op": "==", "value": 0},
    {"field": "n_messages", "op": ">", "value": 2**63},
    {"field": "language", "op": "==", "value": "zh"}, {"field": "language", "op": "missing"},
    {"field": "no_such_field", "op": "==", "value": 1}, {"field": "no_such_field", "op": "missing"},
    {"any": [{"field": "transferred", "op": "missing"}, {"field": "transferred", "op": "!=", "value": True}]},
    {"all": [{"field": "csat", "op": "<=", "value": 2}, {"not": {"field": "channel", "op": "in", "value": ["phone"]}}]},
]


@pytest.mark.parametrize("condition", CONDITIONS, ids=[json.dumps(c, ensure_ascii=False) for c in CONDITIONS])
def test_conditions_match_the_oracle(condition):
    pred = TypeAdapter(Predicate).validate_python(condition)
    for conv, msgs in (edge_frames(), load_sample_with_extras()):
        derived = derived_fields(conv, msgs)
        got = predicates.evaluate(pred, conv, msgs, derived)
        pd.testing.assert_series_equal(got, oracle_evaluate(pred, conv, msgs, derived))
        assert str(got.dtype) == "boolean"


_SAMPLE = {}


def load_sample_with_extras():
    """The sample with a float and a mixed-type column, some values blanked."""
    if not _SAMPLE:
        conv, msgs = load_sample()
        rng = np.random.default_rng(1)
        conv["refund_amount"] = np.where(rng.random(len(conv)) < 0.3, np.nan, rng.integers(0, 500, len(conv)) / 4)
        conv["escalated"] = pd.Series(rng.choice(np.array([True, False, "yes", "否", 1, 0.0, None], dtype=object),
                                                 len(conv)), dtype=object)
        conv.loc[conv.index[::5], "csat"] = pd.NA
        conv.loc[conv.index[::9], "started_at"] = pd.NaT
        _SAMPLE["frames"] = (conv, msgs)
    return _SAMPLE["frames"]


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
    msgs = msgs.assign(conversation_id=msgs["conversation_id"].astype(dtype))
    pd.testing.assert_series_equal(detect_language(msgs), oracle_detect_language(msgs))


def distinct_texts(msgs):
    """The messages' texts as Frames.distinct gives them: numbers into distinct texts ("" for none)."""
    codes, texts = pd.factorize(msgs["text"].astype("string").fillna(""))
    return codes.astype(np.int64), pd.Series(texts, dtype="string")


@pytest.mark.parametrize("cut", ["all", "every third", "no messages"])
def test_derived_fields_from_distinct_texts_match_the_oracle(cut):
    """Letters counted once per distinct text (the chunk's ``Frames.distinct``) give the same
    languages; repeated, missing, Chinese and English texts, messages of other conversations."""
    conv, msgs = load_sample()
    msgs = pd.concat([msgs, msgs.iloc[::5]], ignore_index=True)  # repeated texts
    msgs.loc[msgs.index[::11], "text"] = pd.NA
    conv = {"all": conv, "every third": conv.iloc[::3], "no messages": conv}[cut]
    msgs = msgs.iloc[:0] if cut == "no messages" else msgs
    rows = pd.Index(conv["conversation_id"]).get_indexer(msgs["conversation_id"])
    got = derived_fields(conv, msgs, rows, distinct_texts(msgs))
    pd.testing.assert_frame_equal(got, oracle_derived_fields(conv, msgs))
    pd.testing.assert_frame_equal(got, derived_fields(conv, msgs))


def test_a_chunks_derived_fields_match_the_oracle():
    """Through ``Frames.derived``, which hands over its conversation rows and distinct texts."""
    from qa_toolkit.rubric.checks._base import Frames

    for conv, msgs in (edge_frames(), load_sample()):
        chunk = Frames(conv, msgs)
        pd.testing.assert_frame_equal(chunk.derived, oracle_derived_fields(chunk.conversations, chunk.messages))
