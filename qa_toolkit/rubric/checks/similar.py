"""similar — a message close in wording to an approved phrasing passes, one close to a forbidden
phrasing fails: for teams with few grades yet, who can write down how a good (or a bad) answer
sounds but not every way agents say it.

Closeness is the cosine of character n-gram counts (``ngram_min``..``ngram_max``, default 1–3,
after NFKC, lower-casing and collapsing white space) between a phrasing and a *sentence* of a
message in scope (``role``, default agent; ``first_turns`` / ``last_turns``). Messages are split
into sentences at 。！？!?；; … and line breaks, and at ". ", so a long message with one close
sentence counts; write each phrasing as one sentence (sentence-end marks in it are ignored). A
message is as close to a list as its closest sentence is to the closest phrasing. Then, per
conversation:

- fail when a message in scope is at least ``forbidden_threshold`` (default ``threshold``)
  close to a ``forbidden`` phrasing (evidence: the first such message);
- else, with ``approved`` phrasings: pass when a message is at least ``threshold`` (default
  0.5) close to one (evidence: the first such message), fail otherwise (evidence: the closest
  message, its closeness in the note);
- else (only forbidden phrasings): pass.

Passes::

    check: {type: similar, approved: [非常理解您着急的心情, 很抱歉让您久等了], threshold: 0.5}
    # agent: 真的很抱歉让您等了这么久。我马上帮您催一下   (its first sentence: 0.61 to 很抱歉让您久等了)

Fails::

    check: {type: similar, approved: [很抱歉让您久等了], forbidden: [这个不归我管]}
    # agent: 这事不归我管，你找快递吧   (close to the forbidden phrasing)
"""

from __future__ import annotations

from typing import Annotated, Literal, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field, model_validator

from qa_toolkit.frames import large_strings
from qa_toolkit.rubric.checks._base import Chunk, Coded, Outcomes, ScopedConfig, describe_scope

TYPE = "similar"

#: Where a message splits into sentences (RE2 syntax, run by Arrow).
SENTENCE_END = r"[。！？!?；;…\n]+|\.\s+|\.$"

Phrasing = Annotated[str, Field(min_length=1)]


class SimilarCheck(ScopedConfig):
    """similar — a message close in wording (character n-gram cosine) to an approved phrasing
    passes, one close to a forbidden phrasing fails."""

    type: Literal["similar"]
    approved: list[Phrasing] = Field(default_factory=list, description="How a good answer sounds.")
    forbidden: list[Phrasing] = Field(default_factory=list, description="How a bad answer sounds.")
    threshold: float = Field(0.5, gt=0, le=1, description="Cosine at or above which a message is close.")
    forbidden_threshold: float | None = Field(
        None, gt=0, le=1, description="For forbidden phrasings (default: threshold)."
    )
    ngram_min: int = Field(1, ge=1, le=5)
    ngram_max: int = Field(3, ge=1, le=5)

    @model_validator(mode="after")
    def _phrasings(self) -> SimilarCheck:
        if not (self.approved or self.forbidden):
            raise ValueError("a similar check needs approved or forbidden phrasings")
        if self.ngram_min > self.ngram_max:
            raise ValueError("ngram_min is larger than ngram_max")
        return self


Config = SimilarCheck  # the registry's name for a check module's config model


