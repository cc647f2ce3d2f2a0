"""Fast privacy primitives give the same answers as the per-character implementation they
replaced: find_pii, mask_text, mask_series and the pii check's first-match search, on the
sample data and on hand-made edge cases (full-width and exotic digits, NFKC length changes)."""

import json
import random
import re
import unicodedata
from functools import cache

import numpy as np
import pandas as pd
import pytest
from stdnum import luhn
from stdnum.cn import ric

from qa_toolkit import privacy
from qa_toolkit.privacy import (
    PII_KINDS,
    find_first_pii,
    find_pii,
    mask_series,
    mask_text,
    may_hold_pattern,
)
from qa_toolkit.resources import sample_conversations

# ---------------------------------------------------------------------------------------------
# REFERENCE ORACLE: a frozen copy of qa_toolkit/privacy.py as it was before the fast path
# (per-character NFKC loop, every regex on every text, pre-filter row by row). Do not "fix" it:
# it is what the fast implementation must agree with.
_O_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9][0-9](?:[- ]?[0-9]{4}){2}(?![0-9])")
_O_ID = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9])")
_O_CARD = re.compile(r"(?<![0-9])[3-6][0-9]{3}(?:[ -]?[0-9]{4}){2,3}(?:[ -]?[0-9]{1,3})?(?![0-9])")
_O_CARD_CONTEXT = re.compile(r"(?:卡号|银行卡|信用卡|储蓄卡|借记卡|card)", re.IGNORECASE)
_O_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_O_CJK = "\u4e00-\u9fff"
_O_ADDRESS = re.compile(
    rf"(?:[{_O_CJK}]{{2,6}}(?:省|自治区))?(?:[{_O_CJK}]{{2,6}}(?:市|州|盟))?[{_O_CJK}]{{1,6}}(?:区|县|旗|镇)"
    rf"[{_O_CJK}A-Za-z0-9]{{1,20}}?(?:路|街|道|巷|弄|村|大道)[0-9一二三四五六七八九十百]+号"
    rf"(?:[0-9A-Za-z一二三四五六七八九十]+(?:栋|幢|号楼|单元|室|楼|层))*"
)
_O_MAY_HOLD_PII = r"[0-9０-９@＠]|[路街道巷弄村]"


def oracle_normalise(text):
    out = []
    for ch in text:
        norm = unicodedata.normalize("NFKC", ch)
        out.append(norm if len(norm) == 1 else ch)
    return "".join(out)


def _o_ric_is_valid(number):
    """``ric.is_valid``, except that a region code stdnum records without a county (636811...)
    is invalid: stdnum raises KeyError there (the one change to this oracle: it crashed)."""
    try:
        return ric.is_valid(number)
    except KeyError:
        return False


def oracle_find_pii(text):
    """(kind, start, end, text, masked) tuples, as the old find_pii returned them."""
    if not text or not isinstance(text, str):
        return []
    norm = oracle_normalise(text)
    found, taken = [], []

    def add(kind, m):
        if any(m.start() < e and s < m.end() for s, e in taken):
            return
        taken.append((m.start(), m.end()))
        found.append((kind, m.start(), m.end(), text[m.start():m.end()]))

    def is_card(m):
        number = re.sub(r"[^0-9Xx]", "", m.group())
        if not 16 <= len(number) <= 19 or not luhn.is_valid(number):
            return False
        grouped = " " in m.group() or "-" in m.group()
        return grouped or bool(_O_CARD_CONTEXT.search(norm[max(0, m.start() - 12):m.start()]))

    for m in _O_ID.finditer(norm):
        if _o_ric_is_valid(m.group()):
            add("id_number", m)
    for m in _O_CARD.finditer(norm):
        if is_card(m):
            add("bank_card", m)
    for m in _O_MOBILE.finditer(norm):
        add("mobile", m)
    for m in _O_EMAIL.finditer(norm):
        add("email", m)
    for m in _O_ADDRESS.finditer(norm):
        add("address", m)
    return [(k, s, e, t, privacy.mask_value(k, t)) for k, s, e, t in sorted(found, key=lambda p: p[1])]


