"""io.arrow_jsonl: a block of lines Arrow takes by columns gives exactly the Dataset the line
rule (``jsonl.iter_lines``) gives for it; a block it cannot vouch for is not taken (None), never a
different Dataset."""

import json
import random
from pathlib import Path

import pandas as pd
import pytest

from qa_toolkit.io import arrow_jsonl
from qa_toolkit.io.arrow_jsonl import dataset_from_bytes
from qa_toolkit.io.jsonl import JsonlReading, LineRange, iter_lines, line_ranges
from qa_toolkit.io.validate import FrameBuilder
from qa_toolkit.resources import sample_data_dir

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "benchmarks" / ".cache" / "n20000-s7" / "conversations.jsonl"
TZ = "Asia/Shanghai"


def reference(path: Path, span: LineRange, tz: str = TZ):
    builder = FrameBuilder(tz, str(path), seen_ids=set())
    return next(iter_lines(JsonlReading(path, span=span), builder))


def read_jsonl_range(path: Path, span: LineRange, tz: str):
    """The lines of ``span`` as one block through Arrow: the Dataset, or None when not taken."""
    with path.open("rb") as fh:
        fh.seek(span.start)
        return dataset_from_bytes(fh.read(span.end - span.start), tz)


def same(got, ref) -> None:
    pd.testing.assert_frame_equal(got.conversations, ref.conversations, check_exact=True)
    pd.testing.assert_frame_equal(got.messages, ref.messages, check_exact=True)
    assert got.log.problems == ref.log.problems == []
    assert (got.log.records_read, got.log.records_skipped) == (ref.log.records_read, ref.log.records_skipped)


def whole(path: Path) -> LineRange:
    return LineRange(0, path.stat().st_size, 1)


def check(path: Path, span: LineRange | None = None, tz: str = TZ, *, must_read: bool = False):
    """The Arrow reader's result for the range: equal to the reference, or None."""
    span = span or whole(path)
    got = read_jsonl_range(path, span, tz)
    if got is None:
        assert not must_read, "the Arrow reader gave up on clean lines"
        return None
    same(got, reference(path, span, tz))
    return got


def write(tmp_path: Path, records: list, name: str = "x.jsonl") -> Path:
    path = tmp_path / name
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def record(cid: str = "C1", **fields) -> dict:
    base = {
        "conversation_id": cid,
        "channel": "chat",
        "agent_id": "A1",
        "customer_id": "U1",
        "started_at": "2026-09-01T10:00:00+08:00",
        "ended_at": "2026-09-01T10:05:00+08:00",
        "csat": 4,
        "tags": ["complaint"],
        "customer_tier": "normal",
        "queue": "售后",
        "messages": [
            {"ts": "2026-09-01T10:00:00+08:00", "role": "customer", "text": "我要投诉"},
            {"ts": "2026-09-01T10:00:30+08:00", "role": "agent", "text": "Sorry about that."},
        ],
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not ...}  # ... drops a field


# --- real files, cut into ranges ----------------------------------------------------------


def test_sample_data_in_ranges_is_read_identically():
    path = sample_data_dir() / "conversations.jsonl"
    spans = list(line_ranges(path, 700))
    assert len(spans) > 3
    for span in spans:
        got = check(path, span, must_read=True)
        assert len(got.conversations) == min(700, 3000 - (span.first_line - 1))


def test_sample_data_in_another_zone():
    path = sample_data_dir() / "conversations.jsonl"
    check(path, next(iter(line_ranges(path, 500))), tz="Europe/London", must_read=True)


@pytest.mark.skipif(not BENCH.exists(), reason="benchmark cache not generated")
def test_benchmark_file_range_is_read_identically():
    spans = line_ranges(BENCH, 2500)
    next(spans)
    check(BENCH, next(spans), must_read=True)  # a range that starts mid-file


# --- every field kind, one line at a time -------------------------------------------------

