"""Phrase and regex matching for every text check, in two steps with one meaning:

1. *Candidates*, once per chunk: Aho-Corasick automata over every phrase of the rubric
   (``PhraseIndex``: where it pays, the phrases without digits over the texts' digit-blind
   forms, those with digits over the texts) find which of the chunk's distinct texts contain which phrases —
   whatever the number of criteria — and ``Hits.spread`` carries them back to the messages.
2. *Exact matches*, only on a criterion's candidates: excluded spans blanked out, then one
   alternation regex (longest phrase first, leftmost first, non-overlapping) gives the distinct
   matched phrases in order — the semantics the checks document.

A phrase found by step 2 is always a candidate of step 1 (blanking can only remove matches),
so the candidates never hide a match; ``matching_messages`` (frames in, frames out) is the same
step 2 for callers outside a chunk (rubric conditions)."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain

import numpy as np
import pandas as pd

from qa_toolkit.frames import large_strings
from qa_toolkit.rubric import bounded
from qa_toolkit.rubric.distinct import used_texts

_GAP = "\x1f"  # replaces excluded spans so their neighbours do not join into a new match
_ASCII_DIGIT = re.compile("[0-9]")
#: Group texts alike but for their digit runs when a sample of the chunk shrinks at least this
#: much that way (it does for templated replies quoting order numbers; not for free text).
GROUPING_WORTH = 0.5
_GROUPING_SAMPLE = 2000


def alternation(phrases: Sequence[str]) -> str:
    """One regex alternation; longest phrases first so the longest match wins."""
    return "|".join(re.escape(p) for p in sorted(set(phrases), key=lambda p: (-len(p), p)))


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def prepare(
    texts: pd.Series, exclude: Sequence[str] = (), case_sensitive: bool = False, lowered: bool = False
) -> pd.Series:
    """Texts as matched: lower-cased unless case-sensitive (or already ``lowered``), excluded
    spans blanked out."""
    text = texts.astype("string").fillna("")
    if not case_sensitive:
        text = text if lowered else text.str.lower()
        exclude = [e.lower() for e in exclude]
    if exclude:
        text = text.str.replace(alternation(exclude), _GAP, regex=True)
    return text


def distinct_matches(texts: Iterable[str], pattern: str) -> list[list[str]]:
    """Per text, the distinct whole matches of ``pattern`` in order of appearance."""
    compiled = _compiled(pattern)
    if compiled.groups:  # findall would return the groups; the whole match is what we report
        return [list(dict.fromkeys(m.group() for m in compiled.finditer(t))) for t in texts]
    return [list(dict.fromkeys(compiled.findall(t))) for t in texts]


def contains(text: pd.Series, pattern: str) -> np.ndarray:
    """Vectorised ``re.search`` mask (RE2 through pyarrow where the pattern allows)."""
    with warnings.catch_warnings():  # pandas warns about capture groups; we only need the mask here
        warnings.simplefilter("ignore", UserWarning)
        return text.str.contains(pattern, regex=True).fillna(False).to_numpy(dtype=bool)


@dataclass
class Hits:
    """Matches in a chunk: one entry per message row (a distinct-text number before ``spread``)
    and distinct match, in row order."""

    rows: np.ndarray
    match: np.ndarray
    #: messages a pattern could not be run on in time (first per conversation; ``first_regex_hits``)
    undecided: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @classmethod
    def of(cls, rows: np.ndarray, found: list[list[str]]) -> Hits:
        counts = np.fromiter((len(f) for f in found), dtype=np.int64, count=len(found))
        flat = np.empty(int(counts.sum()), dtype=object)
        flat[:] = [m for f in found for m in f]
        return cls(np.repeat(np.asarray(rows, dtype=np.int64), counts), flat)

    def where(self, keep: np.ndarray) -> Hits:
        return Hits(self.rows[keep], self.match[keep])

    def spread(self, codes: np.ndarray, mask: np.ndarray, n_texts: int) -> Hits:
        """Hits over distinct texts (``rows``: text numbers, ascending) as hits over the messages
        in ``mask``, given each message's text number (``codes``)."""
        rows, at = _spread(self.rows, n_texts, codes, mask)
        return Hits(rows, self.match[at])


