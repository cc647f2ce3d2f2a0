"""The one-pass phrase index (Aho-Corasick over the chunk's distinct texts + exact regex where
phrases overlap or exclusions occur) gives exactly the matches tests/spec/spec_phrases.py specifies, on
random texts made to be tricky: overlapping phrases, phrases inside phrases, exclusions,
repeated texts, case, CJK."""

import random
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from spec_phrases import phrases_said
from spec_settings import SEEDED, SPEC

from qa_toolkit.rubric import matching as _match
from qa_toolkit.rubric.checks._base import Chunk
from qa_toolkit.rubric.matching import matching_messages, phrase_hits

ALPHABET = ["抱", "歉", "非", "常", "您", "好", "a", "B", "b", " ", "，"]


def _chunk(rng: random.Random, n_conv: int = 12, alphabet=ALPHABET):
    conv, msgs, said = [], [], []
    for c in range(n_conv):
        cid = f"c{c:02d}"
        conv.append({"conversation_id": cid, "channel": "chat"})
        for s in range(rng.randint(0, 5)):
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
            if said and rng.random() < 0.4:  # templated replies: the same text again
                text = rng.choice(said)
            said.append(text)
            msgs.append(
                {
                    "conversation_id": cid,
                    "seq": s,
                    "role": rng.choice(["agent", "customer"]),
                    "text": None if rng.random() < 0.05 else text,
                }
            )
    conversations = pd.DataFrame(conv).astype("string")
    messages = pd.DataFrame(msgs, columns=["conversation_id", "seq", "role", "text"]).astype(
        {"conversation_id": "string", "seq": "Int64", "role": "string", "text": "string"}
    )
    return conversations, messages


def _words(rng: random.Random, k: int, alphabet=ALPHABET[:-2]) -> list[str]:
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 3))) for _ in range(k)]


@SPEC
@given(SEEDED)
def test_phrase_index_equals_the_phrase_spec(rng):
    conversations, messages = _chunk(rng)
    phrases, exclude = _words(rng, rng.randint(1, 4)), _words(rng, rng.randint(0, 2))
    vocabulary = frozenset(phrases + exclude) if rng.random() < 0.7 else frozenset()  # else: index grows lazily
    case = rng.random() < 0.2
    frames = Chunk(conversations, messages, vocabulary=vocabulary)
    mask = frames.role_mask("agent")
    got = phrase_hits(frames, mask, phrases, exclude, case_sensitive=case)
    agent = frames.messages[mask]
    want = _plain_regex(agent, phrases, exclude, case)
    assert list(zip(got.rows.tolist(), got.match.tolist())) == want
    framed = matching_messages(agent, phrases, exclude, case_sensitive=case)
    assert list(zip(framed.index.tolist(), framed["match"].tolist())) == want


@pytest.mark.parametrize("seed", range(20))
def test_texts_of_a_mask_are_its_messages_distinct_texts_shared_masks_kept(seed):
    rng = random.Random(seed)
    frames = Chunk(*_chunk(rng))
    codes, _ = frames.distinct
    agent = frames.role_mask("agent")
    mine = np.array([rng.random() < 0.5 for _ in range(len(codes))], dtype=bool)
    for mask in (agent, mine, frames.role_mask("any")):
        used = frames.texts_of(mask)
        assert np.flatnonzero(used).tolist() == np.unique(codes[mask]).tolist()
        assert not used.flags.writeable
    assert frames.texts_of(frames.role_mask("agent")) is frames.texts_of(agent)  # a shared mask: kept
    with pytest.raises(ValueError):
        agent[:] = True  # shared masks are read-only, so what is kept cannot go stale
    mine[:] = ~mine  # a caller's own mask may change: never kept
    assert np.flatnonzero(frames.texts_of(mine)).tolist() == np.unique(codes[mine]).tolist()


def _plain_regex(messages: pd.DataFrame, phrases, exclude, case_sensitive) -> list[tuple[int, str]]:
    """(row, phrase) per phrase each message says, as tests/spec/spec_phrases.py specifies."""
    return [
        (row, said)
        for row, text in zip(messages.index, messages["text"].fillna(""))
        for said in phrases_said(text, phrases, exclude, case_sensitive)
    ]


def test_index_handles_separator_characters_in_phrases():
    conversations = pd.DataFrame({"conversation_id": ["a", "b"]}).astype("string")
    messages = (
        pd.DataFrame({"conversation_id": ["a", "b"], "seq": [1, 1], "role": ["agent", "agent"], "text": ["x\ny", "y"]})
        .astype("string")
        .astype({"seq": "Int64"})
    )
    frames = Chunk(conversations, messages)
    every = np.ones(2, dtype=bool)
    hits = phrase_hits(frames, every, ["\x00", "\x1e", "\n", "\x1d", "y"])
    assert hits.rows.tolist() == [0, 0, 1] and hits.match.tolist() == ["\n", "y", "y"]


