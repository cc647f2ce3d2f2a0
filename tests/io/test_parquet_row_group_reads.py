"""engine.tables.dataset_from_row_group (dictionary read, kept in Arrow) gives exactly the Dataset
of a plain read: ``read_row_group(i).to_pandas()`` through ``dataset_from_rows`` (what a Dask
partition reads), on clean files and on every kind of damage."""

from pathlib import Path

import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from qa_toolkit.engine import tables
from qa_toolkit.engine.tables import dataset_from_row_group
from qa_toolkit.io.table import dataset_from_rows

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "conversations.jsonl"
TZ = "Asia/Shanghai"


def sample_frame(n=60):
    """The first ``n`` sample conversations as a long table (Chinese and English text)."""
    rows = []
    with SAMPLE.open("rb") as fh:
        for _, line in zip(range(n), fh):
            record = orjson.loads(line)
            conv = {k: ("|".join(v) if k == "tags" else v) for k, v in record.items() if k != "messages"}
            rows += [{**conv, "seq": i, **m} for i, m in enumerate(record["messages"])]
    frame = pd.DataFrame(rows)
    for col in ("started_at", "ended_at", "ts"):
        frame[col] = pd.to_datetime(frame[col], utc=True).dt.tz_convert(TZ)
    return frame


def write(frame, path, row_group_size=None, pandas_metadata=False):
    """As exports written by Arrow tools (no pandas metadata) unless asked otherwise."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(
        table if pandas_metadata else table.replace_schema_metadata(None), path, row_group_size=row_group_size
    )
    return path


def plain_read(path, index, first_row, mapping=None):
    rows = pq.ParquetFile(path).read_row_group(index).to_pandas()
    return dataset_from_rows(rows, source=str(path), first_row=first_row, mapping=mapping, tz=TZ)


def assert_same(path, mapping=None):
    """Every row group of ``path``: the same frames and problems as a plain read."""
    first = 2
    pfile = pq.ParquetFile(path)
    for i in range(pfile.num_row_groups):
        got, _ = dataset_from_row_group(path, i, source=str(path), first_row=first, mapping=mapping, tz=TZ)
        want = plain_read(path, i, first, mapping)
        pd.testing.assert_frame_equal(got.conversations, want.conversations, check_exact=True)
        pd.testing.assert_frame_equal(got.messages, want.messages, check_exact=True)
        assert got.log.problems == want.log.problems
        assert (got.log.records_read, got.log.records_skipped) == (want.log.records_read, want.log.records_skipped)
        first += pfile.metadata.row_group(i).num_rows


def test_clean_file_is_read_in_arrow_and_matches(tmp_path, monkeypatch):
    path = write(sample_frame(), tmp_path / "c.parquet", row_group_size=150)
    assert_same(path)
    monkeypatch.setattr(tables, "dataset_from_rows", lambda *a, **k: pytest.fail("fell back to pandas"))
    ds, _ = dataset_from_row_group(path, 0, source=str(path), tz=TZ)
    assert len(ds.conversations) > 5 and ds.messages["text"].str.contains("[\u4e00-\u9fff]").any()


def test_a_pandas_written_file_is_read_through_pandas(tmp_path):
    frame = sample_frame(20)
    frame["csat"] = frame["csat"].astype("Int64")  # pandas metadata restores Int64, Arrow alone would not
    path = write(frame, tmp_path / "p.parquet", pandas_metadata=True)
    assert_same(path)


@pytest.mark.parametrize(
    "edit",
    [
        lambda f: f.assign(conversation_id=f["conversation_id"].where(f["seq"] != 0, " " + f["conversation_id"])),
        lambda f: f.assign(conversation_id=f["conversation_id"].mask(f.index < 3, "")),
        lambda f: f.assign(conversation_id=f["conversation_id"].mask(f.index < 3, None)),
        lambda f: f.assign(conversation_id=f["conversation_id"].mask(f.index < 4, "TRUE")),
        lambda f: f.assign(conversation_id=pd.factorize(f["conversation_id"])[0] + 10**15),
        lambda f: f.assign(seq=f["seq"].where(f.index % 5 != 1, 99)),
        lambda f: f.assign(seq=f["seq"].astype(float).mask(f.index == 2)),
        lambda f: f.assign(seq=f["seq"].astype(str).mask(f.index == 2, "x")),
        lambda f: f.assign(role=f["role"].mask(f.index == 7, "robot")),
        lambda f: f.assign(role=f["role"].mask(f.index == 7, None)),
        lambda f: f.assign(role=f["role"].str.upper()),
        lambda f: f.assign(text=f["text"].mask(f.index == 4, None)),
        lambda f: f.assign(text=f["text"].mask(f.index == 4, "  padded text  ")),
        lambda f: f.assign(channel=f["channel"].mask(f.index < 30, " chat")),
        lambda f: f.assign(channel=f["channel"].mask(f.index < 30, "")),
        lambda f: f.assign(channel=f["channel"].mask(f.index < 30, "电话")),
        lambda f: f.assign(queue=f["queue"].mask(f.index < 30, "false")),
        lambda f: f.assign(customer_tier=None),
        lambda f: f.assign(tags=f["tags"].mask(f.index < 30, "a| b |")),
        lambda f: f.assign(csat=f["csat"].fillna(3).astype("int64")),
        lambda f: f.assign(csat=f["csat"].mask(f.index < 30, 9)),
        lambda f: f.assign(ts=f["ts"].dt.tz_localize(None)),
        lambda f: f.assign(ts=f["ts"].mask(f.index == 5)),
        lambda f: f.assign(ts=f["ts"].astype(str).mask(f.index == 5, "２０２６-09-01 10:00")),
        lambda f: f.assign(started_at=f["started_at"].astype(str)),
        lambda f: f.assign(order_id=f["order_id"].str.replace("26", "２６")),
        lambda f: f.assign(extra_count=range(len(f)), extra_flag=f.index % 2 == 0),
        lambda f: f.drop(columns=["ts", "tags"]),
        lambda f: pd.concat([f, f.head(6)], ignore_index=True),  # a conversation id seen again: a duplicate
        lambda f: f.head(0),
    ],
    ids=lambda _: "",
)
def test_every_kind_of_damage_reads_as_a_plain_read(tmp_path, edit):
    path = write(edit(sample_frame(30)), tmp_path / "e.parquet", row_group_size=90)
    assert_same(path)


def test_mapping_renames_before_reading(tmp_path):
    frame = sample_frame(15).rename(columns={"queue": "skill_group", "text": "内容"})
    frame["role"] = frame["role"].replace("agent", "坐席")
    mapping = tmp_path / "m.yaml"
    mapping.write_text("columns:\n  text: 内容\nvalues:\n  role: {坐席: agent}\n", encoding="utf-8")
    path = write(frame, tmp_path / "m.parquet")
    assert_same(path, mapping=str(mapping))
    ds, _ = dataset_from_row_group(path, 0, source=str(path), mapping=str(mapping), tz=TZ)
    assert ds.messages["text"].notna().all() and ds.conversations["queue"].notna().all()
    assert (ds.messages["role"] == "agent").any() and not ds.log.problems


def test_the_file_read_equals_a_plain_read(tmp_path):
    path = write(sample_frame(30), tmp_path / "r.parquet", row_group_size=70)
    meta = pq.ParquetFile(path).metadata
    schema = meta.schema.to_arrow_schema()
    assert schema.equals(pq.ParquetFile(path).schema_arrow, check_metadata=True)
    table = tables._read(path, meta, 1, schema, ["text"])
    assert pa.types.is_dictionary(table.schema.field("channel").type)
    assert not pa.types.is_dictionary(table.schema.field("text").type)
    assert table.cast(schema).equals(pq.ParquetFile(path).read_row_group(1))
