"""The validity benchmark's converter (JDDC → JSONL) and agreement figures, on lines written here in
the JDDC format (the real data is never needed: CI has no network and the data is not ours)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from bench_scripts import BENCH, load_script

jddc = load_script("jddc_converter", BENCH / "validity" / "jddc.py")
validity = load_script("validity_benchmark", BENCH / "validity.py")


def _line(items: list[str], label: int) -> str:
    return f"{items!r}\t{[0] * len(items)!r}\t{label}"


# Two dialogues in the source's shape: every line repeats the window before it, fills in the agent
# part of the previous rated turn and adds one customer turn; the last line ends with OVERALL.
FIRST = [
    _line(["在吗|||您好，请问有什么可以帮您", "退款到哪了|||"], 2),
    _line(["在吗|||您好，请问有什么可以帮您", "退款到哪了|||已原路返还，[数字x]个工作日到账", "好的|||"], 1),
    _line(
        [
            "在吗|||您好，请问有什么可以帮您",
            "退款到哪了|||已原路返还，[数字x]个工作日到账",
            "好的|||还有其他问题吗",
            "OVERALL|||",
        ],
        0,
    ),
]
SECOND = [_line(["你好|||", "?|||"], 2), _line(["你好|||亲，在的", "?|||", "OVERALL|||"], 2)]


def test_converter_stitches_windows_into_dialogues_with_roles_and_classes():
    records = list(jddc.convert(FIRST + SECOND))
    assert [r["conversation_id"] for r in records] == ["jddc-valid-0001", "jddc-valid-0002"]
    first = records[0]
    assert [(m["role"], m["text"]) for m in first["messages"]] == [
        ("customer", "在吗"),
        ("agent", "您好，请问有什么可以帮您"),
        ("customer", "退款到哪了"),
        ("agent", "已原路返还，[数字x]个工作日到账"),
        ("customer", "好的"),
        ("agent", "还有其他问题吗"),
    ]
    assert first["sat_overall"] == 0 and first["sat_turns"] == [2, 1]
    assert all("ts" not in m for m in first["messages"])  # the source has no times; none are made up
    assert [m["role"] for m in records[1]["messages"]] == ["customer", "agent", "customer"]


def test_converter_stitches_sliding_windows():
    """Once a window holds 16 items it slides: the first item drops out of the next line."""
    turns = [f"问题{i}|||回答{i}" for i in range(16)]
    lines = [
        _line(turns[:15] + ["问题15|||"], 2),
        _line(turns[1:16] + ["问题16|||"], 2),
        _line(turns[2:16] + ["问题16|||回答16", "OVERALL|||"], 1),
    ]
    (record,) = jddc.convert(lines)
    texts = [m["text"] for m in record["messages"]]
    assert texts[:2] == ["问题0", "回答0"] and texts[-2:] == ["问题16", "回答16"] and len(texts) == 34


def test_converter_names_the_line_of_a_malformed_or_unfinished_file():
    with pytest.raises(jddc.FormatError, match="line 2: expected 3 tab-separated columns"):
        list(jddc.convert([FIRST[0], "oops"]))
    with pytest.raises(jddc.FormatError, match="line 1: the file ends inside a dialogue"):
        list(jddc.convert(FIRST[:2]))
    with pytest.raises(jddc.FormatError, match="line 2: this window does not continue"):
        list(jddc.convert([FIRST[0], SECOND[1]]))


def test_converter_pseudo_agents_are_stable_hash_buckets():
    assert jddc.agent_bucket("jddc-valid-0001") == jddc.agent_bucket("jddc-valid-0001")
    assert {jddc.agent_bucket(f"c{i}") for i in range(200)} == {f"jddc-a{k}" for k in range(jddc.AGENT_BUCKETS)}


def test_converter_cli_writes_jsonl_the_toolkit_reads(tmp_path):
    source = tmp_path / "valid_jddc.txt"
    source.write_text("\n".join(FIRST + SECOND) + "\n", encoding="utf-8")
    out = tmp_path / "jddc.jsonl"
    assert jddc.main([str(source), "-o", str(out)]) == 0
    from qa_toolkit.io import read_conversations

    dataset = read_conversations(out)
    assert list(dataset.conversations["conversation_id"]) == ["jddc-valid-0001", "jddc-valid-0002"]
    assert list(dataset.conversations["sat_overall"]) == [0, 2]


def _labels(tmp_path: Path, rows: list[tuple]) -> Path:
    path = tmp_path / "labels.tsv"
    lines = ["conversation_id\tcriterion\tlabel\tmsg\tnote"] + ["\t".join(map(str, r)) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_labels_reader_names_file_line_and_field(tmp_path):
    bad = _labels(tmp_path, [("c1", "greeting", "pass", "", ""), ("c1", "closing", "maybe", "", "")])
    with pytest.raises(validity.LabelError, match=r"labels.tsv:3: field label: 'maybe'"):
        validity.read_labels(bad)
    twice = _labels(tmp_path, [("c1", "greeting", "pass", "", ""), ("c1", "greeting", "fail", "", "")])
    with pytest.raises(validity.LabelError, match="labelled twice"):
        validity.read_labels(twice)


def test_agreement_counts_accuracy_kappa_and_fail_precision_recall():
    pairs = pd.DataFrame(
        {
            "criterion": ["greeting"] * 4,
            "auto": ["pass", "fail", "fail", "pass"],
            "human": ["pass", "fail", "pass", "fail"],
        }
    )
    row = validity.agreement(pairs).iloc[0]
    assert (row.n, row.accuracy, row.auto_fail, row.human_fail) == (4, 0.5, 2, 2)
    assert row.precision_fail == 0.5 and row.recall_fail == 0.5 and row.kappa == pytest.approx(0.0)


def test_benchmark_end_to_end_reports_false_criticals_and_targets(tmp_path, capsys):
    data = tmp_path / "d.jsonl"
    records = [
        {
            "conversation_id": "c1",
            "channel": "chat",
            "agent_id": "a",
            "sat_overall": 0,
            "messages": [{"role": "customer", "text": "耳机插哪里"}, {"role": "agent", "text": "插在USB口就可以"}],
        },
        {
            "conversation_id": "c2",
            "channel": "chat",
            "agent_id": "a",
            "sat_overall": 2,
            "messages": [{"role": "customer", "text": "在吗"}, {"role": "agent", "text": "您好，在的"}],
        },
    ]
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    labels = _labels(
        tmp_path,
        [
            ("c1", "abuse", "pass", "", ""),
            ("c2", "abuse", "pass", "", ""),
            ("c1", "greeting", "fail", "", "no courtesy"),
            ("c2", "greeting", "pass", "", ""),
        ],
    )
    assert validity.main([str(data), str(labels), "--part", "all", "--json", str(tmp_path / "f.json")]) == 0
    out = capsys.readouterr().out
    assert "| greeting | 2 |" in out and "| abuse | 2 |" in out
    assert "ROC-AUC of (100 - total)" in out
    figures = json.loads((tmp_path / "f.json").read_text(encoding="utf-8"))
    assert figures[0]["conversations"] == 2


def test_parts_split_about_one_third_holdout():
    parts = [validity.part_of(f"jddc-valid-{i:04d}") for i in range(1, 331)]
    assert 90 <= parts.count("holdout") <= 130


def test_before_after_table_from_an_earlier_runs_figures(tmp_path, capsys):
    data = tmp_path / "d.jsonl"
    data.write_text(
        json.dumps(
            {
                "conversation_id": "c1",
                "channel": "chat",
                "agent_id": "a",
                "sat_overall": 2,
                "messages": [{"role": "agent", "text": "您好"}],
            },
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    labels = _labels(tmp_path, [("c1", "greeting", "pass", "", "")])
    before = [
        {
            "part": "all",
            "conversations": 1,
            "auc": float("nan"),
            "criteria": [
                {"criterion": "greeting", "accuracy": 0.0, "kappa": float("nan"), "auto_fail": 1, "human_fail": 0}
            ],
        }
    ]
    (tmp_path / "before.json").write_text(json.dumps(before), encoding="utf-8")
    assert validity.main([str(data), str(labels), "--part", "all", "--before", str(tmp_path / "before.json")]) == 0
    assert "| greeting | 0.00 → **1.00** | — → **—** | 1 → 0 | 0 |" in capsys.readouterr().out


def test_unreadable_labels_exit_2_with_the_reason(tmp_path, capsys):
    data = tmp_path / "d.jsonl"
    data.write_text("{}\n", encoding="utf-8")
    assert validity.main([str(data), str(tmp_path / "missing.tsv")]) == 2
    assert "missing.tsv" in capsys.readouterr().err