READ = {  # clean lines of every kind: read, and identical
    "csat missing": [record("C1"), record("C2", csat=...)],
    "csat null": [record("C1"), record("C2", csat=None)],
    "csat as text": [record("C1", csat="4"), record("C2", csat=" 5 ")],
    "csat as float": [record("C1", csat=4.0), record("C2", csat=None)],
    "tags as text": [record("C1", tags="complaint|escalation"), record("C2", tags="催单，物流")],
    "tags integers": [record("C1", tags=[1, 2]), record("C2", tags=7)][:1],
    "tags missing or null": [record("C1", tags=...), record("C2", tags=None), record("C3")],
    "tags empty list and padded": [record("C1", tags=[]), record("C2", tags=[" vip ", "", None])],
    "escalated bool and missing": [record("C1", escalated=True), record("C2"), record("C3", escalated=False)],
    "escalated as text": [record("C1", escalated="yes"), record("C2", escalated="否")],
    "extras on some lines": [
        record("C1"),
        record("C2", transferred=True, order_id="260907"),
        record("C3", complaint_type="物流", handle_s=12.5),
        record("C4", handle_s=3),
    ],
    "extra empty string": [record("C1", note=""), record("C2", note=" x ")],
    "extra date-like text": [record("C1", refund_date="2026-09-03"), record("C2", refund_date=None)],
    "extra date-like then text": [record("C1", note="2026-09-03T10:00:00"), record("C2", note="hello")],
    "contract text date-like": [record("C1", customer_tier="2026-09-03", customer_id="2026-09-03 10:00:00")],
    "timestamps Z, offset, naive": [
        record("C1", started_at="2026-09-01T02:00:00Z", ended_at="2026-09-01 10:05:00"),
        record(
            "C2",
            messages=[
                {"ts": "2026-09-01T10:00:00", "role": "agent", "text": "hi"},
                {"ts": "2026-09-01T03:00:01.250Z", "role": "customer", "text": "hello"},
            ],
        ),
    ],
    "timestamps missing": [
        record("C1", started_at=None, ended_at=...),
        record("C2", messages=[{"role": "agent", "text": "您好"}, {"ts": None, "role": "user", "text": "在吗"}]),
    ],
    "epoch seconds and milliseconds": [
        record(
            "C1",
            started_at=1693000000,
            ended_at=1693000300.5,
            messages=[
                {"ts": 1693000000000, "role": "agent", "text": "a"},
                {"ts": None, "role": "agent", "text": "b"},
                {"ts": 1693000000123.4567, "role": "customer", "text": "c"},
                {"role": "agent", "text": "d"},
            ],
        ),
        record(
            "C2",
            started_at=None,
            ended_at=-5,
            messages=[{"ts": 1693000000.25, "role": "agent", "text": "x"}, {"ts": 1.5e9, "role": "agent", "text": "y"}],
        ),
    ],
    "epoch message ts, text conversation times": [
        record("C1", messages=[{"ts": 1693000000, "role": "agent", "text": "a"}]),
        record("C2", ended_at=..., messages=[{"role": "agent", "text": "b"}]),
    ],
    "timestamps other spellings": [
        record("C1", started_at="2026/09/01 10:00", ended_at="1693000000"),
        record("C2", started_at=" 2026-09-01T10:00:00+08:00 "),
    ],
    "empty text and English": [
        record(
            "C1",
            messages=[
                {"ts": None, "role": "agent", "text": ""},
                {"ts": None, "role": "customer", "text": "Where is my order?"},
            ],
        )
    ],
    "roles via aliases": [
        record(
            "C1",
            messages=[
                {"role": "客服", "text": "您好"},
                {"role": "买家", "text": "在吗"},
                {"role": " Agent ", "text": "yes"},
                {"role": "机器人", "text": "…"},
            ],
        )
    ],
    "channel aliases and case": [
        record("C1", channel="电话"),
        record("C2", channel=" Chat "),
        record("C3", channel=None),
    ],
    "padded and numeric ids": [record(" C1 ", agent_id=" A7 ", customer_id=""), record("C2", customer_id=None)],
    "skill_group alias": [record("C1", queue=..., skill_group="退款"), record("C2", queue=..., skill_group="物流")],
    "key order differs": [
        {"messages": record()["messages"], "agent_id": "A1", "conversation_id": "C1", "z": 1},
        record("C2", a=1),
    ],
}


