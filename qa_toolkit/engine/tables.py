"""Parquet long tables cut at row-group boundaries, for runners whose workers read their own
share (Dask partitions): where each row group starts, a check that no conversation straddles
two row groups; one row group's rows become a Dataset through the reader's own grouping and
validation (kept in Arrow by ``io.columnar``, ``io.table.dataset_from_rows`` the fallback), so
every rule of ``iter_conversations`` applies.

``dataset_from_row_group`` reads the repeated text columns dictionary-encoded, one thread
(the workers are the parallelism), and decodes them in memory: the same table as a plain
read at about half the CPU."""

from __future__ import annotations

import os
from itertools import accumulate

from qa_toolkit.frames import DEFAULT_TZ, Dataset
from qa_toolkit.io.columnar import ArrowRows
from qa_toolkit.io.mapping import get_mapping
from qa_toolkit.io.table import binary_as_text, dataset_from_arrow, dataset_from_rows, not_utf8, zoned_times_in_range
from qa_toolkit.io.validate import FrameBuilder
from qa_toolkit.problems import InputError, Problem


def id_column(path: str | os.PathLike, mapping: str | os.PathLike | None = None) -> str:
    """The file's column that the mapping reads as conversation_id."""
    import pyarrow.parquet as pq

    headers = list(pq.ParquetFile(path).schema_arrow.names)
    found = [h for h, c in get_mapping(mapping, headers).resolve(headers).items() if c == "conversation_id"]
    if not found:
        raise InputError(
            Problem(
                str(path),
                "required column 'conversation_id' not found; headers found: " + ", ".join(headers),
                line=1,
                field="conversation_id",
                code="missing_column",
            )
        )
    return found[0]


def first_rows(path: str | os.PathLike) -> list[int]:
    """The first spreadsheet-style row (header = 1) of each row group, from the file's metadata."""
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    return list(accumulate(sizes[:-1], initial=2)) if sizes else []


def check_whole_conversations(path: str | os.PathLike, edges: list[tuple | None], starts: list[int]) -> None:
    """InputError when a conversation's rows run across a row-group boundary (a partition must
    hold whole conversations). ``edges``: per row group its first and last conversation id
    (None: no rows); ``starts``: per row group its first row (``first_rows``)."""
    previous = None
    for i, edge in enumerate(edges):
        if runs_on(previous, edge):
            raise InputError(
                Problem(
                    str(path),
                    f"conversation '{edge[0]}' runs across Parquet row groups {i - 1} "
                    f"and {i}; write whole conversations per row group (as `qa data synth` does)",
                    line=starts[i],
                    field="conversation_id",
                    code="split_conversation",
                )
            )
        previous = edge or previous


def runs_on(before: tuple | None, edges: tuple | None) -> bool:
    """Whether a row group (its ``edges``) starts with the conversation that the previous
    non-empty one (``before``) ends with."""
    return before is not None and edges is not None and edges[0] is not None and edges[0] == before[1]


def row_group_starts(path: str | os.PathLike, mapping: str | os.PathLike | None = None) -> list[int]:
    """``first_rows``, after checking that every row group holds whole conversations (reads
    only the id column, one row group at a time)."""
    import pyarrow.parquet as pq

    pfile = pq.ParquetFile(path)
    column = id_column(path, mapping)
    edges = []
    for i in range(pfile.num_row_groups):
        ids = pfile.read_row_group(i, columns=[column]).column(0)
        edges.append(_edges(ids))
    starts = first_rows(path)
    check_whole_conversations(path, edges, starts)
    return starts


def dataset_from_row_group(
    path: str | os.PathLike,
    index: int,
    *,
    source: str,
    first_row: int = 2,
    mapping: str | os.PathLike | None = None,
    tz: str = DEFAULT_TZ,
) -> tuple[Dataset, tuple | None]:
    """Row group ``index`` of a Parquet long table as ``dataset_from_rows`` makes it from
    ``read_row_group(index).to_pandas()``, the same Dataset at a lower cost: read as below and
    kept in Arrow through the columnar path; anything that path declines goes the reference way.
    With it, the row group's edges for ``check_whole_conversations``: the first and last value
    of its id column as written (None: no rows)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata  # the footer, parsed once for both reads
    schema = meta.schema.to_arrow_schema()
    headers = list(schema.names)
    colmap = get_mapping(mapping, headers)
    rename = colmap.resolve(headers)
    table, bad = binary_as_text(_read(path, meta, index, schema, [h for h, c in rename.items() if c == "text"]))
    table, late = zoned_times_in_range(table, source, first_row)
    schema = pa.schema(
        [field.with_type(read.type) if _is_binary(field.type) else field for field, read in zip(schema, table.schema)],
        metadata=schema.metadata,
    )  # bytes as text
    ids = table.column([h for h, c in rename.items() if c == "conversation_id"][0])
    edges = _edges(ids)
    names = [rename.get(h, h) for h in headers]
    if _plain_types(schema) and len(set(names)) == len(names) and not bad and not late:
        builder = FrameBuilder(
            tz=tz, source=source, role_aliases=colmap.values.get("role"), channel_aliases=colmap.values.get("channel")
        )
        decoded = pa.schema([field.with_name(name) for field, name in zip(schema, names)])
        dataset = dataset_from_arrow(ArrowRows(table.rename_columns(names), decoded), builder, first_row)
        if dataset is not None:
            return dataset, edges
    rows = table.cast(schema).to_pandas() if table.schema != schema else table.to_pandas()
    return dataset_from_rows(
        rows,
        source=source,
        first_row=first_row,
        mapping=mapping,
        tz=tz,
        marks={**late, **not_utf8(source, bad, first_row)},
    ), edges


def _edges(ids) -> tuple | None:
    """A row group's id column as ``check_whole_conversations`` takes it: its first and last
    value as written (None: no rows)."""
    return (ids[0].as_py(), ids[-1].as_py()) if len(ids) else None


def _read(path: str | os.PathLike, meta, index: int, schema, texts: list[str]):
    """The row group with its text columns other than ``texts`` (the message text, unique per
    row) read as dictionaries — cheaper than Parquet decoding every repeated value — and one
    thread: the workers are the parallelism, and Arrow's pool costs CPU of its own."""
    import pyarrow.parquet as pq

    repeated = [f.name for f in schema if f.name not in texts and _is_text(f.type)]
    return pq.ParquetFile(path, metadata=meta, read_dictionary=repeated).read_row_group(index, use_threads=False)


def _plain_types(schema) -> bool:
    """Whether ``to_pandas`` makes each column alone what it makes it in the whole table: no
    pandas metadata (an index, extension dtypes) and only plain text, numbers, flags, times."""
    import pyarrow as pa

    kinds = (_is_text, pa.types.is_integer, pa.types.is_floating, pa.types.is_boolean, pa.types.is_timestamp)
    return b"pandas" not in (schema.metadata or {}) and all(any(k(f.type) for k in kinds) for f in schema)


def _is_binary(kind) -> bool:
    import pyarrow as pa

    return pa.types.is_binary(kind) or pa.types.is_large_binary(kind) or pa.types.is_fixed_size_binary(kind)


def _is_text(kind) -> bool:
    import pyarrow as pa

    return pa.types.is_string(kind) or pa.types.is_large_string(kind)
