"""Handle time has one definition (``timing.handle_seconds``) and every output that shows it —
the rubric's ``handle_time_s`` field, the metrics' ``handle_s``, the risk features' ``handle_s``
— gives the same number for the same conversation."""

from __future__ import annotations

import numpy as np
import pandas as pd

from qa_toolkit.io import conversations_from_records
from qa_toolkit.metrics import build_sessions
from qa_toolkit.risk.features import conversation_table
from qa_toolkit.rubric.predicates import derived_fields
from qa_toolkit.timing import handle_seconds


def _record(cid, started=None, ended=None, stamps=("2026-03-02T09:00:00", "2026-03-02T09:05:00")):
    record = {
        "conversation_id": cid,
        "channel": "chat",
        "agent_id": "a1",
        "messages": [{"ts": ts, "role": role, "text": "您好 hello"} for ts, role in zip(stamps, ("customer", "agent"))],
    }
    return {**record, **({"started_at": started} if started else {}), **({"ended_at": ended} if ended else {})}


RECORDS = [
    _record("both", "2026-03-02T08:59:00", "2026-03-02T09:29:00"),  # declared: 1800 s
    _record("no_end", "2026-03-02T08:59:00"),  # one side missing: the messages' span, 300 s
    _record("no_start", ended="2026-03-02T09:29:00"),  # likewise 300 s
    _record("neither"),  # 300 s
    _record("backwards", "2026-03-02T09:29:00", "2026-03-02T08:59:00"),  # negative: unknown
    _record("untimed", stamps=(None, None)),  # nothing to go by: unknown
    _record("one_stamp", stamps=("2026-03-02T09:00:00", None)),  # a single time: 0 s
]
EXPECTED = {
    "both": 1800.0,
    "no_end": 300.0,
    "no_start": 300.0,
    "neither": 300.0,
    "backwards": np.nan,
    "untimed": np.nan,
    "one_stamp": 0.0,
}


def _frames():
    ds = conversations_from_records(RECORDS)
    return ds.conversations, ds.messages


def test_handle_seconds_rules():
    t = pd.to_datetime(pd.Series(["2026-03-02 09:00", None, "2026-03-02 10:00", "2026-03-02 09:00"]))
    later = t + pd.Timedelta(minutes=10)
    got = handle_seconds(t, later.where(t.index != 2, t - pd.Timedelta(minutes=1)), t - pd.Timedelta(seconds=5), later)
    # declared span; declared start missing -> the messages' span (NaT here too: unknown);
    # negative declared span -> unknown (the message span is not used to paper over it); declared
    np.testing.assert_array_equal(got, [600.0, np.nan, np.nan, 600.0])
    assert np.isnan(handle_seconds(None, None, pd.Series([pd.NaT]), pd.Series([pd.NaT]))).all()
    np.testing.assert_array_equal(handle_seconds(None, None, t[:1], later[:1]), [600.0])


def test_every_output_shows_the_same_handle_time():
    conv, msgs = _frames()
    ids = conv["conversation_id"].tolist()
    expected = pd.Series([EXPECTED[i] for i in ids], index=ids, dtype="float64")
    derived = derived_fields(conv, msgs)["handle_time_s"]
    sessions = build_sessions(conv, msgs, None).set_index("conversation_id")["handle_s"]
    features = conversation_table(conv, msgs).set_index("conversation_id")["handle_s"]
    for name, got in (("derived", derived), ("metrics", sessions), ("risk", features)):
        pd.testing.assert_series_equal(got.reindex(ids).astype("float64"), expected, check_names=False, obj=name)