class PhraseIndex:
    """Every occurrence of every (lower-cased) phrase in a chunk's lower-cased texts, from
    Aho-Corasick passes (see below); phrases asked for later extend the index with more passes.

    Phrases without ASCII digits are looked for in the chunk's texts with every ASCII digit
    made '0' (``_digit_groups``), each such text once: such a phrase occurs in a text exactly
    where it occurs in that form, and the templated replies that quote order and phone numbers
    shrink to a few texts."""

    def __init__(self, lowered: pd.Series, phrases: Iterable[str]):
        self.lowered = lowered
        self.words: list[str] = []
        self.number: dict[str, int] = {}
        empty = np.array([], dtype=np.int64)
        self.rows, self.begins, self.ends, self.ids = empty, empty, empty, empty
        self._groups: tuple[np.ndarray, pd.Series] | None | bool = False  # False: not yet looked at
        self._add(set(phrases))

    def _add(self, phrases: set[str]) -> None:
        words = sorted(p for p in phrases if p and p not in self.number)
        if not words:
            return
        for word in words:
            self.number[word] = len(self.words)
            self.words.append(word)
        lengths = np.array([len(w) for w in self.words], dtype=np.int64)
        digits = [w for w in words if _ASCII_DIGIT.search(w)]
        groups = self._digit_groups() if len(digits) < len(words) else None
        if groups is None:
            self._scan(words, self.lowered, None, lengths)
            return
        self._scan([w for w in words if not _ASCII_DIGIT.search(w)], groups[1], groups[0], lengths)
        if digits:
            self._scan(digits, self.lowered, None, lengths)

    def _scan(self, words: list[str], texts: pd.Series, group_of: np.ndarray | None, lengths: np.ndarray) -> None:
        """Add the occurrences of ``words`` in ``texts`` (the chunk's texts, or their digit
        groups with each text's group in ``group_of``)."""
        import ahocorasick

        automaton = ahocorasick.Automaton()
        for word in words:
            automaton.add_word(word, self.number[word])
        automaton.make_automaton()
        held = _holding_any(texts, words)
        rows, begins, ids = _occurrences(automaton, texts.iloc[held], lengths)
        rows = held[rows]
        if group_of is not None:  # occurrences in a group's text are those of each text in the group
            rows, at = _spread(rows, len(texts), group_of)
            begins, ids = begins[at], ids[at]
        self.rows = np.concatenate([self.rows, rows])
        self.begins = np.concatenate([self.begins, begins])
        self.ends = np.concatenate([self.ends, begins + lengths[ids]])
        self.ids = np.concatenate([self.ids, ids])

    def _digit_groups(self) -> tuple[np.ndarray, pd.Series] | None:
        """The chunk's texts with every ASCII digit made '0', each once, and the number of each
        text's form among them; None when that would not shrink them enough to pay."""
        if self._groups is False:
            self._groups = _digit_groups(self.lowered)
        return self._groups

    def _lookup(self, phrases: set[str]) -> np.ndarray:
        """Per occurrence: is its phrase one of ``phrases``."""
        self._add(phrases)
        table = np.zeros(len(self.words), dtype=bool)
        table[[self.number[p] for p in phrases if p]] = True
        return table[self.ids]

    def hits(self, mask: np.ndarray, phrases: Sequence[str], exclude: Sequence[str]) -> Hits:
        """The messages in ``mask`` holding a phrase after exclusions, with the distinct phrases
        in order. Where no exclusion occurs and no two phrase occurrences overlap but for one
        lying inside an earlier one, the occurrences not inside another are the regex's matches
        (leftmost, longest first, non-overlapping); the other messages get the exact regex
        treatment."""
        if "" in phrases:  # an empty phrase matches everywhere: regex only
            return _exact(self.lowered, np.flatnonzero(mask), phrases, exclude)
        mine = self._lookup(set(phrases)) & mask[self.rows]
        rows, begins, ends, ids = self.rows[mine], self.begins[mine], self.ends[mine], self.ids[mine]
        order = np.lexsort((-(ends - begins), begins, rows))
        rows, begins, ends, ids = rows[order], begins[order], ends[order], ids[order]
        same_row = np.r_[False, rows[1:] == rows[:-1]]
        reach = _reach_before(rows, ends)
        inside = same_row & (ends <= reach)  # within an earlier occurrence: the regex never starts there
        tangled = same_row & (begins < reach) & ~inside  # runs past the end of an earlier one
        slow = np.unique(rows[tangled])
        if exclude:
            excluded = self._lookup({e for e in exclude if e}) & mask[self.rows]
            slow = np.union1d(slow, np.intersect1d(self.rows[excluded], rows))
        quick = ~np.isin(rows, slow) & ~inside
        rows, ids = rows[quick], ids[quick]
        first = np.unique(rows * len(self.words) + ids, return_index=True)[1]  # distinct phrases per message
        first.sort()
        fast = Hits(rows[first], np.array(self.words, dtype=object)[ids[first]])
        if not len(slow):
            return fast
        exact = _exact(self.lowered, slow, phrases, exclude)
        both = np.concatenate([fast.rows, exact.rows])
        order = np.argsort(both, kind="stable")
        return Hits(both[order], np.concatenate([fast.match, exact.match])[order])


