"""columnar.iso_ns tries the naive shape only on values the aware shape did not take: the same
nanoseconds and the same mask as before (a frozen copy of the old function below)."""

import random
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from qa_toolkit.io import columnar
from qa_toolkit.io.columnar import _AWARE, _NAIVE, _US_LIMIT, iso_ns


def old_iso_ns(strings, zone):
    n = len(strings)
    ns, done = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)
    for pattern, unit in ((_AWARE, pa.timestamp("us", tz="UTC")), (_NAIVE, pa.timestamp("us"))):
        match = pc.match_substring_regex(strings, pattern).fill_null(False)
        if not pc.any(match).as_py():
            continue
        where = np.flatnonzero(match.to_numpy(zero_copy_only=False))
        try:
            us = strings.filter(match).cast(unit).cast(pa.int64()).to_numpy()
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
        fits = np.abs(us) < _US_LIMIT
        where, us = where[fits], us[fits]
        if unit.tz is None:
            local = pd.DatetimeIndex(us * 1000).tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
            utc = local.asi8
            keep = ~local.isna()
            where, utc = where[keep], utc[keep]
        else:
            utc = us * 1000
        ns[where] = utc
        done[where] = True
    return ns, done


VALUES = ["2026-09-01T10:00:05+08:00", "2026-09-01 10:00:05Z", "2026-09-01T10:00:05.123456-03:30",
          "2026-09-01T10:00:05", "2026-09-01 10:00:05.5", "2026-03-29T02:30:00", "2026-10-25T02:30:00",
          "2026-02-30T10:00:00+08:00", "2026-02-30T10:00:00", "２０２６-09-01T10:00:05", "2026/09/01 10:00",
          "", "下午三点", "9999-12-31T23:59:59", "0001-01-01T00:00:00+00:00", None, "1700000000"]


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Europe/Berlin", "America/New_York"])
@pytest.mark.parametrize("seed", range(8))
def test_iso_ns_same_as_before(zone, seed):
    rng = random.Random(seed)
    values = [rng.choice(VALUES) for _ in range(rng.randint(0, 60))]
    strings = pa.array(values, type=pa.string())
    got, want = iso_ns(strings, ZoneInfo(zone)), old_iso_ns(strings, ZoneInfo(zone))
    assert np.array_equal(got[1], want[1]) and np.array_equal(got[0], want[0])


def test_all_aware_values_skip_the_naive_pass(monkeypatch):
    calls = []
    real = columnar.pc.match_substring_regex
    monkeypatch.setattr(columnar.pc, "match_substring_regex", lambda a, p: calls.append(p) or real(a, p))
    ns, done = iso_ns(pa.array(["2026-09-01T10:00:05+08:00", "2026-09-01T10:00:05.5+08:00"]), ZoneInfo("Asia/Shanghai"))
    assert done.all() and calls == [_AWARE]
    assert ns[0] == pd.Timestamp("2026-09-01T02:00:05Z").value


def test_one_width_of_the_common_shape_needs_no_regex(monkeypatch):
    monkeypatch.setattr(columnar.pc, "match_substring_regex", lambda *a: pytest.fail("regex used"))
    for value in ("2026-09-01T10:00:05+08:00", "2026-09-01 10:00:05Z"):
        ns, done = iso_ns(pa.array([value] * 4).slice(1), ZoneInfo("Asia/Shanghai"))
        assert done.all() and len(ns) == 3


def mutations(template):
    """The template, and every string one byte away from it (ASCII and a Chinese character)."""
    chars = "0123456789-:+TZ tx.年"
    yield template
    for i in range(len(template)):
        for char in chars:
            yield template[:i] + char + template[i + 1:]
    for i in (5, 8, 11, 14, 17, 20, 23):  # every two-digit value of each field
        for value in range(100):
            yield template[:i] + f"{value:02d}" + template[i + 2:]


@pytest.mark.parametrize("template", ["2026-09-01T10:00:05+08:00", "2026-12-31 23:59:59-23:59",
                                      "2026-09-01T10:00:05Z", "0000-01-01 00:00:00Z"])
def test_byte_check_is_the_regex(template):
    values = list(dict.fromkeys(mutations(template)))
    strings = pa.array(values)
    regex = pc.match_substring_regex(strings, _AWARE).to_numpy(zero_copy_only=False)
    same_width = np.array([len(v.encode()) == len(template) for v in values])
    fixed = columnar._aware_fixed(strings.filter(pa.array(same_width)))
    assert fixed is not None and np.array_equal(fixed, regex[same_width])
    assert regex.sum() > 1 and not regex.all()


def test_byte_check_declines_mixed_widths_and_nulls():
    assert columnar._aware_fixed(pa.array(["2026-09-01T10:00:05+08:00", "2026-09-01T10:00:05Z"])) is None
    assert columnar._aware_fixed(pa.array(["2026-09-01T10:00:05Z", None])) is None
    assert columnar._aware_fixed(pa.array([], pa.string())) is None


def test_the_written_out_whitespace_is_what_python_strips():
    import re

    from qa_toolkit.io.columnar import WHITESPACE

    written = {int(h, 16) for h in re.findall(r"\\x\{([0-9a-f]+)\}", WHITESPACE)}
    assert written == {c for c in range(0x110000) if chr(c).isspace()}
