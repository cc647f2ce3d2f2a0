"""A run's output folder, together or not at all: staged in a hidden folder and swapped in,
the previous run's entries gone, the user's own files kept, leftovers of killed runs removed,
a second run into the same folder refused while the first holds its lock — and free again
when the first is killed."""

import os
import signal
import subprocess
import sys

import pytest

from qa_toolkit import atomic
from qa_toolkit.atomic import folder_lock, staged_folder, write_text
from qa_toolkit.problems import InputError

OWNED = ("report.xlsx", "index.html", "agents")


def old_run(target):
    write_text(target / "index.html", "old")
    write_text(target / "report.xlsx", "old")
    write_text(target / "agents" / "A1.html", "old")
    write_text(target / "agents" / "A2.html", "old")
    write_text(target / "mine.txt", "the user's")


def tree(folder):
    return {p.relative_to(folder).as_posix(): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_run_replaces_every_entry_of_the_last_and_keeps_the_users_files(tmp_path):
    target = tmp_path / "out"
    old_run(target)
    with staged_folder(target, OWNED) as stage:
        assert stage.parent == target and stage.name.startswith(".qa-staging-")
        assert (target / ".qa-lock").is_file()
        write_text(stage / "index.html", "new")
        write_text(stage / "agents" / "A1.html", "new")
    assert tree(target) == {"index.html": "new", "agents/A1.html": "new", "mine.txt": "the user's"}
    assert sorted(p.name for p in target.iterdir()) == ["agents", "index.html", "mine.txt"]  # no staging, no lock


def test_a_failed_run_leaves_the_folder_as_it_was(tmp_path):
    target = tmp_path / "out"
    old_run(target)
    before = tree(target)
    with pytest.raises(RuntimeError):
        with staged_folder(target, OWNED) as stage:
            write_text(stage / "index.html", "new")
            raise RuntimeError("killed")
    assert tree(target) == before
    assert sorted(p.name for p in target.iterdir()) == ["agents", "index.html", "mine.txt", "report.xlsx"]


def test_a_first_failed_run_creates_no_folder(tmp_path):
    with pytest.raises(RuntimeError):
        with staged_folder(tmp_path / "new" / "out", OWNED):
            raise RuntimeError("bad input")
    assert list((tmp_path / "new").iterdir()) == []


def test_a_swap_cut_short_leaves_no_certificate(tmp_path, monkeypatch):
    """The run's certificate leaves first and comes back last: a folder stopped half-way
    through the swap has none, so readers refuse it rather than mix two runs."""
    target = tmp_path / "out"
    write_text(target / "a", "old")
    write_text(target / "run.json", "old")
    moves = []

    def replace_then_die(src, dst):
        moves.append(os.path.basename(dst))
        if len(moves) == 3:  # run.json out, a out, then the new a in: killed
            raise KeyboardInterrupt
        os.rename(src, dst)

    monkeypatch.setattr(atomic.os, "replace", replace_then_die)
    with pytest.raises(KeyboardInterrupt):
        with staged_folder(target, ("a", "run.json"), last="run.json") as stage:
            (stage / "a").write_text("new")
            (stage / "run.json").write_text("new")
    assert moves == ["run.json", "a", "a"] and not (target / "run.json").exists()


def test_leftovers_of_killed_runs_are_removed_by_the_next(tmp_path):
    target = tmp_path / "out"
    old_run(target)
    (target / ".qa-staging-abc123" / "agents").mkdir(parents=True)
    (target / ".index.html.x7f2k.tmp").write_text("half")
    (target / ".mine.txt.x7f2k.tmp").write_text("not ours: kept")
    with staged_folder(target, OWNED) as stage:
        write_text(stage / "index.html", "new")
    assert sorted(p.name for p in target.iterdir()) == [".mine.txt.x7f2k.tmp", "index.html", "mine.txt"]


def test_a_second_run_is_refused_while_the_first_holds_the_lock(tmp_path):
    target = tmp_path / "out"
    with staged_folder(target, OWNED):
        with pytest.raises(InputError, match=rf"another run \(process {os.getpid()}\) is writing") as err:
            with staged_folder(target, OWNED):
                pass
        assert err.value.problems[0].code == "folder_busy"
    with staged_folder(target, OWNED):  # released
        pass


HOLD_AND_FORK = """
import os, time
from qa_toolkit.atomic import folder_lock
with folder_lock({target!r}):
    worker = os.fork()
    if worker == 0:  # a pool worker, busy, that outlives its killed run
        print(os.getpid(), flush=True)  # said once its fork handler has run (the lock closed here)
        time.sleep(60)
        os._exit(0)
    time.sleep(60)
"""


def test_the_lock_of_a_killed_run_is_free_though_its_workers_live_on(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    run = subprocess.Popen(
        [sys.executable, "-c", HOLD_AND_FORK.format(target=str(target))], stdout=subprocess.PIPE, text=True
    )
    worker = int(run.stdout.readline())
    try:
        with pytest.raises(InputError, match=f"process {run.pid}"):
            with folder_lock(target):
                pass
        run.send_signal(signal.SIGKILL)
        run.wait()
        os.kill(worker, 0)  # still alive
        assert (target / ".qa-lock").exists()  # left by the killed run, but not held
        with folder_lock(target):
            pass
        assert not (target / ".qa-lock").exists()
    finally:
        run.kill()
        os.kill(worker, signal.SIGKILL)


def test_a_file_where_the_folder_should_be_is_an_input_error(tmp_path):
    (tmp_path / "out").write_text("x")
    with pytest.raises(InputError, match="not a folder"):
        with staged_folder(tmp_path / "out", OWNED):
            pass
