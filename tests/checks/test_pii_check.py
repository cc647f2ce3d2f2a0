"""The pii check as rewritten (texts in scope by marking, leaking rows by a per-text number,
notes once per leaking text) gives the same outcomes, evidence, matches and notes as the
version it replaced, on random chunks of Chinese and English messages with and without leaks,
repeated texts, missing texts and an empty scope."""

import random

import numpy as np
import pandas as pd
import pytest

from qa_toolkit.privacy import find_first_pii
from qa_toolkit.rubric.checks import pii
from qa_toolkit.rubric.checks._base import Frames, Outcomes


# ------------------------------------------------------------------ frozen copy of the old check
def old_evaluate(config, frames):
    codes, texts = frames.distinct
    rows = np.flatnonzero(frames.scope(config))
    wanted = np.unique(codes[rows])
    found_kind, found_masked = find_first_pii(texts.iloc[wanted], config.kinds)
    kind, masked = np.full(len(texts), None, dtype=object), np.full(len(texts), None, dtype=object)
    kind[wanted] = found_kind.to_numpy(dtype=object, na_value=None)
    masked[wanted] = found_masked.to_numpy(dtype=object, na_value=None)
    rows = rows[kind[codes[rows]] != None]  # elementwise
    out = Outcomes(frames, "pass")
    out.put(rows, "fail", [f"personal data ({k}) in agent text" for k in kind[codes[rows]].tolist()],
            masked[codes[rows]])
    return out
# ------------------------------------------------------------------------------- end of the copy


TEXTS = ["您好，很高兴为您服务", "您的手机号是13812345678", "订单号2609185176639788已发货", "身份证11010519491231002X",
         "card 6222 0202 0011 2233 446", "邮箱 zhang.san@example.com", "寄到上海市浦东新区张江路88号3栋201室",
         "Your phone 13912345678 is verified.", "Hello, how can I help?", "全角１３８１２３４５６７８", "", None]


def _chunk(seed: int):
    rng = random.Random(seed)
    conv, msgs = [], []
    for c in range(rng.randint(0, 25)):
        cid = f"c{c:03d}"
        conv.append({"conversation_id": cid})
        for s in range(rng.randint(0, 6)):
            text = rng.choice(TEXTS)
            if text and rng.random() < 0.3:  # a text of its own
                text = f"{text} {rng.randrange(10**11, 10**12)}"
            msgs.append({"conversation_id": cid, "seq": s, "role": rng.choice(["agent", "customer", "agent"]),
                         "text": text})
    conversations = pd.DataFrame(conv, columns=["conversation_id"]).astype("string")
    messages = pd.DataFrame(msgs, columns=["conversation_id", "seq", "role", "text"]).astype(
        {"conversation_id": "string", "seq": "Int64", "role": "string", "text": "string"})
    return Frames(conversations, messages)


@pytest.mark.parametrize("seed", range(60))
def test_pii_check_equals_the_old_check(seed):
    frames = _chunk(seed)
    kinds = [["mobile", "id_number", "bank_card", "email"], ["address", "email"], [], ["mobile"]][seed % 4]
    config = pii.Config(type="pii", kinds=kinds, role=["agent", "any", "customer"][seed % 3])
    new, old = pii.evaluate(config, frames), old_evaluate(config, frames)
    assert new.outcome.tolist() == old.outcome.tolist()
    assert new.message.tolist() == old.message.tolist()
    for field in ("match", "note"):
        got, want = getattr(new, field), getattr(old, field)
        assert [got.values[c] for c in got.codes] == [want.values[c] for c in want.codes]


def test_the_random_chunks_reach_leaks_and_empty_chunks():
    fails = [int((pii.evaluate(pii.Config(type="pii"), _chunk(s)).outcome == 1).sum()) for s in range(60)]
    sizes = [_chunk(s).n for s in range(60)]
    assert sum(fails) > 50 and 0 in sizes
