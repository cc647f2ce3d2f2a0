"""Personal data in conversation text: find it (for the `pii` check) and mask it (for every
output a person reads). One module, so what a check calls a leak is exactly what a report hides.

Kinds (``PII_KINDS``), each as people really write it:

- ``mobile``: mainland mobiles, 1[3-9] and nine more digits, with or without +86, written
  together or with up to three spaces, tabs, dots, dashes (also — and –), underscores,
  slashes, middle dots or invisible format characters (zero-width space, soft hyphen …)
  between any two digits (138 1234 5678, 138.1234.5678, 138 123 456 78), or spelt out in
  Chinese numerals (一三八…, 幺 for 1, 壹贰叁… too; not mixed with digits). A number with
  separators must not go on across one (the tail of a grouped order number is no mobile), and
  dots only as its one kind of separator (a price list is no mobile);
- ``id_number``: 18-character resident ID numbers, separators as above, with a right GB 11643
  check digit, a province code and a real birth date in 1900–2099. Not the county: a county
  list by year (python-stdnum's) misses every number of a county newer than its holder
  (Pudong, 310115, from 1993) — a checksum-valid number is masked whatever its county;
- ``bank_card``: 16–19 digits near a card word (卡号, 银行卡, 工行卡, 账号, card …: the nearest
  number word in the 40 characters before, so an order number after 订单 is not one, or the
  first in the 12 after), or grouped like a card (4-4-4-4) from 2-6 or 9 and passing Luhn, or
  written together from a Chinese issuer's range (62 UnionPay, 9558 ICBC) and passing Luhn (a
  19-digit debit card needs no card word) — none of these after an order word;
- ``email``: local part in ASCII or Chinese, domain labels and top-level domain in ASCII or
  Chinese (张三@例子.中国), a space allowed either side of the @;
- ``address``: a road and house number (… 路/街/大道/巷/弄/胡同 [N 段] N 号, 道 only after a
  province, city, district or town), an estate and building (… 小区/花园/公寓… N 栋/号楼…),
  or a village group (… 村 N 组), each with its buildings, units and rooms; masked after the
  province/city/district/town it starts with;
- ``wechat`` and ``qq``: an account after its word (微信号: abc_123, vx abc123, 加V abc123,
  QQ 12345678) and WeChat's own ``wxid_…`` ids: they identify a person as a phone number
  does. Letters-only WeChat ids need a marker (微信号, id, a colon), so "WeChat payment" stays.

Text is NFKC-normalised character by character first, so full-width digits (１３８…) are found
while match offsets still point into the original text. Numbers written together (most: order
numbers) are judged by their length alone, as their regexes would judge them.

Speed: the per-character normalisation replaces only the characters NFKC changes (looked up
once per distinct character); each kind's regex runs only when its anchor (11 digits, '@', a
road or estate marker before a number, an account word) is in the text; columns go through
``mask_series`` / ``mask_at`` / ``find_first_pii``, which look at each distinct text once and
only at texts the RE2 pre-filter ``may_hold_pattern`` cannot rule out — per kind, the kind's
own regex spelled over every character NFKC maps onto its characters, so the order numbers
that fill shop chats stay in Arrow; and ``find_pii`` remembers the searches of short texts
(bounded LRU), so the pii check and evidence masking search a text once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING

from qa_toolkit.arrowtext import large_strings

if TYPE_CHECKING:  # the column functions import them when called: problem messages are masked
    import numpy as np  # with this module, and `qa --help` must not wait for pandas
    import pandas as pd

PII_KINDS = ("id_number", "bank_card", "mobile", "email", "address", "wechat", "qq")


def _cls(chars: str, negate: bool = False) -> str:
    """A character class of exactly ``chars``, for Python ``re`` and RE2 alike."""
    body = "".join("\\" + c if c in "\\]^-[" else c for c in sorted(set(chars)))
    return f"[{'^' if negate else ''}{body}]"


class _Lazy:
    """A regex compiled when first used: the patterns over CJK ranges (e-mail, addresses,
    accounts) take tens of milliseconds to compile, which every `qa` start would pay — problem
    messages are masked with this module. From then on the compiled pattern's own ``search``,
    ``match`` and ``finditer`` answer, with nothing in between."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern

    def __getattr__(self, name: str):
        compiled = re.compile(self.pattern)
        self.search, self.match, self.finditer = compiled.search, compiled.match, compiled.finditer
        return getattr(compiled, name)