@pytest.mark.parametrize("name", READ)
def test_clean_lines_are_read_identically(tmp_path, name):
    check(write(tmp_path, READ[name]), must_read=True)


def test_naive_times_at_daylight_saving_changes(tmp_path):
    lines = [
        record(
            "C1",
            started_at="2026-10-25 01:30:00",
            ended_at="2026-03-29T01:30:00",
            messages=[
                {"ts": "2026-10-25T01:59:59.5", "role": "agent", "text": "ambiguous"},
                {"ts": "2026-03-29 01:00:00", "role": "customer", "text": "nonexistent"},
            ],
        )
    ]
    check(write(tmp_path, lines), tz="Europe/London", must_read=True)


def test_numeric_ids_are_read_identically(tmp_path):
    lines = [record("C1"), record("C2")]
    lines[0]["conversation_id"], lines[1]["conversation_id"] = 101, 102
    check(write(tmp_path, lines), must_read=True)


ODD_BUT_VALID = [  # JSON whitespace and characters orjson takes: read as it reads them
    (
        b'{"conversation_id": "C1",\r"agent_id": "A1", "x": 1e5, "y": -0, '
        b'"messages": [{"role": "agent", "text": "a\x7fb\xc2\x85\xe2\x80\xa8"}]}   \r'
    ),
    (
        b'{"conversation_id": "C2", "agent_id": "A1", "x": 2, "y": 0, '
        b'"messages": [{"role": "agent", "text": "\\u00e9\\/"}]}'
    ),
]


def test_odd_but_valid_json(tmp_path):
    path = tmp_path / "odd.jsonl"
    path.write_bytes(b"\n".join(ODD_BUT_VALID))
    check(path, must_read=True)


def test_no_trailing_newline_and_crlf(tmp_path):
    path = tmp_path / "crlf.jsonl"
    path.write_bytes(b"\r\n".join(json.dumps(record(c)).encode() for c in ("C1", "C2")))
    check(path, must_read=True)


