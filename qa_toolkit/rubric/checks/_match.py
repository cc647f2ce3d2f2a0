"""Phrase matching: the one small function every phrase-based check calls, so a faster
engine (e.g. Aho-Corasick in one pass) can replace it with identical results."""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence

import pandas as pd

_GAP = "\x1f"  # replaces excluded spans so their neighbours do not join into a new match


def alternation(phrases: Sequence[str]) -> str:
    """One regex alternation; longest phrases first so the longest match wins."""
    return "|".join(re.escape(p) for p in sorted(set(phrases), key=lambda p: (-len(p), p)))


def prepare(texts: pd.Series, exclude: Sequence[str] = (), case_sensitive: bool = False,
            exclude_regex: str | None = None) -> pd.Series:
    """Texts as matched: lower-cased unless case-sensitive, excluded spans blanked out."""
    text = texts.astype("string").fillna("")
    if not case_sensitive:
        text = text.str.lower()
        exclude = [e.lower() for e in exclude]
    if exclude:
        text = text.str.replace(alternation(exclude), _GAP, regex=True)
    if exclude_regex:
        text = text.str.replace(exclude_regex, _GAP, regex=True)
    return text


def matching_messages(messages: pd.DataFrame, phrases: Sequence[str], exclude: Sequence[str] = (),
                      case_sensitive: bool = False) -> pd.DataFrame:
    """The messages that contain a phrase (after exclusions): one row per message and distinct
    matched phrase, in message order, with the phrase (lower-cased when case-insensitive) in
    ``match``."""
    if not case_sensitive:
        phrases = [p.lower() for p in phrases]
    return matching_regex(messages, alternation(phrases), prepare(messages["text"], exclude, case_sensitive))


def matching_regex(messages: pd.DataFrame, pattern: str, text: pd.Series | None = None) -> pd.DataFrame:
    """Like ``matching_messages`` for a regex over ``text`` (default: the raw message text):
    a vectorised filter first, then the matched spans of the few matching messages."""
    text = messages["text"].astype("string").fillna("") if text is None else text
    if messages.empty:
        return messages.assign(match=pd.Series(dtype="string"))
    with warnings.catch_warnings():  # pandas warns about capture groups; we only need the mask here
        warnings.simplefilter("ignore", UserWarning)
        mask = text.str.contains(pattern, regex=True).fillna(False).astype(bool)
    hits = messages.loc[mask.to_numpy()].copy()
    compiled = re.compile(pattern)
    texts = text[mask.to_numpy()].tolist()
    if compiled.groups:  # findall would return the groups; the whole match is what we report
        found = [list(dict.fromkeys(m.group() for m in compiled.finditer(t))) for t in texts]
    else:
        found = [list(dict.fromkeys(compiled.findall(t))) for t in texts]
    hits["match"] = found
    hits = hits.explode("match")
    hits["match"] = hits["match"].astype("string")
    return hits