def _nocase(word: str) -> str:
    """``word`` as a pattern matching its ASCII letters in either case (not ``re.I``: Python's
    adds ı, İ, ſ and K, which the RE2 pre-filter would not know)."""
    return "".join(_cls(c.lower() + c.upper()) if c.isascii() and c.isalpha() else re.escape(c) for c in word)


# -- the characters, as the regexes see them (after NFKC) ------------------------------------
_CJK = "\u4e00-\u9fff"
#: what may stand between two digits of one number, at most three in a row: spaces, tabs, dots,
#: dashes, underscores, slashes, middle dots, and the invisible format characters (soft hyphen,
#: zero-width and direction marks) that hide a number from a filter
_SEPARATORS = (
    " \t.-_/\u00b7\u2010\u2013\u2014\u2015\u2212"
    "\u00ad\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064"
    "\u2066\u2067\u2068\u2069\ufeff"
)
_SEP = _cls(_SEPARATORS) + "{0,3}"
_HAS_SEPARATOR = re.compile(_cls(_SEPARATORS))
_SEPARATOR_RUN = re.compile(_cls(_SEPARATORS) + "+")
_PLUS_86 = re.compile(rf"(?:\+?86{_SEP}(?=1))?")
#: Chinese numerals per digit, as a phone number is spelt out (幺 for 1; 壹贰叁… the 大写 forms)
_NUMERALS = {
    "0": "〇零",
    "1": "一幺壹",
    "2": "二贰",
    "3": "三叁",
    "4": "四肆",
    "5": "五伍",
    "6": "六陆",
    "7": "七柒",
    "8": "八捌",
    "9": "九玖",
}
_AS_DIGITS = str.maketrans({c: d for d, spelt in _NUMERALS.items() for c in spelt})
_NUMERAL = _cls("".join(_NUMERALS.values()))
#: numbers in addresses (八十八号, 一百号, 四段十一号, 88-1号); buildings may have letters (B座)
_HOUSE_NUMERALS = "0123456789〇零一二三四五六七八九十百千"
_BUILDING_NUMERALS = _HOUSE_NUMERALS + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
#: characters that end a lead-in ("寄到", "邮箱是", "问一下"): a name after them starts there
_LEAD_IN = re.compile(r".*[是到给发至为址往在住寄于从去送的和或下箱件:：]")

# -- numbers: ID, card, mobile ----------------------------------------------------------------
_ID = re.compile(rf"(?<![0-9])[1-9](?:{_SEP}[0-9]){{16}}{_SEP}[0-9Xx](?![0-9])")
_CARD = re.compile(rf"(?<![0-9])[1-9](?:{_SEP}[0-9]){{15,18}}(?![0-9])")
_CARD_GROUPS = re.compile(rf"[0-9]{{4}}(?:{_SEP}[0-9]{{4}}){{3}}(?:{_SEP}[0-9]{{1,3}})?")
_MOBILE = re.compile(rf"(?<![0-9])(?:\+?86{_SEP})?1{_SEP}[3-9](?:{_SEP}[0-9]){{9}}(?![0-9])")
# (the numeral before the first one is looked for after it: a pattern that starts with a
# character class lets Python's re skip to the candidates)
_MOBILE_SPELT = re.compile(
    rf"{_cls(_NUMERALS['1'])}(?<!{_NUMERAL}.){_SEP}{_cls(''.join(_NUMERALS[d] for d in '3456789'))}"
    rf"(?:{_SEP}{_NUMERAL}){{9}}(?!{_NUMERAL})"
)
#: 11 or more digits and separators from a digit to a digit (or X): every ID, card and ASCII
#: mobile lies in such a run, so their regexes look only there
_NUMBER_RUN = re.compile(rf"[0-9]{_cls('0123456789' + _SEPARATORS)}{{9,}}[0-9Xx]")
#: a number written with separators goes on across one here: it is part of a longer number
_RUNS_ON = {
    digit: (re.compile(rf"{digit}{_cls(_SEPARATORS)}{{1,3}}$"), re.compile(rf"{_cls(_SEPARATORS)}{{1,3}}{digit}"))
    for digit in ("[0-9]", _NUMERAL)
}
#: the number words a number may follow: a card word (group ``card``) or an order word
_CARD_WORDS = "卡[号號是为:：]|行卡|信用卡|储蓄卡|借记卡|贷记卡|银联卡|工资卡|[账帐賬][号號户戶]|" + "|".join(
    _nocase(w) for w in ("card", "account", "acct")
)
_NUMBER_WORD = re.compile(
    rf"(?P<card>{_CARD_WORDS})|订单|单号|运单|快递|物流|工单|编号|流水|交易号|发票|"
    + "|".join(_nocase(w) for w in ("order", "tracking", "invoice", "waybill"))
)
_CARD_WINDOW = 40
#: issuer prefixes whose Luhn-valid 16-19 digit numbers are cards without a card word or grouping:
#: UnionPay (62: most Chinese debit cards, 19 digits) and ICBC's older 9558 range
_CARD_ISSUERS = ("62", "9558")
_CARD_WORD_CHAR = re.compile("[卡账帐賬Cc]")  # a text without one holds no card word
#: GB 2260 province codes (and 9: the 2023 permanent residence card for foreigners)
_PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82 83".split()
)

