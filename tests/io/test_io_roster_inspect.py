"""Roster reading and join; `qa data inspect` summary, JSON and exit codes; sample data parity."""

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from qa_toolkit.cli import main
from qa_toolkit.io import read_conversations, read_roster
from qa_toolkit.io.inspect import summarize
from qa_toolkit.problems import InputError
from qa_toolkit.resources import sample_data_dir

FIX = Path(__file__).parents[1] / "fixtures" / "io"


def test_roster_with_chinese_headers_in_gb18030():
    roster, log = read_roster(FIX / "roster.csv")
    assert roster["agent_id"].tolist() == ["A01", "A02", "A04"]
    assert roster["name"].tolist() == ["张三", "李四", "王五"]
    assert roster["hire_date"].iloc[0] == pd.Timestamp("2025-03-01", tz="Asia/Shanghai")
    assert pd.isna(roster["hire_date"].iloc[2])
    got = sorted((p.line, p.field, p.level) for p in log.problems)
    assert got == [(4, "agent_id", "warning"), (5, "hire_date", "warning")]


def test_roster_headers_match_despite_bom_case_and_padding(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("\ufeff Agent ID ,NAME,小组,Hired\nA1,王芳,T1,2024-03-01\n", encoding="utf-8")
    roster, _ = read_roster(path)
    assert roster.loc[0, ["agent_id", "name", "team"]].tolist() == ["A1", "王芳", "T1"]
    assert roster.loc[0, "hire_date"].year == 2024


def test_roster_xlsx_and_missing_agent_column(tmp_path):
    pd.DataFrame({"agent_id": ["A01"], "name": ["Ann"], "team": ["T1"], "hire_date": ["2024-01-02"]}).to_excel(
        tmp_path / "r.xlsx", index=False
    )
    roster, log = read_roster(tmp_path / "r.xlsx", tz="UTC")
    assert roster.loc[0, "hire_date"] == pd.Timestamp("2024-01-02", tz="UTC") and not log.problems
    (tmp_path / "bad.csv").write_text("who,name\nA01,Ann\n", encoding="utf-8")
    with pytest.raises(InputError, match="'agent_id' not found; headers found: who, name"):
        read_roster(tmp_path / "bad.csv")


def test_roster_join_adds_columns_and_warns_once_per_missing_agent():
    ds = read_conversations(FIX / "zh_gb18030.csv", roster=FIX / "roster.csv")
    conv = ds.conversations.set_index("conversation_id")
    assert conv.loc["S001", "agent_name"] == "张三" and conv.loc["S002", "team"] == "二组"
    assert pd.isna(conv.loc["S003", "agent_name"])  # A03 is not in the roster: kept, not skipped
    assert len(ds.conversations) == 3 and ds.log.records_skipped == 0
    missing = [p for p in ds.log.problems if p.code == "agent_not_in_roster"]
    assert len(missing) == 1 and "A03" in missing[0].message
    result = CliRunner().invoke(
        main, ["data", "inspect", "--json", "--roster", str(FIX / "roster.csv"), str(FIX / "zh_gb18030.csv")]
    )
    assert result.exit_code == 1
    summary = json.loads(result.output)
    assert summary["teams"] == {"一组": 1, "二组": 1, "<missing>": 1}


def test_summarize_counts():
    summary = summarize(read_conversations(FIX / "zh_gb18030.csv"))
    assert summary["conversations"] == 3 and summary["messages"] == 8 and summary["agents"] == 3
    assert summary["channels"] == {"chat": 1, "phone": 1, "email": 1}
    assert summary["messages_per_role"] == {"agent": 2, "customer": 4, "bot": 1, "system": 1}
    assert summary["csat"] == {"1": 0, "2": 0, "3": 1, "4": 0, "5": 1, "missing": 1}
    assert summary["top_tags"] == {"complaint": 1, "物流": 1}
    assert summary["date_range"]["first"] == "2026-09-01T10:00:00+08:00"
    assert summary["problems"]["total"] == 0


def test_inspect_human_output_lists_counts_and_problems():
    result = CliRunner().invoke(main, ["data", "inspect", str(FIX / "csat_range.jsonl")])
    assert result.exit_code == 1
    for text in ("conversations", "messages per role", "CSAT", "csat_range.jsonl:2", "'csat'", "skipped: 1"):
        assert text in result.output, text


def test_inspect_max_problems_prints_totals(tmp_path):
    lines = [
        json.dumps({"conversation_id": f"c{i}", "agent_id": "a", "messages": [{"role": "?", "text": "x"}]})
        for i in range(5)
    ]
    (tmp_path / "bad.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["data", "inspect", "--max-problems", "2", str(tmp_path / "bad.jsonl")])
    assert result.exit_code == 1
    assert "bad.jsonl:2" in result.output and "bad.jsonl:3" not in result.output
    assert "and 3 more" in result.output and "unknown_role=5" in result.output


def test_sample_jsonl_and_gb18030_csv_agree():
    folder = sample_data_dir()
    jsonl, csv = folder / "conversations.jsonl", folder / "conversations_gb18030.csv"
    if not (jsonl.is_file() and csv.is_file()):
        pytest.skip("sample data not generated yet")
    runner = CliRunner()
    outputs = [runner.invoke(main, ["data", "inspect", "--json", str(p)]) for p in (jsonl, csv)]
    assert [o.exit_code for o in outputs] == [0, 0]
    a, b = (json.loads(o.output) for o in outputs)
    a.pop("path"), b.pop("path")
    assert a == b and a["conversations"] > 0
