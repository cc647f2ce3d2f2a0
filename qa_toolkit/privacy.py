"""Personal data in conversation text: find it (for the `pii` check) and mask it (for every
output a person reads). One module, so what a check calls a leak is exactly what a report hides.

Kinds: mainland mobile numbers, 18-digit resident ID numbers (GB 11643 check digit, via
python-stdnum), bank cards (Luhn, with a card context or card-style grouping so order numbers
are not taken for cards), e-mail addresses, and street addresses (省/市/区 … 路/街 … 号).
Text is NFKC-normalised character by character first, so full-width digits (１３８…) are found
while match offsets still point into the original text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pandas as pd
from stdnum import luhn
from stdnum.cn import ric

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
# Cheap pre-filter: rows without a digit, '@' or an address marker cannot hold personal data.
_MAY_HOLD_PII = r"[0-9０-９@＠]|[路街道巷弄村]"


@dataclass(frozen=True)
class PiiMatch:
    """One piece of personal data: its kind, where it is (offsets into the original text)."""

    kind: str
    start: int
    end: int
    text: str

    @property
    def masked(self) -> str:
        return mask_value(self.kind, self.text)


def _normalise(text: str) -> str:
    """NFKC per character, keeping length (and so offsets) unchanged."""
    out = []
    for ch in text:
        norm = unicodedata.normalize("NFKC", ch)
        out.append(norm if len(norm) == 1 else ch)
    return "".join(out)


def _digits(value: str) -> str:
    return re.sub(r"[^0-9Xx]", "", value)


def _is_card(norm: str, m: re.Match) -> bool:
    number = _digits(m.group())
    if not 16 <= len(number) <= 19 or not luhn.is_valid(number):
        return False
    grouped = " " in m.group() or "-" in m.group()
    return grouped or bool(_CARD_CONTEXT.search(norm[max(0, m.start() - 12):m.start()]))


def find_pii(text: str | None) -> list[PiiMatch]:
    """Every piece of personal data in ``text``, in order, without overlaps (ID numbers win over
    cards, cards over mobiles)."""
    if not text or not isinstance(text, str):
        return []
    norm = _normalise(text)
    found: list[PiiMatch] = []
    taken: list[tuple[int, int]] = []

    def add(kind: str, m: re.Match) -> None:
        if any(m.start() < e and s < m.end() for s, e in taken):
            return
        taken.append((m.start(), m.end()))
        found.append(PiiMatch(kind, m.start(), m.end(), text[m.start():m.end()]))

    for m in _ID.finditer(norm):
        if ric.is_valid(m.group()):
            add("id_number", m)
    for m in _CARD.finditer(norm):
        if _is_card(norm, m):
            add("bank_card", m)
    for m in _MOBILE.finditer(norm):
        add("mobile", m)
    for m in _EMAIL.finditer(norm):
        add("email", m)
    for m in _ADDRESS.finditer(norm):
        add("address", m)
    return sorted(found, key=lambda p: p.start)


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


def mask_series(series: pd.Series) -> pd.Series:
    """Mask a text column; only rows that can hold personal data go through Python."""
    out = series.copy()
    candidates = series.astype("string").str.contains(_MAY_HOLD_PII, regex=True, na=False)
    if candidates.any():
        out.loc[candidates] = series.loc[candidates].map(mask_text)
    return out