def evaluate(config: SimilarCheck, frames: Chunk) -> Outcomes:
    """Per conversation: pass/fail by the closest messages, with that message as evidence."""
    scope = frames.scope(config)
    rows = np.flatnonzero(scope)
    where = describe_scope(config)
    codes, texts = frames.distinct
    used = np.flatnonzero(frames.texts_of(scope))
    position = np.full(len(texts), -1)
    position[used] = np.arange(len(used))
    at = position[codes[rows]]  # per message in scope: its text among the used ones
    key = ("similar units", config.role, config.first_turns, config.last_turns, config.ngram_min, config.ngram_max)
    units = frames.cached(key, lambda f: _units(texts.iloc[used], config)) if len(used) else None
    out = Outcomes(
        frames,
        "fail" if config.approved else "pass",
        f"nothing in {where}" if config.approved else f"nothing close to a forbidden phrasing in {where}",
    )
    if config.approved and units is not None:
        score, which = _closest(units, config.approved, config, len(used))
        score, which = score[at], which[at]
        best = np.lexsort((-score, frames.conv_of[rows]))
        best = np.sort(best[frames.first_per_conversation(rows[best])])
        wording = (
            f"nothing in {where} close to an approved phrasing "
            f"(best {{score:.2f}} < {config.threshold:g}: '{{phrase}}')"
        )
        found = rows, score, which
        _mark(out, frames, found, best, config.approved, "fail", wording)
        close = score >= config.threshold
        _mark(out, frames, found, close, config.approved, "pass", "close to approved '{phrase}' ({score:.2f})")
    if config.forbidden and units is not None:
        score, which = _closest(units, config.forbidden, config, len(used))
        score, which = score[at], which[at]
        close = score >= (config.forbidden_threshold or config.threshold)
        forbidden = "close to forbidden '{phrase}' ({score:.2f})"
        _mark(out, frames, (rows, score, which), close, config.forbidden, "fail", forbidden)
    return out


class Units(NamedTuple):
    """The sentences of some texts: per occurrence its text and its number among the distinct
    sentences; per distinct sentence the L2 norm of its n-gram counts; per n-gram occurrence its
    distinct sentence and id (``_grams``)."""

    parent: np.ndarray
    sentence: np.ndarray
    norm: np.ndarray
    row: np.ndarray
    gram: np.ndarray


def _units(texts: pd.Series, config: SimilarCheck) -> Units:
    """The texts' sentences, split and normalised by Arrow; the n-grams of each distinct one
    (templated replies share most sentences) found and counted by numpy, all at once."""
    parts = pc.split_pattern_regex(_normalised(large_strings(texts)), SENTENCE_END)
    sentences = pc.utf8_trim_whitespace(pc.list_flatten(parts))
    parent = np.asarray(pc.list_parent_indices(parts))
    said = np.asarray(pc.not_equal(sentences, ""), dtype=bool)
    distinct = pc.dictionary_encode(sentences.filter(said))
    row, gram, norm = _grams(distinct.dictionary.cast("large_string"), config.ngram_min, config.ngram_max)
    return Units(parent[said], np.asarray(distinct.indices, dtype=np.int64), norm, row, gram)


def _normalised(texts):
    """NFKC, lower case, runs of white space as one space, trimmed (an Arrow large_string array)."""
    text = pc.utf8_lower(pc.utf8_normalize(pc.fill_null(texts, ""), "NFKC"))
    return pc.utf8_trim_whitespace(pc.replace_substring_regex(text, r"\s+", " "))


