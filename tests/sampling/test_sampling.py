"""Sampling: plans, strata, flow-over, exact inclusion probabilities, replay, ledger."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pandas as pd
import pytest

from qa_toolkit.frames import CONVERSATIONS, MANIFEST, MESSAGES, conform
from qa_toolkit.problems import InputError
from qa_toolkit.sampling import append_ledger, draw_batch, ledger_ids, parse_plan, read_manifest, write_batch
from qa_toolkit.sampling.design import RANDOM, build_cell, draw, inclusion_probabilities


def frames(rows: list[dict], agent_messages: dict[str, int] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Conversations + messages from short dicts (defaults filled in)."""
    convs, msgs = [], []
    for r in rows:
        start = pd.Timestamp(r.get("start", "2026-11-10 10:00"))
        convs.append(
            {
                "conversation_id": r["id"],
                "channel": r.get("channel", "chat"),
                "agent_id": r.get("agent", "A"),
                "customer_id": "u1",
                "started_at": start,
                "ended_at": start + pd.Timedelta(seconds=r.get("handle", 300)),
                "csat": r.get("csat", 5),
                "tags": r.get("tags", []),
                "customer_tier": r.get("tier", "normal"),
                "queue": "售前",
            }
        )
        n_agent = (agent_messages or {}).get(r["id"], 2)
        msgs.append({"conversation_id": r["id"], "seq": 0, "ts": start, "role": "customer", "text": "你好"})
        for k in range(n_agent):
            msgs.append({"conversation_id": r["id"], "seq": k + 1, "ts": start, "role": "agent", "text": "您好"})
        if n_agent == 0:
            msgs.append({"conversation_id": r["id"], "seq": 1, "ts": start, "role": "bot", "text": "自动回复"})
    return conform(pd.DataFrame(convs), CONVERSATIONS), conform(pd.DataFrame(msgs), MESSAGES)


def plan(text: str):
    p, problems = parse_plan(text)
    assert not problems, problems
    return p


TINY = [
    {"id": "c1", "tags": ["投诉"]},
    {"id": "c2", "tags": ["complaint"], "channel": "phone"},
    {"id": "c3", "csat": 3},
    {"id": "c4", "csat": 3, "channel": "phone"},
    {"id": "c5"},
    {"id": "c6", "tier": "VIP"},
    {"id": "c7"},
    {"id": "c8", "channel": "phone", "csat": 1},
]
TINY_PLAN = """
quota: 4
strata:
  - {kind: complaint, count: 3, backup: {kind: low_csat, csat_max: 3}}
  - {kind: vip, count: 1}
"""


def enumerate_design(cell) -> np.ndarray:
    """Brute force: every equally likely outcome of every SRS step, exact inclusion frequencies
    (averaged over the equally likely channel sets when the quota cannot cover every channel)."""
    if cell.alternatives:
        return np.mean([enumerate_design(alt) for alt in cell.alternatives], axis=0)
    freq = np.zeros(cell.size)
    targeted = [s for s in cell.steps if s.stratum != RANDOM]
    randoms = [s for s in cell.steps if s.stratum == RANDOM]
    for picks in itertools.product(*[list(itertools.combinations(s.rows, s.n)) for s in targeted]):
        p_t = math.prod(1 / math.comb(len(s.rows), s.n) for s in targeted)
        taken = set(itertools.chain.from_iterable(picks))
        pools = [[i for i in s.rows if i not in taken] for s in randoms]
        options = [list(itertools.combinations(pool, s.n)) for pool, s in zip(pools, randoms)]
        for rpicks in itertools.product(*options):
            p = p_t / math.prod(len(o) for o in options)
            for i in taken.union(*rpicks):
                freq[i] += p
    return freq


def tiny_cell():
    from qa_toolkit.sampling.batch import assign_groups, candidates

    conv, msgs = frames(TINY)
    p = plan(TINY_PLAN)
    cand = candidates(conv, msgs, p).frame
    group, _, backup_of, _ = assign_groups(cand, p)
    return build_cell(
        "A",
        "2026-W46",
        4,
        cand["channel"].tolist(),
        group.tolist(),
        backup_of.tolist(),
        [(s.kind, s.target(4)) for s in p.strata],
    ), cand


