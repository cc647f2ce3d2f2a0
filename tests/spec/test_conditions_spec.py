"""Rubric conditions as the README states them: ``{field, op, value}`` over a conversation's
field (a column of the export or a derived field). A missing value (or field) makes a
comparison unknown; ``missing``/``present`` ask exactly that (a list, even empty, is present).
``contains``: the value (a list or a text) holds V. ``in``/``not in``: the value equals one of V's
options, or reads as one (1 and "1"). ``== != < <= > >=`` compare as written, except that text
compared with true/false is read as a yes/no word, and a time compared with text reads the text
as a time (in the field's time zone when it names none); values that cannot be compared, or
text that is no time, are unknown. ``all``/``any``/``not`` combine with unknown as "maybe"."""

import operator

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter
from spec_settings import SPEC_FEW

from qa_toolkit import frames
from qa_toolkit.rubric import predicates
from qa_toolkit.rubric.predicates import Predicate, derived_fields

YES = {"true", "1", "yes", "y", "t", "是"}
COMPARE = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
UNKNOWN = None


def is_missing(value):
    """None, NaN, NaT and <NA> are missing; a list never is."""
    return not isinstance(value, (list, tuple)) and bool(pd.isna(value))


def spec_test(op, value, right):
    """True, False or UNKNOWN: one field value against one condition."""
    if op in ("missing", "present"):
        return is_missing(value) == (op == "missing")
    if is_missing(value):
        return UNKNOWN
    if op == "contains":
        return right in value if isinstance(value, (list, tuple, str)) else UNKNOWN
    if op in ("in", "not in"):
        options = right if isinstance(right, list) else [right]
        found = any(value == o or str(value) == str(o) for o in options)
        return found if op == "in" else not found
    if isinstance(value, str) and isinstance(right, bool):
        value = value.strip().lower() in YES
    if isinstance(value, pd.Timestamp) and isinstance(right, str):
        try:
            right = pd.Timestamp(right)
        except ValueError:
            return UNKNOWN
        right = right.tz_localize(value.tz) if right.tz is None and right is not pd.NaT else right
    try:
        return bool(COMPARE[op](value, right))
    except TypeError:
        return UNKNOWN


def spec_condition(condition, row):
    """A condition (as written in YAML) for one conversation's fields (a dict)."""
    if "all" in condition or "any" in condition:
        parts = [spec_condition(c, row) for c in condition.get("all", condition.get("any"))]
        decisive = "all" not in condition  # any: True decides; all: False decides
        if decisive in parts:
            return decisive
        return UNKNOWN if UNKNOWN in parts else not decisive
    if "not" in condition:
        inner = spec_condition(condition["not"], row)
        return UNKNOWN if inner is UNKNOWN else not inner
    if condition["field"] not in row:
        return condition["op"] == "missing" if condition["op"] in ("missing", "present") else UNKNOWN
    return spec_test(condition["op"], row[condition["field"]], condition.get("value"))