def test_frames_put_messages_in_conversation_order_and_drop_strangers():
    conversations = pd.DataFrame({"conversation_id": ["z", "a"]}).astype("string")
    messages = (
        pd.DataFrame(
            {
                "conversation_id": ["a", "z", "a", "other"],
                "seq": [2, 1, 1, 1],
                "role": ["agent"] * 4,
                "text": ["a2", "z1", "a1", "o"],
            }
        )
        .astype("string")
        .astype({"seq": "Int64"})
    )
    frames = Chunk(conversations, messages)
    assert frames.messages["text"].tolist() == ["z1", "a1", "a2"]
    assert frames.conv_of.tolist() == [0, 1, 1]
    assert frames.rank(frames.role_mask("agent")).tolist() == [0, 0, 1]
    assert frames.rank(frames.role_mask("agent"), reverse=True).tolist() == [0, 1, 0]


@pytest.mark.parametrize(
    "condition",
    [
        {"says": ["多久", "什么时候"]},
        {"says": ["您好"], "role": "agent"},
        {"says": ["Hello", "退款"], "role": "any"},
        {"not": {"any": [{"says": ["投诉"]}, {"field": "csat", "op": "<=", "value": 2}]}},
    ],
)
def test_says_from_the_phrase_index_equals_the_plain_condition(condition):
    from pydantic import TypeAdapter

    from qa_toolkit.io import read_conversations
    from qa_toolkit.resources import sample_data_dir
    from qa_toolkit.rubric.matching import saying
    from qa_toolkit.rubric.predicates import Predicate, evaluate, phrases_said

    ds = read_conversations(sample_data_dir() / "conversations.jsonl")
    pred = TypeAdapter(Predicate).validate_python(condition)
    frames = Chunk(ds.conversations, ds.messages, vocabulary=frozenset(phrases_said(pred)))
    plain = evaluate(pred, frames.conversations, frames.messages, frames.derived)
    fast = evaluate(pred, frames.conversations, frames.messages, frames.derived, lambda said: saying(frames, said))
    pd.testing.assert_series_equal(fast, plain)
    assert plain.fillna(False).any() and not plain.fillna(True).all()


@pytest.mark.parametrize(
    "message_ids",
    [
        ["a", "a", "b", "c", "c"],
        ["b", "a", "a", "c", "c"],
        ["a", "b", "a", "c", "c"],
        ["a", "a", "x", "c", "c"],
        ["a", "a", "b", "c", None],
    ],
)
def test_conversation_rows_equal_a_lookup_whatever_the_message_order(message_ids):
    from qa_toolkit.rubric.checks._base import _conversation_rows

    ids = pd.Series(["a", "b", "c"], dtype="string")
    messages = pd.Series(message_ids, dtype="string")
    assert _conversation_rows(ids, messages).tolist() == pd.Index(ids).get_indexer(messages).tolist()


@pytest.mark.parametrize("seed", range(40))
def test_first_regex_hits_equal_a_plain_search(seed):
    from qa_toolkit.rubric.matching import first_regex_hits

    rng = random.Random(seed)
    conversations, messages = _chunk(rng)
    frames = Chunk(conversations, messages)
    pattern, exclude = rng.choice([("抱歉|好", None), ("(非常)?抱歉", "非常抱"), ("[aB]+", "ab"), ("a b", None)])
    mask = frames.role_mask("agent")
    got = first_regex_hits(frames, mask, pattern, exclude)
    want, seen = [], set()
    for row, (conv, text) in enumerate(zip(frames.conv_of, frames.messages["text"].fillna(""))):
        if not mask[row] or conv in seen:
            continue
        found = re.search(pattern, re.sub(exclude, "\x1f", text) if exclude else text)
        if found:
            seen.add(conv)
            want.append((row, found.group()))
    assert list(zip(got.rows.tolist(), got.match.tolist())) == want


def test_first_regex_hits_with_nothing_in_scope_or_nothing_matching():
    from qa_toolkit.rubric.matching import first_regex_hits

    conversations, messages = _chunk(random.Random(1))
    frames = Chunk(conversations, messages)
    nobody = np.zeros(len(frames.messages), dtype=bool)
    for mask, pattern in ((nobody, "抱歉"), (frames.role_mask("agent"), "不会出现的话")):
        hits = first_regex_hits(frames, mask, pattern)
        assert hits.rows.tolist() == [] and hits.match.tolist() == []


@pytest.mark.parametrize("seed", range(20))
def test_used_texts_equal_unique_codes(seed):
    from qa_toolkit.rubric.matching import used_texts

    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 30, size=rng.integers(0, 200))
    mask = rng.random(len(codes)) < 0.3
    assert used_texts(codes, mask, 30).tolist() == np.unique(codes[mask]).tolist()
    rows = np.flatnonzero(mask)
    assert used_texts(codes, rows, 30).tolist() == np.unique(codes[rows]).tolist()


