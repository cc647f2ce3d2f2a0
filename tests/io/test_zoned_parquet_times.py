"""A zoned Parquet timestamp outside 1678-01-01 .. 2261-12-31 (up to the int64 edge of
nanoseconds, or year 9999 in microseconds) is a located ``time_out_of_range`` problem that skips
its conversation — pandas would overflow turning it into a local time — on the sequential reader
and a worker's row group alike."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from qa_toolkit.engine.tables import dataset_from_row_group
from qa_toolkit.io import read_conversations

UTC = dt.UTC
CLEAN = dt.datetime(2026, 1, 1, 10, 0, tzinfo=UTC)
EDGES = [
    ("ns", dt.datetime(2262, 4, 11, 23, 47, 16, 854775, tzinfo=UTC)),
    ("us", dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ("s", dt.datetime(1, 1, 1, tzinfo=UTC)),
]


def write(path, column: str, unit: str, zone: str, late: dt.datetime) -> None:
    """Two conversations (rows 2-3 and 4); the second's ``column`` holds ``late``."""
    kind = pa.timestamp(unit, tz=zone)
    times = {"ts": [CLEAN, CLEAN, CLEAN], "started_at": [CLEAN, CLEAN, CLEAN]}
    times[column][2] = late
    pq.write_table(
        pa.table(
            {
                "conversation_id": ["c1", "c1", "c2"],
                "agent_id": ["a1"] * 3,
                "seq": [0, 1, 0],
                "role": ["customer", "agent", "customer"],
                "text": ["你好", "您好", "在吗"],
                **{name: pa.array(values, kind) for name, values in times.items()},
            }
        ),
        path,
    )


@pytest.mark.parametrize("route", ["reader", "row_group"])
@pytest.mark.parametrize("zone", ["Asia/Shanghai", "+08:00"])
@pytest.mark.parametrize("column", ["ts", "started_at"])
@pytest.mark.parametrize(("unit", "late"), EDGES)
def test_a_zoned_time_past_the_range_skips_its_conversation(tmp_path, route, zone, column, unit, late):
    path = tmp_path / "t.parquet"
    write(path, column, unit, zone, late)
    if route == "reader":
        dataset = read_conversations(path)
    else:
        dataset = dataset_from_row_group(path, 0, source=str(path))[0]
    assert list(dataset.conversations["conversation_id"]) == ["c1"]
    assert [(p.line, p.field, p.code) for p in dataset.log.problems] == [(4, column, "time_out_of_range")]
    assert dataset.log.records_skipped == 1


def test_zoned_times_inside_the_range_are_read_as_before(tmp_path):
    path = tmp_path / "t.parquet"
    write(path, "ts", "ns", "Asia/Shanghai", dt.datetime(2261, 12, 31, tzinfo=UTC))
    dataset = read_conversations(path)
    assert list(dataset.conversations["conversation_id"]) == ["c1", "c2"] and not dataset.log.problems
    assert dataset.messages["ts"].iloc[2] == dt.datetime(2261, 12, 31, tzinfo=UTC)


def test_a_naive_time_at_the_int64_edge_beside_zoned_times_is_located_not_a_traceback(tmp_path):
    """A naive ``ts`` at the last nanosecond pandas holds, read as Asia/Shanghai beside a zoned
    ``started_at``, overflows as a local time on the row-by-row route: a located problem, not a crash."""
    path = tmp_path / "edge.parquet"
    pq.write_table(
        pa.table(
            {
                "conversation_id": ["c1", "c1", "c2"],
                "agent_id": ["a1"] * 3,
                "role": ["customer", "agent", "customer"],
                "text": ["你好", "您好", "在吗"],
                "started_at": pa.array([CLEAN] * 3, pa.timestamp("ns", tz="Asia/Shanghai")),
                "ts": pa.array([0, 0, 2**63 - 1], pa.timestamp("ns")),
            }
        ),
        path,
    )
    ds = read_conversations(path)
    problems = [p for p in ds.log.problems if p.code == "time_out_of_range"]
    assert [(p.line, p.field) for p in problems] == [(4, "ts")]
    assert list(ds.conversations["conversation_id"]) == ["c1"]


def test_a_time_at_the_int64_edge_under_pandas_zoned_metadata_is_a_located_problem(tmp_path):
    """A table written from pandas records its time columns as zoned; a column replaced by naive
    nanoseconds at the int64 edge overflows when pandas puts it in that zone — each conversation
    holding one is skipped with a located problem, the read goes on."""
    frame = pd.DataFrame(
        {
            "conversation_id": ["c1", "c1", "c2", "c2"],
            "agent_id": "a1",
            "role": ["customer", "agent"] * 2,
            "text": ["你好", "您好", "在吗", "在"],
            "ts": pd.Timestamp("2026-11-10 10:00", tz="Asia/Shanghai"),
        }
    )
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.set_column(table.schema.get_field_index("ts"), "ts", pa.array([2**63 - 1] * 4, pa.timestamp("ns")))
    path = tmp_path / "t.parquet"
    pq.write_table(table, path)
    dataset = read_conversations(path)
    assert list(dataset.conversations["conversation_id"]) == []
    assert [(p.line, p.field, p.code) for p in dataset.log.problems] == [
        (2, "ts", "time_out_of_range"),
        (4, "ts", "time_out_of_range"),
    ]