CONDITIONS = [
    {"field": "csat", "op": ">=", "value": 3},
    {"field": "csat", "op": "==", "value": 5},
    {"field": "csat", "op": "<", "value": 2.5},
    {"field": "csat", "op": ">=", "value": "3"},
    {"field": "csat", "op": "==", "value": True},
    {"field": "csat", "op": "in", "value": [1, "2", 5]},
    {"field": "csat", "op": "missing"},
    {"field": "csat", "op": "present"},
    {"field": "channel", "op": "not in", "value": ["email"]},
    {"field": "channel", "op": "==", "value": "chat"},
    {"field": "channel", "op": "<", "value": "d"},
    {"field": "channel", "op": "contains", "value": "ha"},
    {"field": "channel", "op": "in", "value": "chat"},
    {"field": "started_at", "op": ">=", "value": "2026-09-07 09:00"},
    {"field": "started_at", "op": "<", "value": "2026-09-10T00:00:00+00:00"},
    {"field": "started_at", "op": "==", "value": "not a date"},
    {"field": "started_at", "op": ">", "value": 3},
    {"field": "refund_amount", "op": ">", "value": 0},
    {"field": "refund_amount", "op": "==", "value": 0.0},
    {"field": "refund_amount", "op": ">=", "value": 2**60},
    {"field": "refund_amount", "op": "!=", "value": True},
    {"field": "escalated", "op": "==", "value": True},
    {"field": "escalated", "op": "!=", "value": True},
    {"field": "escalated", "op": "==", "value": 1},
    {"field": "escalated", "op": "in", "value": [1]},
    {"field": "escalated", "op": "present"},
    {"field": "tags", "op": "contains", "value": "complaint"},
    {"field": "tags", "op": "==", "value": ["x"]},
    {"field": "tags", "op": "missing"},
    {"field": "handle_time_s", "op": ">", "value": 300},
    {"field": "n_messages", "op": ">=", "value": 2},
    {"field": "n_agent_messages", "op": "==", "value": 0},
    {"field": "n_messages", "op": ">", "value": 2**63},
    {"field": "language", "op": "==", "value": "zh"},
    {"field": "language", "op": "missing"},
    {"field": "no_such_field", "op": "==", "value": 1},
    {"field": "no_such_field", "op": "missing"},
    {"any": [{"field": "transferred", "op": "missing"}, {"field": "transferred", "op": "!=", "value": True}]},
    {"all": [{"field": "csat", "op": "<=", "value": 2}, {"not": {"field": "channel", "op": "in", "value": ["phone"]}}]},
    {"any": [{"field": "csat", "op": ">", "value": 3}, {"field": "started_at", "op": "<", "value": "2026-09-08"}]},
]

TIMES = [
    pd.Timestamp("2026-09-07 08:00", tz="Asia/Shanghai"),
    pd.Timestamp("2026-09-07 09:00", tz="Asia/Shanghai"),
    pd.Timestamp("2026-09-12 10:00", tz="Asia/Shanghai"),
    None,
]


@st.composite
def a_chunk(draw):
    """Conversations with typed columns (csat, channel, times, a float column), a column of mixed
    yes/no values, tag lists, and a few messages each."""
    n = draw(st.integers(1, 12))
    column = lambda values: draw(st.lists(st.sampled_from(values), min_size=n, max_size=n))  # noqa: E731
    conv = pd.DataFrame(
        {
            "conversation_id": [f"c{i}" for i in range(n)],
            "csat": column([1, 2, 3, 4, 5, None]),
            "channel": column(["chat", "email", "phone", None]),
            "started_at": column(TIMES),
            "tags": column([[], ["complaint"], ["vip", "complaint"], ["x"]]),
            "refund_amount": column([0.0, -0.0, 12.5, 2.0**60, 1e-9, float("nan")]),
        }
    )
    conv = frames.conform(conv, frames.CONVERSATIONS)
    conv["escalated"] = pd.Series(column([True, False, "Yes ", "否", 1, 0.0, "1", None]), dtype=object)
    msgs = pd.DataFrame(
        [
            {"conversation_id": f"c{i}", "seq": s, "role": role, "ts": None, "text": text}
            for i in range(n)
            for s, (role, text) in enumerate(
                draw(
                    st.lists(
                        st.tuples(st.sampled_from(["agent", "customer"]), st.sampled_from(["您好", "hello", ""])),
                        max_size=3,
                    )
                )
            )
        ],
        columns=["conversation_id", "seq", "role", "ts", "text"],
    )
    return conv, frames.conform(msgs, frames.MESSAGES)


@SPEC_FEW
@given(a_chunk())
def test_conditions_give_the_specified_answers(chunk):
    conv, msgs = chunk
    derived = derived_fields(conv, msgs)
    rows = [{**{c: conv[c].iloc[i] for c in conv.columns}, **derived.iloc[i].to_dict()} for i in range(len(conv))]
    rows = [{k: (None if not isinstance(v, list) and pd.isna(v) else v) for k, v in row.items()} for row in rows]
    for condition in CONDITIONS:
        got = predicates.evaluate(TypeAdapter(Predicate).validate_python(condition), conv, msgs, derived)
        assert str(got.dtype) == "boolean"
        want = [spec_condition(condition, row) for row in rows]
        assert [None if pd.isna(v) else bool(v) for v in got.tolist()] == want, condition