# -- e-mail -------------------------------------------------------------------------------------
_EMAIL = _Lazy(
    rf"(?:[A-Za-z0-9._%+\-]+|[{_CJK}]+) ?@ ?[A-Za-z0-9\-{_CJK}]+(?:\.[A-Za-z0-9\-{_CJK}]+)*"
    rf"\.(?:[A-Za-z]{{2,}}|[{_CJK}]{{1,6}})"
)

# -- addresses ------------------------------------------------------------------------------------
_H = f"[{_CJK}]"
_NUM = f"{_cls(_HOUSE_NUMERALS)}+(?:[-—]{_cls(_HOUSE_NUMERALS)}+)?"
_BUILDING = f"{_cls(_BUILDING_NUMERALS)}+(?:[-—]{_cls(_BUILDING_NUMERALS)}+)?"
# (杭州市 is a city, not 杭州 + 市; 城市花园 and 阳光小区 are estates, not a city and a district)
_ADMIN = (
    rf"(?:{_H}{{2,6}}?(?:省|自治区))?(?:{_H}{{1,6}}?(?:(?<!城)市|州(?!市)|盟|地区))?"
    rf"(?:{_H}{{1,6}}?(?:(?<![小社])区|县|旗|(?<!城)市))?(?:{_H}{{1,6}}?(?:镇|乡|街道))?"
)
_ADMIN_PREFIX = _Lazy(_ADMIN)
_ADDRESS = _Lazy(
    rf"(?P<admin>{_ADMIN})(?:"
    rf"(?P<road_name>{_H}{{1,6}}?)(?P<road>大道|大街|胡同|路|街|巷|弄|道) ?(?:{_NUM} ?(?:段|巷|弄) ?)*{_NUM} ?号"
    rf"|(?P<estate_name>{_H}{{1,8}}?)(?:小区|花园|公寓|大厦|大楼|广场|家园|新村|社区|苑|宿舍|大院|公馆) ?"
    rf"(?:{_BUILDING} ?(?:号楼|栋|幢|座|号|期)|[0-9]+[-—][0-9]+(?:[-—][0-9]+)?(?![0-9]))"
    rf"|(?P<village_name>{_H}{{1,6}}?)村 ?{_NUM} ?(?:组|队|社|号))"
    rf"(?: ?{_BUILDING} ?(?:号楼|栋|幢|座|单元|室|楼|层|号|户))*(?:(?<=[元室楼层栋幢座]) ?[0-9]{{1,4}}(?![0-9]))?"
)
_ADDRESS_MARKS = "路街道巷弄同区园寓厦楼场苑舍院馆村"
_ADDRESS_ANCHOR = _Lazy(
    rf"{_cls(_ADDRESS_MARKS)} ?{_BUILDING}(?: ?[段巷弄] ?{_NUM})* ?[号楼栋幢座期组队社]"
    rf"|{_cls(_ADDRESS_MARKS)} ?[0-9]+[-—][0-9]"
)

