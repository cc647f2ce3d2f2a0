"""A rubric author's regular expression, run in bounded time.

RE2 (through pyarrow) runs in time linear in the text, so a pattern goes there whenever RE2
gives Python's answer: the rule pandas uses to choose (``runs_on_re2``). The rest — lookaround,
back-references, repetitions over 1000, ``\\s``, and ``\\w \\d \\b`` on text that is not ASCII —
run on the ``regex`` module (Python ``re`` syntax and answers, with a timeout) under a time
budget per text. A text that runs out of it is *undecided*: its criterion becomes ``review``
with ``UNDECIDED``, never a guess; a pattern that runs out on ``GIVE_UP_AFTER`` texts of one
pass leaves the rest of that pass undecided, so a catastrophic pattern costs seconds per
chunk, not hours. ``qa rubric lint`` names such patterns beforehand (``re2_error``,
``nested_quantifier``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import regex

from qa_toolkit.frames import large_strings

#: Seconds one text may take on Python's engine, plus ``PER_CHAR`` for each of its characters.
TEXT_BUDGET = 0.25
PER_CHAR = 1e-6
#: Texts that may run out of time in one pass before the pass gives up on the rest.
GIVE_UP_AFTER = 3
UNDECIDED = "the pattern ran out of time on this message: grade it by hand (see `qa rubric lint`)"

_WHITESPACE = re.compile(r"\\[sS]")  # RE2's \s misses \v and Unicode spaces such as U+3000
_UNICODE_CLASS = re.compile(r"\\[wWdDbB]")  # ASCII-only in RE2, Unicode-aware in Python
_UNICODE_ESCAPE = re.compile(r"\\[uUN]")


@lru_cache(maxsize=512)
def re2_error(pattern: str) -> str | None:
    """RE2's reason for refusing ``pattern`` (lookaround, back-reference, a repetition over
    1000, a program too large), or None when RE2 can run it."""
    try:
        pc.match_substring_regex(pa.array([""], pa.large_string()), pattern)
    except pa.ArrowInvalid as err:
        return str(err).removeprefix("Invalid regular expression: ")
    return None


@lru_cache(maxsize=512)
def compile_error(pattern: str) -> str | None:
    """Why ``pattern`` is not a valid rubric regex (Python ``re`` syntax, and the engine that
    runs the patterns RE2 cannot), or None."""
    for engine in (re, regex):
        try:
            engine.compile(pattern)
        except (re.error, regex.error) as err:
            return str(err)
    return None


def python_syntax(pattern: str) -> bool:
    """Whether ``pattern`` may need Python's engine whatever the texts: RE2 refuses it or
    would answer differently for some text."""
    return (
        re2_error(pattern) is not None
        or any(p.search(pattern) for p in (_WHITESPACE, _UNICODE_CLASS, _UNICODE_ESCAPE))
        or "$" in pattern
    )


def runs_on_re2(pattern: str, texts: pa.Array) -> bool:
    """Whether RE2 gives Python's answer for ``pattern`` on ``texts`` (pandas' own rule, so the
    results are those pandas gave): RE2 takes the pattern, no ``\\s``, no ``\\w \\d \\b`` unless
    every text is ASCII, no ``$`` unless no text holds a newline."""
    if re2_error(pattern) is not None or _WHITESPACE.search(pattern) or _UNICODE_ESCAPE.search(pattern):
        return False
    if _UNICODE_CLASS.search(pattern) and not pc.all(pc.string_is_ascii(texts), min_count=0).as_py():
        return False
    return "$" not in pattern or not pc.any(pc.match_substring(texts, "\n"), min_count=0).as_py()


def nested_quantifier(pattern: str) -> bool:
    """Whether ``pattern`` repeats a part that itself repeats a variable number of times, such
    as ``(a+)+`` or ``(x*y?)*``: the shape whose backtracking can take exponential time on
    Python's engine (RE2 is immune)."""
    parser = re._parser  # the parser behind re.compile: the tree, not a guess from the text
    repeats = {parser.MAX_REPEAT, parser.MIN_REPEAT, parser.POSSESSIVE_REPEAT}

    def depth(items) -> int:
        deepest = 0
        for op, arg in items:
            if op in repeats:
                low, high, body = arg
                deepest = max(deepest, depth(body) + (high > 1 and high != low))
            elif op == parser.SUBPATTERN:
                deepest = max(deepest, depth(arg[3]))
            elif op == parser.BRANCH:
                deepest = max([deepest, *(depth(b) for b in arg[1])])
            elif op in (parser.ASSERT, parser.ASSERT_NOT):
                deepest = max(deepest, depth(arg[1]))
            elif op == parser.ATOMIC_GROUP:
                deepest = max(deepest, depth(arg))
            elif op == parser.GROUPREF_EXISTS:
                deepest = max(deepest, *(depth(b) for b in arg[1:] if b is not None))
        return deepest

    try:
        return depth(parser.parse(pattern)) > 1
    except re.error:
        return False


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> regex.Pattern:
    return regex.compile(pattern)


def _bounded(op: Callable, texts: Sequence[str]) -> tuple[list, np.ndarray]:
    """``op(text, timeout=...)`` per text, each within its budget: (the results, None where
    undecided; which texts are undecided)."""
    out: list = [None] * len(texts)
    undecided = np.zeros(len(texts), dtype=bool)
    misses = 0
    for i, text in enumerate(texts):
        if misses >= GIVE_UP_AFTER:
            undecided[i:] = True
            break
        try:
            out[i] = op(text, timeout=TEXT_BUDGET + PER_CHAR * len(text))
        except TimeoutError:
            undecided[i] = True
            misses += 1
    return out, undecided


def cut(texts: pd.Series, pattern: str, gap: str) -> tuple[pd.Series, np.ndarray]:
    """``texts`` (a "string" Series) with every match of ``pattern`` replaced by ``gap``, and
    the texts it could not finish on (left as they were)."""
    if runs_on_re2(pattern, large_strings(texts)):
        return texts.str.replace(pattern, gap, regex=True), np.zeros(len(texts), dtype=bool)
    sub = _compiled(pattern).sub
    done, undecided = _bounded(lambda t, timeout: sub(gap, t, timeout=timeout), texts.tolist())
    kept = [t if u else d for t, d, u in zip(texts.tolist(), done, undecided)]
    return pd.Series(kept, index=texts.index, dtype="string"), undecided


def search(texts: pd.Series, pattern: str) -> tuple[np.ndarray, np.ndarray]:
    """(does ``pattern`` occur in each text, is that undecided) for a "string" Series."""
    arrow = large_strings(texts)
    if runs_on_re2(pattern, arrow):
        hit = pc.match_substring_regex(arrow, pattern)
        return pc.fill_null(hit, False).to_numpy(zero_copy_only=False), np.zeros(len(texts), dtype=bool)
    found, undecided = _bounded(_compiled(pattern).search, texts.tolist())
    return np.array([m is not None for m in found], dtype=bool), undecided


def first_matches(texts: Sequence[str], pattern: str) -> list[str | None]:
    """The first match of ``pattern`` in each text (None where none, or none in time)."""
    found, _ = _bounded(_compiled(pattern).search, texts)
    return [m.group() if m is not None else None for m in found]
