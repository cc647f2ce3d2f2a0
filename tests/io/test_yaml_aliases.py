"""YAML alias bombs ("billion laughs", under 1 KB), self-references and deep nesting are refused
by the one YAML reader every config goes through — rubrics, sampling plans, column mappings and
run configs — as a located problem, before anything expands them; modest sharing still works."""

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from qa_toolkit.cli import main
from qa_toolkit.resources import sample_data_dir
from qa_toolkit.yamldoc import ALIAS_NODES, parse_yaml, plain

BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{c}: &{c} [" + ",".join([f"*{p}"] * 9) + "]\n" for p, c in zip("abcdefgh", "bcdefghi")
)
DEEP = "a: " + "[" * 500 + "]" * 500 + "\n"


def test_an_alias_bomb_is_refused_at_its_first_alias_without_expanding():
    start = time.monotonic()
    tree, problem = parse_yaml(BOMB, "bomb.yaml")
    assert tree is None and problem.code == "yaml-aliases" and (problem.line, problem.col) == (2, 8)
    assert time.monotonic() - start < 2 and len(BOMB) < 1024


def test_shared_lists_within_the_budget_are_expanded():
    shared = "p: &p [" + ",".join(f"w{i}" for i in range(100)) + "]\n" + "".join(f"c{i}: *p\n" for i in range(5))
    tree, problem = parse_yaml(shared + "base: &b {x: 1}\nm: {<<: *b, y: 2}\n", "ok.yaml")
    assert problem is None and plain(tree)["c4"][99] == "w99" and plain(tree)["m"] == {"y": 2, "x": 1}
    over = (
        "p: &p ["
        + ",".join(f"w{i}" for i in range(100))
        + "]\n"
        + "".join(f"c{i}: *p\n" for i in range(ALIAS_NODES // 100 + 1))
    )
    assert parse_yaml(over, "over.yaml")[1].code == "yaml-aliases"


def test_nesting_past_the_limit_is_refused():
    assert parse_yaml(DEEP, "deep.yaml")[1].code == "yaml-depth"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    return path


COMMANDS = {
    "rubric": lambda y, tmp: ["rubric", "lint", y],
    "plan": lambda y, tmp: ["sample", sample_data_dir() / "conversations.jsonl", "--plan", y, "-o", tmp / "b"],
    "mapping": lambda y, tmp: ["data", "inspect", sample_data_dir() / "conversations_gb18030.csv", "--mapping", y],
    "run config": lambda y, tmp: ["run", y, "-o", tmp / "o"],
}


@pytest.mark.parametrize("text", [BOMB, DEEP], ids=["bomb", "deep"])
@pytest.mark.parametrize("reader", list(COMMANDS))
def test_every_config_reader_refuses_hostile_yaml_with_its_location(tmp_path, reader, text):
    path = _write(tmp_path, text)
    start = time.monotonic()
    result = CliRunner().invoke(main, [str(a) for a in COMMANDS[reader](path, tmp_path)])
    assert time.monotonic() - start < 20
    assert result.exit_code in (1, 2) and result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert str(path) in result.output and ("yaml-aliases" in result.output or "yaml-depth" in result.output)