# -- WeChat and QQ accounts -------------------------------------------------------------------------
_IM_WORDS = ("微信", "威信", "薇信", "徽信", "v信", "加v", "vx", "wx", "weixin", "wechat", "qq", "扣扣")
_IM_HINT = re.compile("[信扣VvWwQq]")  # every account word holds one
_IM_WORD_LOWER = re.compile("|".join(w.lower() for w in _IM_WORDS))  # over the lower-cased text
_WECHAT = _Lazy(
    rf"(?<![A-Za-z0-9_])(?P<wxid>{_nocase('wxid_')}[A-Za-z0-9]{{4,30}})(?![A-Za-z0-9])"
    rf"|(?<![A-Za-z])(?:{'|'.join(_nocase(w) for w in _IM_WORDS[:-2])})(?P<marker>号码|号|账号|{_nocase('id')})?"
    rf"(?P<gap>{_SEP}[:：是为]?{_SEP})(?P<id>[A-Za-z][-_A-Za-z0-9]{{5,19}})(?![-_A-Za-z0-9])"
)
_QQ = re.compile(
    rf"(?<![A-Za-z])(?:{_nocase('qq')}|扣扣)(?:号码|号)?{_SEP}[:：是为]?{_SEP}(?P<id>[1-9][0-9]{{4,10}})(?![0-9])"
)

# -- the RE2 pre-filter ---------------------------------------------------------------------------
#: Unicode blocks holding every character whose NFKC form is one character the pre-filter looks
#: for (tests/test_fastprims_privacy.py checks them against all of Unicode)
_COMPAT_BLOCKS = (
    (0x80, 0x400),
    (0x1D00, 0x1DC0),
    (0x1F00, 0x2500),
    (0x2C60, 0x2C80),
    (0x2E80, 0x2FE0),
    (0x3000, 0x3400),
    (0xA700, 0xA800),
    (0xF900, 0xFB50),
    (0xFE10, 0xFE70),
    (0xFF00, 0xFFF0),
    (0x10780, 0x107C0),
    (0x1D400, 0x1D800),
    (0x1F100, 0x1F300),
    (0x1FBF0, 0x1FC00),
    (0x2F800, 0x2FA20),
)


@lru_cache(maxsize=1)
def _compat_forms() -> dict[str, str]:
    """Character -> its one-character NFKC form, for the characters of ``_COMPAT_BLOCKS`` NFKC
    changes into one character (about 3,000; worked out once, in a few milliseconds)."""
    out = {}
    for first, end in _COMPAT_BLOCKS:
        for ch in map(chr, range(first, end)):
            norm = unicodedata.normalize("NFKC", ch)
            if len(norm) == 1 and norm != ch:
                out[ch] = norm
    return out


def _like(chars: str, negate: bool = False) -> str:
    """An RE2 character class of ``chars`` and every character NFKC turns into one of them."""
    return _cls(chars + "".join(ch for ch, norm in _compat_forms().items() if norm in chars), negate)


def _like_word(word: str) -> str:
    """``word`` (ASCII letters in either case) over every character NFKC maps onto its characters."""
    return "".join(_like(c.lower() + c.upper()) for c in word)


@lru_cache(maxsize=1)
def _may_hold() -> dict[str, str]:
    """RE2-compatible pre-filter per kind, over the original text: a text it does not match
    cannot hold that kind. Each is the kind's regex (and the length rule of its validator)
    spelled over the characters that normalise onto its characters, lookarounds as the
    neighbouring character (or the text's edge), context words as a word anywhere before."""
    digits, spelt = "0123456789", "".join(_NUMERALS.values())
    d, not_d, n, not_n = _like(digits), _like(digits, negate=True), _like(spelt), _like(spelt, negate=True)
    s, s1 = _like(_SEPARATORS) + "{0,3}", _like(_SEPARATORS) + "{1,3}"
    g, house = f"{d}{{4}}", _like(_BUILDING_NUMERALS + "-—")
    marks, space = _like(_ADDRESS_MARKS), _like(" ")
    spelt_3_9 = "".join(_NUMERALS[x] for x in "3456789")
    card_word = f"(?:{_like('卡账帐賬')}|{_like_word('card')}|{_like_word('acc')})"
    issuers = "|".join("".join(map(_like, prefix)) + f"{d}{{{16 - len(prefix)}}}" for prefix in _CARD_ISSUERS)
    return {
        "mobile": f"(?:^|{not_d}|{_like('8')}{s}{_like('6')}{s}){_like('1')}{s}{_like('3456789')}(?:{s}{d}){{9}}(?:{not_d}|$)"
        f"|(?:^|{not_n}){_like(_NUMERALS['1'])}{s}{_like(spelt_3_9)}(?:{s}{n}){{9}}(?:{not_n}|$)",
        "id_number": f"(?:^|{not_d}){_like('123456789')}(?:{s}{d}){{16}}(?:{s}{d})?(?:{not_d}|$)",
        "bank_card": f"{card_word}(?s:.)*{d}(?:{s}{d}){{15}}|{d}(?:{s}{d}){{15}}(?s:.)*{card_word}"
        f"|(?:^|{not_d})(?:{issuers})"
        f"|(?:^|{not_d}){_like('234569')}{d}{{3}}"
        f"(?:{s1}{g}{s}{g}{s}{g}|{g}{s1}{g}{s}{g}|{g}{g}{s1}{g}|{g}{g}{g}{s1}{d})",
        "email": _like("@"),
        "address": f"{marks}{space}?{house}+(?:{space}?{_like('段巷弄')}{space}?{house}+)*{space}?{_like('号楼栋幢座期组队社')}"
        f"|{marks}{space}?{d}+{_like('-—')}{d}",
        "wechat": "|".join(_like_word(w) for w in _IM_WORDS[:-2]),
        "qq": "|".join(_like_word(w) for w in _IM_WORDS[-2:]),
    }