def oracle_mask_text(text):
    if not isinstance(text, str):
        return text
    parts, pos = [], 0
    for _, start, end, _, masked in oracle_find_pii(text):
        parts += [text[pos:start], masked]
        pos = end
    return "".join(parts) + text[pos:]


def oracle_mask_series(series):
    out = series.copy()
    candidates = series.astype("string").str.contains(_O_MAY_HOLD_PII, regex=True, na=False)
    if candidates.any():
        out.loc[candidates] = series.loc[candidates].map(oracle_mask_text)
    return out


def oracle_first(text, kinds):
    """What the pii check took from a message: the first match of ``kinds`` (kind, masked)."""
    return next(((k, masked) for k, _, _, _, masked in oracle_find_pii(text) if k in kinds), (None, None))
# ------------------------------------------------------------------ end of the reference oracle


VALID_ID = "11010519491231002X"
VALID_CARD = "6222020200112233446"
EDGE_CASES = [
    "您的手机号13812345678已登记",
    "全角号码１３８１２３４５６７８，请核对",
    "上标¹³⁸¹²³⁴⁵⁶⁷⁸和圈号①③⑧①②③④⑤⑥⑦⑧",  # exotic digits NFKC turns into ASCII
    "数学粗体𝟏𝟑𝟖𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖",
    f"身份证号{VALID_ID}，核对一下",
    f"身份证 {VALID_ID.lower()}",
    "身份证号110105194912310021",  # bad check digit
    f"银行卡号{VALID_CARD}",
    "card 6222 0202 0011 2233 446",
    "卡号：6222-0202-0011-2233-446",
    f"订单{VALID_CARD}",  # Luhn-valid without card context: an order number
    "订单号 202611240013812345678 已发货",
    "邮箱 zhang.san@example.com 或 ｌｉ＠ｅｘａｍｐｌｅ．ｃｏｍ",
    "e-mail: a.b-c+d@mail.example.org.",
    "寄到上海市浦东新区张江路88号3栋201室",
    "广东省深圳市南山区科技园大道一百号",
    "北京市朝阳区建国路",  # no 号: not an address
    "订单号2609075154646636，我看一下具体情况。",
    "Please call me at +86 138-1234-5678 tomorrow.",
    "My card is 4111 1111 1111 1111, thanks",
    "Hello, how can I help you today?",
    "好的😊 13912345678 👍🏻",
    "ﬁle ﬂow ㎏ ㍿ 13812345678",  # ligatures and squared words: NFKC longer than one char
    "e\u0301 13812345678 Å ℃ Ω",  # combining accent, angstrom, ohm: composition and singletons
    "⼈⼯路１号 ⾞道二号",  # Kangxi radicals normalise to CJK ideographs
    "＋８６　１３８　１２３４　５６７８",  # full-width plus and ideographic spaces
    "１３８－１２３４\u00a0５６７８ and 6222\u20030202\u20030011\u20032233\u2003446 卡号",  # exotic separators
    "尾号5678，订单2609075154646636，号码138 1234 5678",
    "",
    " ",
    "\x00控制字符13812345678\x1f",
    "没有个人信息",
]


@cache
def sample_texts():
    with open(sample_conversations(), encoding="utf-8") as f:
        return [m["text"] for line in f for m in json.loads(line)["messages"]]


def test_find_pii_matches_the_oracle_on_edge_cases():
    for text in EDGE_CASES:
        got = [(m.kind, m.start, m.end, m.text, m.masked) for m in find_pii(text)]
        assert got == oracle_find_pii(text), text
        assert mask_text(text) == oracle_mask_text(text), text


def test_find_pii_and_mask_text_match_the_oracle_on_the_sample_data():
    texts = sample_texts()
    assert len(texts) > 10000
    held = 0
    for text in texts:
        expected = oracle_find_pii(text)
        held += bool(expected)
        assert [(m.kind, m.start, m.end, m.text, m.masked) for m in find_pii(text)] == expected, text
    assert held > 50  # the sample holds leaks, so the comparison is not vacuous


