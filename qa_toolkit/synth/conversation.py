"""One conversation's messages: the steps a real chat, call or e-mail goes through (bot,
greeting, problem, verification, empathy, solution, closing), bent by the agent's behaviours
in this conversation and by the customer's mood. Times are seconds from the day's midnight."""

from __future__ import annotations

import random
from dataclasses import dataclass

from qa_toolkit.synth.phrases import BANKS


@dataclass
class Plan:
    """Everything decided about a conversation before its text is written."""

    lang: str  # zh | en
    channel: str  # chat | phone | email | social
    scenario: str
    mood: str  # calm | anxious | angry
    shown: frozenset  # behaviours the agent shows in this conversation
    repeat: bool  # the customer already contacted us about this
    transferred: bool  # handed over to another team at the end
    ctx: dict  # placeholder values: name, agent, order, phone, tail, id_no, card, item, wx, qq, team


def write_messages(rng: random.Random, plan: Plan, start: int) -> list[tuple[int, str, str]]:
    """The conversation as ``(seconds, role, text)``, starting at ``start``."""
    bank = BANKS[plan.lang]
    ctx = plan.ctx
    r = rng.random
    channel = plan.channel
    shown = plan.shown
    upset = plan.mood != "calm"
    slow = "slow" in shown
    product_like = plan.scenario in ("product", "coupon")
    msgs: list[tuple[int, str, str]] = []
    clock = [start]

    def choose(options: list[str]) -> str:
        return options[int(r() * len(options))].format_map(ctx)

    def pick(key: str) -> str:
        return choose(bank[key])

    def say(role: str, text: str) -> None:
        if msgs:
            clock[0] += _gap(r, channel, role, msgs[-1][1], slow)
        msgs.append((clock[0], role, text))

    problem = choose(bank["open"][plan.scenario][plan.mood])
    if plan.repeat:
        problem = pick("repeat_open") + problem
    greeting = (
        pick("no_greet_start")
        if "no_greeting" in shown
        else pick({"phone": "phone_greet", "email": "email_greet"}.get(channel, "greet"))
    )

    if channel == "phone":
        say("agent", greeting)
        say("customer", problem)
    elif channel == "email":
        say("customer", problem + " " + pick("give_product" if product_like else "give_order"))
    else:
        if r() < 0.45:
            say("bot", pick("bot_greet"))
            say("customer", problem)
            say("bot", pick("bot_transfer"))
            if r() < 0.12:
                say("system", pick("system_transfer"))
            say("agent", greeting)
        else:
            say("customer", problem)
            say("agent", greeting)

    if channel == "email":
        say("agent", greeting + (pick("empathy") if upset and "no_apology" not in shown else ""))
    else:
        say("agent", pick("verify_product" if product_like else "verify"))
        say("customer", pick("give_product" if product_like else "give_order"))
        if upset and "no_apology" not in shown:
            say("agent", pick("empathy"))
        if "pii_leak" in shown:
            say("agent", pick("pii_leak"))
        elif not product_like and r() < 0.5:
            say("agent", pick("verified"))
        more = {"angry": "angry_more", "anxious": "anxious_more"}.get(plan.mood, "calm_more")
        for _ in range(_extra_turns(r, plan.mood)):
            say("customer", pick(more))
            say("agent", pick("phone_fill" if channel == "phone" else "wait"))

    if "taboo" in shown:
        say("agent", pick("taboo"))
        if r() < 0.7:
            say("customer", pick("angry_more"))
    if "off_platform" in shown:
        say("agent", pick("off_platform"))
        if channel != "email":
            say("customer", pick("off_platform_reply"))

    unresolved = "unresolved" in shown
    say("agent", pick("vague") if unresolved else choose(bank["solution"][plan.scenario]))
    if plan.transferred:
        say("agent", pick("handover"))
        say("system", pick("system_hand_over"))
        return msgs
    if unresolved:
        say("customer", pick("unhappy"))
        return msgs
    if channel == "email":
        msgs[-1] = (msgs[-1][0], "agent", msgs[-1][2] + pick("email_close"))
        return msgs
    say("customer", pick("ack"))
    if r() < 0.93:  # even good agents sometimes forget to close
        say("agent", pick("closing_ask"))
        say("customer", pick("no_more"))
        say("agent", pick("closing_bye"))
    return msgs


def _extra_turns(r, mood: str) -> int:
    x = r()
    if mood == "angry":
        return 1 + int(x * 3)
    if mood == "anxious":
        return int(x * 2.5)
    return int(x * 1.25)


def _gap(r, channel: str, role: str, prev_role: str, slow: bool) -> int:
    """Seconds before this message: agents answer in seconds to a minute or two; a slow agent
    often takes 3-10 minutes; calls move in seconds, e-mails in hours."""
    x = r()
    if channel == "email":
        return int(1800 + x * 5 * 3600) if role == "agent" else int(600 + x * 7200)
    if channel == "phone":
        if role == "agent" and slow and x < 0.5:
            return int(60 + r() * 180)  # long holds
        return int(2 + x * 15)
    if role in ("bot", "system"):
        return int(1 + x * 4)
    if role == "agent":
        if prev_role == "agent":
            return int(3 + x * 20)
        if slow and x < 0.6:
            return int(180 + r() * 420)
        if x < 0.04:
            return int(90 + r() * 150)
        return int(5 + x * 55)
    return int(5 + x * 100)
