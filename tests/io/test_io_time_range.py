"""Times outside what pandas can hold (year 1, year 9999, a 1e20 epoch) are a located problem on
their record — on every reading route, in the roster and under workers — never an OverflowError."""

from __future__ import annotations

import copy
import datetime as dt

import pandas as pd
import pytest
from click.testing import CliRunner
from reading_routes import RECORD_ROUTES, TABLE_ROUTES, kept_and_codes, long_table, read_route, write_jsonl

from qa_toolkit.cli import main
from qa_toolkit.io import read_conversations
from qa_toolkit.io.roster import read_roster
from qa_toolkit.io.validate import FieldError, parse_ts

ZONE = __import__("zoneinfo").ZoneInfo("Asia/Shanghai")
OUTSIDE = [
    "0001-01-01T00:00:00",
    "9999-12-31T23:59:59",
    "0001-01-01T00:00:00+08:00",
    "2262-03-01 00:00:00",
    "1677-12-31T23:59:59Z",
    1e20,
    10**20,
    -(10**17),
    "100000000000000000000",
]


def records():
    """Four clean conversations."""
    return [
        {
            "conversation_id": f"C{i}",
            "agent_id": "A1",
            "channel": "chat",
            "started_at": "2026-03-01T10:00:00+08:00",
            "ended_at": "2026-03-01T10:05:00+08:00",
            "messages": [
                {"ts": "2026-03-01T10:00:00+08:00", "role": "customer", "text": "你好"},
                {"ts": "2026-03-01T10:01:00+08:00", "role": "agent", "text": "您好，请讲"},
            ],
        }
        for i in range(4)
    ]


def with_times(value):
    """The clean records with ``value`` as one message time, one start and one end."""
    recs = copy.deepcopy(records())
    recs[0]["messages"][1]["ts"] = value
    recs[1]["started_at"] = value
    recs[3]["ended_at"] = value
    return recs


@pytest.mark.parametrize("value", OUTSIDE)
def test_parse_ts_rejects_times_pandas_cannot_hold(value):
    with pytest.raises(FieldError) as err:
        parse_ts(value, ZONE, "ts")
    assert err.value.code == "time_out_of_range"


@pytest.mark.parametrize("value", ["1678-01-01T00:00:00Z", "2261-12-31T23:59:59Z", 0, 1.5e12, "1970-01-01"])
def test_times_at_the_edges_of_the_range_are_read(value):
    assert isinstance(parse_ts(value, ZONE, "ts"), int)


@pytest.mark.parametrize("route", RECORD_ROUTES)
@pytest.mark.parametrize("value", OUTSIDE)
def test_every_record_route_skips_the_records_with_the_time(route, value, tmp_path):
    dataset = read_route(route, with_times(value), tmp_path)
    if dataset is None:  # the Arrow front end declined: the reference reads the range
        assert route == "arrow_jsonl"
        return
    kept, codes = kept_and_codes(dataset)
    assert kept == ["C2"] and codes == ["time_out_of_range"] * 3


@pytest.mark.parametrize("route", TABLE_ROUTES)
@pytest.mark.parametrize("value", ["0001-01-01T00:00:00", "9999-12-31 23:59:59", "2262-03-01T00:00:00Z"])
def test_every_table_route_skips_the_conversations_with_the_time(route, value, tmp_path):
    dataset = read_route(route, long_table(with_times(value)), tmp_path)
    kept, codes = kept_and_codes(dataset)
    assert kept == ["C2"] and codes == ["time_out_of_range"] * 3
    assert [p.line for p in dataset.log.problems] == [3, 4, 8]  # the rows as a spreadsheet shows them


@pytest.mark.parametrize("route", ["parquet", "row_group", "parquet_rows"])
def test_parquet_timestamp_columns_out_of_range(route, tmp_path):
    """Typed Parquet times (microseconds) beyond what nanoseconds hold."""
    frame = long_table(records())
    for col in ("started_at", "ended_at", "ts"):
        frame[col] = pd.to_datetime(frame[col]).dt.tz_localize(None).astype("datetime64[us]")
    frame["ts"] = frame["ts"].astype(object)
    frame.loc[1, "ts"] = dt.datetime(1, 1, 1)
    frame.loc[4, "ts"] = dt.datetime(9999, 12, 31)
    frame["ts"] = frame["ts"].astype("datetime64[us]")
    dataset = read_route(route, frame, tmp_path)
    kept, codes = kept_and_codes(dataset)
    assert kept == ["C1", "C3"] and codes == ["time_out_of_range"] * 2


def test_roster_hire_date_out_of_range_is_a_located_warning(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(
        "agent_id,name,team,hire_date\nA1,甲,T1,0001-01-01\nA2,乙,T1,9999-12-31\nA3,丙,T2,2024-05-01\n",
        encoding="utf-8",
    )
    roster, log = read_roster(path)
    assert list(roster["agent_id"]) == ["A1", "A2", "A3"] and roster["hire_date"].isna().tolist() == [True, True, False]
    assert [(p.line, p.field, p.code, p.level) for p in log.problems] == [
        (2, "hire_date", "time_out_of_range", "warning"),
        (3, "hire_date", "time_out_of_range", "warning"),
    ]


def test_the_reader_does_not_raise_overflow_on_a_whole_file(tmp_path):
    path = write_jsonl(with_times("9999-12-31T23:59:59"), tmp_path / "c.jsonl")
    assert len(read_conversations(path).conversations) == 1


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_workers_report_the_time_not_a_traceback(fmt, tmp_path):
    recs = with_times(1e20)
    if fmt == "jsonl":
        path = write_jsonl(recs * 1, tmp_path / "c.jsonl")
    else:
        path = tmp_path / "c.parquet"
        long_table(with_times("0001-01-01T00:00:00")).to_parquet(path, index=False)
    result = CliRunner().invoke(
        main, ["score", str(path), "-o", str(tmp_path / "out"), "--workers", "2", "--chunk-size", "2"]
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 1 and "time_out_of_range" in result.output


@pytest.mark.parametrize("value", ["10:00:00", "10:00", "now", "today", "Mar 5", "noon"])
def test_a_time_without_a_date_is_a_problem_never_today(value):
    """pandas would read "10:00" as today at ten and "now" as the clock: silent, and different every day."""
    with pytest.raises(FieldError) as err:
        parse_ts(value, ZONE, "ts")
    assert err.value.code in ("bad_timestamp", "time_out_of_range")


@pytest.mark.parametrize(
    "value, want",
    [
        ("2026年3月1日 10:00", "2026-03-01 10:00"),
        ("2026年03月01日", "2026-03-01 00:00"),
        ("2026年3月1日10:00:05", "2026-03-01 10:00:05"),
    ],
)
def test_dates_written_the_chinese_way_are_read(value, want):
    got = pd.Timestamp(parse_ts(value, ZONE, "ts"), tz="UTC").tz_convert(ZONE)
    assert got == pd.Timestamp(want, tz=ZONE)
