"""Rubric × conversations → a long results frame and a per-conversation scores frame.

Pure over DataFrames and chunkable: ``score_frames`` works on any subset of conversations
together with their messages, so the same function runs on one chunk, a whole file or a Dask
partition. A chunk is held once as ``Frames`` (numpy views: each message's conversation, role
masks, turn ranks); each check is evaluated on those arrays, once per criterion, and every
phrase of the rubric is found in one Aho-Corasick pass over the chunk (``rubric.matching``).

Arithmetic (also in the README):

1. Outcome per criterion: ``pass``, ``fail``, ``na`` (its ``when`` is false or unknown, the
   rubric's ``applies_to`` excludes the conversation, or the check has nothing to judge) or
   ``review`` (a ``manual`` item waiting for a human grade).
2. Points. Standard item: pass earns ``points`` (a grader may give partial credit), fail 0;
   its ``max_points`` = ``points`` when pass/fail, 0 when na/review — N/A and pending review
   leave the denominator. Bonus (加分): pass earns +points, ``max_points`` 0. Deduction (扣分):
   fail earns −points, ``max_points`` 0.
3. Section score = clamp(Σ points, 0, Σ max_points) / Σ max_points × 100, NaN when
   Σ max_points = 0 (everything N/A). So deductions subtract from the earned points (floor 0)
   and bonus adds, capped at the section maximum.
4. ``fail_section`` item failed → that section scores 0.
5. Total = Σ weight × section score / Σ weight over sections with a score (NaN sections leave
   the weighting), on 0–100.
6. ``critical`` item failed (一票否决) → total 0 and ``critical_failed``.
   Precedence: critical > section fail > N/A. Under ``critical: confirm`` (the item's, or the
   rubric's for ``critical: true``) an automatic fail is *pending* (待复核): listed in
   ``critical_pending``, the total not zeroed, until a grader confirms it (results column
   ``confirmed``); ``critical: auto`` zeroes at once.
7. ``band`` = the band with the highest ``min`` ≤ total.
8. A ``status: shadow`` criterion is computed and kept in the results (outcome, points, evidence;
   its note starts with ``SHADOW``) but leaves steps 3–6 and the review count: it is measured
   against the graders before it counts (``qa rubric promote``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from qa_toolkit.excel import csv_restore
from qa_toolkit.frames import RESULTS, SCORES, SECTION_PREFIX, conform
from qa_toolkit.rubric.checks import get as get_check
from qa_toolkit.rubric.checks._base import CODE, Coded, Frames, Labels, Outcomes, evidence_codes, outcome_labels
from qa_toolkit.rubric.matching import saying
from qa_toolkit.rubric.schema import Criterion, Rubric
from qa_toolkit.rubric.predicates import evaluate as evaluate_predicate, phrases_said

#: The note a criterion gets when its rubric's ``applies_to`` excludes the conversation.
OUT_OF_SCOPE = "rubric does not apply"
#: How a shadow criterion's notes begin: computed and shown, not counted.
SHADOW = "shadow, not counted"


def score_frames(conversations: pd.DataFrame, messages: pd.DataFrame, rubric: Rubric, *,
                 risk: pd.DataFrame | None = None, mask: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score a chunk: (RESULTS frame, SCORES frame); ``mask``: personal data in evidence texts
    masked (as ``masked`` does, once per distinct text)."""
    return score_with_rubrics(conversations, messages, [rubric], risk=risk, mask=mask)