# Per-character NFKC, filled lazily: character -> its one-character NFKC form (only for
# characters that change); _NFKC_SEEN holds every character already looked at.
_NFKC_CHANGES: dict[str, str] = {}
_NFKC_SEEN: set[str] = set()


@dataclass(frozen=True)
class PiiMatch:
    """One piece of personal data: its kind, where it is (offsets into the original text)."""

    kind: str
    start: int
    end: int
    text: str
    #: the value masked (``mask_value``), worked out once: a remembered search serves both the
    #: pii check's evidence and the masking of the same text
    masked: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "masked", mask_value(self.kind, self.text))


def _normalise(text: str) -> str:
    """NFKC per character, keeping length (and so offsets) unchanged: a character whose NFKC
    form is longer than one character stays as it is."""
    if text.isascii() or unicodedata.is_normalized("NFKC", text):
        return text  # an NFKC-stable text is NFKC-stable character by character
    chars = set(text)
    new = chars - _NFKC_SEEN
    if new:
        for ch in new:
            norm = unicodedata.normalize("NFKC", ch)
            if len(norm) == 1 and norm != ch:
                _NFKC_CHANGES[ch] = norm
        _NFKC_SEEN.update(new)
    # a replacement is itself NFKC-stable (NFKC is idempotent), so the order does not matter
    for ch in chars & _NFKC_CHANGES.keys():
        text = text.replace(ch, _NFKC_CHANGES[ch])
    return text


_NOT_DIGIT = re.compile(r"[^0-9Xx]")


def _digits(value: str) -> str:
    return _NOT_DIGIT.sub("", value)


def _apart(norm: str, m: re.Match, digit: str = "[0-9]") -> bool:
    """A number written together, or with separators, dots only alone (after any +86), and not
    going on across one: the tail of a grouped order number ("2609 1381 2345 678") and a price
    list ("13.50 12.80 9.90") hold no mobile."""
    if not _HAS_SEPARATOR.search(m.group()):
        return True
    runs = set(_SEPARATOR_RUN.findall(m.group(), _PLUS_86.match(m.group()).end()))
    if len(runs) > 1 and any("." in run for run in runs):
        return False
    before, after = _RUNS_ON[digit]
    return not (before.search(norm, max(0, m.start() - 4), m.start()) or after.match(norm, m.end()))