def _grams(texts, low: int, high: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``low``..``high`` character n-grams of the texts of an Arrow large_string array, all at
    once (their code points laid end to end, each n-gram hashed from its n code points): per
    occurrence its text and n-gram id, and per text the L2 norm of its n-gram counts."""
    offsets = np.frombuffer(texts.buffers()[1], dtype=np.int64)[texts.offset : texts.offset + len(texts) + 1]
    buffer = texts.buffers()[2]
    data = buffer.to_pybytes()[offsets[0] : offsets[-1]] if buffer is not None and len(texts) else b""
    points = np.frombuffer(data.decode("utf-8").encode("utf-32-le"), dtype=np.uint32).astype(np.uint64) + 1
    length = np.asarray(pc.utf8_length(texts), dtype=np.int64)
    row = np.repeat(np.arange(len(texts)), length)
    left = np.repeat(np.cumsum(length), length) - np.arange(len(points))  # code points from here to the text's end
    rows, grams, square = [], [], np.zeros(len(texts))
    with np.errstate(over="ignore"):  # the hash wraps around 64 bits
        for n in range(low, high + 1):
            at = np.flatnonzero(left >= n)
            gram = np.full(len(at), np.uint64(n))
            for k in range(n):
                gram = gram * np.uint64(0x100000001B3) + points[at + k]
            gram ^= gram >> np.uint64(33)  # mixed, so every bit of the id depends on every code point
            gram *= np.uint64(0xFF51AFD7ED558CCD)
            gram ^= gram >> np.uint64(33)
            rows.append(row[at])
            grams.append(gram)
            square += _squared_counts(row[at], gram, len(texts))
    return np.concatenate(rows), np.concatenate(grams), np.sqrt(square)


def _squared_counts(row: np.ndarray, gram: np.ndarray, n_texts: int) -> np.ndarray:
    """Per text, the sum of its n-gram counts squared: one sort of (text, n-gram) keys packed in
    64 bits (the text's number, then the top 36 bits of the n-gram's id), then run lengths."""
    key = np.sort((row.astype(np.uint64) << np.uint64(36)) | (gram >> np.uint64(28)))
    if not len(key):
        return np.zeros(n_texts)
    start = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    runs = np.diff(np.r_[start, len(key)]).astype(np.float64)
    return np.bincount((key[start] >> np.uint64(36)).astype(np.int64), weights=runs**2, minlength=n_texts)


def _closest(units: Units, phrasings: list[str], config: SimilarCheck, n_texts: int) -> tuple[np.ndarray, np.ndarray]:
    """Per text: the best cosine of its sentences to any of ``phrasings``, and which phrasing —
    one sparse product over the n-grams the phrasings have."""
    from scipy.sparse import csr_matrix

    one = pc.replace_substring_regex(_normalised(pa.array(phrasings, type=pa.large_string())), SENTENCE_END, "")
    p_row, p_gram, p_norm = _grams(pc.utf8_trim_whitespace(one), config.ngram_min, config.ngram_max)
    vocabulary = np.unique(p_gram)
    low = np.uint64((1 << 22) - 1)  # a bit table on the ids' low bits rules most n-grams out in one gather
    table = np.zeros(1 << 22, dtype=bool)
    table[(vocabulary & low).astype(np.intp)] = True
    maybe = np.flatnonzero(table[(units.gram & low).astype(np.intp)])
    col = np.searchsorted(vocabulary, units.gram[maybe]).clip(max=len(vocabulary) - 1)
    shared = vocabulary[col] == units.gram[maybe]
    counts = np.ones(np.count_nonzero(shared))  # duplicates add up: counts per (sentence, n-gram)
    sentence = csr_matrix((counts, (units.row[maybe[shared]], col[shared])), shape=(len(units.norm), len(vocabulary)))
    phrase = csr_matrix(
        (np.ones(len(p_gram)), (p_row, np.searchsorted(vocabulary, p_gram))), shape=(len(phrasings), len(vocabulary))
    )
    dot = (sentence @ phrase.T).tocoo()
    s_best, s_which = _best(dot.row, dot.data / (units.norm[dot.row] * p_norm[dot.col]), dot.col, len(units.norm))
    return _best(units.parent, s_best[units.sentence], s_which[units.sentence], n_texts)


def _best(group: np.ndarray, score: np.ndarray, which: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per group 0..n-1: the highest score and its ``which`` (0 and 0 for a group without any)."""
    best, chosen = np.zeros(n), np.zeros(n, dtype=np.int64)
    if len(group):
        order = np.lexsort((-score, group))
        first = order[np.r_[True, group[order][1:] != group[order][:-1]]]
        best[group[first]], chosen[group[first]] = score[first], which[first]
    return best, chosen


def _mark(
    out: Outcomes,
    frames: Chunk,
    found: tuple[np.ndarray, np.ndarray, np.ndarray],
    pick: np.ndarray,
    phrasings: list[str],
    outcome: str,
    wording: str,
) -> None:
    """Give each conversation with a message among the ``pick`` of ``found`` (rows ascending,
    each with its closest phrasing's score and number) ``outcome``, its first such message as
    evidence, the phrasing as the match, each distinct note worded once."""
    rows, score, which = (column[pick] for column in found)
    if not len(rows):
        return
    first = frames.first_per_conversation(rows)
    rows, score, which = rows[first], score[first], which[first]
    key_code, keys = pd.factorize(which * 101 + np.round(score * 100).astype(np.int64))
    notes = [wording.format(phrase=phrasings[k // 101], score=k % 101 / 100) for k in keys.tolist()]
    out.set(
        frames.conv_of[rows], outcome, note=Coded(key_code, notes), match=Coded(which, list(phrasings)), message=rows
    )
