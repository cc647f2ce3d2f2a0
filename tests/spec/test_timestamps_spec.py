"""The readers turn text timestamps into the instants tests/spec/spec_timestamps.py specifies:
``fields.iso_ns`` (the common shape, in bulk) and records read through the public API."""

from zoneinfo import ZoneInfo

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st
from spec_settings import SPEC
from spec_timestamps import instant_ns

from qa_toolkit.io import conversations_from_records
from qa_toolkit.io.fields import iso_ns

ZONES = ["Asia/Shanghai", "Europe/Berlin", "America/New_York"]
#: days with a daylight-saving change in one of the zones, and ends of months
SPECIAL_DAYS = ["2026-03-29", "2026-10-25", "2026-03-08", "2026-11-01", "2026-02-28", "2024-02-29", "2026-12-31"]


@st.composite
def timestamps(draw, valid_days=True):
    """Text in (or near) the common ISO shape: years around the int64 limits, DST days, times
    near the changes, 0–7 decimals (valid_days=False: also days and months that do not exist)."""
    if draw(st.integers(0, 3)) == 0:  # a local time one of the zones skips or passes twice
        clock = draw(st.sampled_from(["2026-03-29T02:", "2026-10-25 02:", "2026-03-08T02:", "2026-11-01 01:"]))
        return clock + f"{draw(st.integers(0, 59)):02d}:{draw(st.integers(0, 59)):02d}"
    if draw(st.booleans()):
        day = draw(st.sampled_from(SPECIAL_DAYS))
    else:
        year = draw(st.one_of(st.sampled_from([1677, 1678, 1970, 2262, 2263]), st.integers(1600, 2400)))
        month = draw(st.integers(1, 12) if valid_days else st.integers(0, 13))
        day = f"{year:04d}-{month:02d}-{draw(st.integers(1, 28) if valid_days else st.integers(0, 32)):02d}"
    hour = draw(st.one_of(st.sampled_from([1, 2, 3]), st.integers(0, 23)))
    clock = f"{hour:02d}:{draw(st.sampled_from([0, 30, 59])):02d}:{draw(st.integers(0, 59)):02d}"
    fraction = draw(st.sampled_from(["", ".5", ".123456", ".000001"] + ([] if valid_days else [".1234567"])))
    offset = draw(
        st.sampled_from(
            ["", "", "Z", "+08:00", "-03:30", "+00:00", "-23:59"] + ([] if valid_days else ["+24:00", "+08:60"])
        )
    )
    return day + draw(st.sampled_from(["T", " "])) + clock + fraction + offset


@SPEC
@given(st.lists(timestamps(), max_size=30), st.sampled_from(ZONES))
def test_iso_ns_gives_the_specified_instants(values, zone):
    ns, done = iso_ns(pa.array(values, type=pa.string()), ZoneInfo(zone))
    want = [instant_ns(v, ZoneInfo(zone)) for v in values]
    assert done.tolist() == [w is not None for w in want], values
    assert ns[done].tolist() == [w for w in want if w is not None]


@SPEC
@given(
    st.lists(
        st.one_of(
            timestamps(valid_days=False),
            st.sampled_from(["", "2026/09/01 10:00", "下午三点", "２０２６-09-01T10:00:05", "1700000000"]),
        ),
        max_size=30,
    ),
    st.sampled_from(ZONES),
)
def test_what_iso_ns_converts_is_the_specified_instant(values, zone):
    """Text the bulk pass leaves (any other shape, a date that does not exist) goes to the
    row-by-row reader; what it does convert is right."""
    ns, done = iso_ns(pa.array(values, type=pa.string()), ZoneInfo(zone))
    assert ns[done].tolist() == [instant_ns(v, ZoneInfo(zone)) for v, d in zip(values, done) if d]


@SPEC
@given(st.lists(timestamps(), min_size=1, max_size=20))
def test_records_read_give_the_specified_instants(values):
    """One conversation per value: those the spec gives an instant are read with it (a value
    out of range is a problem the reader reports, and may cost its conversation)."""
    records = [
        {"conversation_id": f"c{i}", "messages": [{"ts": v, "role": "agent", "text": "x"}]}
        for i, v in enumerate(values)
    ]
    messages = conversations_from_records(records).messages
    assert str(messages["ts"].dtype) == "datetime64[ns, Asia/Shanghai]"
    got = dict(zip(messages["conversation_id"], messages["ts"]))
    for i, value in enumerate(values):
        want = instant_ns(value, ZoneInfo("Asia/Shanghai"))
        if want is not None:
            assert got[f"c{i}"].value == want, value