TOKENS = ["1", "3", "8", "１", "³", "①", "𝟖", "@", "＠", "a", "x", "X", " ", "-", ".", "路", "号", "区", "市",
          "道", "一", "e\u0301", "ﬁ", "，", "卡号", "com", "\u3000", "ᄀ", "ᅡ", "\u0345", "\u0f73",
          "138", "1234", "５６７８", "13812345678", "110105", "19491231002X", "6222020200112233446", "4111 1111",
          "zhang@example.com", "@mail.cn", "浦东新区", "张江路", "88号", "3栋", "+86 "]


def random_texts(n, seed):
    """Deterministic random texts: arbitrary code points (no surrogates) and PII-ish tokens."""
    rng = random.Random(seed)

    def char():
        cp = rng.choice([rng.randrange(0x80), rng.randrange(0x3000), rng.randrange(0x110000)])
        return chr(cp) if not 0xD800 <= cp <= 0xDFFF else "?"

    return ["".join(rng.choice(TOKENS) if rng.random() < 0.7 else char() for _ in range(rng.randrange(12)))
            for _ in range(n)]


def test_normalise_matches_the_per_character_loop():
    for text in random_texts(3000, seed=1):
        assert privacy._normalise(text) == oracle_normalise(text), ascii(text)


def test_find_pii_matches_the_oracle_on_generated_text():
    kinds = set()
    for text in random_texts(3000, seed=2):
        expected = oracle_find_pii(text)
        kinds.update(k for k, *_ in expected)
        assert [(m.kind, m.start, m.end, m.text, m.masked) for m in find_pii(text)] == expected, ascii(text)
    assert kinds == set(PII_KINDS)  # every kind was met, so the comparison is not vacuous


def test_offsets_stay_exact_when_nfkc_changes_length():
    text = "ﬁ㍿ １３８１２３４５６７８"
    (m,) = find_pii(text)
    assert text[m.start:m.end] == "１３８１２３４５６７８" and m.masked == "138****5678"


@pytest.mark.parametrize("dtype", ["string", "str", object])
def test_mask_series_matches_the_oracle(dtype):
    texts = EDGE_CASES + sample_texts()[:3000] + [None] + EDGE_CASES  # repeats on purpose
    series = pd.Series(texts, dtype=dtype, index=np.arange(len(texts)) * 3, name="evidence_text")
    got = mask_series(series)
    expected = pd.Series([oracle_mask_text(t) for t in series], index=series.index, dtype=dtype, name=series.name)
    pd.testing.assert_series_equal(got, expected)
    # the old pre-filter missed digits NFKC turns into ASCII (superscripts, circled, maths);
    # everywhere else the fast column masking equals the old one
    exotic = series.astype("string").str.contains("[¹²³⁰-⁹①-⑨𝟎-𝟿]", na=False).to_numpy()
    pd.testing.assert_series_equal(got[~exotic], oracle_mask_series(series)[~exotic])
    assert got[exotic].str.contains("****", regex=False).all()


def test_mask_series_keeps_non_text_values_and_missing():
    series = pd.Series([13812345678, None, "tel 13912345678", float("nan"), "tel 13912345678"], dtype=object)
    out = mask_series(series)
    assert out.tolist()[0] == 13812345678 and out.tolist()[1] is None and np.isnan(out.tolist()[3])
    assert out.tolist()[2] == out.tolist()[4] == "tel 139****5678"
    assert mask_series(pd.Series([], dtype="string")).empty


@pytest.mark.parametrize("kinds", [PII_KINDS, ("mobile", "id_number", "bank_card", "email"), ("email",),
                                   ("address",), ("mobile",)])
def test_find_first_pii_matches_the_pii_checks_old_search(kinds):
    texts = pd.Series(EDGE_CASES + sample_texts()[:4000] + [None], dtype="string")
    texts.index = texts.index + 100
    kind, masked = find_first_pii(texts, kinds)
    expected = [oracle_first(t, set(kinds)) if isinstance(t, str) else (None, None) for t in texts]
    assert kind.index.equals(texts.index) and masked.index.equals(texts.index)
    assert [None if pd.isna(k) else k for k in kind] == [k for k, _ in expected]
    assert [None if pd.isna(m) else m for m in masked] == [m for _, m in expected]
    assert str(kind.dtype) == "string" and str(masked.dtype) == "string"