def score_with_rubrics(conversations: pd.DataFrame, messages: pd.DataFrame, rubrics: Sequence[Rubric], *,
                       risk: pd.DataFrame | None = None, mask: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score a chunk with an ordered list of rubrics: each conversation by the first rubric whose
    ``applies_to`` admits it; one no rubric admits goes to the first, which marks it N/A (no
    total), as the single-rubric path does."""
    scored = score_chunk(conversations, messages, rubrics, risk=risk, mask=mask)
    return scored.results(), scored.scores


@dataclass
class Evaluated:
    """One rubric's verdicts for the conversations it scores in a chunk, still as codes; row
    ``i * k + j`` of every array is conversation i, criterion j (conversation-major, rubric
    order), as in the RESULTS frame. Both that frame and the engine's part files (straight
    from the codes, ``engine.parts``) are built from it."""

    frames: Frames
    rubric: Rubric
    outcomes: list[Outcomes]
    mask: bool

    @property
    def k(self) -> int:
        return len(self.outcomes)

    def stacked(self, name: str) -> np.ndarray:
        """An ``Outcomes`` array of every criterion, conversation-major."""
        return np.stack([getattr(o, name) for o in self.outcomes], axis=1).reshape(-1)

    @cached_property
    def outcome(self) -> np.ndarray:
        return self.stacked("outcome")

    @cached_property
    def points(self) -> tuple[np.ndarray, np.ndarray]:
        """(points, max_points) per row, worked out per criterion and laid out by broadcasting."""
        criteria = [c for _, c in self.rubric.criteria]
        outcome = self.outcome.reshape(self.frames.n, self.k)
        points, maximum = _points(np.array([c.kind for c in criteria], dtype=object),
                                  np.array([float(c.points) for c in criteria]),
                                  outcome == CODE["pass"], outcome == CODE["fail"])
        return points.reshape(-1), maximum.reshape(-1)

    @cached_property
    def evidence(self) -> tuple[pd.arrays.IntegerArray, np.ndarray, pd.Series]:
        """(evidence_seq, text codes, texts): ``evidence_codes``, masked if asked."""
        return evidence_codes(self.frames, self.stacked("message"), self.mask)

    def frame(self) -> pd.DataFrame:
        """The RESULTS frame."""
        if not self.outcomes:
            return conform(pd.DataFrame(columns=list(RESULTS)), RESULTS)
        n, k = self.frames.n, self.k
        criteria = [c for _, c in self.rubric.criteria]

        def repeated(values: list) -> pd.api.extensions.ExtensionArray:  # one label per criterion, cheaply
            return pd.array(values, dtype="string").take(np.tile(np.arange(k), n))

        points, maximum = self.points
        seq, codes, texts = self.evidence
        ids = self.frames.conversations["conversation_id"].astype("string").array.take(np.repeat(np.arange(n), k))
        return pd.DataFrame({
            "conversation_id": ids,
            "section_id": repeated([s.id for s, _ in self.rubric.criteria]),
            "criterion_id": repeated([c.id for c in criteria]),
            "outcome": outcome_labels(self.outcome),
            "points": points,
            "max_points": maximum,
            "critical": pd.array(np.tile(np.array([c.critical for c in criteria], dtype=bool), n), dtype="boolean"),
            "evidence_seq": seq,
            "evidence_text": texts.array.take(codes, allow_fill=True),
            "evidence_match": Labels.strings([o.match for o in self.outcomes]),
            "note": Labels.strings([o.note for o in self.outcomes]),
        })

    def scores(self) -> pd.DataFrame:
        """The SCORES frame of these conversations."""
        n, k = self.frames.n, self.k
        sections = pd.Index([s.id for s in self.rubric.sections]).get_indexer([s.id for s, _ in self.rubric.criteria])
        outcome = self.outcome if k else np.zeros(0, dtype=np.int8)
        points, maximum = self.points if k else (np.zeros(0), np.zeros(0))
        return _aggregate(outcome == CODE["fail"], outcome == CODE["review"], points, maximum,
                          self.frames.conversations.set_index("conversation_id"), self.rubric,
                          np.repeat(np.arange(n, dtype=np.int32), k), np.tile(np.arange(k, dtype=np.int32), n),
                          np.tile(sections.astype(np.int32), n))


@dataclass
class Scored:
    """A scored chunk: per rubric, the chunk's conversation rows it scored (ascending) and its
    verdicts; the SCORES frame in chunk order."""

    parts: list[tuple[np.ndarray, Evaluated]]
    scores: pd.DataFrame

    def order(self) -> np.ndarray | None:
        """Rows of the rubrics' results laid end to end, in chunk order (None: one rubric, already so)."""
        if len(self.parts) == 1:
            return None
        rows = np.concatenate([np.repeat(mine, ev.k) for mine, ev in self.parts])
        return np.argsort(rows, kind="stable")

    def results(self) -> pd.DataFrame:
        """The RESULTS frame in chunk order."""
        order = self.order()
        if order is None:
            return self.parts[0][1].frame()
        frame = pd.concat([ev.frame() for _, ev in self.parts], ignore_index=True)
        return conform(frame.take(order).reset_index(drop=True), RESULTS)


