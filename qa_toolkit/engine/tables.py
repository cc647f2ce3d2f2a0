"""Parquet long tables cut at row-group boundaries, for runners whose workers read their own
share (Dask partitions): where each row group starts, a check that no conversation straddles
two row groups; one row group's rows become a Dataset through ``io.table.dataset_from_rows``
(the reader's own grouping and validation), so every rule of ``iter_conversations`` applies."""

from __future__ import annotations

import os

from qa_toolkit.io.table import dataset_from_rows  # noqa: F401  (the runners' entry point)
from qa_toolkit.problems import InputError, Problem


def id_column(path: str | os.PathLike, mapping: str | os.PathLike | None = None) -> str:
    """The file's column that the mapping reads as conversation_id."""
    import pyarrow.parquet as pq

    from qa_toolkit.io.mapping import get_mapping

    headers = list(pq.ParquetFile(path).schema_arrow.names)
    found = [h for h, c in get_mapping(mapping, headers).resolve(headers).items() if c == "conversation_id"]
    if not found:
        raise InputError(Problem(str(path), "required column 'conversation_id' not found; headers found: "
                                 + ", ".join(headers), line=1, field="conversation_id", code="missing_column"))
    return found[0]


def row_group_starts(path: str | os.PathLike, mapping: str | os.PathLike | None = None) -> list[int]:
    """The first spreadsheet-style row (header = 1) of each row group; InputError when a
    conversation's rows run across a row-group boundary (a partition must hold whole
    conversations). Reads only the id column, one row group at a time."""
    import pyarrow.parquet as pq

    pfile = pq.ParquetFile(path)
    column = id_column(path, mapping)
    starts, row, previous = [], 2, None
    for i in range(pfile.num_row_groups):
        ids = pfile.read_row_group(i, columns=[column]).column(0)
        starts.append(row)
        row += len(ids)
        if not len(ids):
            continue
        first = ids[0].as_py()
        if previous is not None and first == previous and first is not None:
            raise InputError(Problem(str(path), f"conversation '{first}' runs across Parquet row groups {i - 1} "
                                     f"and {i}; write whole conversations per row group (as `qa data synth` does)",
                                     line=row - len(ids), field="conversation_id", code="split_conversation"))
        previous = ids[-1].as_py()
    return starts