def _per_char_targets(targets: str) -> set[str]:
    """Every character whose one-character NFKC form is in ``targets``."""
    out = set()
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        if ch in targets or (unicodedata.decomposition(ch) and oracle_normalise(ch) in targets):
            out.add(ch)
    return out


def test_prefilter_classes_cover_every_character_nfkc_maps_onto_a_trigger():
    """The RE2 pre-filter looks at the original text, the regexes at the NFKC form: the
    pre-filter's character classes must hold every character NFKC maps onto a digit, '@' or a
    number separator or road marker, or a leak written in such characters would escape masking."""
    for chars, targets in ((privacy._DIGIT_LIKE, "0123456789"), (privacy._SEPARATOR_LIKE, "- "),
                           (privacy._AT_LIKE, "@"), (privacy._ROAD_LIKE, "路街道巷弄村")):
        cls = re.compile(f"[{chars}]")
        missing = sorted(c for c in _per_char_targets(targets) if not cls.fullmatch(c))
        assert not missing, [hex(ord(c)) for c in missing]
    assert _per_char_targets("号") == {"号"}


def test_may_hold_pattern_runs_in_re2_and_is_needed_per_kind():
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = ["tel 13812345678", "a@b.cn", "浦东新区张江路88号", "尾号5678", "１３８－１２３４\u3000５６７８", "﹫",
             "1381234567", "138--1234-5678", "订单号2609210878696063，我看一下", "+8613812345678", "213812345678",
             f"ID {VALID_ID}", f"{VALID_ID[:-1]}01", f"卡号{VALID_CARD}", "card 6222 0202 0011 2233", "张江路88号",
             "新区张江路八十八号", "新区张江路⼋⼗⼋号"]
    hits = {k: pc.match_substring_regex(pa.array(texts), may_hold_pattern([k])).to_pylist() for k in PII_KINDS}
    picked = {k: [t for t, hit in zip(texts, hits[k]) if hit] for k in PII_KINDS}
    assert picked["mobile"] == ["tel 13812345678", "１３８－１２３４\u3000５６７８", "+8613812345678"]
    assert picked["id_number"] == [f"ID {VALID_ID}"]
    assert picked["bank_card"] == [f"卡号{VALID_CARD}", "card 6222 0202 0011 2233"]
    assert picked["email"] == ["a@b.cn", "﹫"]
    assert picked["address"] == ["浦东新区张江路88号", "新区张江路八十八号", "新区张江路⼋⼗⼋号"]
    with pytest.raises(ValueError):
        may_hold_pattern([])


def test_prefilter_digit_classes_are_exact():
    """``[^digit-like]`` stands for the lookbehind ``(?<![0-9])``, so each digit's class must
    hold exactly the characters NFKC turns into that digit: one too many would hide a leak."""
    for digit in range(10):
        assert set(privacy._digit_forms(digit)) == _per_char_targets(str(digit)), digit
    assert set(privacy._NUMERAL_LIKE) >= _per_char_targets("一二三四五六七八九十百")
    assert _per_char_targets("区县旗镇") == set("区县旗镇")


def _with_check_digit(first17):
    return first17 + ric.calc_check_digit(first17 + "0")


