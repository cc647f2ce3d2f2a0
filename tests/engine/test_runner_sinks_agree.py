"""The one runner writes the same rows through either sink and with any number of workers, and
its merged summary equals the summary of the whole frames, pending criticals included."""

import pandas as pd
import pytest

from qa_toolkit.engine import FrameSink, ScoreJob, Scorer, score_chunks, score_dataset, score_file
from qa_toolkit.frames import Dataset
from qa_toolkit.io import read_conversations
from qa_toolkit.resources import sample_conversations
from qa_toolkit.rubric import require_rubrics
from qa_toolkit.scorefolder import open_score_folder
from qa_toolkit.scoring import format_summary, summarise


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "c.jsonl"
    lines = sample_conversations().read_text(encoding="utf-8").splitlines()[:90]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rubrics, paths = require_rubrics(())
    return path, read_conversations(path), rubrics, tuple(str(p) for p in paths)


def test_frame_sink_in_chunks_equals_one_chunk_and_the_summary_of_the_frames(small):
    _, ds, rubrics, _ = small
    whole = score_chunks(ds.conversations, ds.messages, rubrics, chunk_size=10_000, mask=True)
    sink = FrameSink()
    run = score_dataset(ds, Scorer(rubrics, None, True), sink, chunk_size=7)
    pd.testing.assert_frame_equal(sink.results, whole[0], check_exact=True)
    pd.testing.assert_frame_equal(sink.scores, whole[1], check_exact=True)
    assert run.parts == 13
    assert run.summary == summarise(*whole, rubrics)
    pending = int(whole[1]["critical_pending"].ne("").sum())
    assert run.summary["critical_pending"] == pending > 0  # the shipped rubrics confirm criticals
    assert f"waiting for confirmation: {pending}" in format_summary(run.summary)


@pytest.mark.slow
def test_two_workers_and_the_part_sink_give_the_frames_of_one_process(small, tmp_path):
    path, ds, rubrics, paths = small
    one = FrameSink()
    score_dataset(ds, Scorer(rubrics, None, True), one, chunk_size=20)
    two = FrameSink()
    score_dataset(ds, Scorer(rubrics, None, True), two, workers=2, chunk_size=20)  # the scorer travels with each task
    pd.testing.assert_frame_equal(two.results, one.results, check_exact=True)
    pd.testing.assert_frame_equal(two.scores, one.scores, check_exact=True)
    run = score_file(path, ScoreJob(paths, str(tmp_path / "parts")), workers=2, chunk_size=20)
    folder = open_score_folder(tmp_path / "parts")
    assert folder.info["summary"] == run.summary and run.parts == 5
    pd.testing.assert_frame_equal(folder.results(), one.results, check_exact=True)
    pd.testing.assert_frame_equal(folder.scores(), one.scores, check_exact=True)


def test_no_conversations_give_typed_empty_frames(small):
    _, ds, rubrics, _ = small
    empty = Dataset(ds.conversations.iloc[:0], ds.messages.iloc[:0])
    sink = FrameSink()
    run = score_dataset(empty, Scorer(rubrics), sink)
    assert len(sink.results) == len(sink.scores) == 0 and run.summary["conversations"] == 0
    assert list(sink.scores.columns[:4]) == ["conversation_id", "agent_id", "channel", "started_at"]
