"""Deterministic synthetic e-commerce customer-service data: conversations (mostly Chinese,
some English), an agent roster and each agent's behaviour profile (the ground truth the QA
checks should find). A pure function of its arguments: same seed, same bytes.

``iter_records`` streams JSONL-shaped dicts (for 10^5-10^6 conversations); ``generate`` collects
them with the roster. Writers are in ``qa_toolkit.synth.writers``.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate
from typing import TYPE_CHECKING

from qa_toolkit.frames import ROSTER, conform
from qa_toolkit.synth.conversation import Plan, write_messages
from qa_toolkit.synth.outcomes import badness, outcomes
from qa_toolkit.synth.phrases import BANKS
from qa_toolkit.synth.profiles import TEAMS, Agent, behaviours, make_agents

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SynthData", "generate", "iter_records", "make_agents", "roster_frame"]

SCENARIO_WEIGHTS = {"logistics": 28, "return_refund": 22, "product": 18, "invoice": 8, "coupon": 10, "complaint": 14}
TEAM_OF = {
    "logistics": "物流组",
    "return_refund": "售后组",
    "product": "售前组",
    "invoice": "售后组",
    "coupon": "售前组",
    "complaint": "售后组",
}
QUEUE_OF = {
    "logistics": "物流查询",
    "return_refund": "退换货",
    "product": "售前咨询",
    "invoice": "发票",
    "coupon": "活动优惠",
    "complaint": "投诉处理",
}
SCENARIO_TAG = {
    "logistics": "logistics",
    "return_refund": "refund",
    "product": "product",
    "invoice": "invoice",
    "coupon": "coupon",
    "complaint": "product",
}
CHANNEL_WEIGHTS = {"chat": 58, "phone": 18, "email": 9, "social": 15}
MOOD_WEIGHTS = {
    "normal": {"calm": 60, "anxious": 27, "angry": 13},
    "complaint": {"calm": 20, "anxious": 35, "angry": 45},
    "repeat": {"calm": 15, "anxious": 35, "angry": 50},
}
HOUR_WEIGHTS = {9: 6, 10: 10, 11: 11, 12: 8, 13: 7, 14: 9, 15: 10, 16: 9, 17: 7, 18: 6, 19: 9, 20: 11, 21: 8}
ENGLISH_SHARE = 0.15
VIP_SHARE = 0.1
TEAM_EN = {"售前组": "the pre-sales team", "售后组": "the after-sales team", "物流组": "the logistics team"}


@dataclass
class SynthData:
    """Generated conversations (JSONL-shaped dicts), the roster and agent_id -> profile."""

    records: list[dict]
    roster: pd.DataFrame
    profiles: dict[str, str]


def generate(
    n_conversations: int = 3000, seed: int = 7, start: str = "2026-09-07", weeks: int = 8, n_agents: int = 30
) -> SynthData:
    """All conversations in memory, with the roster and profiles. Pure function of its arguments."""
    agents = make_agents(n_agents, seed, date.fromisoformat(start))
    records = list(iter_records(n_conversations, seed, start, weeks, n_agents))
    return SynthData(records, roster_frame(agents), {a.agent_id: a.profile for a in agents})


def roster_frame(agents: list[Agent]) -> pd.DataFrame:
    """The roster as a ROSTER-contract frame (hire_date tz-aware midnight, Asia/Shanghai)."""
    import pandas as pd

    df = pd.DataFrame(
        {
            "agent_id": [a.agent_id for a in agents],
            "name": [a.name for a in agents],
            "team": [a.team for a in agents],
            "hire_date": [a.hire_date.isoformat() for a in agents],
        }
    )
    return conform(df, ROSTER)


class _Weighted:
    """Fast weighted choice driven by one ``random()`` call (stable across Python versions)."""

    def __init__(self, weights: dict):
        self.keys = list(weights)
        self.cum = list(accumulate(weights.values()))
        self.total = self.cum[-1]

    def __call__(self, r) -> object:
        return self.keys[bisect(self.cum, r() * self.total)]


@dataclass
class _Customer:
    """A customer; ID and card numbers are drawn up front but only spelled out when an agent
    leaks them (``_Context``), which keeps generation fast."""

    customer_id: str
    lang: str
    vip: bool
    phone: str
    id_draws: tuple[float, float, float]
    card_draw: float


class _Context(dict):
    """Placeholder values for one conversation; {id_no} and {card} are computed on first use."""

    def __init__(self, customer: _Customer, **values):
        super().__init__(values)
        self.customer = customer

    def __missing__(self, key: str) -> str:
        if key == "id_no":
            return _id_number(*self.customer.id_draws)
        if key == "card":
            return _bank_card(self.customer.card_draw)
        raise KeyError(key)


def iter_records(
    n_conversations: int = 3000, seed: int = 7, start: str = "2026-09-07", weeks: int = 8, n_agents: int = 30
) -> Iterator[dict]:
    """Yield conversations in start-time order, one JSONL-shaped dict each."""
    if n_conversations < 0 or weeks < 1:
        raise ValueError("n_conversations must be >= 0 and weeks >= 1")
    first = date.fromisoformat(start)
    agents = make_agents(n_agents, seed, first)
    rng = random.Random(f"qa-synth/conversations/{seed}")
    r = rng.random
    n_days = weeks * 7
    dates = [(first + timedelta(days=i)).isoformat() for i in range(n_days + 3)]
    hms = [f"T{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}+08:00" for s in range(86400)]
    scenario_of, channel_of = _Weighted(SCENARIO_WEIGHTS), _Weighted(CHANNEL_WEIGHTS)
    mood_of = {k: _Weighted(v) for k, v in MOOD_WEIGHTS.items()}
    hour_of = _Weighted(HOUR_WEIGHTS)
    pending: dict[int, list[tuple]] = {}
    n_customers = 0

    def iso(day: int, secs: int) -> str:
        return dates[day + secs // 86400] + hms[secs % 86400]

    for day, count in enumerate(_daily_counts(n_conversations, first, n_days)):
        today = first + timedelta(days=day)
        staff = {
            t: _Weighted(
                {a: a.weight for a in agents if a.team == t and a.hire_date <= today}
                or {a: a.weight for a in agents if a.team == t}
            )
            for t in TEAMS
        }
        repeats = pending.pop(day, [])[:count]
        slots = sorted((hour_of(r) * 3600 + int(r() * 3600), i) for i in range(count))
        for k, (begin, i) in enumerate(slots):
            if i < len(repeats):
                customer, scenario, order = repeats[i]
                mood = mood_of["repeat"](r)
            else:
                n_customers += 1
                customer = _new_customer(r, n_customers)
                scenario = scenario_of(r)
                order = _order_id(r, today) if scenario not in ("product", "coupon") or r() < 0.3 else None
                mood = mood_of["complaint" if scenario == "complaint" else "normal"](r)
            agent: Agent = staff[TEAM_OF[scenario]](r)
            shown = behaviours(rng, agent)
            channel = channel_of(r)
            other_team = TEAMS[(TEAMS.index(agent.team) + 1 + int(r() * 2)) % 3]
            ctx = _Context(
                customer,
                name=agent.name,
                agent=agent.agent_id,
                order=order or "",
                phone=customer.phone,
                tail=customer.phone[-4:],
                item=_pick(r, BANKS[customer.lang]["items"]),
                wx=f"wx_{agent.agent_id.lower()}{int(r() * 900) + 100}",
                qq=str(int(r() * 9e8) + 10**8),
                team=other_team if customer.lang == "zh" else TEAM_EN[other_team],
            )
            transferred = r() < 0.03 + (0.1 if "unresolved" in shown else 0.0)
            plan = Plan(customer.lang, channel, scenario, mood, shown, i < len(repeats), transferred, ctx)
            messages = write_messages(rng, plan, begin)
            bad = badness(rng, mood, scenario, shown, mood != "calm")
            out = outcomes(rng, bad, channel, scenario, shown, customer.vip)
            tags = [] if r() < 0.04 else [SCENARIO_TAG[scenario]]
            if out["complaint_type"]:
                tags.append("complaint")
            if out["escalated"]:
                tags.append("escalation")
            if plan.repeat:
                tags.append("repeat_contact")
            if r() < out["repeat_p"]:
                due = day + 1 + int(r() * 6)
                if due < n_days:
                    pending.setdefault(due, []).append((customer, scenario, order))
            yield {
                "conversation_id": f"C{dates[day].replace('-', '')}{k + 1:05d}",
                "channel": channel,
                "agent_id": agent.agent_id,
                "customer_id": customer.customer_id,
                "started_at": iso(day, messages[0][0]),
                "ended_at": iso(day, messages[-1][0]),
                "csat": out["csat"],
                "tags": tags,
                "customer_tier": "vip" if customer.vip else "normal",
                "queue": QUEUE_OF[scenario],
                "escalated": out["escalated"],
                "transferred": transferred,
                "complaint_type": out["complaint_type"],
                "order_id": order,
                "messages": [{"ts": iso(day, t), "role": role, "text": text} for t, role, text in messages],
            }


def _daily_counts(n: int, first: date, n_days: int) -> list[int]:
    """Split ``n`` over the days: weekends quieter, volume growing a little; largest remainder."""
    weights = [
        (0.8 if (first + timedelta(days=d)).weekday() >= 5 else 1.0) * (1 + 0.15 * d / n_days) for d in range(n_days)
    ]
    total = sum(weights)
    exact = [n * w / total for w in weights]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(n_days), key=lambda d: (counts[d] - exact[d], d))
    for d in by_remainder[: n - sum(counts)]:
        counts[d] += 1
    return counts


def _pick(r, options: list[str]) -> str:
    return options[int(r() * len(options))]


def _new_customer(r, number: int) -> _Customer:
    phone = f"1{_pick(r, '3456789')}{int(r() * 1e9):09d}"
    return _Customer(
        customer_id=f"U{number:07d}",
        lang="en" if r() < ENGLISH_SHARE else "zh",
        vip=r() < VIP_SHARE,
        phone=phone,
        id_draws=(r(), r(), r()),
        card_draw=r(),
    )


_ID_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]
_REGIONS = ("110101", "110102", "110105", "110108", "310101", "310104", "310110")  # valid for every birth year drawn


def _id_number(birthday: float, region: float, serial: float) -> str:
    """A resident ID number with a valid GB 11643 check digit (fake person, real format), from
    three uniform draws."""
    birth = date(1965, 1, 1) + timedelta(days=int(birthday * 14000))
    body = f"{_REGIONS[int(region * len(_REGIONS))]}{birth:%Y%m%d}{int(serial * 1000):03d}"
    check = (12 - sum(int(c) * w for c, w in zip(body, _ID_WEIGHTS)) % 11) % 11
    return body + ("X" if check == 10 else str(check))


_LUHN_DOUBLE = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def _luhn_sum(digits: str) -> int:
    """Luhn checksum mod 10 (0 means the number passes)."""
    return (sum(map(int, digits[-1::-2])) + sum(_LUHN_DOUBLE[int(c)] for c in digits[-2::-2])) % 10


def _bank_card(draw: float) -> str:
    """A 16-digit UnionPay-style card number that passes the Luhn check, from one uniform draw."""
    body = f"6222{int(draw * 1e11):011d}"
    return body + str((10 - _luhn_sum(body + "0")) % 10)


def _order_id(r, day: date) -> str:
    """A 16-digit order number that fails the Luhn check, so PII detectors do not take it for a card."""
    number = f"{day:%y%m%d}{int(r() * 1e10):010d}"
    if _luhn_sum(number) == 0:
        number = number[:-1] + str((int(number[-1]) + 1) % 10)
    return number
