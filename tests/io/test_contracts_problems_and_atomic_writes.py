"""Chunk contracts, problems-as-values and atomic writes."""

import pandas as pd
import pytest

from qa_toolkit import frames
from qa_toolkit.atomic import atomic_path, write_frame, write_json, write_text
from qa_toolkit.problems import InputError, Problem, ProblemLog


def test_empty_frames_have_contract_dtypes():
    msgs = frames.empty(frames.MESSAGES)
    assert list(msgs.columns) == list(frames.MESSAGES)
    assert str(msgs["ts"].dtype.tz) == frames.DEFAULT_TZ
    assert msgs["seq"].dtype == "Int64"


def test_conform_localises_naive_times_and_keeps_extras():
    df = pd.DataFrame({"conversation_id": ["c1"], "ts": ["2026-03-01 09:00:00"], "extra": [7]})
    out = frames.conform(df, frames.MESSAGES, tz="Asia/Shanghai")
    assert list(out.columns)[-1] == "extra"
    assert out.loc[0, "ts"] == pd.Timestamp("2026-03-01 01:00:00", tz="UTC")
    assert out["role"].isna().all()


def test_conform_types_every_column_stored_otherwise_and_keeps_typed_ones_as_they_are():
    typed = frames.conform(
        pd.DataFrame({"conversation_id": ["c1", "c2"], "ts": ["2026-03-01 09:00", None], "seq": [1, 2]}),
        frames.MESSAGES,
    )
    again = frames.conform(typed, frames.MESSAGES)
    pd.testing.assert_frame_equal(again, typed)
    other = typed.assign(
        conversation_id=typed["conversation_id"].astype("string[python]"),
        ts=typed["ts"].dt.tz_convert("UTC"),
        seq=typed["seq"].astype("float64"),
        role=typed["role"].astype("object"),
    )
    out = frames.conform(other, frames.MESSAGES)
    assert [out[c].dtype for c in out.columns] == [typed[c].dtype for c in typed.columns]
    pd.testing.assert_frame_equal(out, typed)


def test_problem_location_and_text():
    p = Problem("data.jsonl", "not a valid timestamp", line=12, field="messages[3].ts", code="bad-timestamp")
    assert str(p) == "data.jsonl:12: error: field 'messages[3].ts': not a valid timestamp [bad-timestamp]"
    assert Problem("r.xlsx", "bad", line=4, col=2, sheet="Grades").location == "r.xlsx[Grades]:4:2"


def test_problem_log_summary_counts_everything():
    log = ProblemLog(records_read=10, records_skipped=3)
    for i in range(5):
        log.add(Problem("f.csv", "missing", line=i + 2, field="agent_id", code="missing-field"))
    text = log.summary(max_full=2)
    assert "... and 3 more problem(s)" in text
    assert "missing-field=5" in text
    assert "skipped: 3" in text


def test_input_error_carries_problems():
    err = InputError(Problem("x.csv", "empty file", code="empty"))
    assert err.problems[0].code == "empty"
    assert "x.csv" in str(err)


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    dest = tmp_path / "out.txt"
    with pytest.raises(RuntimeError):
        with atomic_path(dest) as tmp:
            tmp.write_text("half")
            raise RuntimeError("boom")
    assert not dest.exists()
    assert list(tmp_path.iterdir()) == []


def test_write_frame_formats(tmp_path):
    df = pd.DataFrame({"a": ["客服", "x"], "tags": [["投诉", "vip"], []]})
    write_text(tmp_path / "t.txt", "好")
    assert (tmp_path / "t.txt").read_text(encoding="utf-8") == "好"
    csv = write_frame(df, tmp_path / "f.csv")
    assert csv.read_bytes().startswith(b"\xef\xbb\xbf")
    assert pd.read_csv(csv)["tags"].tolist()[0] == "投诉|vip"
    pq = write_frame(df, tmp_path / "f.parquet")
    assert pd.read_parquet(pq)["a"].tolist() == ["客服", "x"]
    with pytest.raises(ValueError):
        write_frame(df, tmp_path / "f.txt")


def test_atomic_output_gets_normal_permissions(tmp_path):
    import os
    import stat

    path = write_text(tmp_path / "report.txt", "x")
    mode = stat.S_IMODE(os.stat(path).st_mode)
    assert mode & stat.S_IRGRP and mode & stat.S_IROTH, oct(mode)


def test_write_json_keeps_chinese_readable(tmp_path):
    import datetime as dt

    path = write_json(tmp_path / "run.json", {"名称": "质检", "at": dt.date(2026, 11, 24)}, default=str)
    assert path.read_text(encoding="utf-8") == '{\n  "名称": "质检",\n  "at": "2026-11-24"\n}\n'
