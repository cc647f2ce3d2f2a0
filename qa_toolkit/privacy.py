"""Personal data in conversation text: find it (for the `pii` check) and mask it (for every
output a person reads). One module, so what a check calls a leak is exactly what a report hides.

Kinds: mainland mobile numbers, 18-digit resident ID numbers (GB 11643 check digit and birth
date, python-stdnum's formulas; its database for the birth place), bank cards (Luhn, with a
card context or card-style grouping so order numbers are not taken for cards), e-mail addresses, and street addresses (省/市/区 … 路/街 … 号).
Text is NFKC-normalised character by character first, so full-width digits (１３８…) are found
while match offsets still point into the original text.

Speed: the per-character normalisation replaces only the characters NFKC changes (looked up
once per distinct character); each kind's regex runs only when its anchor (11 digits, '@', a road marker
and '号') is in the text; columns go through ``mask_series`` / ``mask_at`` / ``find_first_pii``,
which look at each distinct text once and only at texts the RE2 pre-filter ``may_hold_pattern``
cannot rule out — per kind, the kind's own regex spelled over every character NFKC maps onto its
characters, so the order numbers that fill shop chats stay in Arrow; and ``find_pii`` remembers
the searches of short texts (bounded LRU), so the pii check and evidence masking search a
text once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import numpy as np
import pandas as pd
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from qa_toolkit.frames import large_strings

PII_KINDS = ("id_number", "bank_card", "mobile", "email", "address")

_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9][0-9](?:[- ]?[0-9]{4}){2}(?![0-9])")
_ID = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9])")
_CARD = re.compile(r"(?<![0-9])[3-6][0-9]{3}(?:[ -]?[0-9]{4}){2,3}(?:[ -]?[0-9]{1,3})?(?![0-9])")
_CARD_CONTEXT = re.compile(r"(?:卡号|银行卡|信用卡|储蓄卡|借记卡|card)", re.IGNORECASE)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_CJK = "\u4e00-\u9fff"
_ADDRESS = re.compile(
    rf"(?:[{_CJK}]{{2,6}}(?:省|自治区))?(?:[{_CJK}]{{2,6}}(?:市|州|盟))?[{_CJK}]{{1,6}}(?:区|县|旗|镇)"
    rf"[{_CJK}A-Za-z0-9]{{1,20}}?(?:路|街|道|巷|弄|村|大道)[0-9一二三四五六七八九十百]+号"
    rf"(?:[0-9A-Za-z一二三四五六七八九十]+(?:栋|幢|号楼|单元|室|楼|层))*"
)
_ADDRESS_KEEP = re.compile(r"^.*?(?:区|县|旗|镇)")
# Literal anchors of the kinds: a text without one cannot match that kind's regex.
# every mobile, ID and card number holds 11 digits or more, at most one '-' or ' ' between two
_DIGIT_RUN = re.compile(r"[0-9](?:[- ]?[0-9]){10}")
_ADDRESS_ANCHOR = re.compile(r"(?:路|街|道|巷|弄|村)[0-9一二三四五六七八九十百]+号")

# Characters whose NFKC form is one ASCII digit, per digit: the digit itself, superscript,
# subscript, circled, full-width, the five mathematical alphabets and segmented.
# tests/test_fastprims_privacy.py re-derives these sets (and the ones below) from unicodedata.
_SUPERSCRIPTS = "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079"


def _digit_forms(digit: int) -> str:
    """Every character NFKC turns into the ASCII ``digit``."""
    circled = "\u24ea" if digit == 0 else chr(0x245F + digit)
    maths = "".join(chr(0x1D7CE + 10 * alphabet + digit) for alphabet in range(5))
    return f"{digit}{_SUPERSCRIPTS[digit]}{chr(0x2080 + digit)}{circled}{chr(0xFF10 + digit)}{maths}{chr(0x1FBF0 + digit)}"


def _digits_like(digits: str) -> str:
    """An RE2 character class: the characters NFKC turns into one of ``digits``."""
    return "[" + "".join(_digit_forms(int(d)) for d in digits) + "]"


_DIGIT_LIKE = "".join(_digit_forms(d) for d in range(10))
# Characters whose NFKC form is a number separator ('-', ' '; no-break and ideographic spaces),
# '@', an address road marker (compatibility ideographs), or a Chinese numeral (Kangxi
# radicals, circled ideographs).
_SEPARATOR_LIKE = " \u00a0\u2000-\u200a\u202f\u205f\u3000\\-\ufe63\uff0d"
_AT_LIKE = "@\ufe6b\uff20"
_ROAD_LIKE = "路街道巷弄村\uf937\uf943"
_NUMERAL_LIKE = ("一二三四五六七八九十百\u2f00\u3192\u3280\U0001f229\u2f06\u3193\u3281\U0001f214\u3194\u3282"
                 "\U0001f22a\u3195\u3283\u3284\u3285\uf9d1\u3286\u2f0b\u3287\u3288\u2f17\u3038\u3289")
_D, _S, _NOT_D = f"[{_DIGIT_LIKE}]", f"[{_SEPARATOR_LIKE}]", f"(?:[^{_DIGIT_LIKE}]|$)"
_AFTER_NON_DIGIT = f"(?:^|[^{_DIGIT_LIKE}])"
#: RE2-compatible pre-filter parts per kind, over the original text: a text no part matches
#: cannot hold that kind. Each is the kind's regex (and the length rule of its validator)
#: spelled over the characters that normalise onto its characters, lookarounds as the
#: neighbouring character (or the text's edge): a mobile's 1[3-9] after a non-digit or '86',
#: 11 digits in 3-4-4 groups, then a non-digit; an ID's 17 digits (from 1-9) and one more digit
#: or a non-digit (the X); a card's 16-19 digits from 3-6, single separators between them; an
#: e-mail's '@'; an address's district … road, numeral, 号.
_MAY_HOLD = {
    "mobile": f"(?:^|[^{_DIGIT_LIKE}]|{_digits_like('8')}{_digits_like('6')}){_digits_like('1')}{_digits_like('3456789')}"
              f"{_D}(?:{_S}?{_D}{{4}}){{2}}{_NOT_D}",
    "id_number": f"{_AFTER_NON_DIGIT}{_digits_like('123456789')}{_D}{{16}}{_D}?{_NOT_D}",
    "bank_card": f"{_AFTER_NON_DIGIT}{_digits_like('3456')}{_D}(?:{_S}?{_D}){{14,17}}{_NOT_D}",
    "email": f"[{_AT_LIKE}]",
    "address": f"[区县旗镇].+[{_ROAD_LIKE}][{_DIGIT_LIKE}{_NUMERAL_LIKE}]+号",
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


def _is_id_number(number: str) -> bool:
    """``ric.is_valid`` for a match of ``_ID`` (18 characters, digits but the last), in
    stdnum's own steps: check digit (its formula), birth date (a real date), then the birth
    place, a database search that depends only on the region code and the birth year and so
    is looked up once per pair."""
    number = number.upper()
    check = (1 - 2 * int(number[:-1], 13)) % 11
    if number[-1] != ("X" if check == 10 else str(check)):
        return False
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return _known_birth_place(number[:6], number[6:10])


@lru_cache(maxsize=1 << 16)
def _known_birth_place(region: str, year: str) -> bool:
    """A county stdnum knows for ``region`` in ``year``; a code it records without a county
    (e.g. 636811) is not one (``ric.is_valid`` raises KeyError there instead of answering)."""
    try:
        ric.get_birth_place(f"{region}{year}01010000")
    except (ValidationError, KeyError):
        return False
    return True


def _is_card(norm: str, m: re.Match) -> bool:
    """16-19 digits, grouped like a card or after a card word, passing Luhn (checked last: the
    order numbers that fill chats fail the cheaper tests first)."""
    number = _digits(m.group())
    if not 16 <= len(number) <= 19:
        return False
    grouped = " " in m.group() or "-" in m.group()
    if not (grouped or _CARD_CONTEXT.search(norm[max(0, m.start() - 12):m.start()])):
        return False
    return _luhn_valid(number)


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

    def add(kind: str, m: re.Match) -> None:
        if any(m.start() < e and s < m.end() for s, e in taken):
            return
        taken.append((m.start(), m.end()))
        found.append(PiiMatch(kind, m.start(), m.end(), text[m.start():m.end()]))

    if _DIGIT_RUN.search(norm):
        for m in _ID.finditer(norm):
            if _is_id_number(m.group()):
                add("id_number", m)
        for m in _CARD.finditer(norm):
            if _is_card(norm, m):
                add("bank_card", m)
        for m in _MOBILE.finditer(norm):
            add("mobile", m)
    if "@" in norm:
        for m in _EMAIL.finditer(norm):
            add("email", m)
    if "号" in norm and _ADDRESS_ANCHOR.search(norm):
        for m in _ADDRESS.finditer(norm):
            add("address", m)
    return tuple(sorted(found, key=lambda p: p.start))


def mask_value(kind: str, value: str) -> str:
    """Mask one value the way the industry does: 138****5678, ID first 6 + last 4, card at most
    first 6 + last 4 (PCI DSS), e-mail first letter + domain, address up to the district."""
    if kind in ("mobile", "id_number", "bank_card"):
        digits = _digits(_normalise(value))
        if kind == "mobile":
            digits = digits[-11:]
            return f"{digits[:3]}****{digits[-4:]}"
        return f"{digits[:6]}{'*' * (len(digits) - 10)}{digits[-4:]}"
    if kind == "email":
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    if kind == "address":
        keep = _ADDRESS_KEEP.match(value)
        return (keep.group() if keep else "") + "****"
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
        parts.append(text[pos:m.start])
        parts.append(m.masked)
        pos = m.end
    parts.append(text[pos:])
    return "".join(parts)


def may_hold_pattern(kinds: Iterable[str] = PII_KINDS) -> str:
    """An RE2-compatible pattern (for ``pyarrow.compute.match_substring_regex`` or pandas
    ``str.contains``) every text holding personal data of ``kinds`` matches."""
    parts = dict.fromkeys(_MAY_HOLD[k] for k in kinds)
    if not parts:
        raise ValueError("no personal-data kinds given")
    return "|".join(parts)


def _distinct_candidates(texts: pd.Series, pattern: str) -> tuple[np.ndarray, pd.Series, np.ndarray]:
    """Factorize the text values of ``texts`` (non-text values count as missing): codes (-1 for
    missing), the distinct texts, and the positions of those the RE2 pre-filter ``pattern``
    keeps."""
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
        values = pa.concat_arrays([values, pa.array(list(changed.values()), type=pa.large_string())]).take(pa.array(index))
    return pd.Series(pd.arrays.ArrowStringArray(values), index=texts.index, name=texts.name)


def _changes(positions: np.ndarray, texts: list) -> dict[int, str]:
    """Position -> masked text, for each of ``texts`` (at ``positions``) that masking changes."""
    return {pos: masked for pos, text in zip(positions.tolist(), texts) if (masked := mask_text(text)) != text}


def find_first_pii(texts: pd.Series, kinds: Iterable[str] = PII_KINDS) -> tuple[pd.Series, pd.Series]:
    """Per text, the first piece of personal data of ``kinds`` (as ``find_pii`` orders them):
    its kind and its masked value, <NA> where there is none. Both Series share ``texts``'
    index; each distinct text is searched once, after the pre-filter."""
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
    import pyarrow as pa

    at = pa.array(np.where(codes < 0, len(values) - 1, codes))
    return pd.Series(pd.array(pa.array(values.tolist(), type=pa.large_string()).take(at), dtype="string"), index=index)
