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
    return [
        {
            "conversation_id": f"C{i}",
            "agent_id": f"A{i % 2}",
            "channel": "chat",
            "csat": 4,
            "messages": [
                {"role": "customer", "text": "你好"},
                {"role": "agent", "text": "您好"},
                {"role": "customer", "text": "谢谢"},
            ],
        }
        for i in range(n)
    ]


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
    assert (
        "more fields than the header" in problems[0].message
        and f"conversation '{skipped[0]}' skipped" in problems[0].message
    )
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


# --- conversation-level values repeated on every row ------------------------------------------


def table_with(changes: dict[tuple[int, str], object]):
    """The records as a long table, cells changed at (frame row, column)."""
    frame = long_table(records()).astype({"csat": object})
    for (row, column), value in changes.items():
        frame.loc[row, column] = value
    return frame


@pytest.mark.parametrize("route", TABLE_ROUTES)
@pytest.mark.parametrize("column, value", [("agent_id", "A9"), ("channel", "phone"), ("csat", 1)])
def test_a_value_that_differs_within_a_conversation_is_located(route, column, value, tmp_path):
    ds = read_route(route, table_with({(4, column): value}), tmp_path)
    assert len(ds.conversations) == 6
    assert [(p.line, p.field, p.code, p.level) for p in ds.log.problems] == [
        (6, column, "conflicting_values", "warning")
    ]
    assert "differs within conversation 'C1'" in ds.log.problems[0].message
    first = records()[1][column]
    assert ds.conversations.set_index("conversation_id").loc["C1", column] == first  # the first row's


@pytest.mark.parametrize("route", TABLE_ROUTES)
def test_fields_written_once_per_conversation_are_read_from_the_row_that_has_them(route, tmp_path):
    changes = {(r, c): None for r in (1, 2, 4, 5) for c in ("agent_id", "channel", "csat")}
    changes.update({(6, "csat"): None, (7, "csat"): 5, (8, "csat"): None})  # C2: a CSAT on its second row only
    frame = table_with(changes)
    if route == "csv":
        frame = frame.fillna("")
    ds = read_route(route, frame, tmp_path)
    assert not ds.log.problems
    conv = ds.conversations.set_index("conversation_id")
    assert list(conv["agent_id"]) == ["A0", "A1", "A0", "A1", "A0", "A1"]
    assert conv.loc["C2", "csat"] == 5 and conv.loc["C0", "csat"] == 4


def test_repeated_fields_keep_the_fast_path(tmp_path, monkeypatch):
    from qa_toolkit.io import table

    frame = table_with({(r, "agent_id"): None for r in (1, 2)})
    path = tmp_path / "t.parquet"
    frame.to_parquet(path, index=False)
    monkeypatch.setattr(table._Grouper, "feed", lambda *a, **k: pytest.fail("row-by-row path taken"))
    assert len(read_conversations(path).conversations) == 6


def test_true_is_not_the_csat_of_1_on_another_row(tmp_path):
    frame = table_with({(4, "csat"): True})  # C1 gives csat 1 on its first row
    path = tmp_path / "t.xlsx"
    frame.to_excel(path, index=False)
    ds = read_conversations(path)
    assert [(p.line, p.field, p.code) for p in ds.log.problems] == [(6, "csat", "conflicting_values")]
