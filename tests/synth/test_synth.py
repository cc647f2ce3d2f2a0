"""The synthetic generator: deterministic, realistic shape, profiles visible, outcomes correlated."""

import re
import subprocess
import sys
from collections import Counter
from datetime import date, datetime, timedelta

import orjson
import pytest

from qa_toolkit.synth import generate, iter_records
from qa_toolkit.synth.profiles import BAD_PROFILES, TEAMS, make_agents

N = 3000


@pytest.fixture(scope="module")
def data():
    return generate(N, seed=7)


def _bytes(records) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in records)


def _agent_text(rec) -> str:
    return " ".join(m["text"] for m in rec["messages"] if m["role"] == "agent")


def _rate(records, predicate) -> float:
    records = list(records)
    return sum(map(predicate, records)) / len(records)


def test_same_seed_same_bytes_other_seed_other_bytes():
    a = _bytes(generate(300, seed=11).records)
    assert a == _bytes(generate(300, seed=11).records)
    assert a != _bytes(generate(300, seed=12).records)


def test_output_does_not_depend_on_hash_randomisation():
    code = (
        "import hashlib, orjson; from qa_toolkit.synth import iter_records;"
        "print(hashlib.sha256(b''.join(orjson.dumps(r) for r in iter_records(400, seed=3))).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={"PYTHONHASHSEED": s}
        ).stdout
        for s in ("1", "2")
    }
    assert len(digests) == 1


def test_generate_and_iter_records_agree():
    assert _bytes(generate(200, seed=5).records) == _bytes(iter_records(200, seed=5))


def test_record_shape_and_counts(data):
    recs = data.records
    assert len(recs) == N
    assert len({r["conversation_id"] for r in recs}) == N
    roles = Counter(m["role"] for r in recs for m in r["messages"])
    assert set(roles) == {"agent", "customer", "bot", "system"} and roles["system"] < roles["bot"]
    lengths = [len(r["messages"]) for r in recs]
    assert 0.7 < _rate(lengths, lambda n: 6 <= n <= 20)
    channels = Counter(r["channel"] for r in recs)
    assert set(channels) == {"chat", "phone", "email", "social"} and channels.most_common(1)[0][0] == "chat"
    for r in recs[:200]:
        ts = [datetime.fromisoformat(m["ts"]) for m in r["messages"]]
        assert ts == sorted(ts) and r["started_at"] == r["messages"][0]["ts"] and r["ended_at"].endswith("+08:00")
        assert r["csat"] is None or 1 <= r["csat"] <= 5
        assert (r["complaint_type"] is None) == ("complaint" not in r["tags"])
        assert r["escalated"] == ("escalation" in r["tags"])
    assert 0.1 < _rate(recs, lambda r: r["csat"] is None) < 0.6


def test_mostly_chinese_some_english(data):
    english = _rate(data.records, lambda r: not re.search("[\u4e00-\u9fff]", r["messages"][-1]["text"]))
    assert 0.08 < english < 0.25


def test_period_and_business_hours(data):
    starts = [datetime.fromisoformat(r["started_at"]) for r in data.records]
    assert min(starts).date().isoformat() == "2026-09-07"
    assert (max(starts) - min(starts)).days == 8 * 7 - 1
    assert all(9 <= s.hour <= 21 for s in starts)


def test_roster_three_teams_new_hires_and_profiles(data):
    roster = data.roster
    assert list(roster.columns[:4]) == ["agent_id", "name", "team", "hire_date"]
    assert len(roster) == 30 and set(roster["team"]) == set(TEAMS) and roster["name"].is_unique
    hired = roster["hire_date"].dt.tz_localize(None)
    new_hires = hired > datetime(2026, 9, 7) - timedelta(days=60)
    assert 2 <= new_hires.sum() <= 8 and (~new_hires).sum() >= 20
    counts = Counter(data.profiles.values())
    assert counts["good"] > 30 / 2 and all(counts[p] >= 1 for p in BAD_PROFILES)
    # nobody handles a conversation before the day they were hired
    hired_on = {a.agent_id: a.hire_date for a in make_agents(30, 7, date(2026, 9, 7))}
    assert all(datetime.fromisoformat(r["started_at"]).date() >= hired_on[r["agent_id"]] for r in data.records)


def test_make_agents_needs_one_agent_per_team():
    with pytest.raises(ValueError, match="at least 3"):
        make_agents(2, 7, date(2026, 9, 7))


PATTERNS = {
    "off_platform": "微信|QQ|支付宝转账|vx|WeChat|Alipay",
    "pii_leak": r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])|(?<![0-9])[0-9]{17}[0-9X]|6222[0-9]{12}",
    "taboo": "不知道|自己看|不归我管|爱买不买|没办法|听不懂吗|I don't know|Not my problem|not my job|Take it or leave",
}


