"""The parsed-rubric cache: a hit skips the YAML parse yet gives the same rubric and the same
problems at the same file:line:col; a stale, corrupt or unwritable cache, or one switched off,
never fails a load or changes what it finds."""

import json
import sys

import pytest

from qa_toolkit import yamldoc
from qa_toolkit.resources import rubrics_dir
from qa_toolkit.rubric import cache
from qa_toolkit.rubric.loader import load_with_locator

ZH = rubrics_dir() / "ecommerce-zh.yaml"

# A rubric with lint errors and warnings, a flow list and a merged anchor: every kind of
# position the problems use; and one with schema errors.
BROKEN = """\
id: broken
version: "1"
name: Broken
language: zh
sections:
  - id: s
    name: S
    weight: 90
    criteria:
      - id: greet
        name: Greet
        check: &polite {type: keywords, phrases: [您好, 您好, " "]}
      - id: greet
        name: Again
        critical: true
        kind: bonus
        check:
          <<: *polite
          mode: at_least
          count: 5
      - id: slow
        name: Slow
        check:
          type: regex
          pattern: "(a+)+(?=b)"
"""
SCHEMA = BROKEN.replace("name: Slow", "name: Slow\n        chekc: 1").replace("type: regex", "type: regexp")


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """A fresh cache folder for the test, through the documented variable."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.DIR_VARIABLE, str(folder))
    monkeypatch.delenv(cache.OFF_VARIABLE, raising=False)
    return folder


def _entries(folder):
    return sorted(folder.rglob("*.json")) if folder.exists() else []


def _no_parse(monkeypatch):
    """Make any YAML parse fail the test: what a hit must not need."""

    def refuse(*args, **kwargs):
        raise AssertionError("parsed although the cache holds the document")

    monkeypatch.setattr(cache, "parse_yaml", refuse)


def _loaded(path):
    rubric, _, problems = load_with_locator(path)
    return (rubric.model_dump() if rubric is not None else None), [str(p) for p in problems]


@pytest.mark.parametrize("text", [ZH.read_text(encoding="utf-8"), BROKEN, SCHEMA], ids=["shipped", "lint", "schema"])
def test_a_hit_gives_what_a_parse_gives_without_parsing(cache_dir, tmp_path, monkeypatch, text):
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv(cache.OFF_VARIABLE, "1")
    uncached = _loaded(path)
    monkeypatch.delenv(cache.OFF_VARIABLE)
    assert _loaded(path) == uncached  # the miss, stored
    assert len(_entries(cache_dir)) == 1
    _no_parse(monkeypatch)
    assert _loaded(path) == uncached  # the hit


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            BROKEN,
            {("duplicate-id", 13, 13), ("duplicate-phrase", 12, 51), ("empty-phrase", 12, 59), ("unreachable", 20, 11)},
        ),
        (SCHEMA, {("schema", 23, 9), ("unknown-check", 25, 17)}),
    ],
    ids=["lint", "schema"],
)
def test_problems_keep_their_lines_on_a_hit(cache_dir, tmp_path, monkeypatch, text, expected):
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    load_with_locator(path)
    _no_parse(monkeypatch)
    problems = load_with_locator(path)[2]
    assert expected <= {(p.code, p.line, p.col) for p in problems}
    assert all(p.file == str(path) for p in problems)


def test_a_key_merged_from_an_anchor_is_placed_where_it_is_written(cache_dir, tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    problems = load_with_locator(path)[2]
    merged = [p for p in problems if p.field == "sections.0.criteria.1.check.phrases.2"]
    assert [(p.line, p.col) for p in merged] == [(12, 59)]


def test_a_changed_file_is_parsed_again(cache_dir, tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    load_with_locator(path)
    path.write_text(BROKEN.replace("weight: 90", "weight: 100"), encoding="utf-8")
    problems = load_with_locator(path)[2]
    assert not any(p.code == "weights" for p in problems)
    assert len(_entries(cache_dir)) == 2


def test_entries_of_another_version_or_format_are_stale(cache_dir, tmp_path, monkeypatch):
    path = tmp_path / "r.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    before = _loaded(path)
    (entry,) = _entries(cache_dir)
    assert entry.parent.parent.name == cache.__version__
    monkeypatch.setattr(cache, "__version__", "0.0.0-other")
    assert _loaded(path) == before
    assert len(_entries(cache_dir)) == 2
    monkeypatch.setattr(cache, "FORMAT", cache.FORMAT + 1)
    with monkeypatch.context() as m:
        _no_parse(m)
        with pytest.raises(AssertionError):
            _loaded(path)


@pytest.mark.parametrize(
    "corrupt",
    [
        "",
        "{not json",
        "[]",
        '{"format": 1}',
        json.dumps({"format": 1, "sha256": "x", "document": {"data": {}, "marks": None}}),
        None,  # a valid entry whose marks are mangled
    ],
)
def test_a_corrupt_entry_is_parsed_again_and_replaced(cache_dir, tmp_path, corrupt):
    path = tmp_path / "r.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    before = _loaded(path)
    (entry,) = _entries(cache_dir)
    if corrupt is None:
        stored = json.loads(entry.read_text(encoding="utf-8"))
        stored["document"]["marks"]["map"][0][1] = "one"
        corrupt = json.dumps(stored)
    entry.write_text(corrupt, encoding="utf-8")
    assert _loaded(path) == before
    assert json.loads(entry.read_text(encoding="utf-8"))["format"] == cache.FORMAT


def test_an_unwritable_cache_is_no_error(cache_dir, tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cache, "write_text", refuse)
    assert _loads_as_with_the_cache_off(tmp_path, monkeypatch)
    assert _entries(cache_dir) == []


def test_a_cache_folder_that_is_a_file_is_no_error(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv(cache.DIR_VARIABLE, str(blocker))
    assert _loads_as_with_the_cache_off(tmp_path, monkeypatch)


def _loads_as_with_the_cache_off(tmp_path, monkeypatch) -> bool:
    """Whether a rubric with problems loads (values, problems, positions) as it does with the cache off."""
    path = tmp_path / "r.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    monkeypatch.setenv(cache.OFF_VARIABLE, "1")
    uncached = _loaded(path)
    monkeypatch.delenv(cache.OFF_VARIABLE)
    return _loaded(path) == uncached


def test_switched_off_it_neither_reads_nor_writes(cache_dir, tmp_path, monkeypatch):
    path = tmp_path / "r.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    load_with_locator(path)
    monkeypatch.setenv(cache.OFF_VARIABLE, "1")
    assert cache.cache_dir() is None
    with monkeypatch.context() as m:
        _no_parse(m)
        with pytest.raises(AssertionError):
            load_with_locator(path)
    path.write_text(BROKEN + "\n", encoding="utf-8")
    load_with_locator(path)
    assert len(_entries(cache_dir)) == 1


def test_the_folder_defaults_to_the_user_cache(monkeypatch, tmp_path):
    monkeypatch.delenv(cache.DIR_VARIABLE, raising=False)
    monkeypatch.delenv(cache.OFF_VARIABLE, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setitem(sys.modules, "platformdirs", None)  # as when it is not installed
    assert cache.cache_dir() == tmp_path / "qa-toolkit"


def test_no_home_folder_means_no_cache(monkeypatch, tmp_path):
    def homeless():
        raise RuntimeError("Could not determine home directory.")

    for name in (cache.DIR_VARIABLE, cache.OFF_VARIABLE, "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setitem(sys.modules, "platformdirs", None)
    monkeypatch.setattr(cache.Path, "home", staticmethod(homeless))
    assert cache.cache_dir() is None
    path = tmp_path / "r.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    assert _loaded(path)[1]


def test_documents_json_cannot_hold_exactly_are_not_cached(cache_dir, tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text(BROKEN.replace('version: "1"', "version: 1\n1: int key"), encoding="utf-8")
    first = _loaded(path)
    assert _entries(cache_dir) == []
    assert _loaded(path) == first


def test_an_encoded_document_decodes_to_an_equal_one():
    tree, problem = yamldoc.parse_yaml(BROKEN, "b.yaml")
    assert problem is None
    doc = yamldoc.document(tree)
    assert yamldoc.decode(json.loads(json.dumps(yamldoc.encode(doc)))) == doc