def test_inclusion_probabilities_match_brute_force_enumeration():
    cell, cand = tiny_cell()
    # complaints: c1 (chat), c2 (phone) -> 2 of 3 wanted, 1 flows to the backup (CSAT <= 3: c3, c4, c8)
    assert {(s.stratum, s.backup, s.n) for s in cell.steps if s.stratum != RANDOM} >= {("complaint", False, 1)}
    exact = enumerate_design(cell)
    np.testing.assert_allclose(inclusion_probabilities(cell), exact, atol=1e-12)
    assert exact.sum() == pytest.approx(4)


def test_inclusion_probabilities_match_many_seeded_draws():
    cell, _ = tiny_cell()
    pi = inclusion_probabilities(cell)
    hits = np.zeros(cell.size)
    runs = 20000
    for seed in range(runs):
        for pos, _ in draw(cell, np.random.default_rng(seed)):
            hits[pos] += 1
    freq = hits / runs
    sd = np.sqrt(pi * (1 - pi) / runs) + 1e-9
    assert np.all(np.abs(freq - pi) <= 4.5 * sd + 1e-12), (freq, pi)


def test_full_pipeline_frequencies_follow_manifest_probabilities():
    conv, msgs = frames(TINY)
    p = plan(TINY_PLAN)
    counts: dict[str, int] = {}
    probs: dict[str, float] = {}
    runs = 150
    for seed in range(runs):
        m = draw_batch(conv, msgs, p, seed=seed).manifest
        assert len(m) == 4
        for cid, pr in zip(m["conversation_id"], m["inclusion_prob"]):
            counts[cid] = counts.get(cid, 0) + 1
            assert probs.setdefault(cid, pr) == pytest.approx(pr)
    for cid, pr in probs.items():
        assert abs(counts[cid] / runs - pr) <= 4.5 * math.sqrt(pr * (1 - pr) / runs) + 1e-9, cid
    assert sum(probs.values()) <= 4 + 1e-9


def test_more_channels_than_quota_draws_the_channels():
    cell = build_cell("A", "W", 2, ["chat", "chat", "email", "phone"], [None] * 4, [None] * 4, [])
    assert len(cell.alternatives) == 3 and cell.shortfalls[0]["kind"] == "channel"
    pi = inclusion_probabilities(cell)
    # each channel is covered with probability 2/3; chat has 2 conversations
    np.testing.assert_allclose(pi, [1 / 3, 1 / 3, 2 / 3, 2 / 3])
    np.testing.assert_allclose(pi, enumerate_design(cell))
    seen = {
        frozenset(cell_channels)
        for cell_channels in ({s.channel for _, s in draw(cell, np.random.default_rng(k))} for k in range(60))
    }
    assert seen == {frozenset(p) for p in ({"chat", "email"}, {"chat", "phone"}, {"email", "phone"})}


def test_channel_allocation_covers_every_channel_and_flows_over():
    cell, _ = tiny_cell()
    assert cell.channels == {"chat": 3, "phone": 1}  # 5 chat, 3 phone: one each, then D'Hondt 5/2 > 3/2, 5/3 > 3/2
    stratum_sf = [s for s in cell.shortfalls if s["kind"] == "stratum"]
    assert stratum_sf == []  # complaint's gap was filled by its backup