def _reach_before(rows: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Per occurrence (sorted by row): the furthest end among the earlier occurrences of its
    row (meaningless for a row's first)."""
    if not len(rows):
        return ends
    span = int(ends.max()) + 1
    furthest = np.maximum.accumulate(rows * span + ends)  # rows ascending: a row never sees the next one's
    return np.r_[-1, furthest[:-1]] - rows * span


def _holding_any(lowered: pd.Series, words: list[str]) -> np.ndarray:
    """Rows that may hold one of ``words``: a single RE2 pass (pyarrow, called directly: an
    alternation of escaped literals needs none of pandas' checks for Python-only syntax) over
    all texts spares the automaton the messages without any phrase; every row when RE2 refuses
    the pattern."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        hit = pc.match_substring_regex(large_strings(lowered), alternation(words))
    except pa.ArrowInvalid:  # e.g. a control character RE2 will not take: scan everything
        return np.arange(len(lowered))
    return np.flatnonzero(pc.fill_null(hit, False).to_numpy(zero_copy_only=False))


def _digit_groups(lowered: pd.Series) -> tuple[np.ndarray, pd.Series] | None:
    """``PhraseIndex._digit_groups`` of these texts: judged on an evenly spaced sample first,
    since grouping costs about what it spares when no two texts differ only in digits."""
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = large_strings(lowered)
    step = max(1, len(texts) // _GROUPING_SAMPLE)
    sample = _digits_zeroed(texts.take(pa.array(np.arange(0, len(texts), step))) if step > 1 else texts)
    if len(sample) == 0 or len(pc.unique(sample)) > GROUPING_WORTH * len(sample):
        return None
    codes, kept = pd.factorize(pd.Series(pd.arrays.ArrowStringArray(_digits_zeroed(texts) if step > 1 else sample)))
    return codes.astype(np.int64), pd.Series(kept, dtype="string")


def _digits_zeroed(texts):
    """The texts (a pyarrow large_string array) with every ASCII digit turned into '0', in the
    UTF-8 bytes (an ASCII byte is never part of another character), so every other character
    keeps its place."""
    import pyarrow as pa

    validity, offsets, data = texts.buffers()
    zeroed = np.frombuffer(data, dtype=np.uint8).copy() if data is not None else np.zeros(0, dtype=np.uint8)
    zeroed[(zeroed >= 0x30) & (zeroed <= 0x39)] = 0x30
    return pa.LargeStringArray.from_buffers(
        len(texts), offsets, pa.py_buffer(zeroed), validity, texts.null_count, texts.offset
    )


def _spread(
    keys: np.ndarray, n_keys: int, codes: np.ndarray, mask: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Entries grouped by key (``keys``: ascending numbers below ``n_keys``) handed to every item
    whose key (``codes``) has some, among the items in ``mask``: (each item's number, repeated
    once per entry of its key; the position of that entry in ``keys``)."""
    count = np.bincount(keys, minlength=n_keys)
    start = np.cumsum(count) - count
    has = count[codes] > 0
    items = np.flatnonzero(has if mask is None else mask & has)
    per_item = count[codes[items]]
    at = np.repeat(start[codes[items]] - (np.cumsum(per_item) - per_item), per_item) + np.arange(per_item.sum())
    return np.repeat(items, per_item), at


def _occurrences(automaton, texts: pd.Series, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every occurrence of the automaton's words (``lengths``: theirs, by number) in ``texts``:
    row, start in that text, word number. One pass over the texts end to end, leaving out the
    occurrences that run from one text into the next."""
    import pyarrow.compute as pc

    arr = pc.fill_null(large_strings(texts), "")
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    joined = (
        arr.buffers()[2][offsets[0] : offsets[-1]].to_pybytes().decode("utf-8")
        if len(arr) and offsets[-1] > offsets[0]
        else ""
    )
    starts = np.r_[0, np.cumsum(pc.utf8_length(arr).to_numpy(zero_copy_only=False))]
    found = np.fromiter(chain.from_iterable(automaton.iter(joined)), dtype=np.int64).reshape(-1, 2)
    ids = found[:, 1]
    at = found[:, 0] + 1 - lengths[ids]
    rows = np.searchsorted(starts, found[:, 0], side="right") - 1  # the text of the last character
    inside = at >= starts[rows]
    return rows[inside], (at - starts[rows])[inside], ids[inside]


def _exact(lowered: pd.Series, rows: np.ndarray, phrases: Sequence[str], exclude: Sequence[str]) -> Hits:
    """Step 2 on the given message rows of lower-cased text."""
    text = prepare(lowered.iloc[rows], exclude, lowered=True)
    return Hits.of(rows, distinct_matches(text.tolist(), alternation(phrases)))


def phrase_hits(
    frames, mask: np.ndarray, phrases: Sequence[str], exclude: Sequence[str] = (), case_sensitive: bool = False
) -> Hits:
    """The messages in ``mask`` that contain a phrase after exclusions, with the distinct
    phrases matched (lower-cased when case-insensitive). Each distinct text is matched once."""
    codes, texts = frames.distinct
    wanted = frames.texts_of(mask)
    if case_sensitive:
        found = _plain_hits(texts, phrases, exclude, True, wanted)
    else:
        index = frames.cached(
            "phrase_index", lambda f: PhraseIndex(texts.str.lower(), (p.lower() for p in f.vocabulary))
        )
        found = index.hits(wanted, [p.lower() for p in phrases], [e.lower() for e in exclude])
    return found.spread(codes, mask, len(texts))


def saying(frames, pred) -> pd.Series:
    """A rubric condition's ``says`` (``pred``: role and phrases) for every conversation of the
    chunk, from the chunk's phrase index: does a message of that role contain a phrase."""
    hits = phrase_hits(frames, frames.role_mask(pred.role), pred.says)
    out = np.zeros(frames.n, dtype=bool)
    out[frames.conv_of[hits.rows]] = True
    return pd.Series(out, index=frames.index, dtype="boolean")


def first_regex_hits(frames, mask: np.ndarray, pattern: str, exclude_regex: str | None = None) -> Hits:
    """Each conversation's first message in ``mask`` whose text (after cutting out
    ``exclude_regex`` matches) matches ``pattern``, with the matched span — all a pass/fail
    verdict with evidence needs — and in ``undecided`` each conversation's first message whose
    text the pattern could not be run on in time (``bounded``). Only the distinct texts of
    those messages are searched, and the span is taken once per distinct text of the messages
    kept."""
    codes, texts = frames.distinct
    numbers = np.flatnonzero(frames.texts_of(mask))
    text = texts.iloc[numbers].astype("string").fillna("")
    late = np.zeros(len(numbers), dtype=bool)
    if exclude_regex:
        text, late = bounded.cut(text, exclude_regex, _GAP)
    hit, slow = bounded.search(text, pattern)
    matched = np.zeros(len(texts), dtype=bool)
    matched[numbers[hit & ~late]] = True
    unsure = np.zeros(len(texts), dtype=bool)
    unsure[numbers[late | slow]] = True
    rows = np.flatnonzero(mask & matched[codes])
    rows = rows[frames.first_per_conversation(rows)]
    said = used_texts(codes, rows, len(texts))
    span = np.empty(len(texts), dtype=object)
    span[said] = bounded.first_matches(text.iloc[np.searchsorted(numbers, said)].tolist(), pattern)
    undecided = np.flatnonzero(mask & unsure[codes])
    return Hits(rows, span[codes[rows]], undecided[frames.first_per_conversation(undecided)])


def matching_messages(
    messages: pd.DataFrame, phrases: Sequence[str], exclude: Sequence[str] = (), case_sensitive: bool = False
) -> pd.DataFrame:
    """Chunk in, frames out: the messages that contain a phrase (after exclusions), one row per
    message and distinct matched phrase, with the phrase in ``match``; each distinct text is
    matched once."""
    if messages.empty:
        return messages.assign(match=pd.Series(dtype="string"))
    codes, texts = pd.factorize(messages["text"].astype("string").fillna(""))
    found = _plain_hits(pd.Series(texts, dtype="string"), phrases, exclude, case_sensitive)
    found = found.spread(codes.astype(np.int64), np.ones(len(messages), dtype=bool), len(texts))
    return messages.iloc[found.rows].assign(match=pd.array(found.match, dtype="string"))


def _plain_hits(
    texts: pd.Series,
    phrases: Sequence[str],
    exclude: Sequence[str],
    case_sensitive: bool,
    wanted: np.ndarray | None = None,
) -> Hits:
    """The documented semantics straight, over distinct ``texts`` (those in ``wanted``): texts
    prepared, one vectorised search, the distinct matches of the texts that match."""
    text = prepare(texts, exclude, case_sensitive)
    pattern = alternation(phrases if case_sensitive else [p.lower() for p in phrases])
    hit = contains(text, pattern)
    numbers = np.flatnonzero(hit if wanted is None else wanted & hit)
    return Hits.of(numbers, distinct_matches(text.iloc[numbers].tolist(), pattern))