def test_id_number_validation_equals_stdnum():
    """The cached birth-place lookup answers exactly as ric.is_valid: bad check digits, bad
    dates, unknown regions, and regions valid only in some years (110103 until 2010, 110112
    from 1997)."""
    rng = random.Random(4)
    regions = ["110105", "110103", "110112", "110110", "440305", "310115", "999999", "100000", "652901"]
    numbers = []
    for _ in range(1500):
        birth = f"{rng.randrange(1890, 2030)}{rng.randrange(0, 14):02d}{rng.randrange(0, 33):02d}"
        number = _with_check_digit(rng.choice(regions) + birth + f"{rng.randrange(1000):03d}")
        if rng.random() < 0.2:  # a wrong check digit
            number = number[:-1] + rng.choice("0123456789X".replace(number[-1], ""))
        numbers.append(number.lower() if rng.random() < 0.3 else number)
    numbers += [VALID_ID, VALID_ID.lower(), "110105194912310021", _with_check_digit("11010320100101123"),
                _with_check_digit("11010320110101123"), _with_check_digit("11011219960101123"),
                _with_check_digit("11011219970101123"), _with_check_digit("11010519490229123")]
    numbers += [_with_check_digit("63681119710101123")]  # a region without a county: stdnum raises KeyError
    got = [privacy._is_id_number(n) for n in numbers]
    assert got == [_o_ric_is_valid(n) for n in numbers]
    assert 100 < sum(got) < len(numbers) - 100


def test_find_first_pii_without_kinds_finds_nothing():
    texts = pd.Series(["tel 13812345678", None], dtype="string", index=[5, 7])
    kind, masked = find_first_pii(texts, [])
    assert kind.isna().all() and masked.isna().all() and kind.index.tolist() == [5, 7]



# --- the RE2 pre-filter never drops a text holding personal data (randomised, seeded) ---------
_NOISE = ["+86", "86", "+８６ ", "卡号", "card", "CARD ", "订单号", "尾号", "，", " ", "X", "x", "Ｘ", "\n",
          "zhang.san@example.com", "li＠ｅｘａｍｐｌｅ．ｃｏｍ", "a﹫b.cn", "浦东新区", "南山区", "张江路", "科技园大道",
          "⼋⼗⼋号", "一百号", "88号", "3栋", "201室"]
_SEPS = ["", "", "", "", "", " ", "-", "\u3000", "\u00a0", "\uff0d", "--"]


def _pii_ish_number(rng):
    """Digits that are often a leak: a mobile, a valid ID (either case), a Luhn-valid card, or any run."""
    roll = rng.randrange(5)
    if roll == 0:
        return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
    if roll == 1:
        number = _with_check_digit(f"{rng.choice(['110105', '440305', '310115', '110103'])}{rng.randrange(1950, 2011)}"
                                   f"{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}{rng.randrange(1000):03d}")
        return number.lower() if rng.random() < 0.3 else number
    if roll == 2:
        body = rng.choice("3456") + "".join(rng.choice("0123456789") for _ in range(rng.randrange(14, 18)))
        return body + luhn.calc_check_digit(body)
    return "".join(rng.choice("0123456789") for _ in range(rng.randrange(1, 21)))


def _written(number, rng):
    """``number`` with each digit maybe in another form NFKC maps onto it, and maybe separators:
    in groups (3-4-4 like a mobile, 4-4-4 like a card) or anywhere."""
    first, every = rng.choice([(99, 99), (99, 99), (3, 4), (4, 4), (1, 1)])
    out = []
    for i, ch in enumerate(number):
        if i and ch.isdigit() and number[i - 1].isdigit() and i >= first and (i - first) % every == 0:
            out.append(rng.choice(_SEPS[4:]) if every > 1 else rng.choice(_SEPS))
        out.append(rng.choice(privacy._digit_forms(int(ch))) if ch.isdigit() and rng.random() < 0.3 else ch)
    return "".join(out)


def pii_ish_texts(n, seed):
    """Deterministic texts of order numbers, leaks in exotic digits and separators, and noise."""
    rng = random.Random(seed)

    def token():
        roll = rng.random()
        if roll < 0.45:
            return _written(_pii_ish_number(rng), rng)
        if roll < 0.55:  # an address, its number in any digits or numerals
            number = rng.choice([_written(str(rng.randrange(1, 300)), rng), "八十八", "⼋⼗⼋", "㊀百"])
            return f"{rng.choice(['浦东新区', '南山区', '某县', '中'])}{rng.choice(['张江路', '科技园大道', '人民街', '路'])}{number}号"
        if roll < 0.85:
            return rng.choice(_NOISE)
        return "".join(chr(rng.choice([rng.randrange(0x80), rng.randrange(0x3000, 0xA000), rng.randrange(0xFF00, 0xFF20)]))
                       for _ in range(rng.randrange(3)))

    return ["".join(token() for _ in range(rng.randrange(8))) for _ in range(n)]


