"""Results kept as codes (``scoring.Evaluated``/``Scored``): the RESULTS frame, the points, the
SCORES frame and the summary partial equal what the frame-based code (frozen copies below)
gave, and an engine part file written straight from the codes reads back, with pandas and
through the score folder, as exactly the RESULTS frame of the chunk — on chunks with missing texts,
conversations without messages, Chinese and English text, full-width digits, several rubrics
and none at all."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from spec_results_rows import coded, result_rows
from spec_results_rows import points as spec_points

from qa_toolkit.engine import score_chunks
from qa_toolkit.frames import OUTCOMES, RESULTS
from qa_toolkit.io import read_conversations
from qa_toolkit.resources import default_rubrics, sample_conversations
from qa_toolkit.rubric import load_rubric
from qa_toolkit.rubric.checks._base import CODE, Chunk, CodedStrings, Outcomes
from qa_toolkit.scorefolder import open_score_folder, write_results
from qa_toolkit.scoring import Scored, aggregate_scores, bonus_ids, frame_partial, results_frame, score_chunk
from qa_toolkit.scoring import chunk_partial as partial
from qa_toolkit.scoring.points import earned_points as _points
from qa_toolkit.scoring.results import _compact, _labels, results_table

ZH, EN = (load_rubric(p)[0] for p in default_rubrics())


# --- chunks that reach the edge cases ---------------------------------------------------------


@pytest.fixture(scope="module")
def sample():
    ds = read_conversations(sample_conversations())
    keep = ds.conversations["conversation_id"].iloc[:240]
    return ds.conversations.iloc[:240].reset_index(drop=True), ds.messages[
        ds.messages["conversation_id"].isin(keep)
    ].reset_index(drop=True)


def variants(conv: pd.DataFrame, msgs: pd.DataFrame) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """The sample chunk as read, with missing texts and full-width phone numbers, with
    conversations that lost their messages, and empty."""
    edited = msgs.copy()
    text = edited["text"].copy()
    text.iloc[::7] = pd.NA
    text.iloc[3::11] = "我的手机是１３８００１３８０００，email me at li.lei@example.com"
    edited["text"] = text
    silent = conv["conversation_id"].iloc[::9]
    return {
        "as read": (conv, msgs),
        "missing and full-width texts": (conv, edited),
        "conversations without messages": (conv, edited[~edited["conversation_id"].isin(silent)]),
        "empty": (conv.iloc[:0], msgs.iloc[:0]),
    }


CASES = [
    (name, rubrics, mask)
    for name in ("as read", "missing and full-width texts", "conversations without messages", "empty")
    for rubrics in ([ZH], [EN], [ZH, EN])
    for mask in (False, True)
]


@pytest.fixture(scope="module")
def scored_case(sample):
    """``score_chunk`` of a case's chunk, each case scored once for the tests that only read it:
    (name, rubrics, mask) -> (conversations, messages, Scored)."""
    chunks = variants(*sample)
    done: dict[tuple, tuple[pd.DataFrame, pd.DataFrame, Scored]] = {}

    def case(name: str, rubrics: list, mask: bool = False) -> tuple[pd.DataFrame, pd.DataFrame, Scored]:
        key = (name, tuple(id(r) for r in rubrics), mask)
        if key not in done:
            conv, msgs = chunks[name]
            done[key] = (conv, msgs, score_chunk(conv, msgs, rubrics, mask=mask))
        return done[key]

    return case


@pytest.mark.parametrize("name,rubrics,mask", CASES)
def test_results_frame_holds_the_specified_rows(scored_case, name, rubrics, mask):
    _, _, scored = scored_case(name, rubrics, mask)
    for mine, ev in scored.parts:
        frame = results_frame(Scored([(mine, ev)], ev.scores()))
        pd.testing.assert_frame_equal(frame, result_rows(ev.frames, ev.rubric, ev.outcomes, mask))
        pd.testing.assert_frame_equal(
            ev.scores(), aggregate_scores(frame, ev.frames.conversations, ev.rubric), check_exact=True
        )


@pytest.mark.parametrize("name,rubrics,mask", CASES)
def test_part_file_reads_back_as_the_results_frame(scored_case, tmp_path, name, rubrics, mask):
    conv, msgs, scored = scored_case(name, rubrics, mask)
    expected = score_chunks(conv, msgs, rubrics, mask=mask)[0]
    pd.testing.assert_frame_equal(results_frame(scored), expected, check_exact=True)
    part = write_results(results_table(scored), tmp_path / "results" / "part-00000.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(part), expected, check_exact=True)
    assert list(expected.dtypes.astype(str)) == [RESULTS[c] for c in RESULTS]


@pytest.mark.parametrize("name,rubrics", [(n, r) for n, r, m in CASES if not m])
def test_partial_from_codes_equals_the_partial_from_frames(scored_case, name, rubrics):
    _, _, scored = scored_case(name, rubrics)
    got, want = partial(scored, rubrics), frame_partial(results_frame(scored), scored.scores, rubrics)
    np.testing.assert_array_equal(got.pop("totals"), want.pop("totals"))
    assert got == want


def test_partial_counts_rubric_scope_and_bonus_items(scored_case):
    _, _, scored = scored_case("as read", [ZH, EN])
    got = partial(scored, [ZH, EN])
    assert got["outside_scope"] == frame_partial(results_frame(scored), scored.scores, [ZH, EN])["outside_scope"]
    assert sum(got["outcomes"].values()) == got["results"] == len(results_frame(scored))
    assert not set(got["fails"]) & bonus_ids([ZH, EN])


def test_points_per_criterion_follow_the_kind_rule():
    rng = np.random.default_rng(5)
    kinds = np.array(["standard", "bonus", "deduction", "standard"], dtype=object)
    p = np.array([10.0, 2.5, 3.0, 0.0])
    outcome = rng.integers(0, len(OUTCOMES), size=(50, 4))
    passed, failed = outcome == CODE["pass"], outcome == CODE["fail"]
    earned, at_stake = _points(kinds, p, passed, failed)
    for row in range(50):
        for j in range(4):
            want = spec_points(kinds[j], p[j], OUTCOMES[outcome[row, j]])
            assert (earned[row, j], at_stake[row, j]) == want


@pytest.mark.parametrize(
    "codes,values",
    [
        ([0, 1, 1, -1, 3], ["好", None, "b", "unused", "d"]),
        ([-1, -1], []),
        ([], ["a"]),
        ([2, 2, 0], ["x", "y", "x"]),  # repeated value, unused entry
    ],
)
def test_dictionary_column_equals_take(codes, values):
    codes, values = np.array(codes, dtype=np.int64), pd.array(values, dtype="string")
    got = _compact(codes.copy(), pa.array(values, type=pa.large_string()))
    assert got.to_pylist() == [None if pd.isna(v) else v for v in values.take(codes, allow_fill=True)]
    assert got.dictionary.null_count == 0 and len(got.dictionary) == len(set(got.to_pylist()) - {None})


def test_part_file_is_plain_strings_with_statistics_on_ids(scored_case, tmp_path):
    _, _, scored = scored_case("as read", [ZH])
    part = write_results(results_table(scored), tmp_path / "part.parquet")
    schema = pq.read_schema(part)
    assert schema.field("conversation_id").type == pa.string() and schema.field("evidence_seq").type == pa.int64()
    meta = pq.ParquetFile(part).metadata.row_group(0)
    stats = {meta.column(i).path_in_schema: meta.column(i).statistics for i in range(meta.num_columns)}
    ids = scored.scores["conversation_id"]
    assert (stats["conversation_id"].min, stats["conversation_id"].max) == (ids.min(), ids.max())
    assert stats["evidence_text"] is None or not stats["evidence_text"].has_min_max
    encodings = {meta.column(i).path_in_schema: meta.column(i).encodings for i in range(meta.num_columns)}
    for column in ("conversation_id", "section_id", "evidence_text", "evidence_match", "note"):
        assert "RLE_DICTIONARY" in encodings[column]  # no repeated dictionary value made Parquet fall back
    assert not list(tmp_path.glob(".*.tmp"))  # written atomically


def test_outcomes_labels_stacked_are_the_strings():
    frames = Chunk(
        pd.DataFrame({"conversation_id": pd.array(["a", "b", "c"], dtype="string")}),
        pd.DataFrame(
            {
                "conversation_id": pd.array([], dtype="string"),
                "seq": pd.array([], dtype="Int64"),
                "text": pd.array([], dtype="string"),
            }
        ),
    )
    first, second = Outcomes(frames, "pass", "好"), Outcomes(frames, "fail")
    second.set(np.array([True, False, True]), note=np.array(["x", None, "y"], dtype=object)[[0, 2]])
    codes, values = CodedStrings.stacked([first.note, second.note])
    assert list(values.take(codes)) == ["好", "x", "好", "", "好", "y"]
    second.set(np.array([False, True, False]), note=None)
    assert _labels([first.note, second.note, first.note]).to_pylist() == [
        coded(note, i) for i in range(3) for note in (first.note, second.note, first.note)
    ]


@pytest.mark.parametrize("seed", range(20))
def test_labels_hold_each_value_they_were_given(seed):
    """Values repeated, given again, missing, as plain arrays and as ``Coded`` (whose values may
    repeat, e.g. two numbers worded alike): every entry reads back as what was assigned last."""
    from qa_toolkit.rubric.checks._base import Coded

    rng = np.random.default_rng(seed)
    n, words = 30, ["好", "x", "1.0 s", None, "y"]
    labels, want = CodedStrings(n, "start"), ["start"] * n
    for _ in range(6):
        where = np.flatnonzero(rng.random(n) < 0.5)
        given = [words[i] for i in rng.integers(0, len(words), len(where))]
        kind = rng.integers(0, 3)
        if kind == 0 and len(where):
            value = given[0]
            given = [value] * len(where)
        elif kind == 1:
            value = np.array(given, dtype=object)
        else:
            values = list(dict.fromkeys(given)) + [given[0]] if given else []  # a repeated value among the values
            value = Coded(np.array([values.index(g) for g in given], dtype=np.int64), values)
        labels.assign(where, value)
        for i, g in zip(where, given):
            want[i] = g
    assert [labels.values[c] for c in labels.codes] == want
    assert len(set(labels.values)) == len(labels.values)  # each value stored once


@pytest.mark.parametrize("rows", [[], [0], [0, 1, 2, 5, 6, 9], [5, 6, 0, 1, 9, 2], [9, 6, 5, 2, 1, 0]])
def test_first_per_conversation_is_each_conversations_first_position(rows):
    conversations = pd.DataFrame({"conversation_id": pd.array(["a", "b", "c", "d"], dtype="string")})
    messages = pd.DataFrame(
        {
            "conversation_id": pd.array(list("aaabbbccdd"), dtype="string"),
            "seq": pd.array([1, 2, 3, 1, 2, 3, 1, 2, 1, 2], dtype="Int64"),
            "text": pd.array(["t"] * 10, dtype="string"),
        }
    )
    frames, rows = Chunk(conversations, messages), np.array(rows, dtype=np.int64)
    seen, want = set(), []
    for position, row in enumerate(rows):
        if frames.conv_of[row] not in seen:
            seen.add(frames.conv_of[row])
            want.append((frames.conv_of[row], position))
    assert frames.first_per_conversation(rows).tolist() == [p for _, p in sorted(want)]


def test_part_folder_read_by_pandas_equals_scoring_in_process(tmp_path):
    """``qa score``'s part folder with two rubrics and masked evidence, read the way the README
    tells users (the part folder with pandas, or ``open_score_folder``)."""
    from qa_toolkit.engine import ScoreJob, score_chunks, score_file

    data = tmp_path / "in.jsonl"
    lines = sample_conversations().read_text(encoding="utf-8").splitlines(keepends=True)
    data.write_text("".join(lines[:240]), encoding="utf-8")
    paths = tuple(str(p) for p in default_rubrics())
    run = score_file(data, ScoreJob(paths, str(tmp_path / "out"), mask=True), chunk_size=100)
    assert run.parts == 3
    ds = read_conversations(data)
    expected = score_chunks(ds.conversations, ds.messages, [ZH, EN], chunk_size=100, mask=True)[0]
    pd.testing.assert_frame_equal(open_score_folder(tmp_path / "out").results(), expected, check_exact=True)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "out" / "results"), expected, check_exact=True)