def score_chunk(conversations: pd.DataFrame, messages: pd.DataFrame, rubrics: Sequence[Rubric], *,
                risk: pd.DataFrame | None = None, mask: bool = False) -> Scored:
    """``score_with_rubrics`` with the results still as codes (``Scored``): the engine writes its
    part files and summary counts from them without building the RESULTS frame."""
    rubrics = list(rubrics)
    frames = Frames(conversations, messages, risk)
    route = _route(frames, rubrics) if len(rubrics) > 1 else np.zeros(frames.n, dtype=int)
    parts = []
    for i, rubric in enumerate(rubrics):
        mine = np.flatnonzero(route == i)
        if len(mine) or (i == len(rubrics) - 1 and not parts):
            parts.append((mine, _evaluate(frames.subset(mine, vocabulary(rubric)), rubric, mask)))
    if len(parts) == 1:
        return Scored(parts, parts[0][1].scores())
    scores = pd.concat([ev.scores() for _, ev in parts], ignore_index=True)
    convs = np.concatenate([mine for mine, _ in parts])
    return Scored(parts, conform(scores.take(np.argsort(convs, kind="stable")).reset_index(drop=True), SCORES))


def route_rubrics(conversations: pd.DataFrame, messages: pd.DataFrame, rubrics: Sequence[Rubric]) -> pd.Series:
    """Per conversation (aligned to ``conversations``' rows) the index of the first rubric whose
    ``applies_to`` admits it; 0 when none does."""
    return pd.Series(_route(Frames(conversations, messages), rubrics), index=conversations.index)


def _route(frames: Frames, rubrics: Sequence[Rubric]) -> np.ndarray:
    route = np.full(frames.n, -1)
    for i, rubric in enumerate(rubrics):
        route[(route == -1) & _applies(rubric, frames)] = i
    return route.clip(min=0)


def rubric_by_conversation(conversations: pd.DataFrame, messages: pd.DataFrame,
                           rubrics: Sequence[Rubric]) -> dict[str, Rubric]:
    """conversation_id -> the rubric that scores it (as ``score_with_rubrics`` routes)."""
    route = route_rubrics(conversations, messages, rubrics)
    return dict(zip(conversations["conversation_id"], (rubrics[i] for i in route)))


def _evaluate(frames: Frames, rubric: Rubric, mask: bool = False) -> Evaluated:
    """Every criterion's verdicts for the chunk, the rubric's ``applies_to`` applied."""
    applies = _applies(rubric, frames)
    outcomes = []
    for _, criterion in rubric.criteria:
        out = criterion_outcomes(criterion, frames)
        if criterion.status == "shadow":
            _mark_shadow(out)
        out.set(~applies, "na", OUT_OF_SCOPE)
        out.clear_evidence(out.outcome == CODE["na"])
        outcomes.append(out)
    return Evaluated(frames, rubric, outcomes, mask)


def _mark_shadow(out: Outcomes) -> None:
    """Prefix every note of a shadow criterion's verdicts with ``SHADOW`` (each distinct note once)."""
    worded = [SHADOW if v in (None, "") else f"{SHADOW}: {v}" for v in out.note.values]
    out.note.assign(np.arange(len(out.note.codes)), Coded(out.note.codes, worded))


def vocabulary(rubric: Rubric) -> frozenset[str]:
    """Every phrase the rubric's checks look for, so one matching pass per chunk serves all."""
    words: set[str] = set()
    for _, criterion in rubric.criteria:
        module = get_check(criterion.check.type)
        if hasattr(module, "phrases"):
            words.update(module.phrases(criterion.check))
        words.update(phrases_said(criterion.when))
    return frozenset(words)


