"""The learned-criteria benchmark on conversations and labels written here in the validity
benchmark's shapes (the real data is never needed: CI has no network and the data is not ours)."""

from __future__ import annotations

import csv
import json

from bench_scripts import BENCH, load_script
from learned_data import graded_records

learned_eval = load_script("learned_eval_benchmark", BENCH / "learned_eval.py")


def test_the_benchmark_prints_learned_and_rule_kappa_per_criterion(tmp_path, capsys):
    records, grades = graded_records(90)
    data = tmp_path / "data.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    labels = tmp_path / "labels.tsv"
    with labels.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, delimiter="\t", lineterminator="\n")
        out.writerow(["conversation_id", "criterion", "label", "msg", "note"])
        out.writerows(
            [g["conversation_id"], g["criterion_id"], g["outcome"], "", ""]
            for g in grades
            if g["criterion_id"] == "greeting"
        )
    figures = tmp_path / "figures.json"
    assert (
        learned_eval.main([str(data), str(labels), "--criteria", "greeting", "--folds", "3", "--json", str(figures)])
        == 0
    )
    text = capsys.readouterr().out
    assert "| criterion | n | rule κ | learned κ |" in text and "| greeting | 90 |" in text
    assert "## holdout:" in text and "learned κ >= rule κ on each" in text
    rows = json.loads(figures.read_text(encoding="utf-8"))["all"]["criteria"]
    assert rows[0]["criterion"] == "greeting" and rows[0]["n"] == 90 and rows[0]["kappa"] >= rows[0]["rule_kappa"]
