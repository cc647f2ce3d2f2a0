"""Hand-made conversations for the risk model: angry customers and slow agents lead to complaints."""

from __future__ import annotations

import random

import pandas as pd

ANGRY_ZH = ["我要投诉你们！", "什么破服务，太差了", "再不处理我就打12315", "我要退款，给差评"]
CALM_ZH = ["请问什么时候发货？", "好的谢谢", "麻烦帮我查一下订单", "可以开发票吗"]
ANGRY_EN = ["This is ridiculous, I want a refund!", "Worst service ever, I will file a complaint"]
CALM_EN = ["When will my order ship?", "Thanks, that helps"]
AGENT_ZH = ["您好，很高兴为您服务", "请稍等，我帮您查询", "已为您处理好了"]
AGENT_EN = ["Hello, happy to help", "Let me check that for you"]


def make_records(n: int = 160, seed: int = 7) -> list[dict]:
    """Small hand-made conversations: angry customers and slow agents lead to complaints."""
    rng = random.Random(seed)
    records = []
    for i in range(n):
        en = i % 5 == 0
        risky = rng.random() < 0.35
        angry, calm = (ANGRY_EN, CALM_EN) if en else (ANGRY_ZH, CALM_ZH)
        agent = AGENT_EN if en else AGENT_ZH
        start = pd.Timestamp("2026-03-02 09:00") + pd.Timedelta(minutes=37 * i)
        t, messages = start, []
        for _turn in range(rng.randint(2, 4)):
            text = rng.choice(angry if risky and rng.random() < 0.7 else calm)
            messages.append({"ts": t.isoformat(), "role": "customer", "text": text})
            t += pd.Timedelta(seconds=rng.randint(600, 1200) if risky else rng.randint(10, 90))
            messages.append({"ts": t.isoformat(), "role": "agent", "text": rng.choice(agent)})
            t += pd.Timedelta(seconds=30)
        complaint = risky if rng.random() > 0.1 else not risky  # label noise
        records.append(
            {
                "conversation_id": f"c{i:04d}",
                "channel": "chat",
                "agent_id": f"a{i % 4}",
                "started_at": start.isoformat(),
                "ended_at": t.isoformat(),
                "csat": (rng.choice([1, 2]) if complaint else rng.choice([4, 5])) if i % 9 else None,
                "tags": ["complaint"] if complaint else [],
                "escalated": complaint,
                "messages": messages,
            }
        )
    return records
