"""One rule per field: over a whole column, ``fields.conversation_column`` gives each value what
the field's scalar rule (the one ``FrameBuilder`` applies to a record) gives it, and rejects
exactly the values that rule rejects — for every standard conversation field, on any mix of
values an export or a caller can hand in."""

from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from spec_settings import SPEC

from qa_toolkit.frames import CONVERSATIONS
from qa_toolkit.io.fields import conversation_column
from qa_toolkit.io.validate import CHANNEL_ALIASES, REQUIRED, FieldError, parse_field

ZONE = ZoneInfo("Asia/Shanghai")
ODD = [
    " a ",
    "",
    "  ",
    "4",
    "4.0",
    "5 ",
    "0",
    "电话",
    "E-Mail",
    "a|b, c",
    "x，y",
    "true",
    "2026-09-01 10:00",
    "1788228000",
]
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 8),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1.0, 4.0, 2.5, 1788228000.5, float("nan")]),
    st.sampled_from(ODD),
    st.text(max_size=5),
    st.lists(st.one_of(st.sampled_from(["vip", " x ", ""]), st.integers(0, 3), st.none()), max_size=3),
    st.dictionaries(st.sampled_from(["k"]), st.integers(0, 1), max_size=1),
)


def scalar(key: str, value: object) -> object:
    """The field's scalar rule, as ``FrameBuilder`` applies it (a required field must be given)."""
    got = parse_field(key, value, ZONE, CHANNEL_ALIASES)
    if key in REQUIRED and got is None:
        raise FieldError(key, "missing required field", "missing_field")
    return got


@pytest.mark.parametrize("key", list(CONVERSATIONS))
@SPEC
@given(values=st.lists(VALUES, max_size=12))
def test_the_column_rule_gives_each_value_what_the_scalar_rule_gives(key, values):
    converted, bad = conversation_column(key, values, ZONE, CHANNEL_ALIASES)
    got = converted if isinstance(converted, list) else converted.to_pylist()
    assert len(got) == len(values)
    for i, value in enumerate(values):
        try:
            want = scalar(key, value)
        except FieldError:
            assert i in bad, (key, value)
            continue
        assert i not in bad and got[i] == want, (key, value, got[i], want)