def _is_id_number(number: str) -> bool:
    """GB 11643 for an ID-shaped number (``_digits`` of an ``_ID`` match): a province code
    (or 9), the check digit (python-stdnum's formula) and a real birth date in 1900-2099."""
    number = number.upper()
    if number[:2] not in _PROVINCES and number[0] != "9":
        return False
    check = (1 - 2 * int(number[:-1], 13)) % 11
    if number[-1] != ("X" if check == 10 else str(check)):
        return False
    year = int(number[6:10])
    if not 1900 <= year <= 2099:
        return False
    try:
        date(year, int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return True


def _is_card(norm: str, start: int, end: int, card_words: bool) -> bool:
    """``norm[start:end]`` (16-19 digits) is near a card word (no Luhn there: the word says what
    it is, and not every bank's numbers pass it), or shaped like a card — grouped 4-4-4-4 from
    2-6 or 9, or written together from an issuer range of ``_CARD_ISSUERS`` — passing Luhn and not
    after an order word; ``card_words``: whether the text may hold a card word at all."""
    number = norm[start:end]
    digits = _digits(number)
    together = _HAS_SEPARATOR.search(number) is None
    shaped = (
        number.startswith(_CARD_ISSUERS)
        if together
        else number[0] in "234569" and _CARD_GROUPS.fullmatch(number) is not None
    ) and _luhn_valid(digits)
    if not (shaped or card_words):
        return False
    word = _nearest_number_word(norm, start, end)
    return word == "card" or (shaped and word is None)


def _nearest_number_word(norm: str, start: int, end: int) -> str | None:
    """ "card" or "order": the nearest number word in the ``_CARD_WINDOW`` characters before a
    number — a card word (卡号, 工行卡, 账号, card …) or an order word (订单, 运单, order …) — or
    else the first in the 12 characters after it (…，是我的银行卡); None without one."""
    last = None
    for last in _NUMBER_WORD.finditer(norm, max(0, start - _CARD_WINDOW), start):  # noqa: B007 (the last one)
        pass
    if last is None:
        last = _NUMBER_WORD.search(norm, end, end + 12)
    return None if last is None else "card" if last.group("card") is not None else "order"


_LUHN_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # a digit doubled, its digits summed


def _luhn_valid(number: str) -> bool:
    """``stdnum.luhn.is_valid`` for a non-empty string of ASCII digits."""
    values = [ord(c) - 48 for c in reversed(number)]
    return (sum(values[::2]) + sum(_LUHN_DOUBLED[v] for v in values[1::2])) % 10 == 0


#: Searches remembered (``_remembered``): at most this many texts, each at most this long — a
#: few MB for chat messages, 30 MB at worst. The pii check and evidence masking search the same
#: texts, and templated replies recur from chunk to chunk.
_REMEMBER, _REMEMBER_LEN = 1 << 14, 256


def find_pii(text: str | None) -> list[PiiMatch]:
    """Every piece of personal data in ``text``, in order, without overlaps (ID numbers win over
    cards, cards over mobiles)."""
    if not text or not isinstance(text, str):
        return []
    return list(_remembered(text) if len(text) <= _REMEMBER_LEN else _search(text))


@lru_cache(maxsize=_REMEMBER)
def _remembered(text: str) -> tuple[PiiMatch, ...]:
    return _search(text)


def _search(text: str) -> tuple[PiiMatch, ...]:
    """``find_pii`` of a non-empty text, searched."""
    norm = _normalise(text)
    found: list[PiiMatch] = []
    taken: list[tuple[int, int]] = []

    def add(kind: str, start: int, end: int) -> None:
        if start < end and not any(start < e and s < end for s, e in taken):
            taken.append((start, end))
            found.append(PiiMatch(kind, start, end, text[start:end]))

    card_words = _CARD_WORD_CHAR.search(norm) is not None
    for run in _NUMBER_RUN.finditer(norm):
        numbers = _HAS_SEPARATOR.search(run.group()) and _separated_numbers or _numbers_together
        for kind, start, end in numbers(norm, run, card_words):
            add(kind, start, end)
    if _MOBILE_SPELT.search(norm):
        for m in _MOBILE_SPELT.finditer(norm):
            if _apart(norm, m, _NUMERAL):
                add("mobile", *m.span())
    if "@" in norm:
        for m in _EMAIL.finditer(norm):
            at = norm.index("@", m.start())
            lead = _LEAD_IN.match(norm, m.start(), at) if "\u4e00" <= norm[m.start()] <= "\u9fff" else None
            add("email", lead.end() if lead else m.start(), m.end())
    if _ADDRESS_ANCHOR.search(norm):
        for m in _ADDRESS.finditer(norm):
            _address(norm, m, add)
    if _may_name_account(norm):
        for m in _WECHAT.finditer(norm):
            if (
                m.group("wxid")
                or m.group("marker")
                or re.search("[:：是为]", m.group("gap"))
                or re.search("[-_0-9]", m.group("id"))
            ):
                add("wechat", *m.span("wxid" if m.group("wxid") else "id"))
        for m in _QQ.finditer(norm):
            add("qq", *m.span("id"))
    return tuple(sorted(found, key=lambda p: p.start))


def _may_name_account(norm: str) -> bool:
    """Whether ``norm`` may hold an account word (``_IM_WORDS``): one of its characters, then the
    words in the lower-cased text (an alternation of case classes costs four times as much)."""
    return _IM_HINT.search(norm) is not None and _IM_WORD_LOWER.search(norm.lower()) is not None


def _separated_numbers(norm: str, run: re.Match, card_words: bool) -> Iterator[tuple[str, int, int]]:
    """(kind, start, end) of each ID, card and mobile in a ``_NUMBER_RUN``, by their regexes, in
    the order they win (ID numbers over cards, cards over mobiles); ``card_words``: whether the
    text may hold a card word."""
    start = run.start() - (norm[run.start() - 1 : run.start()] == "+")  # '+86'
    for m in _ID.finditer(norm, start, run.end()):
        if _apart(norm, m) and _is_id_number(_digits(m.group())):
            yield "id_number", *m.span()
    for m in _CARD.finditer(norm, start, run.end()):
        if _apart(norm, m) and _is_card(norm, *m.span(), card_words):
            yield "bank_card", *m.span()
    for m in _MOBILE.finditer(norm, start, run.end()):
        if _apart(norm, m):
            yield "mobile", *m.span()


def _numbers_together(norm: str, run: re.Match, card_words: bool) -> Iterator[tuple[str, int, int]]:
    """``_separated_numbers`` of a run written without separators (most are: order numbers),
    without the regexes: their digit lookarounds leave them the whole run or nothing, so its
    length says what it may be."""
    (start, end), number = run.span(), run.group()
    if number[0] == "0":
        return
    if len(number) == 18 and _is_id_number(number):
        yield "id_number", start, end
        return
    if number[-1] in "Xx":  # not an ID's check digit: a letter after the number
        number, end = number[:-1], end - 1
    n = len(number)
    if n == 18 and _is_id_number(number):
        yield "id_number", start, end
    elif 16 <= n <= 19 and _is_card(norm, start, end, card_words):
        yield "bank_card", start, end
    elif n == 11 and number[0] == "1" and number[1] in "3456789":
        yield "mobile", start, end
    elif n == 13 and number.startswith("861") and number[3] in "3456789":
        yield "mobile", start - (norm[start - 1 : start] == "+"), end


def _address(norm: str, m: re.Match, add) -> None:
    """Add an ``_ADDRESS`` match: a plain 道 only after an administrative area (知道3号 is a
    date); without one, the name starts after a lead-in (问一下|张江路88号)."""
    if m.group("admin"):
        add("address", *m.span())
        return
    if m.group("road") == "道":
        return
    name = next(g for g in ("road_name", "estate_name", "village_name") if m.group(g))
    lead = _LEAD_IN.match(norm, m.start(), m.end(name))
    add("address", lead.end() if lead else m.start(), m.end())


def mask_value(kind: str, value: str) -> str:
    """Mask one value the way the industry does: 138****5678, ID first 6 + last 4, card at most
    first 6 + last 4 (PCI DSS), e-mail first character + domain, address up to the district
    (or the city, province, town it starts with), account ids first character."""
    if kind in ("mobile", "id_number", "bank_card"):
        value = _normalise(value)
        digits = _digits(value if value.isascii() else value.translate(_AS_DIGITS))
        if kind == "mobile":
            digits = digits[-11:]
            return f"{digits[:3]}****{digits[-4:]}"
        return f"{digits[:6]}{'*' * (len(digits) - 10)}{digits[-4:]}"
    if kind == "email":
        at = _normalise(value).index("@")
        return f"{value[:1]}***@{value[at + 1 :]}"
    if kind == "address":
        return value[: _ADMIN_PREFIX.match(_normalise(value)).end()] + "****"
    if kind in ("wechat", "qq"):
        return f"{value[:1]}****"
    raise ValueError(f"unknown personal-data kind: {kind}")


def mask_text(text: str | None) -> str | None:
    """``text`` with every piece of personal data masked; None/NA pass through."""
    if not isinstance(text, str):
        return text
    matches = find_pii(text)
    if not matches:
        return text
    parts, pos = [], 0
    for m in matches:
        parts.append(text[pos : m.start])
        parts.append(m.masked)
        pos = m.end
    parts.append(text[pos:])
    return "".join(parts)


def may_hold_pattern(kinds: Iterable[str] = PII_KINDS) -> str:
    """An RE2-compatible pattern (for ``pyarrow.compute.match_substring_regex`` or pandas
    ``str.contains``) every text holding personal data of ``kinds`` matches."""
    parts = dict.fromkeys(_may_hold()[k] for k in kinds)
    if not parts:
        raise ValueError("no personal-data kinds given")
    return "|".join(parts)


def _distinct_candidates(texts: pd.Series, pattern: str) -> tuple[np.ndarray, pd.Series, np.ndarray]:
    """Factorize the text values of ``texts`` (non-text values count as missing): codes (-1 for
    missing), the distinct texts, and the positions of those the RE2 pre-filter ``pattern``
    keeps."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    if not (isinstance(texts.dtype, pd.StringDtype) and texts.dtype.storage == "pyarrow"):
        is_text = np.fromiter((isinstance(v, str) for v in texts.to_numpy(dtype=object)), bool, len(texts))
        texts = texts.astype(object).where(is_text).astype("string[pyarrow]")
    codes, distinct = pd.factorize(texts)
    hit = pc.match_substring_regex(pa.array(distinct.array), pattern).to_numpy(zero_copy_only=False)
    return codes, pd.Series(distinct), np.flatnonzero(hit)


def mask_series(series: pd.Series) -> pd.Series:
    """Mask a text column (same values as ``mask_text`` row by row): each distinct text is
    masked once, and only texts the pre-filter cannot rule out go through Python."""
    import numpy as np
    import pandas as pd

    codes, distinct, keep = _distinct_candidates(series, may_hold_pattern())
    changed = _changes(keep, distinct.iloc[keep].tolist())
    if not changed:
        return series.copy()
    if distinct.dtype == series.dtype:  # arrow-backed text: the masked distinct texts, taken by code
        distinct = distinct.copy()
        distinct.iloc[list(changed)] = list(changed.values())
        return pd.Series(distinct.array.take(codes, allow_fill=True), index=series.index, name=series.name)
    out = series.copy()  # any other column: the changed rows replaced, every other value kept as it is
    at = np.flatnonzero(np.isin(codes, list(changed)))
    out.iloc[at] = np.array([changed[c] for c in codes[at].tolist()], dtype=object)
    return out


def mask_at(texts: pd.Series, at: np.ndarray) -> pd.Series:
    """``texts`` (a text column, e.g. a chunk's distinct texts) with the values at positions
    ``at`` masked as ``mask_text`` masks them and every other value as it is: a text column
    again, rebuilt in Arrow; only the texts at ``at`` the pre-filter keeps go through Python."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    values = large_strings(texts)
    at = np.asarray(at, dtype=np.int64)
    picked = values.take(pa.array(at))
    kept = pc.fill_null(pc.match_substring_regex(picked, may_hold_pattern()), False)
    changed = _changes(at[kept.to_numpy(zero_copy_only=False)], picked.filter(kept).to_pylist())
    if changed:
        index = np.arange(len(values))
        index[list(changed)] = len(values) + np.arange(len(changed))
        values = pa.concat_arrays([values, pa.array(list(changed.values()), type=pa.large_string())]).take(
            pa.array(index)
        )
    return pd.Series(pd.arrays.ArrowStringArray(values), index=texts.index, name=texts.name)


def _changes(positions: np.ndarray, texts: list) -> dict[int, str]:
    """Position -> masked text, for each of ``texts`` (at ``positions``) that masking changes."""
    return {pos: masked for pos, text in zip(positions.tolist(), texts) if (masked := mask_text(text)) != text}


def find_first_pii(texts: pd.Series, kinds: Iterable[str] = PII_KINDS) -> tuple[pd.Series, pd.Series]:
    """Per text, the first piece of personal data of ``kinds`` (as ``find_pii`` orders them):
    its kind and its masked value, <NA> where there is none. Both Series share ``texts``'
    index; each distinct text is searched once, after the pre-filter."""
    import numpy as np
    import pandas as pd

    wanted = set(kinds)
    if not wanted:
        none = pd.Series(pd.NA, index=texts.index, dtype="string")
        return none, none.copy()
    codes, distinct, keep = _distinct_candidates(texts, may_hold_pattern(sorted(wanted)))
    kind = np.full(len(distinct) + 1, None, dtype=object)  # last slot: missing (code -1)
    masked = kind.copy()
    for pos, value in zip(keep.tolist(), distinct.iloc[keep].tolist()):
        first = next((m for m in find_pii(value) if m.kind in wanted), None)
        if first is not None:
            kind[pos], masked[pos] = first.kind, first.masked
    return _taken(kind, codes, texts.index), _taken(masked, codes, texts.index)


def _taken(values: np.ndarray, codes: np.ndarray, index: pd.Index) -> pd.Series:
    """A string Series of ``values[codes]`` (code -1: the last value), built in arrow."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    at = pa.array(np.where(codes < 0, len(values) - 1, codes))
    return pd.Series(pd.array(pa.array(values.tolist(), type=pa.large_string()).take(at), dtype="string"), index=index)