def test_the_prefilter_keeps_every_text_holding_personal_data():
    """Per kind, every generated text the oracle finds that kind in passes that kind's RE2
    pre-filter; column masking equals the oracle; and the test is not vacuous: every kind occurs,
    and the pre-filter rules out some texts holding 11+ digits in a row."""
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = pii_ish_texts(6000, seed=5)
    found = [{kind for kind, *_ in oracle_find_pii(t)} for t in texts]
    for kind in PII_KINDS:
        kept = pc.match_substring_regex(pa.array(texts), may_hold_pattern([kind])).to_pylist()
        missed = [ascii(t) for t, f, k in zip(texts, found, kept) if kind in f and not k]
        assert not missed, (kind, missed[:5])
        assert sum(kind in f for f in found) > 20, kind
    kept = pc.match_substring_regex(pa.array(texts), may_hold_pattern()).to_pylist()
    assert sum(not k and bool(re.search("[0-9]{11}", oracle_normalise(t))) for t, k in zip(texts, kept)) > 100
    series = pd.Series(texts, dtype="string")
    assert mask_series(series).tolist() == [oracle_mask_text(t) for t in texts]
    kind, masked = find_first_pii(series, ["mobile", "id_number", "bank_card"])
    expected = [oracle_first(t, {"mobile", "id_number", "bank_card"}) for t in texts]
    assert [None if pd.isna(k) else k for k in kind] == [k for k, _ in expected]
    assert [None if pd.isna(m) else m for m in masked] == [m for _, m in expected]


def test_remembered_searches_answer_as_fresh_ones():
    """find_pii remembers short texts' searches: a repeat gives an equal, new list; a text
    longer than the remembered length is searched every time, with the same answer."""
    privacy._remembered.cache_clear()
    text = f"手机13812345678，身份证{VALID_ID}"
    first, again = find_pii(text), find_pii(text)
    assert first == again and first is not again and privacy._remembered.cache_info().hits == 1
    first.clear()
    assert [m.kind for m in find_pii(text)] == ["mobile", "id_number"]
    long = "你好" * privacy._REMEMBER_LEN + text
    assert [(m.kind, m.start - 2 * privacy._REMEMBER_LEN) for m in find_pii(long)] == [("mobile", 2), ("id_number", 17)]
    assert privacy._remembered.cache_info().currsize == 1


def test_luhn_equals_stdnum():
    rng = random.Random(6)
    numbers = ["".join(rng.choice("0123456789") for _ in range(rng.randrange(1, 20))) for _ in range(4000)]
    numbers += [VALID_CARD, "4111111111111111", "4111111111111112", "0", "00", "18", "59"]
    got = [privacy._luhn_valid(n) for n in numbers]
    assert got == [luhn.is_valid(n) for n in numbers]
    assert 300 < sum(got) < len(numbers) - 300


def test_mask_at_equals_masking_those_values_one_by_one():
    """mask_at (for the evidence of a chunk: its distinct texts, some of them used) equals the
    values at those positions masked by the oracle and every other value untouched."""
    from qa_toolkit.privacy import mask_at

    texts = pd.Series(EDGE_CASES + sample_texts()[:2000] + pii_ish_texts(2000, seed=7) + [None], dtype="string")
    rng = np.random.default_rng(8)
    for at in (np.flatnonzero(rng.random(len(texts)) < 0.5), rng.integers(0, len(texts), 300), np.arange(len(texts)),
               np.array([], dtype=np.int64)):
        expected = texts.copy()
        expected.iloc[at] = [oracle_mask_text(t) if isinstance(t, str) else t for t in texts.iloc[at]]
        got = mask_at(texts, at)
        pd.testing.assert_series_equal(got, expected)
    assert (mask_at(texts, np.arange(len(texts))) != texts).sum() > 500
