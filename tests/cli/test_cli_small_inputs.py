"""Small inputs beside the export get clear answers, never a traceback: a day outside what the
readers hold (--today, --from/--to, synth --start/--weeks), a mapping file whose ``columns`` or
``values`` is not a map, an empty sampling ledger."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from qa_toolkit.cli import main
from qa_toolkit.io import read_conversations
from qa_toolkit.problems import InputError
from qa_toolkit.sampling import ledger_ids
from qa_toolkit.sampling.ledger import append_ledger, read_ledger

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data" / "conversations.jsonl"
CUSTOM = ROOT / "tests" / "fixtures" / "io" / "custom_headers.csv"


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def small_jsonl(tmp_path: Path) -> Path:
    path = tmp_path / "c.jsonl"
    path.write_text("".join(SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)[:40]), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "args",
    [
        ["sample", "{data}", "-o", "{tmp}/b", "--period", "last_week", "--today", "9999-12-31"],
        ["sample", "{data}", "-o", "{tmp}/b", "--period", "last_week", "--today", "0001-01-01"],
        ["sample", "{data}", "-o", "{tmp}/b", "--today", "2026-02-30"],
        ["report", "--scores", "{tmp}", "--data", "{data}", "-o", "{tmp}/r", "--to", "9999-12-31"],
        ["report", "--scores", "{tmp}", "--data", "{data}", "-o", "{tmp}/r", "--from", "0001-01-01"],
        ["data", "synth", "-n", "3", "-o", "{tmp}/s", "--start", "9999-12-01"],
        ["data", "synth", "-n", "3", "-o", "{tmp}/s", "--start", "0001-01-01"],
        ["data", "synth", "-n", "3", "-o", "{tmp}/s", "--start", "2261-12-01"],
        ["data", "synth", "-n", "3", "-o", "{tmp}/s", "--weeks", "1000000000"],
    ],
)
def test_days_outside_the_supported_range_are_usage_errors(args, tmp_path):
    data = small_jsonl(tmp_path)
    result = invoke(*[a.format(data=data, tmp=tmp_path) for a in args])
    assert result.exit_code == 2 and "Invalid value for" in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_days_at_the_edges_are_accepted(tmp_path):
    data = small_jsonl(tmp_path)
    for today in ("1678-01-01", "2261-12-31"):
        result = invoke("sample", data, "-o", tmp_path / "b", "--period", "last_week", "--today", today)
        assert result.exit_code == 1 and "nothing sampled" in result.output  # a week without data
    result = invoke("data", "synth", "-n", "3", "-o", tmp_path / "s", "--start", "2261-12-01", "--weeks", "4")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "body, field",
    [
        ("columns: [conversation_id, agent_id]\n", "columns"),
        ("columns: 工单\n", "columns"),
        ("values: [role]\n", "values"),
        ("values:\n  role: agent\n", "values.role"),
        ("values:\n  role:\n    客服: [agent]\n", "values.role"),
        ("columns:\n  conversation_id: {a: b}\n", "columns.conversation_id"),
        ("columns:\n  conversation_id: []\n", "columns.conversation_id"),
        ("preset: [zh]\n", "preset"),
    ],
)
def test_mapping_sections_that_are_not_maps_are_located_errors(body, field, tmp_path):
    mapping = tmp_path / "m.yaml"
    mapping.write_text(body, encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_conversations(CUSTOM, mapping=mapping)
    assert err.value.problems[0].field == field and err.value.problems[0].code == "bad_mapping"
    result = invoke("data", "inspect", CUSTOM, "--mapping", mapping)
    assert result.exit_code == 2 and "bad_mapping" in result.output


@pytest.mark.parametrize("content", [b"", b"\n", b"\xef\xbb\xbf"])
def test_an_empty_ledger_is_a_ledger_without_batches(content, tmp_path):
    ledger = tmp_path / "ledger.csv"
    ledger.write_bytes(content)
    assert ledger_ids(ledger) == set() and read_ledger(ledger).empty
    data = small_jsonl(tmp_path)
    result = invoke("sample", data, "-o", tmp_path / "b", "--ledger", ledger, "--quota", "1")
    assert result.exit_code == 0, result.output
    assert len(ledger_ids(ledger)) > 0
    assert append_ledger(ledger, read_ledger(ledger).head(0)) == 0
