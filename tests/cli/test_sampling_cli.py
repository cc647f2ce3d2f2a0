"""`qa sample` end to end on the bundled sample data (roster, plan, ledger, replay)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from qa_toolkit.cli import main
from qa_toolkit.resources import sample_conversations, sample_data_dir, sample_roster


@pytest.fixture(scope="module")
def data():
    return str(sample_conversations()), str(sample_roster()), str(sample_data_dir() / "plan.yaml")


def run(*args):
    result = CliRunner().invoke(main, list(args))
    return result


def sample(data, out, *options):
    """`qa sample` of the sample data with its plan and roster into ``out``."""
    conv, roster, plan = data
    return run("sample", conv, "--plan", plan, "--roster", roster, "-o", str(out), *map(str, options))


def test_plan_on_sample_data_gives_every_agent_the_quota_or_a_shortfall(data, tmp_path):
    ledger = tmp_path / "ledger.csv"
    r = sample(data, tmp_path / "b1", "--ledger", ledger)
    assert r.exit_code == 0, r.output
    assert "coverage: picked / eligible" in r.output and "picked by stratum" in r.output
    assert "excluded: ledger 0, bot-only" in r.output
    manifest = pd.read_csv(tmp_path / "b1" / "manifest.csv", dtype=str, encoding="utf-8-sig")
    info = json.loads((tmp_path / "b1" / "batch.json").read_text(encoding="utf-8"))
    assert info["seed"] == 20261102 and info["counts"]["agents"] >= 20
    per_cell = manifest.groupby(["agent_id", "period"]).size()
    short = {(s["agent_id"], s["period"]) for s in info["shortfalls"] if s["kind"] == "quota"}
    for (agent, period), n in per_cell.items():
        assert n == 5 or (agent, period) in short
    assert set(manifest["stratum"]) >= {"complaint", "random"}
    assert manifest["reason"].notna().all()
    probs = manifest["inclusion_prob"].astype(float)
    assert ((probs > 0) & (probs <= 1)).all()
    # replay: same seed, same manifest (ledger not read: --no-ledger-update and a fresh ledger path)
    r2 = sample(data, tmp_path / "b2")
    assert r2.exit_code == 0, r2.output
    assert (tmp_path / "b1" / "manifest.csv").read_bytes() == (tmp_path / "b2" / "manifest.csv").read_bytes()
    # a rerun with the same plan, seed and ledger is the same batch, and the ledger does not grow
    r3 = sample(data, tmp_path / "b3", "--ledger", ledger)
    assert r3.exit_code == 0, r3.output
    assert "already there with the same conversations (a rerun): nothing appended" in r3.output
    assert (tmp_path / "b1" / "manifest.csv").read_bytes() == (tmp_path / "b3" / "manifest.csv").read_bytes()
    assert len(pd.read_csv(ledger, dtype=str, encoding="utf-8-sig")) == len(manifest)
    # a second batch of the same period (another seed) does not pick the first one's conversations again
    r4 = sample(data, tmp_path / "b4", "--ledger", ledger, "--seed", 8)
    assert r4.exit_code == 0, r4.output
    again = pd.read_csv(tmp_path / "b4" / "manifest.csv", dtype=str, encoding="utf-8-sig")
    assert set(again["conversation_id"]).isdisjoint(manifest["conversation_id"])
    assert len(pd.read_csv(ledger, dtype=str, encoding="utf-8-sig")) == len(manifest) + len(again)
    # the same batch id for other conversations is refused, nothing written
    r5 = sample(data, tmp_path / "b5", "--ledger", ledger, "--seed", 9, "--batch-id", info["batch_id"])
    assert r5.exit_code == 2 and f"batch {info['batch_id']} is already in the ledger" in r5.output
    assert not (tmp_path / "b5").exists()


def test_the_share_of_conversations_that_cannot_be_drawn_is_a_warning(data, tmp_path):
    r = sample(data, tmp_path / "b")
    assert r.exit_code == 0, r.output
    info = json.loads((tmp_path / "b" / "batch.json").read_text(encoding="utf-8"))
    c = info["counts"]
    excluded = c["excluded_ledger"] + c["excluded_bot_only"] + c["excluded_few_agent_messages"]
    assert c["zero_probability"] == excluded + c["zero_by_design"] and c["zero_by_design"] > 0
    assert info["zero_probability_share"] == round(c["zero_probability"] / c["in_period"], 4)
    assert (
        f"qa: warning: {c['zero_probability']} of {c['in_period']} conversation(s) in the period "
        f"({info['zero_probability_share']:.0%}) have inclusion probability 0"
    ) in r.output


def test_pending_criticals_are_all_drawn_beside_the_quota(data, tmp_path):
    r = run("score", data[0], "-o", str(tmp_path / "s"))
    assert r.exit_code == 0, r.output
    scores = pd.read_csv(tmp_path / "s" / "scores.csv", dtype=str, encoding="utf-8-sig", keep_default_na=False)
    r = sample(data, tmp_path / "b", "--scores", tmp_path / "s" / "scores.csv")
    assert r.exit_code == 0, r.output
    manifest = pd.read_csv(tmp_path / "b" / "manifest.csv", dtype=str, encoding="utf-8-sig")
    info = json.loads((tmp_path / "b" / "batch.json").read_text(encoding="utf-8"))
    start, end = info["period"]["from"], info["period"]["to"]
    day = scores["started_at"].str[:10]
    pending = set(scores.loc[scores["critical_pending"].ne("") & day.between(start, end), "conversation_id"])
    drawn = manifest[manifest["stratum"] == "pending_critical"]
    assert pending and set(drawn["conversation_id"]) == pending
    assert (drawn["inclusion_prob"].astype(float) == 1).all() and drawn["reason"].str.startswith(
        "critical pending confirmation: "
    ).all()
    quota = manifest[manifest["stratum"] != "pending_critical"].groupby(["agent_id", "period"]).size()
    assert quota.max() == 5  # the quota is drawn from the rest


def test_options_without_a_plan(data, tmp_path):
    conv, roster, _ = data
    r = run(
        "sample",
        conv,
        "--quota",
        "3",
        "--period",
        "2026-10-01..2026-10-14",
        "--strata",
        "complaint:2,low_csat",
        "--seed",
        "5",
        "--unit",
        "agent_period",
        "-o",
        str(tmp_path / "b"),
    )
    assert r.exit_code == 0, r.output
    m = pd.read_csv(tmp_path / "b" / "manifest.csv", dtype=str, encoding="utf-8-sig")
    assert (m.groupby("agent_id").size() <= 3).all()
    assert set(m["period"]) == {"2026-10-01..2026-10-14"}
    assert set(m["seed"]) == {"5"}


def test_bad_options_and_missing_inputs_exit_2(data, tmp_path):
    conv, _, _ = data
    r = run("sample", conv, "--strata", "complaint,angry", "-o", str(tmp_path / "b"))
    assert r.exit_code == 2 and "angry" in r.output and "Traceback" not in r.output
    r = run("sample", conv, "--period", "2026-10-10..2026-10-01", "-o", str(tmp_path / "b"))
    assert r.exit_code == 2 and "before" in r.output
    r = run("sample", conv, "--strata", "new_hire", "-o", str(tmp_path / "b"))
    assert r.exit_code == 2 and "roster" in r.output
    bad = tmp_path / "plan.yaml"
    bad.write_text("quota: five\n", encoding="utf-8")
    r = run("sample", conv, "--plan", str(bad), "-o", str(tmp_path / "b"))
    assert r.exit_code == 2 and "plan.yaml:1:1" in r.output
    assert not (tmp_path / "b").exists()


def test_nothing_to_sample_exits_1(data, tmp_path):
    conv, _, _ = data
    r = run("sample", conv, "--period", "2030-01-01..2030-01-31", "-o", str(tmp_path / "b"))
    assert r.exit_code == 1 and "nothing sampled" in r.output


def test_an_export_without_a_start_time_column_is_placed_by_its_first_message(tmp_path):
    lines = []
    for i in range(6):
        day = f"2026-11-{10 + i % 3:02d}"
        lines.append(
            json.dumps(
                {
                    "conversation_id": f"c{i}",
                    "channel": "chat",
                    "agent_id": f"A{i % 2}",
                    "messages": [
                        {"ts": f"{day}T10:00:00+08:00", "role": "customer", "text": "在吗"},
                        {"ts": f"{day}T10:00:30+08:00", "role": "agent", "text": "您好"},
                    ],
                }
            )
        )
    data = tmp_path / "no_start.jsonl"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = run(
        "sample",
        str(data),
        "--quota",
        "2",
        "--period",
        "2026-11-10..2026-11-11",
        "--seed",
        "1",
        "-o",
        str(tmp_path / "b"),
    )
    assert r.exit_code == 0, r.output
    assert "6 start time(s) taken from the first message" in r.output.replace("\n", " ")
    manifest = pd.read_csv(tmp_path / "b" / "manifest.csv", dtype=str, encoding="utf-8-sig")
    assert len(manifest) == 4 and set(manifest["conversation_id"]) == {"c0", "c1", "c3", "c4"}
