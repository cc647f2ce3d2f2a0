"""Outcome fields that follow from what happened in a conversation, with noise: CSAT,
complaint and its type, escalation, and whether the customer comes back within a week.
A latent "badness" adds up mood, scenario and the agent's behaviours plus Gaussian noise, so
a model has a real but imperfect signal to learn."""

from __future__ import annotations

import math
import random

MOOD_WEIGHT = {"calm": 0.0, "anxious": 0.6, "angry": 1.6}
SCENARIO_WEIGHT = {"complaint": 0.8, "return_refund": 0.3, "logistics": 0.2}
BEHAVIOUR_WEIGHT = {
    "unresolved": 1.5,
    "taboo": 1.6,
    "no_apology": 0.9,
    "slow": 0.8,
    "no_greeting": 0.3,
    "off_platform": 0.5,
    "pii_leak": 0.3,
}
#: complaint type by scenario, before agent-attitude complaints take over
COMPLAINT_TYPE = {
    "logistics": "logistics",
    "return_refund": "after_sales",
    "product": "product_quality",
    "invoice": "after_sales",
    "coupon": "price_dispute",
    "complaint": "product_quality",
}
RATED = {"chat": 0.7, "social": 0.6, "phone": 0.55, "email": 0.4}


def badness(rng: random.Random, mood: str, scenario: str, shown: frozenset, upset: bool) -> float:
    """How badly the conversation went, on a rough 0..5 scale, noisy."""
    b = MOOD_WEIGHT[mood] + SCENARIO_WEIGHT.get(scenario, 0.0)
    for behaviour, weight in BEHAVIOUR_WEIGHT.items():  # fixed order: float sums must not depend on set order
        if behaviour in shown and (behaviour != "no_apology" or upset):
            b += weight
    return b + rng.gauss(0.0, 0.7)


def outcomes(rng: random.Random, bad: float, channel: str, scenario: str, shown: frozenset, vip: bool) -> dict:
    """csat (or None), complaint_type (or None), escalated, and the repeat-contact probability."""
    r = rng.random
    csat = None
    if r() < RATED[channel] + (0.1 if bad > 2 else 0.0):
        csat = min(5, max(1, round(5.2 - 0.9 * bad + rng.gauss(0.0, 0.6))))
    complaint_type = None
    if r() < _sigmoid(-3.7 + 1.15 * bad):
        attitude = ("taboo" in shown or "no_apology" in shown) and r() < 0.6
        complaint_type = "agent_attitude" if attitude else COMPLAINT_TYPE[scenario]
        if r() < 0.1:
            complaint_type = "other"
    escalated = r() < (0.35 + (0.15 if vip else 0.0) if complaint_type else 0.015 + 0.01 * max(bad, 0.0))
    repeat_p = 0.04 + (0.3 if "unresolved" in shown else 0.0) + (0.12 if complaint_type else 0.0)
    return {"csat": csat, "complaint_type": complaint_type, "escalated": escalated, "repeat_p": repeat_p}


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))
