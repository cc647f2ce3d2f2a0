"""The chunked engine: results byte-identical to one in-process chunk of everything whatever the chunking and
the number of workers (JSONL chunks and Parquet row groups read by the workers), a merged
summary equal to ``summarise``, part files a user can open, problems with their location,
nothing kept on a strict failure, and ``qa score --workers`` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from bench_scripts import BENCH, load_script
from click.testing import CliRunner
from synth_parquet import canonical, write_synth_parquet

from qa_toolkit.cli import main
from qa_toolkit.engine import ScoreJob, score_file
from qa_toolkit.engine.tables import row_group_starts
from qa_toolkit.io import read_conversations
from qa_toolkit.problems import InputError
from qa_toolkit.resources import default_rubric, sample_data_dir
from qa_toolkit.rubric import load_rubric
from qa_toolkit.scorefolder import open_score_folder
from qa_toolkit.scoring import chunk_partial as partial
from qa_toolkit.scoring import masked, merge, results_frame, score_chunk, summarise
from qa_toolkit.synth import iter_records

RUBRIC = str(default_rubric())


def reference(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    rubric, _ = load_rubric(RUBRIC)
    ds = read_conversations(path)
    scored = score_chunk(ds.conversations, ds.messages, [rubric])  # every conversation in one chunk
    return results_frame(scored), scored.scores


def assert_same(out: Path, expected: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    folder = open_score_folder(out)
    results, scores = folder.results(), folder.scores()
    assert canonical(results, ["conversation_id", "criterion_id"]) == canonical(
        expected[0], ["conversation_id", "criterion_id"]
    )
    assert canonical(scores, ["conversation_id"]) == canonical(expected[1], ["conversation_id"])
    assert results.dtypes.equals(expected[0].dtypes) and scores.dtypes.equals(expected[1].dtypes)


@pytest.fixture(scope="module")
def sample_reference():
    return reference(sample_data_dir() / "conversations.jsonl")


@pytest.fixture(scope="module")
def small_jsonl(tmp_path_factory) -> Path:
    """The first 400 sample conversations, for the tests about outputs rather than results."""
    path = tmp_path_factory.mktemp("small") / "small.jsonl"
    lines = (sample_data_dir() / "conversations.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:400]), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def synth_parquet(tmp_path_factory) -> Path:
    return write_synth_parquet(tmp_path_factory.mktemp("synth"))


@pytest.mark.parametrize("workers,chunk_size", [(1, 3000), (2, 700)])
def test_engine_matches_one_chunk_of_everything_on_sample_data(tmp_path, sample_reference, workers, chunk_size):
    run = score_file(
        sample_data_dir() / "conversations.jsonl",
        ScoreJob(RUBRIC, str(tmp_path), mask=False),
        workers=workers,
        chunk_size=chunk_size,
    )
    assert run.parts == -(-3000 // chunk_size)
    assert len(list((tmp_path / "results").glob("part-*.parquet"))) == run.parts
    assert_same(tmp_path, sample_reference)
    rubric, _ = load_rubric(RUBRIC)
    assert run.summary == summarise(*sample_reference, rubric)


def test_evidence_is_masked_by_default(tmp_path, sample_reference):
    score_file(sample_data_dir() / "conversations.jsonl", ScoreJob(RUBRIC, str(tmp_path)), chunk_size=1500)
    results = open_score_folder(tmp_path).results()
    expected = masked(sample_reference[0])
    assert canonical(results, ["conversation_id", "criterion_id"]) == canonical(
        expected, ["conversation_id", "criterion_id"]
    )
    assert expected["evidence_text"].ne(sample_reference[0]["evidence_text"]).fillna(False).any()  # PII was there


def test_summary_merged_from_chunks_equals_summarise(sample_reference):
    results, scores = sample_reference
    rubric, _ = load_rubric(RUBRIC)
    ds = read_conversations(sample_data_dir() / "conversations.jsonl")
    conv, ids = ds.conversations, ds.conversations["conversation_id"]
    parts = [
        partial(
            score_chunk(conv[ids.isin(part)], ds.messages[ds.messages["conversation_id"].isin(part)], [rubric]), rubric
        )
        for part in (ids[:1000], ids[1000:1001], ids[1001:])
    ]
    assert merge(parts) == summarise(results, scores, rubric)


def test_parquet_row_groups_read_by_workers_match_the_reader(tmp_path, synth_parquet):
    assert len(row_group_starts(synth_parquet)) == 4
    run = score_file(synth_parquet, ScoreJob(RUBRIC, str(tmp_path), mask=False), workers=2)
    assert run.parts == 4 and not run.log.problems
    assert_same(tmp_path, reference(synth_parquet))


def test_huge_row_groups_go_through_the_reader(tmp_path, synth_parquet, monkeypatch):
    from qa_toolkit.engine import runner

    assert runner.row_group_tasks(synth_parquet, {}) is not None
    monkeypatch.setattr(runner, "MAX_ROW_GROUP_ROWS", 100)  # bounded memory: never a whole big row group
    assert runner.row_group_tasks(synth_parquet, {}) is None
    run = score_file(synth_parquet, ScoreJob(RUBRIC, str(tmp_path)), chunk_size=500)
    assert run.summary["conversations"] == 480 and run.parts > 4


@pytest.mark.parametrize("mask, workers", [(False, 1), (True, 1), (True, 2)])
def test_conversation_across_row_groups_goes_through_the_reader(tmp_path, mask, workers):
    """The reader's chunks then hold their texts in several Arrow chunks (one per row group),
    which the part writer and evidence masking must take as one array."""
    import pyarrow.parquet as pq

    path = write_synth_parquet(tmp_path / "in", n=40, per_row_group=40)
    table = pq.read_table(path)
    cut = tmp_path / "cut.parquet"
    pq.write_table(table, cut, row_group_size=7)  # 7 rows: conversations straddle row groups
    with pytest.raises(InputError) as err:
        row_group_starts(cut)
    assert "runs across Parquet row groups" in str(err.value) and err.value.problems[0].line > 2
    run = score_file(cut, ScoreJob(RUBRIC, str(tmp_path / "out"), mask=mask), workers=workers, chunk_size=50)
    assert run.summary["conversations"] == 40
    results, scores = reference(cut)
    assert_same(tmp_path / "out", (masked(results) if mask else results, scores))


def test_a_split_conversation_stops_the_row_group_run_at_once(tmp_path, monkeypatch):
    """The workers' row groups are checked as their results come in: the run over row groups
    stops at the first conversation that runs on into the next, not after scoring them all."""
    import pyarrow.parquet as pq

    from qa_toolkit.engine import runner
    from qa_toolkit.engine.parts import RowGroup

    path = write_synth_parquet(tmp_path / "in", n=40, per_row_group=40)
    cut = tmp_path / "cut.parquet"
    pq.write_table(pq.read_table(path), cut, row_group_size=7)
    assert len(runner.row_group_tasks(cut, {})) > 60
    seen = []
    score = runner.score_task
    monkeypatch.setattr(runner, "score_task", lambda task, *a: seen.append(type(task)) or score(task, *a))
    run = score_file(cut, ScoreJob(RUBRIC, str(tmp_path / "out")), chunk_size=50)
    assert run.summary["conversations"] == 40
    assert seen.count(RowGroup) == 2 and len(seen) > 2


def test_bad_zone_is_the_readers_input_error(tmp_path, synth_parquet):
    with pytest.raises(InputError) as err:
        score_file(synth_parquet, ScoreJob(RUBRIC, str(tmp_path)), read_opts={"tz": "Mars/Base"})
    assert err.value.problems[0].code == "bad_tz"


def test_duplicate_ids_across_row_groups_are_reported(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = write_synth_parquet(tmp_path / "in", n=20, per_row_group=10)
    table = pq.read_table(path)
    first = table.slice(
        0, pa.compute.sum(pa.compute.equal(table["conversation_id"], table["conversation_id"][0])).as_py()
    )
    dup = tmp_path / "dup.parquet"
    with pq.ParquetWriter(dup, table.schema) as writer:
        writer.write_table(table, row_group_size=len(table))
        writer.write_table(first)
    run = score_file(dup, ScoreJob(RUBRIC, str(tmp_path / "out")), workers=1)
    assert run.summary["conversations"] == 21
    assert [p.code for p in run.log.problems] == ["duplicate_id"]


def bad_jsonl(tmp_path: Path) -> Path:
    lines = (sample_data_dir() / "conversations.jsonl").read_text(encoding="utf-8").splitlines()[:30]
    lines[11] = '{"conversation_id": "X", "agent_id": "A1", "messages": ['  # truncated line 12
    lines[20] = json.dumps({"conversation_id": "Y", "agent_id": "A1", "messages": [{"role": "老板", "text": "hi"}]})
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_problems_keep_their_line_and_the_rest_is_scored(tmp_path):
    run = score_file(bad_jsonl(tmp_path), ScoreJob(RUBRIC, str(tmp_path / "out")), workers=2, chunk_size=8)
    assert run.summary["conversations"] == 28
    assert sorted((p.line, p.code) for p in run.log.problems) == [(12, "truncated_line"), (21, "unknown_role")]


def test_strict_keeps_no_parts(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(InputError):
        score_file(bad_jsonl(tmp_path), ScoreJob(RUBRIC, str(out)), chunk_size=8, read_opts={"strict": True})
    assert not (out / "results").exists() and not list(out.glob(".parts-*"))


def test_a_rerun_replaces_the_parts(tmp_path, small_jsonl):
    score_file(small_jsonl, ScoreJob(RUBRIC, str(tmp_path)), chunk_size=50)
    score_file(small_jsonl, ScoreJob(RUBRIC, str(tmp_path)), chunk_size=200)
    assert len(list((tmp_path / "scores").glob("part-*.parquet"))) == 2
    assert len(open_score_folder(tmp_path).scores()) == 400


def test_a_run_freezes_the_heap_while_it_scores_and_gives_it_back(tmp_path, small_jsonl, monkeypatch):
    """The heap a run starts with stays out of full garbage collections while it scores (as
    ``start_worker`` does in a pool worker), and is given back afterwards; a process that froze
    its own heap finds it as it left it."""
    import gc

    from qa_toolkit.engine import parts, runner

    frozen = []
    monkeypatch.setattr(
        runner, "score_task", lambda *a: (frozen.append(gc.get_freeze_count()), parts.score_task(*a))[1]
    )
    assert gc.get_freeze_count() == 0
    score_file(small_jsonl, ScoreJob(RUBRIC, str(tmp_path / "a")), chunk_size=200)
    assert len(frozen) == 2 and min(frozen) > 0 and gc.get_freeze_count() == 0
    gc.freeze()
    try:
        score_file(small_jsonl, ScoreJob(RUBRIC, str(tmp_path / "b")), chunk_size=200)
        assert gc.get_freeze_count() > 0  # not unfrozen by the run
    finally:
        gc.unfreeze()
    parts.start_worker(ScoreJob(RUBRIC, str(tmp_path / "c")))
    try:
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def run_cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_cli_workers_writes_parts_a_user_can_open(tmp_path, small_jsonl):
    out = tmp_path / "out"
    result = run_cli("score", small_jsonl, "-o", out, "--workers", "2", "--chunk-size", "150")
    assert result.exit_code == 0, result.output
    assert "of 400 conversations (8834 criterion results)" in result.output  # zh 339 × 23 + en 61 × 17
    scores = pd.read_parquet(out / "scores")  # a Parquet dataset folder, as pandas/Arrow/Dask read it
    assert len(scores) == 400 and scores["conversation_id"].is_unique
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert manifest["engine"]["workers"] == 2 and manifest["engine"]["parts"] == 3
    assert manifest["summary"]["results"] == 8834 and manifest["evidence_masked"] is True
    single = tmp_path / "single"
    assert run_cli("score", small_jsonl, "-o", single).exit_code == 0  # the classic outputs, unchanged
    assert json.loads((single / "run.json").read_text(encoding="utf-8"))["summary"] == manifest["summary"]
    assert (
        (single / "scores.csv").exists() and (single / "results.parquet").exists() and not (single / "scores").exists()
    )


def test_cli_parts_flag_and_scheduler_needs_dask(tmp_path, small_jsonl):
    data = small_jsonl
    result = run_cli("score", data, "-o", tmp_path / "a", "--parts")
    assert result.exit_code == 0 and (tmp_path / "a" / "results" / "part-00000.parquet").exists()
    result = CliRunner().invoke(main, ["score", str(data), "-o", str(tmp_path / "b"), "--scheduler", "tcp://x:8786"])
    assert result.exit_code == 2 and "--scheduler needs --engine dask" in result.output
    result = CliRunner().invoke(main, ["score", str(data), "-o", str(tmp_path / "c"), "--parts", "--scheduler", "x"])
    assert result.exit_code == 2 and "--scheduler needs --engine dask" in result.output
    assert not (tmp_path / "c").exists()


def test_benchmark_reference_loop_and_byte_ranges(tmp_path):
    """The benchmark's naive loop covers every phrase/regex criterion of the shipped rubric, and
    its N-process parse ceiling splits the file on line boundaries without losing a line."""
    bench = load_script("bench_score", BENCH / "bench_score.py")
    rubric, _ = load_rubric(RUBRIC)
    ids = {cid for cid, _, _ in bench.naive_criteria(rubric)}
    assert {"greeting", "taboo", "solution", "apology", "apology:trigger", "abuse", "diversion"} <= ids
    assert not ids & {"pii", "first_response", "csat", "empathy"}
    data = sample_data_dir() / "conversations.jsonl"
    spans = bench.byte_ranges(data, 3)
    assert spans[0][1] == 0 and spans[-1][2] == data.stat().st_size
    assert sum(bench.parse_range(s)[0] for s in spans) == 3000
    records = list(bench._distinct_texts(iter_records(30, 3, "2026-09-07", 1, 4)))  # the worst-case variant
    texts = [m["text"] for r in records for m in r["messages"]]
    assert len(set(texts)) == len(texts) and not any(t.rsplit(" ", 1)[-1].isdigit() for t in texts)


@pytest.mark.parametrize("text", ["a\nbb\n\nccc\r\nd", "a\nbb\n\nccc\r\nd\n", "\n\n\n", "one"])
@pytest.mark.parametrize("per", [1, 2, 3, 10])
def test_line_ranges_cover_the_file_at_line_ends(tmp_path, text, per):
    from qa_toolkit.io.jsonl import line_ranges

    path = tmp_path / "x.jsonl"
    path.write_bytes(text.encode())
    data = path.read_bytes()
    spans = list(line_ranges(path, per, block=3))  # tiny blocks: cuts fall inside and across blocks
    assert spans[0].start == 0 and spans[-1].end == len(data)
    assert all(a.end == b.start for a, b in zip(spans, spans[1:]))
    lines = data.splitlines(keepends=True)
    assert [data[s.start : s.end] for s in spans] == [b"".join(lines[i : i + per]) for i in range(0, len(lines), per)]
    assert [s.first_line for s in spans] == list(range(1, len(lines) + 1, per))


def test_duplicate_ids_across_jsonl_ranges_are_reported_and_scored(tmp_path, small_jsonl):
    lines = small_jsonl.read_text(encoding="utf-8").splitlines(keepends=True)
    dup = tmp_path / "dup.jsonl"
    dup.write_text("".join(lines[:30] + lines[:1]), encoding="utf-8-sig")  # with a BOM, the first copy in range 1
    run = score_file(dup, ScoreJob(RUBRIC, str(tmp_path / "out")), workers=2, chunk_size=10)
    assert run.parts == 4 and run.summary["conversations"] == 31
    assert [p.code for p in run.log.problems] == ["duplicate_id"]


def test_blank_jsonl_is_the_readers_empty_file_error(tmp_path):
    path = tmp_path / "blank.jsonl"
    path.write_text("\n  \n\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        score_file(path, ScoreJob(RUBRIC, str(tmp_path / "out")), workers=2, chunk_size=1)
    assert err.value.problems[0].code == "empty_file"
    assert not (tmp_path / "out" / "results").exists()


def test_a_jsonl_file_found_not_utf8_is_scored_again_through_the_reader(tmp_path, small_jsonl):
    from qa_toolkit.engine import runner

    path = tmp_path / "gbk.jsonl"
    path.write_bytes(small_jsonl.read_text(encoding="utf-8").encode("gb18030"))
    assert runner.jsonl_tasks(path, {}, 100) is not None  # the encoding is checked while the workers run
    run = score_file(path, ScoreJob(RUBRIC, str(tmp_path / "out")), workers=2, chunk_size=150)
    assert run.summary["conversations"] == 400 and not run.log.problems
    assert run.parts == 3 and len(list((tmp_path / "out" / "results").glob("part-*.parquet"))) == 3
    utf16 = tmp_path / "utf16.jsonl"
    utf16.write_bytes(small_jsonl.read_text(encoding="utf-8").encode("utf-16"))
    assert runner.jsonl_tasks(utf16, {}, 100) is None
    assert runner.jsonl_tasks(small_jsonl, {"encoding": "gb18030"}, 100) is None


def test_a_split_conversation_is_found_even_when_the_reader_drops_its_first_part(tmp_path):
    """The row-group check compares the id column as written: B's rows in row group 0 are
    dropped (a bad seq), yet B runs across row groups 0 and 1, so the file goes through the
    reader, which drops all of B, instead of B being scored from its rows in row group 1."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [
        ("A", "1", "customer", "在吗"),
        ("A", "2", "agent", "您好"),
        ("B", "1", "customer", "在吗"),
        ("B", "x", "agent", "您好"),
        ("B", "3", "customer", "谢谢"),
        ("B", "4", "agent", "不客气"),
        ("C", "1", "customer", "hello"),
    ]
    table = pa.table({name: [r[i] for r in rows] for i, name in enumerate(["conversation_id", "seq", "role", "text"])})
    table = table.append_column("channel", pa.array(["chat"] * len(rows))).append_column(
        "agent_id", pa.array(["a1"] * len(rows))
    )
    path = tmp_path / "split.parquet"
    pq.write_table(table, path, row_group_size=4)
    expected = reference(path)
    assert "B" not in set(expected[1]["conversation_id"])
    run = score_file(path, ScoreJob(RUBRIC, str(tmp_path / "out"), mask=False))
    assert_same(tmp_path / "out", expected)
    assert run.summary["conversations"] == len(expected[1])