def criterion_outcomes(criterion: Criterion, frames: Frames) -> Outcomes:
    """One criterion's verdicts for the chunk, its ``when`` applied."""
    out = get_check(criterion.check.type).evaluate(criterion.check, frames)
    if criterion.when is not None:
        applies = evaluate_predicate(criterion.when, frames.conversations, frames.messages, frames.derived,
                                     lambda said: saying(frames, said))
        out.set(~applies.reindex(frames.index).fillna(False).astype(bool).to_numpy(), "na", "not applicable (when)")
    return out


def evaluate_criterion(criterion: Criterion, frames: Frames) -> pd.DataFrame:
    """One criterion's outcome frame (indexed by conversation_id), its ``when`` applied."""
    return criterion_outcomes(criterion, frames).frame()


def outcome_points(criterion: Criterion, outcome: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(points, max_points) for outcomes of ``criterion`` — the rule graders' imports reuse."""
    points, maximum = _points(criterion.kind, float(criterion.points), outcome.eq("pass").to_numpy(dtype=bool),
                              outcome.eq("fail").to_numpy(dtype=bool))
    return pd.Series(points, index=outcome.index), pd.Series(maximum, index=outcome.index)


def _points(kind, p, passed: np.ndarray, failed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points earned and at stake; ``kind`` and ``p`` may be arrays that broadcast against the
    outcome masks (e.g. one per criterion against a conversations × criteria matrix)."""
    kind = np.asarray(kind, dtype=object)
    deduction = np.asarray(kind == "deduction")
    earned = np.where(deduction, failed, passed)  # the outcome that moves the points, as flags
    points = earned * (np.where(deduction, -1.0, 1.0) * p)  # an unfailed deduction: -0.0, as ever
    maximum = ((passed | failed) & np.asarray(kind == "standard")) * np.float64(p)
    return points.astype(np.float64, copy=False), maximum.astype(np.float64, copy=False)


def _applies(rubric: Rubric, frames: Frames) -> np.ndarray:
    """Mask over the chunk's conversations: the rubric's ``applies_to`` admits them."""
    conv = frames.conversations
    ok = np.ones(frames.n, dtype=bool)
    scope = rubric.applies_to
    if scope is not None:
        if scope.channels is not None:
            ok &= conv["channel"].isin(scope.channels).fillna(False).to_numpy(dtype=bool)
        if scope.queues is not None:
            ok &= conv["queue"].isin(scope.queues).fillna(False).to_numpy(dtype=bool)
        if scope.languages is not None:
            lang = frames.derived["language"].reindex(frames.index)
            ok &= lang.isin(scope.languages).fillna(False).to_numpy(dtype=bool)
    return ok


def aggregate_scores(results: pd.DataFrame, conversations: pd.DataFrame, rubric: Rubric) -> pd.DataFrame:
    """The SCORES frame from a RESULTS frame — rubric arithmetic only (see module docstring),
    so it can re-run after human grades override outcomes and points. An optional boolean
    ``confirmed`` column marks fails a person confirmed (a ``critical: confirm`` item's fail
    counts only then). Rows of criteria or sections the rubric does not have are ignored."""
    conv = conversations.drop_duplicates("conversation_id").set_index("conversation_id")
    criterion = _positions(results["criterion_id"], pd.Index([c.id for _, c in rubric.criteria]))
    section = _positions(results["section_id"], pd.Index([s.id for s in rubric.sections]))
    row = _positions(results["conversation_id"], conv.index)
    known = (criterion >= 0) & (section >= 0) & (row >= 0)
    res = results[known]
    confirmed = (res["confirmed"].astype("boolean").fillna(False).to_numpy(dtype=bool) if "confirmed" in res.columns
                 else None)
    return _aggregate(res["outcome"].eq("fail").fillna(False).to_numpy(dtype=bool),
                      res["outcome"].eq("review").fillna(False).to_numpy(dtype=bool),
                      res["points"].astype("float64").to_numpy(), res["max_points"].astype("float64").fillna(0.0).to_numpy(),
                      conv, rubric, row[known], criterion[known], section[known], confirmed)


def _aggregate(failed: np.ndarray, review: np.ndarray, points: np.ndarray, max_points: np.ndarray, conv: pd.DataFrame,
               rubric: Rubric, row: np.ndarray, criterion: np.ndarray, section: np.ndarray,
               confirmed: np.ndarray | None = None) -> pd.DataFrame:
    """``aggregate_scores`` from per-result arrays (failed, waiting for review, points, max
    points, a person confirmed the fail — None: nobody has) once each result's conversation
    (row of ``conv``, indexed by conversation_id), criterion and section (positions in the
    rubric) are known."""
    index = pd.Index(conv.index, name="conversation_id")
    criteria = [c for _, c in rubric.criteria]
    counted = np.array([c.status != "shadow" for c in criteria], dtype=bool)[criterion]
    if not counted.all():  # shadow criteria leave the arithmetic
        failed, review = failed & counted, review & counted
        points, max_points = np.where(counted, points, 0.0), np.where(counted, max_points, 0.0)
    n_sections = len(rubric.sections)
    cell = row * n_sections + section

    earned = _cell_sums(points, cell, len(index) * n_sections).reshape(len(index), n_sections)
    maximum = _cell_sums(max_points, cell, len(index) * n_sections).reshape(len(index), n_sections)
    fail_section = np.array([c.fail_section for c in criteria], dtype=bool)[criterion] & failed
    section_failed = np.zeros(len(index) * n_sections, dtype=bool)
    section_failed[cell[fail_section]] = True
    section_failed = section_failed.reshape(len(index), n_sections)
    columns: dict = {}  # gathered, then one frame: inserting column by column costs more than the arithmetic
    total_w = np.zeros(len(index))
    total = np.zeros(len(index))
    for j, sec in enumerate(rubric.sections):
        e, m = earned[:, j], maximum[:, j]
        with np.errstate(invalid="ignore", divide="ignore"):
            pct = np.minimum(np.maximum(e, 0), m) / np.where(m > 0, m, np.nan) * 100
        pct = np.where(section_failed[:, j], 0.0, pct)
        columns[SECTION_PREFIX + sec.id] = np.round(pct, 4)
        has = ~np.isnan(pct)
        total = total + np.where(has, np.nan_to_num(pct) * sec.weight, 0.0)
        total_w = total_w + has * sec.weight
    with np.errstate(invalid="ignore", divide="ignore"):
        total = total / np.where(total_w > 0, total_w, np.nan)
    critical = np.array([bool(c.critical) for c in criteria], dtype=bool)[criterion] & failed
    pending = critical & np.array([rubric.needs_confirmation(c) for c in criteria], dtype=bool)[criterion]
    if confirmed is not None:
        pending &= ~confirmed
    crit_ids = _ids_by_row(row[critical & ~pending], criterion[critical & ~pending], criteria)
    critical_failed = np.zeros(len(index), dtype=bool)
    critical_failed[list(crit_ids)] = True
    total = np.where(critical_failed, 0.0, total)
    columns["total"] = pd.Series(np.round(total, 4), index=index)
    columns["critical_failed"] = pd.array(critical_failed, dtype="boolean")
    columns["critical_criteria"] = _joined(crit_ids, len(index))
    columns["critical_pending"] = _joined(_ids_by_row(row[pending], criterion[pending], criteria), len(index))
    columns["n_review"] = pd.array(np.bincount(row[review], minlength=len(index)), dtype="Int64")
    columns["band"] = _bands(columns["total"], rubric)
    columns["rubric_id"] = rubric.id
    columns["rubric_version"] = rubric.version
    for col in ("agent_id", "channel", "started_at"):
        columns[col] = conv[col] if col in conv else pd.NA
    return conform(pd.DataFrame(columns, index=index).reset_index(), SCORES)


def _ids_by_row(rows: np.ndarray, criterion: np.ndarray, criteria: list[Criterion]) -> dict[int, list[str]]:
    """Conversation row -> the ids of its criteria among (rows, criterion) pairs, in result order."""
    ids: dict[int, list[str]] = {}
    for r, c in zip(rows.tolist(), criterion.tolist()):
        ids.setdefault(r, []).append(criteria[c].id)
    return ids


def _joined(ids: dict[int, list[str]], n: int) -> pd.arrays.StringArray:
    """';'-joined ids per conversation row, "" for none."""
    joined = np.full(n, "", dtype=object)
    for r, names in ids.items():
        joined[r] = ";".join(names)
    return pd.array(joined, dtype="string")


def _positions(values: pd.Series, labels: pd.Index) -> np.ndarray:
    """Position of each value in ``labels`` (-1: absent), looking each distinct value up once."""
    codes, uniques = pd.factorize(values)
    return np.where(codes >= 0, labels.get_indexer(uniques)[codes], -1)


def _cell_sums(values: np.ndarray, cell: np.ndarray, size: int) -> np.ndarray:
    """Sum of ``values`` per cell number (0..size-1; 0 for none), exactly as pandas 3.1's groupby
    sum gives it: where the cells come in runs without NaN (always so for ``_evaluate``'s
    results) that is ``np.add.reduceat`` over the runs, pandas 3.1's own path there, without the
    grouping machinery; otherwise pandas' group sums themselves. (pandas 2 and 3.0 compensated
    their group sums, which can differ in the last bit: hence pandas>=3.1.)"""
    out = np.zeros(size)
    if len(cell) and (np.diff(cell) >= 0).all() and not np.isnan(values).any():
        starts = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]])
        out[cell[starts]] = np.add.reduceat(values, starts)
    elif len(cell):
        sums = pd.Series(values).groupby(cell).sum()
        out[sums.index.to_numpy()] = sums.to_numpy()
    return out


def _bands(total: pd.Series, rubric: Rubric) -> pd.Series:
    """The band with the highest ``min`` <= total (of bands with equal ``min``, the last listed); <NA> for none."""
    bands = sorted(rubric.bands, key=lambda b: b.min)
    values = total.to_numpy(dtype="float64", na_value=np.nan)
    at = np.searchsorted(np.array([b.min for b in bands], dtype="float64"), values, side="right") - 1
    at = np.where(np.isnan(values), -1, at)
    names = pd.array([b.name for b in bands], dtype="string")
    return pd.Series(names.take(at, allow_fill=True), index=total.index)


def score_chunks(conversations: pd.DataFrame, messages: pd.DataFrame, rubric: Rubric | Sequence[Rubric], *,
                 risk: pd.DataFrame | None = None, chunk_size: int = 20000, progress=None,
                 mask: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``score_with_rubrics`` (one rubric or an ordered list) over chunks of ``chunk_size``
    conversations (bounded memory); the result equals one call on everything. ``progress(n)``
    is told how many conversations are done; ``mask`` as for ``score_frames``."""
    rubrics = as_rubrics(rubric)
    parts_r, parts_s = [], []
    for start in range(0, len(conversations), chunk_size):
        chunk = conversations.iloc[start:start + chunk_size]
        msgs = messages[messages["conversation_id"].isin(chunk["conversation_id"])]
        r, s = score_with_rubrics(chunk, msgs, rubrics, risk=risk, mask=mask)
        parts_r.append(r)
        parts_s.append(s)
        if progress:
            progress(len(chunk))
    if not parts_r:
        return score_with_rubrics(conversations, messages, rubrics, risk=risk, mask=mask)
    return pd.concat(parts_r, ignore_index=True), pd.concat(parts_s, ignore_index=True)


def as_rubrics(rubric: Rubric | Sequence[Rubric]) -> list[Rubric]:
    """One rubric or an ordered list of them, as a list."""
    return [rubric] if isinstance(rubric, Rubric) else list(rubric)



def outside_scope(results: pd.DataFrame) -> int:
    """Conversations no rubric admits (their every result says so)."""
    return int(results.loc[results["note"].eq(OUT_OF_SCOPE).fillna(False).to_numpy(), "conversation_id"].nunique())


def bonus_ids(rubric: Rubric | Sequence[Rubric]) -> set[str]:
    """Criterion ids that are bonus items in any of the rubrics (an unearned bonus is no failure)."""
    return {c.id for r in as_rubrics(rubric) for _, c in r.criteria if c.kind == "bonus"}


def masked(results: pd.DataFrame) -> pd.DataFrame:
    """Results with personal data masked in ``evidence_text`` (what people read)."""
    from qa_toolkit.privacy import mask_series

    return results.assign(evidence_text=mask_series(results["evidence_text"]))


def summarise(results: pd.DataFrame, scores: pd.DataFrame, rubric: Rubric | Sequence[Rubric], top: int = 5) -> dict:
    """Counts for the run manifest and the printed summary: totals, bands, outcomes, the most
    failed criteria (bonus items not earned are not failures here), critical failures,
    conversations per rubric and those no rubric admits."""
    total = scores["total"].dropna()
    bonus = bonus_ids(rubric)
    fails = results[(results["outcome"] == "fail") & ~results["criterion_id"].isin(bonus)]["criterion_id"].value_counts()
    judged = results[results["outcome"].isin(["pass", "fail"])]["criterion_id"].value_counts()
    return {
        "conversations": int(len(scores)),
        "scored": int(scores["total"].notna().sum()),
        "outside_scope": outside_scope(results),
        "by_rubric": {str(k): int(v) for k, v in scores["rubric_id"].value_counts().sort_index().items()},
        "results": int(len(results)),
        "total": {"mean": _r(total.mean()), "min": _r(total.min()), "p25": _r(total.quantile(0.25)),
                  "median": _r(total.median()), "p75": _r(total.quantile(0.75)), "max": _r(total.max())},
        "bands": {str(k): int(v) for k, v in scores["band"].fillna("(none)").value_counts().sort_index().items()},
        "outcomes": {str(k): int(v) for k, v in results["outcome"].value_counts().sort_index().items()},
        "critical_failures": int(scores["critical_failed"].fillna(False).sum()),
        "needs_review": int(scores["n_review"].fillna(0).gt(0).sum()),
        "top_failed": [{"criterion_id": str(k), "fails": int(v), "fail_rate": _r(v / judged.get(k, v))}
                       for k, v in sorted(fails.items(), key=lambda kv: (-kv[1], kv[0]))[:top]],
    }


def _r(value: float) -> float | None:
    return None if pd.isna(value) else round(float(value), 2)


def format_summary(summary: dict) -> str:
    """The short text ``qa score`` prints."""
    t = summary["total"]
    outside = summary["conversations"] - summary["scored"]
    lines = [f"scored {summary['scored']} of {summary['conversations']} conversations "
             f"({summary['results']} criterion results)"
             + (f"; {outside} have no score ({summary['outside_scope']} outside every rubric's scope, "
                f"{outside - summary['outside_scope']} all N/A)" if outside else ""),
             "rubrics: " + ", ".join(f"{k} {v}" for k, v in summary["by_rubric"].items()),
             f"total: mean {t['mean']}, min {t['min']}, p25 {t['p25']}, median {t['median']}, "
             f"p75 {t['p75']}, max {t['max']}",
             "bands: " + ", ".join(f"{k} {v}" for k, v in summary["bands"].items()),
             "outcomes: " + ", ".join(f"{k} {v}" for k, v in summary["outcomes"].items()),
             f"critical failures: {summary['critical_failures']}; waiting for review: {summary['needs_review']}"]
    if summary["top_failed"]:
        lines.append("most failed criteria: " + ", ".join(
            f"{x['criterion_id']} {x['fails']} ({x['fail_rate']:.0%})" for x in summary["top_failed"]))
    return "\n".join(lines)


def read_risk(path) -> pd.DataFrame:
    """A risk frame (CSV or Parquet with conversation_id and risk_score); InputError otherwise."""
    from pathlib import Path

    from qa_toolkit.problems import InputError, Problem

    path = Path(path)
    try:
        risk = pd.read_parquet(path) if path.suffix.lower() == ".parquet" else \
            csv_restore(pd.read_csv(path, dtype={"conversation_id": "string"}, encoding="utf-8-sig"))
    except Exception as err:  # any unreadable file is an input error with its name
        raise InputError(Problem(str(path), f"cannot read risk scores: {err}", code="unreadable")) from None
    missing = [c for c in ("conversation_id", "risk_score") if c not in risk.columns]
    if missing:
        raise InputError(Problem(str(path), f"risk file lacks column(s): {', '.join(missing)}", line=1,
                                 code="missing_column"))
    return risk.assign(conversation_id=risk["conversation_id"].astype("string"))

