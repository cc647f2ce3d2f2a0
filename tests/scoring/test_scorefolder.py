"""Score folders: both layouts written through one module and read back alike by every
consumer (`qa report --scores`, `qa sample --scores`, the library); a folder holds one run's
files or is refused; scores of other data are refused unless allowed; a failed or concurrent
run never spoils the folder."""

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from qa_toolkit.atomic import folder_lock
from qa_toolkit.cli import main
from qa_toolkit.problems import InputError
from qa_toolkit.resources import sample_data_dir
from qa_toolkit.scorefolder import open_score_folder, read_score_dir

DATA = sample_data_dir() / "conversations.jsonl"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def first_lines(path: Path, n: int, source: Path = DATA) -> Path:
    lines = source.read_text(encoding="utf-8").splitlines()[:n]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    return first_lines(tmp_path_factory.mktemp("data") / "c.jsonl", 150)


@pytest.fixture(scope="module")
def scored(tmp_path_factory, small) -> Callable[..., Path]:
    """A copy at ``dest`` of `qa score` on ``small``, run once per layout ("single" files, or
    "parts" of 100 conversations) for the tests that take a finished score folder apart."""
    made: dict[str, Path] = {}

    def copy(dest: Path, layout: str = "single") -> Path:
        if layout not in made:
            made[layout] = tmp_path_factory.mktemp(layout) / "out"
            extra = ("--parts", "--chunk-size", "100") if layout == "parts" else ()
            assert run("score", small, "-o", made[layout], *extra).exit_code == 0
        return Path(shutil.copytree(made[layout], dest))

    return copy


@pytest.mark.slow
def test_workers_then_report_then_sample_round_trip_on_the_sample_data(tmp_path):
    """The parts layout (--workers 2) is read by `qa report --scores` and `qa sample --scores`
    exactly as the single-file layout is."""
    parts, single = tmp_path / "parts", tmp_path / "single"
    assert run("score", DATA, "-o", parts, "--workers", "2", "--chunk-size", "1000").exit_code == 0
    assert run("score", DATA, "-o", single).exit_code == 0
    assert (parts / "results").is_dir() and not (parts / "results.csv").exists()

    report = run(
        "report",
        "--scores",
        parts,
        "--data",
        DATA,
        "--roster",
        sample_data_dir() / "roster.csv",
        "-o",
        tmp_path / "report",
        "--format",
        "html",
    )
    assert report.exit_code == 0, report.output
    pages = sorted(p.name for p in (tmp_path / "report" / "agents").iterdir())
    assert len(pages) == pd.read_parquet(parts / "scores")["agent_id"].nunique() == 30

    manifests = []
    for folder in (parts, single):
        out = tmp_path / f"batch-{folder.name}"
        result = run("sample", DATA, "--scores", folder, "--strata", "critical:2", "--seed", "3", "-o", out)
        assert result.exit_code == 0, result.output
        manifests.append((out / "manifest.csv").read_bytes())
    assert manifests[0] == manifests[1]
    assert b",pending_critical," in manifests[0]  # the shipped rubrics confirm criticals: pending ones are drawn


def test_both_layouts_read_back_as_the_same_frames(tmp_path, small):
    assert run("score", small, "-o", tmp_path / "single").exit_code == 0
    assert run("score", small, "-o", tmp_path / "parts", "--parts", "--chunk-size", "40").exit_code == 0
    single, parts = open_score_folder(tmp_path / "single"), open_score_folder(tmp_path / "parts")
    assert len(parts.files) == 2 * 4  # 150 conversations in chunks of 40
    pd.testing.assert_frame_equal(parts.results(), single.results(), check_exact=True)
    pd.testing.assert_frame_equal(parts.scores(), single.scores(), check_exact=True)
    assert {k: v for k, v in parts.info.items() if k not in ("files", "engine")} == {
        k: v for k, v in single.info.items() if k != "files"
    }


def test_a_file_of_the_folder_stands_for_the_folder(tmp_path, scored):
    scored(tmp_path / "out")
    assert open_score_folder(tmp_path / "out" / "scores.csv").path == tmp_path / "out"


def test_run_json_lists_every_file_of_the_run_with_its_size(tmp_path, small):
    run("score", small, "-o", tmp_path / "out", "--workers", "2", "--chunk-size", "100")
    files = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))["files"]
    assert files == {
        f"{name}/part-0000{i}.parquet": (tmp_path / "out" / name / f"part-0000{i}.parquet").stat().st_size
        for name in ("results", "scores")
        for i in (0, 1)
    }


@pytest.mark.parametrize("first, second", [((), ("--parts",)), (("--parts",), ())])
def test_a_run_in_the_other_layout_leaves_nothing_of_the_last(tmp_path, small, first, second):
    out = tmp_path / "out"
    assert run("score", small, "-o", out, *first).exit_code == 0
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    assert run("score", small, "-o", out, *second).exit_code == 0
    layout = (
        {"results", "scores", "run.json"}
        if second
        else {"results.csv", "results.parquet", "scores.csv", "scores.parquet", "run.json"}
    )
    assert {p.name for p in out.iterdir()} == layout | {"notes.txt"}  # the user's own file stays
    assert len(open_score_folder(out).scores()) == 150


