"""fields.iso_ns's shortcuts: the naive shape tried only on values the aware shape did not
take, the fixed-width byte check instead of the regex; its instants are checked against the
timestamp specification in tests/spec/test_timestamps_spec.py."""

from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from qa_toolkit.io import fields
from qa_toolkit.io.fields import _AWARE, iso_ns


def test_all_aware_values_skip_the_naive_pass(monkeypatch):
    calls = []
    real = fields.pc.match_substring_regex
    monkeypatch.setattr(fields.pc, "match_substring_regex", lambda a, p: calls.append(p) or real(a, p))
    ns, done = iso_ns(pa.array(["2026-09-01T10:00:05+08:00", "2026-09-01T10:00:05.5+08:00"]), ZoneInfo("Asia/Shanghai"))
    assert done.all() and calls == [_AWARE]
    assert ns[0] == pd.Timestamp("2026-09-01T02:00:05Z").value


def test_one_width_of_the_common_shape_needs_no_regex(monkeypatch):
    monkeypatch.setattr(fields.pc, "match_substring_regex", lambda *a: pytest.fail("regex used"))
    for value in ("2026-09-01T10:00:05+08:00", "2026-09-01 10:00:05Z"):
        ns, done = iso_ns(pa.array([value] * 4).slice(1), ZoneInfo("Asia/Shanghai"))
        assert done.all() and len(ns) == 3


def mutations(template):
    """The template, and every string one byte away from it (ASCII and a Chinese character)."""
    chars = "0123456789-:+TZ tx.年"
    yield template
    for i in range(len(template)):
        for char in chars:
            yield template[:i] + char + template[i + 1 :]
    for i in (5, 8, 11, 14, 17, 20, 23):  # every two-digit value of each field
        for value in range(100):
            yield template[:i] + f"{value:02d}" + template[i + 2 :]


@pytest.mark.parametrize(
    "template",
    ["2026-09-01T10:00:05+08:00", "2026-12-31 23:59:59-23:59", "2026-09-01T10:00:05Z", "0000-01-01 00:00:00Z"],
)
def test_byte_check_is_the_regex(template):
    values = list(dict.fromkeys(mutations(template)))
    strings = pa.array(values)
    regex = pc.match_substring_regex(strings, _AWARE).to_numpy(zero_copy_only=False)
    same_width = np.array([len(v.encode()) == len(template) for v in values])
    fixed = fields._aware_fixed(strings.filter(pa.array(same_width)))
    assert fixed is not None and np.array_equal(fixed, regex[same_width])
    assert regex.sum() > 1 and not regex.all()


def test_byte_check_declines_mixed_widths_and_nulls():
    assert fields._aware_fixed(pa.array(["2026-09-01T10:00:05+08:00", "2026-09-01T10:00:05Z"])) is None
    assert fields._aware_fixed(pa.array(["2026-09-01T10:00:05Z", None])) is None
    assert fields._aware_fixed(pa.array([], pa.string())) is None


def test_the_written_out_whitespace_is_what_python_strips():
    import re

    from qa_toolkit.io.fields import WHITESPACE

    written = {int(h, 16) for h in re.findall(r"\\x\{([0-9a-f]+)\}", WHITESPACE)}
    assert written == {c for c in range(0x110000) if chr(c).isspace()}
