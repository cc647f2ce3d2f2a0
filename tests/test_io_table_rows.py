"""Long tables: a CSV row with a field more than the header (an unquoted comma) never shifts
columns silently — its conversation is skipped with a located problem, also in the first data
row and under --strict an error; values that differ across one conversation's rows are located."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from reading_routes import TABLE_ROUTES, long_table, read_route

from qa_toolkit.cli import main
from qa_toolkit.io import iter_conversations, read_conversations
from qa_toolkit.problems import InputError


def records(n: int = 6) -> list[dict]:
    return [{"conversation_id": f"C{i}", "agent_id": f"A{i % 2}", "channel": "chat", "csat": 4,
             "messages": [{"role": "customer", "text": "你好"}, {"role": "agent", "text": "您好"},
                          {"role": "customer", "text": "谢谢"}]}
            for i in range(n)]


def csv_with_a_comma(tmp_path, rows: list[int]):
    """The records as a CSV, an unquoted comma put into the text of each of ``rows`` (spreadsheet rows)."""
    lines = long_table(records()).to_csv(index=False).splitlines(keepends=True)
    for row in rows:
        lines[row - 1] = lines[row - 1].replace(",您好", ",您,好").replace(",你好", ",你,好").replace(",谢谢", ",谢,谢")
    path = tmp_path / "c.csv"
    path.write_text("".join(lines), encoding="utf-8")
    return path


@pytest.mark.parametrize("rows, skipped", [([2], ["C0"]), ([9], ["C2"]), ([3, 19], ["C0", "C5"])])
@pytest.mark.parametrize("chunk_size", [2, 5000])
def test_an_extra_field_skips_its_conversation(tmp_path, rows, skipped, chunk_size):
    path = csv_with_a_comma(tmp_path, rows)
    datasets = list(iter_conversations(path, chunk_size=chunk_size))
    kept = [c for d in datasets for c in d.conversations["conversation_id"]]
    problems = [p for d in datasets for p in d.log.problems]
    assert kept == [f"C{i}" for i in range(6) if f"C{i}" not in skipped]
    assert [(p.line, p.code) for p in problems] == [(r, "extra_field") for r in rows]
    assert "header has" in problems[0].message and f"conversation '{skipped[0]}' skipped" in problems[0].message
    texts = {t for d in datasets for t in d.messages["text"]}
    assert texts == {"你好", "您好", "谢谢"}  # nothing shifted


def test_an_extra_field_is_an_error_under_strict(tmp_path):
    path = csv_with_a_comma(tmp_path, [2])
    with pytest.raises(InputError):
        read_conversations(path, strict=True)
    result = CliRunner().invoke(main, ["data", "inspect", "--strict", str(path)])
    assert result.exit_code == 2 and "extra_field" in result.output


def test_two_extra_fields_stop_the_file_with_the_line(tmp_path):
    lines = long_table(records()).to_csv(index=False).splitlines(keepends=True)
    lines[6] = lines[6].rstrip("\n") + ",x,y\n"
    path = tmp_path / "c.csv"
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_conversations(path)
    assert err.value.problems[0].line == 7 and err.value.problems[0].code == "unreadable"
