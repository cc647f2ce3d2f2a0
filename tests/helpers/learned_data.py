"""Hand-made graded conversations for the learned-criterion tests: some customers complain,
some agents soothe them; a grader's verdict on ``soothe`` follows from that (na when nobody
complained), and on ``greeting`` from the agent's first words. Written here, so no test needs
fetched data."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pandas as pd
from service_rubric import service_rubric

COMPLAINTS = ["快递怎么还没到，太慢了", "东西坏了，我要投诉", "等了一个星期了，到底怎么回事", "质量太差了"]
QUESTIONS = ["请问可以开发票吗", "什么时候发货", "这个有货吗", "能改地址吗"]
SOOTHING = ["非常抱歉让您久等了，理解您的心情", "实在不好意思给您添麻烦了", "抱歉抱歉，我马上帮您加急"]
NEUTRAL = ["请提供一下订单号", "已为您查询，明天发货", "可以的，稍后为您开具", "好的，已经登记了"]
OPENERS = (["您好，很高兴为您服务", "亲，您好，请问有什么可以帮您"], ["订单号发一下", "嗯"])


def graded_records(n: int = 120, seed: int = 3) -> tuple[list[dict], list[dict]]:
    """(conversation records, grade rows: conversation_id, criterion_id, outcome)."""
    rng = random.Random(seed)
    records, grades = [], []
    for i in range(n):
        cid = f"g{i:04d}"
        complains, soothes, polite = rng.random() < 0.6, rng.random() < 0.5, rng.random() < 0.7
        messages = [
            {"role": "customer", "text": rng.choice(COMPLAINTS if complains else QUESTIONS)},
            {"role": "agent", "text": rng.choice(OPENERS[0] if polite else OPENERS[1])},
        ]
        for _ in range(rng.randint(1, 3)):
            messages.append({"role": "customer", "text": rng.choice(QUESTIONS)})
            messages.append({"role": "agent", "text": rng.choice(NEUTRAL)})
        if complains and soothes:  # the first reply after the opener soothes instead
            messages[3] = {"role": "agent", "text": rng.choice(SOOTHING)}
        records.append({"conversation_id": cid, "channel": "chat", "agent_id": f"a{i % 3}", "messages": messages})
        grades.append(
            {
                "conversation_id": cid,
                "criterion_id": "soothe",
                "outcome": "na" if not complains else "pass" if soothes else "fail",
            }
        )
        grades.append({"conversation_id": cid, "criterion_id": "greeting", "outcome": "pass" if polite else "fail"})
    return records, grades


def write_graded(folder: Path, n: int = 120, seed: int = 3) -> tuple[Path, Path]:
    """The records as JSONL and the grades as CSV in ``folder``."""
    records, grades = graded_records(n, seed)
    data, grades_csv = folder / "conversations.jsonl", folder / "grades.csv"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    pd.DataFrame(grades).to_csv(grades_csv, index=False)
    return data, grades_csv


def write_rubric(
    path: Path,
    greeting_check: str = "{type: keywords, phrases: [您好], first_turns: 1}",
    soothe_check: str = "{type: manual}",
    version: str = "1",
) -> Path:
    """A two-criterion rubric (greeting, soothe) with the given checks, at ``path``."""
    criteria = {"greeting": ("开场白", greeting_check), "soothe": ("安抚", soothe_check)}
    path.write_text(service_rubric("learned-test", criteria, version=version), encoding="utf-8")
    return path