def test_a_folder_holding_files_of_another_run_is_refused(tmp_path, small, scored):
    out, other = scored(tmp_path / "out"), tmp_path / "other"
    run("score", first_lines(tmp_path / "d.jsonl", 20), "-o", other)
    shutil.copy(other / "scores.csv", out / "scores.csv")  # e.g. a run killed before staging existed
    with pytest.raises(InputError, match="bytes where run.json says") as err:
        open_score_folder(out)
    assert err.value.problems[0].code == "mixed_runs" and err.value.problems[0].file == str(out / "scores.csv")
    result = run("report", "--scores", out, "--data", small, "-o", tmp_path / "rep")
    assert result.exit_code == 2 and "scores.csv" in result.output


def test_a_part_file_not_listed_or_missing_is_refused(tmp_path, scored):
    out = scored(tmp_path / "out", "parts")
    shutil.copy(out / "scores" / "part-00001.parquet", out / "scores" / "part-00002.parquet")
    with pytest.raises(InputError, match="not a file of the run"):
        open_score_folder(out)
    (out / "scores" / "part-00002.parquet").unlink()
    (out / "results" / "part-00000.parquet").unlink()
    with pytest.raises(InputError, match="listed in run.json but missing") as err:
        read_score_dir(out)
    assert err.value.problems[0].code == "incomplete_scores"


def test_a_folder_without_run_json_is_refused(tmp_path, small, scored):
    scored(tmp_path / "out")
    (tmp_path / "out" / "run.json").unlink()
    result = run("sample", small, "--scores", tmp_path / "out", "--strata", "critical", "-o", tmp_path / "b")
    assert result.exit_code == 2 and "no run.json here" in result.output


@pytest.mark.parametrize(
    "text, message",
    [
        ("[]", "not a run.json of `qa score`"),
        ("{", "cannot read run.json"),
        ('{"files": {"results.csv": "12"}}', "not a run.json of `qa score`"),
        ("\udcff", "cannot read run.json"),
    ],
)
def test_a_damaged_run_json_is_a_located_input_error(tmp_path, small, scored, text, message):
    scored(tmp_path / "out")
    (tmp_path / "out" / "run.json").write_bytes(text.encode("utf-8", "surrogateescape"))
    result = run("report", "--scores", tmp_path / "out", "--data", small, "-o", tmp_path / "rep")
    assert result.exit_code == 2 and f"{tmp_path / 'out' / 'run.json'}: error: {message}" in result.output


def test_a_run_json_without_a_file_list_is_read_when_it_holds_one_layout(tmp_path, scored):
    """Folders written before run.json listed its files still read, unless two layouts mix."""
    out = scored(tmp_path / "out")
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    del info["files"]
    (out / "run.json").write_text(json.dumps(info), encoding="utf-8")
    assert len(open_score_folder(out).results()) == len(pd.read_parquet(out / "results.parquet"))
    shutil.copytree(scored(tmp_path / "parts", "parts") / "results", out / "results")
    with pytest.raises(InputError, match="outputs of two runs"):
        open_score_folder(out)


def test_scores_of_other_data_are_refused_unless_allowed(tmp_path, small, scored):
    out, other = scored(tmp_path / "out", "parts"), first_lines(tmp_path / "other.jsonl", 100)
    for command in (
        ["report", "--scores", out, "--data", other, "-o", tmp_path / "rep"],
        ["sample", other, "--scores", out, "--strata", "critical", "-o", tmp_path / "batch"],
    ):
        refused = run(*command)
        assert refused.exit_code == 2
        assert "input_mismatch" in refused.output and str(small) in refused.output and str(other) in refused.output
        assert "--allow-mismatch" in refused.output
        allowed = run(*command, "--allow-mismatch")
        assert allowed.exit_code == 0, allowed.output
        assert "warning" in allowed.output


def test_the_same_export_elsewhere_is_accepted(tmp_path, small, scored):
    out = scored(tmp_path / "out")
    copy = shutil.copy(small, tmp_path / "copy.jsonl")  # the fingerprint is of the bytes, not the name
    assert open_score_folder(out).input_mismatch(copy) is None
    assert open_score_folder(out).input_mismatch(first_lines(tmp_path / "x.jsonl", 10)).code == "input_mismatch"


def test_a_failed_run_leaves_the_previous_scores_as_they_were(tmp_path, small, scored):
    out = scored(tmp_path / "out")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    bad = tmp_path / "bad.jsonl"
    bad.write_text(small.read_text(encoding="utf-8") + "{not json\n", encoding="utf-8")
    for extra in ((), ("--workers", "2")):
        assert run("score", bad, "-o", out, "--strict", *extra).exit_code == 2
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in out.iterdir()) == sorted(before)  # no staging folder, no lock left


def test_a_second_run_into_a_folder_being_written_is_refused(tmp_path, small):
    out = tmp_path / "out"
    out.mkdir()
    with folder_lock(out):
        result = run("score", small, "-o", out, "--workers", "2")
    assert result.exit_code == 2
    assert "another run (process" in result.output and "is writing this folder" in result.output
    assert list(out.iterdir()) == []  # nothing written
    assert run("score", small, "-o", out).exit_code == 0
