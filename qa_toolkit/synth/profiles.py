"""Agents of the synthetic contact centre: ids, Chinese names, teams, hire dates and the
behaviour profile each one follows. A profile shows its behaviour in many, not all, of the
agent's conversations (``SHOW``); every agent lapses now and then (``LAPSE``), new hires more."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

TEAMS = ("售前组", "售后组", "物流组")
BAD_PROFILES = ("no_greeting", "slow", "taboo", "pii_leak", "off_platform", "no_apology", "unresolved")
PROFILES = ("good",) + BAD_PROFILES

#: Probability that an agent with the profile shows its behaviour in a given conversation.
SHOW = {
    "no_greeting": 0.75,
    "slow": 0.7,
    "taboo": 0.55,
    "pii_leak": 0.5,
    "off_platform": 0.45,
    "no_apology": 0.8,
    "unresolved": 0.6,
}
#: Background rate of each behaviour for every agent (tripled for new hires).
LAPSE = {
    "no_greeting": 0.03,
    "slow": 0.03,
    "taboo": 0.004,
    "pii_leak": 0.003,
    "off_platform": 0.002,
    "no_apology": 0.08,
    "unresolved": 0.07,
}
NEW_HIRE_LAPSE_FACTOR = 3.0

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余"
_GIVEN = "伟芳娜敏静丽强磊洋艳勇军杰娟涛明超秀霞平刚桂英华玉兰萍红波辉鑫婷雪琳晨欣宇浩然佳怡子涵梓萱思"


@dataclass(frozen=True)
class Agent:
    agent_id: str
    name: str
    team: str
    hire_date: date
    profile: str
    new_hire: bool
    weight: float  # relative share of the team's conversations


def make_agents(n_agents: int, seed: int, start: date) -> list[Agent]:
    """``n_agents`` agents spread over the three teams; about one in six is a new hire (hired
    from three weeks before to three weeks into the period). Pure function of its arguments."""
    if n_agents < len(TEAMS):
        raise ValueError(f"need at least {len(TEAMS)} agents (one per team), got {n_agents}")
    rng = random.Random(f"qa-synth/agents/{seed}")
    per_profile = max(1, n_agents // 15)
    n_bad = min(len(BAD_PROFILES) * per_profile, n_agents // 2)
    profiles = [BAD_PROFILES[i % len(BAD_PROFILES)] for i in range(n_bad)]
    profiles += ["good"] * (n_agents - n_bad)
    rng.shuffle(profiles)
    names = _unique_names(rng, n_agents)
    n_new = max(1, n_agents // 6)
    # new hires are the last agents of each team in turn, so every team keeps veterans
    new_idx = set(range(n_agents - 1, n_agents - 1 - n_new, -1))
    agents = []
    for i in range(n_agents):
        new = i in new_idx and i >= len(TEAMS)
        if new:
            hired = start + timedelta(days=int(rng.random() * 42) - 21)
        else:
            hired = start - timedelta(days=90 + int(rng.random() * 2200))
        agents.append(
            Agent(
                agent_id=f"A{i + 1:03d}",
                name=names[i],
                team=TEAMS[i % len(TEAMS)],
                hire_date=hired,
                profile=profiles[i],
                new_hire=new,
                weight=0.6 + rng.random() * 0.8,
            )
        )
    return agents


def _unique_names(rng: random.Random, n: int) -> list[str]:
    names: list[str] = []
    seen = set()
    while len(names) < n:
        given = rng.choice(_GIVEN) + (rng.choice(_GIVEN) if rng.random() < 0.7 else "")
        name = rng.choice(_SURNAMES) + given
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def behaviours(rng: random.Random, agent: Agent) -> frozenset[str]:
    """The behaviours this agent shows in one conversation: its profile's (often) plus lapses."""
    factor = NEW_HIRE_LAPSE_FACTOR if agent.new_hire else 1.0
    r = rng.random
    shown = {b for b, p in LAPSE.items() if r() < p * factor}
    if agent.profile != "good" and r() < SHOW[agent.profile]:
        shown.add(agent.profile)
    return frozenset(shown)