@pytest.mark.parametrize("profile", sorted(PATTERNS))
def test_bad_profiles_show_their_behaviour_far_more_than_good_agents(data, profile):
    pattern = re.compile(PATTERNS[profile])
    by_profile = lambda p: [r for r in data.records if data.profiles[r["agent_id"]] == p]  # noqa: E731
    bad = _rate(by_profile(profile), lambda r: bool(pattern.search(_agent_text(r))))
    good = _rate(by_profile("good"), lambda r: bool(pattern.search(_agent_text(r))))
    assert bad > 0.3 and bad > 10 * max(good, 0.005)
    assert bad < 0.95  # noise: not in every conversation


def test_no_greeting_and_no_apology_profiles(data):
    greet = re.compile("您好|Hello|Hi,|尊敬")
    sorry = re.compile("抱歉|sorry|apologi")

    def rate(profile, pattern, upset_only=False):
        recs = [
            r
            for r in data.records
            if data.profiles[r["agent_id"]] == profile
            and (
                not upset_only
                or re.search(
                    "投诉|太差|差评|12315|破|complain|Terrible", r["messages"][1]["text"] + r["messages"][0]["text"]
                )
            )
        ]
        return _rate(recs, lambda r: bool(pattern.search(_agent_text(r))))

    assert rate("no_greeting", greet) < 0.5 < rate("good", greet)
    assert rate("no_apology", sorry, upset_only=True) < 0.5 * rate("good", sorry, upset_only=True)


def test_slow_agents_answer_much_later(data):
    def share_over_3_min(profile):
        gaps = []
        for r in data.records:
            if data.profiles[r["agent_id"]] != profile or r["channel"] not in ("chat", "social"):
                continue
            for a, b in zip(r["messages"], r["messages"][1:]):
                if a["role"] == "customer" and b["role"] == "agent":
                    gaps.append((datetime.fromisoformat(b["ts"]) - datetime.fromisoformat(a["ts"])).total_seconds())
        return sum(g > 180 for g in gaps) / len(gaps)

    assert share_over_3_min("slow") > 0.25 > 0.1 > share_over_3_min("good")


def _mood(rec) -> str:
    first_customer = next(m["text"] for m in rec["messages"] if m["role"] == "customer")
    return (
        "angry"
        if re.search(
            "投诉|太差|差评|12315|破|坑人|骗|complain|Terrible|terrible|scam|report you|garbage|Awful|bad review|cheating",
            first_customer,
        )
        else "other"
    )


def test_complaints_and_low_csat_follow_anger_and_bad_service(data):
    recs = data.records
    angry = [r for r in recs if _mood(r) == "angry"]
    other = [r for r in recs if _mood(r) != "angry"]
    complaint = lambda r: r["complaint_type"] is not None  # noqa: E731
    assert _rate(angry, complaint) > 2 * _rate(other, complaint)
    unresolved = [r for r in recs if data.profiles[r["agent_id"]] in ("unresolved", "taboo")]
    good = [r for r in recs if data.profiles[r["agent_id"]] == "good"]
    assert _rate(unresolved, complaint) > 1.3 * _rate(good, complaint)
    mean_csat = lambda rs: sum(r["csat"] for r in rs if r["csat"]) / sum(1 for r in rs if r["csat"])  # noqa: E731
    assert mean_csat(angry) < mean_csat(other) - 0.5
    # noisy, not deterministic: some angry customers are happy in the end, some calm ones complain
    assert 0.05 < _rate(angry, lambda r: r["csat"] == 5 or not complaint(r)) and _rate(other, complaint) > 0.02
    types = Counter(r["complaint_type"] for r in recs if r["complaint_type"])
    assert set(types) == {"product_quality", "logistics", "after_sales", "price_dispute", "agent_attitude", "other"}


def test_repeat_customers_come_back_within_a_week_more_after_unresolved(data):
    recs = data.records
    repeats = [r for r in recs if "repeat_contact" in r["tags"]]
    assert len(repeats) > 50
    last_seen, gaps = {}, []
    for r in recs:
        started = datetime.fromisoformat(r["started_at"])
        if "repeat_contact" in r["tags"]:
            gaps.append(started - last_seen[r["customer_id"]])
        last_seen[r["customer_id"]] = started
    assert all(timedelta(0) < g <= timedelta(days=7) for g in gaps)
    came_back = {r["customer_id"] for r in repeats}
    rate_back = lambda p: _rate(
        [r for r in recs if data.profiles[r["agent_id"]] == p and "repeat_contact" not in r["tags"]],  # noqa: E731
        lambda r: r["customer_id"] in came_back,
    )
    assert rate_back("unresolved") > 2 * rate_back("good")


def test_leaked_numbers_are_real_formats_the_pii_detector_finds(data):
    from qa_toolkit.privacy import find_pii

    leaks = [r for r in data.records if data.profiles[r["agent_id"]] == "pii_leak"]
    found = Counter(m.kind for r in leaks for m in find_pii(_agent_text(r)))
    assert len(found) >= 3, found  # phone, ID number and bank card all appear and validate
    good = [r for r in data.records if data.profiles[r["agent_id"]] == "good"][:300]
    assert _rate(good, lambda r: bool(find_pii(_agent_text(r)))) < 0.03
    # order numbers are never mistaken for cards or phones
    assert not [m for r in data.records[:500] if r["order_id"] for m in find_pii(r["order_id"])]
