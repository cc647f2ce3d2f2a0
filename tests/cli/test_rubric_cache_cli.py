"""`qa rubric lint` says the same, byte for byte and with the same exit code, whether the parsed
rubric comes from the cache or from a fresh parse, and with the cache switched off."""

from click.testing import CliRunner

from qa_toolkit.cli import main
from qa_toolkit.resources import rubrics_dir
from qa_toolkit.rubric import cache

ZH = rubrics_dir() / "ecommerce-zh.yaml"


def test_lint_output_is_the_same_on_a_miss_a_hit_and_with_the_cache_off(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.DIR_VARIABLE, str(tmp_path / "cache"))
    monkeypatch.delenv(cache.OFF_VARIABLE, raising=False)
    text = ZH.read_text(encoding="utf-8")
    paths = [tmp_path / "schema.yaml", tmp_path / "lint.yaml"]
    paths[0].write_text(text.replace("type: pii", "type: piii", 1), encoding="utf-8")  # a schema error
    paths[1].write_text(text.replace("weight: 30", "weight: 31", 1), encoding="utf-8")  # a lint error
    runs = []
    for off in ("", "", "1"):
        monkeypatch.setenv(cache.OFF_VARIABLE, off)
        for fmt in ("text", "json", "github"):
            result = CliRunner().invoke(main, ["rubric", "lint", "--format", fmt, *map(str, paths)])
            runs.append((off, fmt, result.exit_code, result.output))
    assert len(list((tmp_path / "cache").rglob("*.json"))) == 2
    first = [(fmt, code, out) for off, fmt, code, out in runs[:3]]
    assert first[0][1] == 1 and "schema.yaml:" in first[0][2] and "piii" in first[0][2]
    assert "lint.yaml:" in first[0][2] and "add up to 101" in first[0][2]
    for start in (3, 6):
        assert [(fmt, code, out) for _, fmt, code, out in runs[start : start + 3]] == first
