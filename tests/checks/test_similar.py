"""The `similar` check: its array machinery gives the cosine its docstring defines (checked
against a plain-Python reading of the definition), and `qa rubric test` runs its examples."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from qa_toolkit.cli import main
from qa_toolkit.io import conversations_from_records
from qa_toolkit.rubric.checks import similar
from qa_toolkit.rubric.checks._base import Chunk


def _reference_grams(text: str, low: int, high: int) -> Counter:
    text = " ".join(unicodedata.normalize("NFKC", text).lower().split())
    return Counter(text[i : i + n] for n in range(low, high + 1) for i in range(len(text) - n + 1))


def _reference_closeness(message: str, phrasing: str, low: int = 1, high: int = 3) -> float:
    """The definition read plainly: best cosine of the message's sentences to the phrasing."""
    p = _reference_grams(re.sub(similar.SENTENCE_END, "", phrasing), low, high)
    best = 0.0
    for sentence in re.split(similar.SENTENCE_END, unicodedata.normalize("NFKC", message).lower()):
        s = _reference_grams(sentence.strip(), low, high)
        if s and p:
            dot = sum(c * p[g] for g, c in s.items())
            best = max(best, dot / math.sqrt(sum(c * c for c in s.values()) * sum(c * c for c in p.values())))
    return best


def test_closeness_is_the_documented_cosine():
    rng = np.random.default_rng(5)
    pieces = [
        "很抱歉",
        "让您久等了",
        "理解您的心情",
        "我马上处理",
        "亲",
        "好的好的",
        "Sorry for the wait",
        "！",
        "。",
        "，",
    ]
    messages = ["".join(rng.choice(pieces, size=rng.integers(1, 6))) for _ in range(300)]
    phrasings = ["很抱歉让您久等了", "理解您着急的心情！", "sorry for the long wait"]
    records = [
        {"conversation_id": f"c{i}", "channel": "chat", "agent_id": "a", "messages": [{"role": "agent", "text": m}]}
        for i, m in enumerate(messages)
    ]
    data = conversations_from_records(records)
    config = similar.Config(type="similar", approved=phrasings, threshold=0.5)
    out = similar.evaluate(config, Chunk(data.conversations, data.messages)).frame()
    expected = [max(_reference_closeness(m, p) for p in phrasings) >= 0.5 for m in messages]
    assert (out["outcome"] == "pass").tolist() == expected
    assert 0 < sum(expected) < len(expected)
    notes = out["note"].str.extract(r"\((?:best )?([0-9.]+)")[0].astype(float).tolist()
    assert np.allclose(notes, [round(max(_reference_closeness(m, p) for p in phrasings), 2) for m in messages])


RUBRIC = """\
id: similar-test
version: "1"
name: similar
language: zh
sections:
  - id: attitude
    name: 服务态度
    weight: 100
    criteria:
      - id: apology
        name: 致歉安抚
        status: shadow
        check: {type: similar, approved: [非常抱歉给您带来不便, 很抱歉让您久等了], forbidden: [这个不归我管]}
        examples:
          - name: reworded apology
            expect: pass
            messages: [{customer: 怎么还没到}, {agent: 真的很抱歉让您等了这么久}]
          - name: brushed off
            expect: {expect}
            messages: [{customer: 怎么还没到}, {agent: 这事不归我管}]
"""


def test_rubric_test_runs_similar_examples(tmp_path):
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(RUBRIC.replace("{expect}", "fail"), encoding="utf-8")
    bad.write_text(RUBRIC.replace("{expect}", "pass"), encoding="utf-8")
    r = CliRunner().invoke(main, ["rubric", "test", str(good)])
    assert r.exit_code == 0 and "2/2 examples passed" in r.output, r.output
    r = CliRunner().invoke(main, ["rubric", "test", str(bad)])
    assert r.exit_code == 1 and "expected pass, got fail (close to forbidden '这个不归我管'" in r.output, r.output


def test_no_phrasings_is_a_rubric_error():
    with pytest.raises(ValueError, match="needs approved or forbidden phrasings"):
        similar.Config(type="similar")


def test_texts_without_sentences_are_never_close():
    data = conversations_from_records(
        [
            {
                "conversation_id": "x",
                "channel": "chat",
                "agent_id": "a",
                "messages": [{"role": "agent", "text": "。。！"}, {"role": "agent", "text": ""}],
            }
        ]
    )
    out = similar.evaluate(similar.Config(type="similar", approved=["您好"]), Chunk(data.conversations, data.messages))
    assert pd.Series(out.labels()).tolist() == ["fail"]
