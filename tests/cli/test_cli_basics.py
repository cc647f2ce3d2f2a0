"""The root command: help lists every group without importing heavy modules; version; exit codes."""

import gc
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from qa_toolkit import __version__
from qa_toolkit.cli import SECTIONS, main


def test_help_lists_every_command_under_its_section_in_the_order_of_the_work():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    for title, commands in SECTIONS.items():
        start = lines.index(f"{title}:")
        listed = [line.split()[0] for line in lines[start + 1 : start + 1 + len(commands)]]
        assert listed == list(commands)


def test_version():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_unknown_command_is_a_usage_error():
    result = CliRunner().invoke(main, ["no-such-command"])
    assert result.exit_code == 2


def test_every_lazy_command_imports():
    with main.make_context("qa", ["--help"], resilient_parsing=True) as ctx:
        for name in main.lazy:
            assert main.get_command(ctx, name) is not None, name


def test_what_a_lazy_import_made_is_frozen_out_of_collections_until_the_command_ends():
    if gc.get_freeze_count():
        pytest.skip("this process froze its heap already")
    was_enabled = gc.isenabled()
    with main.make_context("qa", ["--help"], resilient_parsing=True) as ctx:
        main.get_command(ctx, "report")
        assert gc.get_freeze_count() > 0
        assert gc.isenabled() == was_enabled
    assert gc.get_freeze_count() == 0


def test_help_does_not_import_pandas():
    code = (
        "import sys; from qa_toolkit.cli import main; sys.argv=['qa','--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\nprint('pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("False")


def test_python_dash_m():
    out = subprocess.run([sys.executable, "-m", "qa_toolkit", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and __version__ in out.stdout


def test_unwritable_output_is_a_message_not_a_traceback(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    from qa_toolkit.resources import default_rubric

    result = CliRunner().invoke(main, ["rubric", "doc", str(default_rubric()), "-o", str(blocker / "sub" / "doc.md")])
    assert result.exit_code == 2
    assert "qa: " in result.output and "Traceback" not in result.output


def test_the_executable_leaves_fast_with_everything_said_and_the_command_exit_code():
    rubric = str(Path(__file__).resolve().parents[2] / "rubrics" / "ecommerce-zh.yaml")
    doc = subprocess.run([sys.executable, "-m", "qa_toolkit", "rubric", "doc", rubric], capture_output=True, text=True)
    assert doc.returncode == 0
    assert doc.stdout == CliRunner().invoke(main, ["rubric", "doc", rubric]).output  # all of it, flushed
    usage = subprocess.run([sys.executable, "-m", "qa_toolkit", "no-such-command"], capture_output=True, text=True)
    assert usage.returncode == 2 and "No such command" in usage.stderr


def test_under_a_profiler_the_executable_exits_the_ordinary_way_so_the_profile_is_written(tmp_path):
    out = tmp_path / "qa.prof"
    args = [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "qa_toolkit", "--version"]
    assert subprocess.run(args, capture_output=True).returncode == 0
    assert out.stat().st_size > 0
