"""Points and aggregation: the rubric arithmetic (steps 2–7 of ``qa_toolkit.scoring``) from
per-result arrays or a RESULTS frame to the SCORES frame. Re-run after human grades override
outcomes and points (``aggregate_scores``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from qa_toolkit.frames import SCORES, SECTION_PREFIX, conform
from qa_toolkit.rubric.schema import Criterion, Rubric


def outcome_points(criterion: Criterion, outcome: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(points, max_points) for outcomes of ``criterion`` — the rule graders' imports reuse."""
    points, maximum = earned_points(
        criterion.kind,
        float(criterion.points),
        outcome.eq("pass").to_numpy(dtype=bool),
        outcome.eq("fail").to_numpy(dtype=bool),
    )
    return pd.Series(points, index=outcome.index), pd.Series(maximum, index=outcome.index)


def earned_points(kind, p, passed: np.ndarray, failed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points earned and at stake; ``kind`` and ``p`` may be arrays that broadcast against the
    outcome masks (e.g. one per criterion against a conversations × criteria matrix)."""
    kind = np.asarray(kind, dtype=object)
    deduction = np.asarray(kind == "deduction")
    earned = np.where(deduction, failed, passed)  # the outcome that moves the points, as flags
    points = earned * (np.where(deduction, -1.0, 1.0) * p)  # an unfailed deduction: -0.0, as ever
    maximum = ((passed | failed) & np.asarray(kind == "standard")) * np.float64(p)
    return points.astype(np.float64, copy=False), maximum.astype(np.float64, copy=False)


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
    confirmed = (
        res["confirmed"].astype("boolean").fillna(False).to_numpy(dtype=bool) if "confirmed" in res.columns else None
    )
    return aggregate_arrays(
        res["outcome"].eq("fail").fillna(False).to_numpy(dtype=bool),
        res["outcome"].eq("review").fillna(False).to_numpy(dtype=bool),
        res["points"].astype("float64").to_numpy(),
        res["max_points"].astype("float64").fillna(0.0).to_numpy(),
        conv,
        rubric,
        row[known],
        criterion[known],
        section[known],
        confirmed,
    )


def aggregate_arrays(
    failed: np.ndarray,
    review: np.ndarray,
    points: np.ndarray,
    max_points: np.ndarray,
    conv: pd.DataFrame,
    rubric: Rubric,
    row: np.ndarray,
    criterion: np.ndarray,
    section: np.ndarray,
    confirmed: np.ndarray | None = None,
) -> pd.DataFrame:
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
    sum gives it: where the cells come in runs without NaN (always so for evaluated
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