def test_week_plan_gives_quota_or_reports_shortfall():
    rows = [
        {
            "id": f"w{i:02d}",
            "agent": "A" if i < 12 else "B",
            "channel": ["chat", "phone", "email"][i % 3],
            "start": f"2026-11-{9 + i % 7:02d} 1{i % 10}:00",
            "csat": 1 + i % 5,
        }
        for i in range(15)
    ]
    conv, msgs = frames(rows)
    b = draw_batch(conv, msgs, plan("quota: 5\nstrata:\n  - {kind: low_csat, share: 0.4}\n"), seed=1)
    per_agent = b.manifest.groupby("agent_id").size().to_dict()
    assert per_agent == {"A": 5, "B": 3}
    assert any(s["agent_id"] == "B" and s["kind"] == "quota" and s["got"] == 3 for s in b.shortfalls)
    a = b.manifest[b.manifest["agent_id"] == "A"]
    assert set(a["channel"]) == {"chat", "phone", "email"}
    assert (a["stratum"] == "low_csat").sum() == 2
    assert (b.manifest["inclusion_prob"] > 0).all() and (b.manifest["inclusion_prob"] <= 1).all()


def test_same_seed_same_manifest_whatever_the_input_order(tmp_path):
    conv, msgs = frames(TINY)
    p = plan(TINY_PLAN)
    one = draw_batch(conv, msgs, p, seed=42)
    two = draw_batch(conv.iloc[::-1], msgs.iloc[::-1], p, seed=42)
    pd.testing.assert_frame_equal(one.manifest, two.manifest)
    write_batch(one, tmp_path / "a")
    write_batch(two, tmp_path / "b")
    assert (tmp_path / "a" / "manifest.csv").read_bytes() == (tmp_path / "b" / "manifest.csv").read_bytes()
    info = json.loads((tmp_path / "a" / "batch.json").read_text(encoding="utf-8"))
    assert info["seed"] == 42 and info["data_fingerprint"] == one.info["data_fingerprint"]
    back = read_manifest(tmp_path / "a")
    assert list(back.columns)[: len(MANIFEST)] == list(MANIFEST)
    assert back["conversation_id"].tolist() == one.manifest["conversation_id"].tolist()


def test_ledger_prevents_resampling(tmp_path):
    conv, msgs = frames(TINY)
    p = plan("quota: 4\n")
    ledger = tmp_path / "ledger.csv"
    first = draw_batch(conv, msgs, p, seed=1, exclude_ids=ledger_ids(ledger))
    assert append_ledger(ledger, first.manifest) == 4
    second = draw_batch(conv, msgs, p, seed=1, exclude_ids=ledger_ids(ledger))
    assert set(first.manifest["conversation_id"]).isdisjoint(second.manifest["conversation_id"])
    assert second.info["counts"]["excluded_ledger"] == 4
    append_ledger(ledger, second.manifest)
    assert len(ledger_ids(ledger)) == 8


def test_a_rerun_of_a_batch_in_the_ledger_is_the_same_batch(tmp_path):
    from qa_toolkit.sampling import read_ledger

    conv, msgs = frames(TINY)
    p = plan("quota: 4\n")
    ledger = tmp_path / "ledger.csv"
    first = draw_batch(conv, msgs, p, seed=1, ledger=read_ledger(ledger))
    append_ledger(ledger, first.manifest)
    again = draw_batch(conv, msgs, p, seed=1, ledger=read_ledger(ledger))
    assert again.info["rerun"] and again.manifest.equals(first.manifest)
    other = draw_batch(conv, msgs, p, seed=2, ledger=read_ledger(ledger))
    assert set(other.manifest["conversation_id"]).isdisjoint(first.manifest["conversation_id"])
    with pytest.raises(InputError, match="already in the ledger with 4 other conversation"):
        draw_batch(conv, msgs, p, seed=2, ledger=read_ledger(ledger), batch_id=first.info["batch_id"])


def test_start_time_comes_from_the_first_message_when_the_export_has_none():
    conv, msgs = frames(TINY)
    b = draw_batch(
        conv.assign(started_at=pd.Series(pd.NaT, index=conv.index, dtype=conv["started_at"].dtype)),
        msgs,
        plan("quota: 4\nperiod: all\n"),
        seed=1,
    )
    assert b.info["counts"]["start_from_messages"] == 8 and b.info["counts"]["no_start_time"] == 0
    assert b.info["period"] == {"from": "2026-11-10", "to": "2026-11-10"} and len(b.manifest) == 4