DIGITS = ["0", "1", "7", "１", "10", "2609185176639788"]  # ASCII digits (grouped away), a full-width one (kept)


@pytest.mark.parametrize("grouping", [1.0, 0.0])
@SPEC
@given(rng=SEEDED)
def test_phrase_index_over_digit_groups_equals_the_phrase_spec(grouping, rng):
    """Texts that differ only in digits are matched once as one group (always, with
    ``GROUPING_WORTH`` 1, never with 0); phrases with ASCII digits are matched on the texts
    themselves. Either way: the phrase spec's matches."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_match, "GROUPING_WORTH", grouping)
        check_digit_groups(rng)


def check_digit_groups(rng):
    """One generated chunk of texts with digits, matched through the phrase index."""
    conversations, messages = _chunk(rng, 16, ALPHABET + DIGITS * 2)
    words = ALPHABET[:-2] + ["1", "0", "１", "7a"]
    phrases, exclude = _words(rng, rng.randint(1, 4), words), _words(rng, rng.randint(0, 2), words)
    vocabulary = frozenset(phrases + exclude) if rng.random() < 0.7 else frozenset(_words(rng, 3))
    frames = Chunk(conversations, messages, vocabulary=vocabulary)
    mask = frames.role_mask("agent")
    got = phrase_hits(frames, mask, phrases, exclude)
    want = _plain_regex(frames.messages[mask], phrases, exclude, False)
    assert list(zip(got.rows.tolist(), got.match.tolist())) == want
    again = phrase_hits(frames, frames.role_mask("customer"), phrases[:1])  # the same index, asked again
    assert list(zip(again.rows.tolist(), again.match.tolist())) == _plain_regex(
        frames.messages[frames.role_mask("customer")], phrases[:1], [], False
    )


def test_digit_groups_keep_every_other_character_in_place():
    from qa_toolkit.rubric.matching import _digit_groups

    texts = pd.Series(
        [
            "订单2609185176639788已发货",
            "订单1111111111111111已发货",
            "abc",
            "ａ１２",
            "",
            "9a9",
            "订单0000000000000000已发货",
        ]
        * 3,
        dtype="string",
    )
    codes, kept = _digit_groups(texts)
    assert kept.tolist() == ["订单0000000000000000已发货", "abc", "ａ１２", "", "0a0"]
    assert codes.tolist() == [0, 0, 1, 2, 3, 4, 0] * 3
    free_text = pd.Series([f"第{i}句：{chr(0x4E00 + i)}" for i in range(50)], dtype="string")  # differ beyond digits
    assert _digit_groups(free_text) is None


@pytest.mark.parametrize("texts", [[], [""], ["", ""], ["您好，订单123", "您好，订单456", "abc"]])
def test_phrase_index_over_chunked_or_empty_texts(texts):
    """Texts in several Arrow chunks (or none, or only empty ones) are indexed as one column."""
    import pyarrow as pa

    from qa_toolkit.rubric.matching import PhraseIndex

    chunked = pd.Series(
        pd.arrays.ArrowStringArray(
            pa.chunked_array([pa.array(texts[:1], pa.large_string()), pa.array(texts[1:], pa.large_string())])
        )
    )
    index = PhraseIndex(chunked, ["您好", "订单", "b", "123"])
    hits = index.hits(np.ones(len(texts), dtype=bool), ["您好", "b", "123"], [])
    assert list(zip(hits.rows.tolist(), hits.match.tolist())) == _plain_regex(
        pd.DataFrame({"text": texts}, dtype="string"), ["您好", "b", "123"], [], False
    )


@pytest.mark.parametrize(
    "text, phrases",
    [
        ("abcdefg", ["abcde", "bc", "def"]),  # one inside, one running past the end
        ("abcdefg", ["abcde", "bc", "efg"]),
        ("abcdef abcdef", ["abcdef", "b", "cd", "e"]),  # only phrases inside a longer one
        ("abcd", ["ab", "abc", "bcd", "d"]),
        ("abcdefgh", ["abcdef", "cd", "ef", "fgh"]),  # past the end of the first, not of its neighbour
        ("您好很高兴为您服务", ["很高兴为您服务", "为您服务", "您好", "好很"]),
    ],
)
def test_phrases_inside_and_across_others_match_as_the_regex(text, phrases):
    conversations = pd.DataFrame({"conversation_id": ["a"]}).astype("string")
    messages = (
        pd.DataFrame({"conversation_id": ["a"], "seq": [1], "role": ["agent"], "text": [text]})
        .astype("string")
        .astype({"seq": "Int64"})
    )
    frames = Chunk(conversations, messages, vocabulary=frozenset(phrases))
    hits = phrase_hits(frames, np.ones(1, dtype=bool), phrases)
    assert list(zip(hits.rows.tolist(), hits.match.tolist())) == _plain_regex(frames.messages, phrases, [], False)