UNSURE = {  # lines the reference reports, skips or reads differently: always None
    "invalid JSON": [record("C1"), '{"conversation_id": "C2", '],
    "blank line": [record("C1"), "", record("C2")],
    "whitespace line": [record("C1"), "   ", record("C2")],
    "two objects on a line": [record("C1"), json.dumps(record("C2")) + " " + json.dumps(record("C3"))],
    "missing id": [record("C1"), record("C2", conversation_id=...)],
    "blank id": [record("C1"), record(" ")],
    "missing agent": [record("C1"), record("C2", agent_id=None)],
    "empty messages": [record("C1"), record("C2", messages=[])],
    "no messages": [record("C1"), record("C2", messages=...)],
    "messages not a list": [record("C1"), record("C2", messages="hello")],
    "message not an object": [record("C1"), record("C2", messages=[{"role": "agent", "text": "a"}, "b"])],
    "message null": [record("C1"), record("C2", messages=[None])],
    "message extra fields": [
        record(
            "C1",
            messages=[
                {"role": "agent", "text": "a", "seq": 3, "msg_id": "m1"},
                {"text": "b", "conversation_id": "X", "role": "customer", "read": True},
            ],
        ),
        record("C2", messages=[{"role": "agent", "text": "c"}, {"role": "agent", "text": "d", "msg_id": "m4"}]),
    ],
    "message extra field nested": [record("C1", messages=[{"role": "agent", "text": "a", "meta": {"x": 1}}])],
    "message extra field date-like": [record("C1", messages=[{"role": "agent", "text": "a", "at": "2026-09-01"}])],
    "duplicate id": [record("C1"), record("C1")],
    "duplicate id after stripping": [record("C1"), record(" C1")],
    "duplicate key": [
        (
            '{"conversation_id": "C1", "conversation_id": "C2", "agent_id": "A", '
            '"messages": [{"role": "agent", "text": "x"}]}'
        )
    ],
    "unknown role": [record("C1", messages=[{"role": "manager", "text": "a"}])],
    "missing role": [record("C1", messages=[{"text": "a"}])],
    "null text": [record("C1", messages=[{"role": "agent", "text": None}])],
    "number text": [record("C1", messages=[{"role": "agent", "text": 5}])],
    "epoch number and text ts": [record("C1", started_at=1693000000), record("C2")],
    "epoch ms and text message ts": [
        record(
            "C1",
            messages=[
                {"ts": 1693000000000, "role": "agent", "text": "a"},
                {"ts": "2026-09-01T10:00:00Z", "role": "agent", "text": "b"},
            ],
        )
    ],
    "epoch beyond 2**53": [record("C1", started_at=2**60)],
    "epoch beyond the year 2262": [record("C1", started_at=99999999999.5)],
    "epoch bool": [record("C1", started_at=1693000000), record("C2", started_at=True)],
    "bad timestamp": [record("C1", ended_at="yesterday")],
    "csat out of range": [record("C1"), record("C2", csat=6)],
    "csat not a number": [record("C1", csat="good")],
    "csat bool": [record("C1", csat=True)],
    "csat mixed types": [record("C1", csat=3), record("C2", csat="4")],
    "tags mixed types": [record("C1", tags=["a"]), record("C2", tags="b")],
    "tags of numbers": [record("C1", tags=[1, 2.5])],
    "tags a number": [record("C1", tags=1), record("C2", tags=2.5)],
    "nested extra": [record("C1", order={"id": 1}), record("C2", order={"sku": "x"})],
    "list extra": [record("C1", skus=["a", "b"])],
    "extra beyond int64": [record("C1", big=18446744073709551615), record("C2", big=0.5)],
    "not an object": [record("C1"), "[1, 2]"],
    "lone surrogate": [record("C1"), '{"conversation_id": "C2", "agent_id": "\\ud800", "messages": []}'],
    "NaN": [record("C1"), '{"conversation_id": "C2", "agent_id": "A", "csat": NaN, "messages": []}'],
    "trailing comma": [record("C1"), json.dumps(record("C2"))[:-1] + ", }"],
    "raw tab in text": [record("C1"), json.dumps(record("C2"), ensure_ascii=False).replace("我要投诉", "我要\t投诉")],
    "raw control character": [record("C1"), json.dumps(record("C2"), ensure_ascii=False).replace("我要投诉", "\x01")],
    "form feed between tokens": [json.dumps(record("C1")).replace(", ", ",\x0c", 1)],
    "NUL after the object": [json.dumps(record("C1")) + "\x00"],
    "leading plus": [json.dumps(record("C1")).replace('"csat": 4', '"csat": +4')],
    "bad escape": [json.dumps(record("C1"), ensure_ascii=False).replace("我要投诉", "\\x")],
    "skill_group and queue": [record("C1", skill_group="退款"), record("C2", queue=..., skill_group="物流")],
}


@pytest.mark.parametrize("name", UNSURE)
def test_lines_the_reference_treats_differently_give_none(tmp_path, name):
    path = write(tmp_path, UNSURE[name])
    assert read_jsonl_range(path, whole(path), TZ) is None


def test_bom_gives_none(tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(record()).encode() + b"\n")
    assert read_jsonl_range(path, whole(path), TZ) is None


def test_invalid_utf8_gives_none(tmp_path):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(
        '{"conversation_id": "C1", "agent_id": "A1", "queue": "café", '
        '"messages": [{"role": "agent", "text": "hi"}]}\n'.encode("latin-1")
    )
    assert read_jsonl_range(path, whole(path), TZ) is None


