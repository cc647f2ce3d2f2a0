"""The one results builder: a scored chunk's verdict codes → the RESULTS rows, as an Arrow
table of dictionary columns (what a part file holds, written without decoding a string per
row) or as the RESULTS frame (the same table decoded). Scoring frames into (RESULTS, SCORES)
is the runner's ``engine.score_chunks``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from qa_toolkit.frames import OUTCOMES, RESULTS, conform, large_strings
from qa_toolkit.privacy import mask_series
from qa_toolkit.rubric.checks._base import CodedStrings
from qa_toolkit.scoring.evaluate import Evaluated, Scored

_TEXT = pa.dictionary(pa.int32(), pa.large_string())
#: The results part's Arrow schema: strings as dictionaries, columns that are never missing
#: marked so (Parquet then writes no null bookkeeping for them).
SCHEMA = pa.schema(
    [
        pa.field("conversation_id", _TEXT),
        pa.field("section_id", _TEXT, nullable=False),
        pa.field("criterion_id", _TEXT, nullable=False),
        pa.field("outcome", pa.dictionary(pa.int8(), pa.large_string()), nullable=False),
        pa.field("points", pa.float64(), nullable=False),
        pa.field("max_points", pa.float64(), nullable=False),
        pa.field("critical", pa.bool_(), nullable=False),
        pa.field("evidence_seq", pa.int64()),
        pa.field("evidence_text", _TEXT),
        pa.field("evidence_match", _TEXT),
        pa.field("note", _TEXT),
    ]
)


def results_table(scored: Scored) -> pa.Table:
    """A scored chunk's RESULTS as an Arrow table (``SCHEMA``) whose string columns are
    dictionaries built from the codes (ids, labels, the chunk's distinct evidence texts): the
    part sink writes it as it is, ``results_frame`` turns it into the RESULTS frame."""
    tables = [_evaluated_table(ev) for _, ev in scored.parts]
    order = scored.order()
    if order is None:
        return tables[0]
    return pa.concat_tables(tables).unify_dictionaries().combine_chunks().take(order)


def _evaluated_table(ev: Evaluated) -> pa.Table:
    """One rubric's verdicts as Arrow columns."""
    if not ev.k:
        return SCHEMA.empty_table()
    n, k = ev.frames.n, ev.k
    criteria = [c for _, c in ev.rubric.criteria]
    points, maximum = ev.points
    seq, text_codes, texts = ev.evidence
    ids = large_strings(ev.frames.conversations["conversation_id"].astype("string"))
    rows = np.repeat(np.arange(n, dtype=np.int32), k)
    return pa.table(
        {  # ids repeated within a chunk would only cost speed (plain strings), never values
            "conversation_id": _dictionary(rows, ids) if not ids.null_count else _compact(rows, ids),
            "section_id": _per_criterion([s.id for s, _ in ev.rubric.criteria], n),
            "criterion_id": _per_criterion([c.id for c in criteria], n),
            "outcome": _dictionary(ev.outcome, pa.array(OUTCOMES, type=pa.large_string())),
            "points": points,
            "max_points": maximum,
            "critical": np.tile(np.array([c.critical for c in criteria], dtype=bool), n),
            "evidence_seq": pa.array(seq),
            "evidence_text": _compact(text_codes, large_strings(texts)),
            "evidence_match": _labels([o.match for o in ev.outcomes]),
            "note": _labels([o.note for o in ev.outcomes]),
        },
        schema=SCHEMA,
    )


def _dictionary(indices: np.ndarray, dictionary: pa.Array, missing: np.ndarray | None = None) -> pa.DictionaryArray:
    """Indices into a dictionary without repeats (Parquet falls back to plain strings on a
    repeated value), ``missing`` ones null."""
    return pa.DictionaryArray.from_arrays(pa.array(indices, mask=missing), dictionary, safe=False)


def _per_criterion(labels: list[str], n: int) -> pa.DictionaryArray:
    """One label per criterion, for each of ``n`` conversations."""
    codes, uniques = pd.factorize(pd.Series(labels, dtype="string"))
    return _dictionary(np.tile(codes.astype(np.int32), n), pa.array(uniques, type=pa.large_string()))


def _labels(parts: list[CodedStrings]) -> pa.DictionaryArray:
    """``CodedStrings.strings(parts)`` as a dictionary array: each part's few values looked up once."""
    codes, values = CodedStrings.stacked(parts)
    distinct, uniques = pd.factorize(values)  # a missing value: -1
    indices = distinct.astype(np.int32)[codes]
    return _dictionary(indices, pa.array(uniques, type=pa.large_string()), indices < 0)


def _compact(codes: np.ndarray, values: pa.Array) -> pa.DictionaryArray:
    """``values.take(codes)`` (-1 or a missing value: null) as a dictionary of the distinct
    values used, without materialising a string per row."""
    ok = codes >= 0
    ok[ok] = values.is_valid().to_numpy(zero_copy_only=False)[codes[ok]]
    used = np.zeros(len(values), dtype=bool)
    used[codes[ok]] = True
    distinct = values.filter(pa.array(used)).dictionary_encode()
    position = np.zeros(len(values) + 1, dtype=np.int32)  # the last one, for code -1
    position[:-1][used] = distinct.indices.to_numpy()
    return _dictionary(position[np.where(ok, codes, -1)], distinct.dictionary, ~ok)


#: How the table's columns become the RESULTS frame's dtypes (dictionaries are decoded first).
_PANDAS_TYPES = {pa.large_string(): pd.StringDtype(), pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}


def results_frame(scored: Scored) -> pd.DataFrame:
    """The RESULTS frame of a scored chunk (``results_table`` decoded), in chunk order."""
    table = results_table(scored)
    decoded = pa.table(
        [column.cast(pa.large_string()) if pa.types.is_dictionary(column.type) else column for column in table.columns],
        names=table.column_names,
    )
    return conform(decoded.to_pandas(types_mapper=_PANDAS_TYPES.get), RESULTS)


def masked(results: pd.DataFrame) -> pd.DataFrame:
    """Results with personal data masked in ``evidence_text`` (what people read)."""
    return results.assign(evidence_text=mask_series(results["evidence_text"]))