def test_pending_criticals_are_drawn_with_probability_one_even_with_few_agent_messages():
    conv, msgs = frames(TINY, agent_messages={"c7": 1})
    scores = pd.DataFrame(
        {
            "conversation_id": ["c5", "c7"],
            "critical_failed": [False, False],
            "critical_pending": ["pii", "diversion;pii"],
        }
    )
    b = draw_batch(conv, msgs, plan("quota: 2\nexclude: {min_agent_messages: 2}\n"), seed=1, scores=scores)
    m = b.manifest.set_index("conversation_id")
    pending = m[m["stratum"] == "pending_critical"]
    assert sorted(pending.index) == ["c5", "c7"] and (pending["inclusion_prob"] == 1).all()
    assert pending.loc["c7", "reason"] == "critical pending confirmation: diversion;pii"
    assert len(m) == 4 and b.info["counts"]["pending_critical"] == 2  # the quota of 2 beside them
    assert (m.loc[m["stratum"] != "pending_critical", "inclusion_prob"] == 2 / 6).all()


def test_exclusions_bot_only_and_few_agent_messages():
    conv, msgs = frames(TINY, agent_messages={"c1": 0, "c2": 1})
    b = draw_batch(conv, msgs, plan("quota: 8\nexclude: {min_agent_messages: 2}\n"), seed=3)
    assert b.info["counts"]["excluded_bot_only"] == 1
    assert b.info["counts"]["excluded_few_agent_messages"] == 1
    assert not {"c1", "c2"} & set(b.manifest["conversation_id"])
    conv, msgs = frames([{"id": "x1", "agent": "B"}, {"id": "x2"}], agent_messages={"x1": 0})
    b = draw_batch(conv, msgs, plan("quota: 2\n"), seed=3)
    assert [s["message"] for s in b.shortfalls if s["agent_id"] == "B"] == [
        "no eligible conversation: all 1 in the period were excluded"
    ]


def test_last_week_is_relative_to_the_data_or_today():
    rows = [{"id": "old", "start": "2026-11-04 10:00"}, {"id": "new", "start": "2026-11-12 10:00"}]
    conv, msgs = frames(rows)
    b = draw_batch(conv, msgs, plan("period: last_week\n"), seed=1)
    assert b.info["period"] == {"from": "2026-11-02", "to": "2026-11-08"}
    assert b.manifest["conversation_id"].tolist() == ["old"]
    import datetime as dt

    b = draw_batch(conv, msgs, plan("period: last_week\n"), seed=1, today=dt.date(2026, 11, 18))
    assert b.manifest["conversation_id"].tolist() == ["new"]


def test_strata_that_need_other_frames_are_errors_not_silence():
    conv, msgs = frames(TINY)
    with pytest.raises(InputError, match="high_risk.*risk"):
        draw_batch(conv, msgs, plan("strata:\n  - {kind: high_risk, count: 1}\n"), seed=1)
    risk = pd.DataFrame({"conversation_id": ["c5", "c7"], "risk_score": [0.9, 0.2]})
    b = draw_batch(
        conv,
        msgs,
        plan("quota: 1\ncoverage: {channels: false}\nstrata:\n  - {kind: high_risk, count: 1, threshold: 0.8}\n"),
        seed=1,
        risk=risk,
    )
    assert b.manifest["conversation_id"].tolist() == ["c5"]
    assert b.manifest["reason"].iloc[0] == "risk 0.90 ≥ 0.8"
    assert b.manifest["inclusion_prob"].iloc[0] == 1.0


def test_plan_errors_have_lines():
    p, problems = parse_plan("quota: 5\nstrata:\n  - {kind: complaint}\n  - kind: 投诉\n    count: 1\n", "plan.yaml")
    assert p is None
    text = "\n".join(map(str, problems))
    assert "plan.yaml:3:5" in text and "count" in text
    assert "plan.yaml:4:5" in text and "kind" in text