@pytest.mark.parametrize("where", [b'"text": "caf\xe9"', b'"caf\xe9": 1, "text": "x"'])
def test_invalid_utf8_in_a_message_or_a_key_gives_none(tmp_path, where):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"conversation_id": "C1", "agent_id": "A1", "messages": [{"role": "agent", ' + where + b"}]}\n")
    assert read_jsonl_range(path, whole(path), TZ) is None


def test_extras_keep_first_seen_order_across_lines(tmp_path):
    lines = [record("C1", b=1), record("C2", c="x", day="2026-09-01", a=True), record("C3", a=False, d=None, b=2)]
    got = check(write(tmp_path, lines), must_read=True)
    assert list(got.conversations.columns)[-5:] == ["b", "c", "day", "a", "d"]


def test_many_arrow_blocks(tmp_path, monkeypatch):
    """Fields first seen, widened or nulled in later blocks: the same frames."""
    monkeypatch.setattr(arrow_jsonl, "MAX_BLOCK", 2048)
    lines = [record(f"C{i}") for i in range(40)]
    lines[25]["late"], lines[30]["score"], lines[38]["score"] = "x", 3, 2.5
    lines[33]["day"], lines[20]["csat"] = "2026-09-01", None
    path = write(tmp_path, lines)
    assert path.stat().st_size > 5 * 2048
    got = check(path, must_read=True)
    assert list(got.conversations.columns)[-3:] == ["late", "score", "day"]


def test_empty_range_gives_none(tmp_path):
    path = write(tmp_path, [record()])
    assert read_jsonl_range(path, LineRange(0, 0, 1), TZ) is None


# --- any mix of field kinds: equal or None ------------------------------------------------

VALUES = {  # clean kinds, then kinds the reference rejects or Arrow cannot type
    "csat": ([..., None, 1, 5, "3", 4.0], [0, "x", True]),
    "tags": ([..., None, [], ["a", " b "], "a|b", ["投诉"]], [[1], {"a": 1}]),
    "escalated": ([..., None, True, False, "yes"], [[True]]),
    "started_at": (
        [..., None, "2026-09-01T10:00:00Z", "2026-09-01T10:00:00+08:00", "2026-09-01 10:00:00"],
        [1693000000, "2026-02-30T10:00:00", "bad"],
    ),
    "channel": ([..., None, "chat", "电话", " Email "], [[]]),
    "customer_id": ([..., None, "U1", "", 12345], [{}]),
}
ROLES = (["agent", "customer", "客服", "用户"], ["boss", None])
TEXTS = (["你好", "hello", "", " padded "], [None, 3])
TIMES = ([..., None, "2026-09-01T10:00:05+08:00", "2026-09-01T10:00:05", "2026-09-01T02:00:05.5Z"], [0, "x"])


def pick(rng: random.Random, kinds: tuple[list, list]) -> object:
    return rng.choice(kinds[1] if rng.random() < 0.04 else kinds[0])


def mixed_lines(rng: random.Random) -> list[dict]:
    lines = []
    for i in range(rng.randint(1, 5)):
        messages = [
            {
                k: v
                for k, v in (("ts", pick(rng, TIMES)), ("role", pick(rng, ROLES)), ("text", pick(rng, TEXTS)))
                if v is not ...
            }
            for _ in range(0 if rng.random() < 0.03 else rng.randint(1, 3))
        ]
        lines.append(record(f"C{i + 1}", **{k: pick(rng, v) for k, v in VALUES.items()}, messages=messages))
    if len(lines) > 2 and rng.random() < 0.1:
        lines[-1]["conversation_id"] = "C1"
    return lines


@pytest.mark.parametrize("seed", range(80))
def test_any_mix_of_field_kinds_is_equal_or_none(tmp_path, seed):
    check(write(tmp_path, mixed_lines(random.Random(seed))))


def test_clean_mixes_are_read(tmp_path):
    """Mixes of clean kinds only are always read (None is not the easy way out)."""
    clean = {
        "csat": [None, 1, 5],
        "tags": [..., None, [], ["a", " b "]],
        "escalated": [..., True, False],
        "started_at": [..., None, "2026-09-01T10:00:00Z", "2026-09-01 10:00:00"],
        "channel": [..., "chat", "电话"],
        "customer_id": [..., None, "U1", ""],
    }
    rng = random.Random(7)
    for n in range(20):
        lines = [record(f"C{i}", **{k: rng.choice(v) for k, v in clean.items()}) for i in range(rng.randint(1, 6))]
        check(write(tmp_path, lines, f"clean{n}.jsonl"), must_read=True)