def test_plan_error_positions_nested_and_whole_plan():
    _, problems = parse_plan(
        "strata:\n  - kind: vip\n    count: 1\n    backup: {kind: vip, csat_max: 9}\n  - {kind: vip, share: 0.5}\n",
        "p.yaml",
    )
    where = {p.field: (p.line, p.col) for p in problems}
    assert where == {"strata.0.backup.csat_max": (4, 25)}
    _, problems = parse_plan("strata:\n  - {kind: vip, count: 1}\n  - {kind: vip, share: 0.5}\n", "p.yaml")
    assert [(p.line, p.col, p.field) for p in problems] == [(None, None, None)]


def test_period_errors_speak_about_the_branch_written():
    _, problems = parse_plan("quota: 2\nperiod: lastweek\n", "p.yaml")
    assert [str(p) for p in problems] == [
        "p.yaml:2:1: error: field 'period': period is 'all', 'last_week' or a mapping {from: DATE, to: DATE} [plan]"
    ]
    _, problems = parse_plan("period: {from: 2026-01-05, to: 2026-01-01}\n", "p.yaml")
    assert len(problems) == 1 and "'to' is before 'from'" in str(problems[0])


def test_empty_period_gives_an_empty_manifest_not_a_crash():
    conv, msgs = frames(TINY)
    from qa_toolkit.sampling.plan import build_plan

    p, _ = build_plan(None, period="2027-01-01..2027-01-31")
    b = draw_batch(conv, msgs, p, seed=1)
    assert b.manifest.empty and list(b.manifest.columns) == list(MANIFEST)
    assert b.info["counts"]["in_period"] == 0


def random_cell(rng: np.random.Generator):
    n = int(rng.integers(1, 8))
    channel = rng.choice(["chat", "phone", "email"], n).tolist()
    group = [None if g == "-" else str(g) for g in rng.choice(["-", "complaint", "vip"], n)]
    backup_of = [("complaint" if rng.random() < 0.5 else None) if g is None else None for g in group]
    targets = [("complaint", int(rng.integers(0, 4))), ("vip", int(rng.integers(0, 3)))]
    return int(rng.integers(1, 6)), channel, group, backup_of, targets


def test_inclusion_probabilities_equal_enumeration_on_random_cells():
    rng = np.random.default_rng(2026)
    for _ in range(150):
        quota, channel, group, backup_of, targets = random_cell(rng)
        cell = build_cell("A", "W", quota, channel, group, backup_of, targets)
        for design in cell.alternatives or [cell]:
            assert sum(s.n for s in design.steps) == min(quota, len(channel))
        pi = inclusion_probabilities(cell)
        np.testing.assert_allclose(pi, enumerate_design(cell), atol=1e-12)
        assert pi.sum() == pytest.approx(min(quota, len(channel)))
        assert ((pi >= 0) & (pi <= 1 + 1e-12)).all()  # 0 when targeted strata use a channel's whole share


def test_complaint_stratum_reads_yes_no_words_in_escalated():
    """Exports write escalated as yes/是/1 as often as true: counted, never a crash."""
    from qa_toolkit.sampling.plan import Filter
    from qa_toolkit.sampling.strata import _complaint

    c = pd.DataFrame({"tags": [[], [], [], [], ["complaint"]], "escalated": ["yes", "否", "是", None, "no"]})
    mask, reason = _complaint(c, Filter(kind="complaint"))
    assert mask.tolist() == [True, False, True, False, True]
    assert reason.tolist()[0] == "escalated" and reason.tolist()[4] == "tag 'complaint'"


def test_one_yes_no_vocabulary():
    from qa_toolkit.io.validate import as_bool

    assert [as_bool(v) for v in ("TRUE", " yes", "y", "t", "1", "是", True, 1)] == [True] * 8
    assert [as_bool(v) for v in ("false", "No", "n", "f", "0", "否", False, 0)] == [False] * 8
    assert [as_bool(v) for v in (None, "", "maybe", float("nan"))] == [None] * 4
