"""A small hand-checked fixture of the five frames the metrics read."""

import numpy as np
import pandas as pd

from qa_toolkit import frames

TZ = "Asia/Shanghai"


def T(s):
    return pd.Timestamp(s, tz=TZ)


def make_frames():
    """conversations, messages, scores, results, roster of a small hand-checked fixture."""
    conv = frames.conform(
        pd.DataFrame(
            {
                "conversation_id": ["c1", "c2", "c3", "c4"],
                "channel": ["chat", "chat", "email", "chat"],
                "agent_id": ["a1", "a1", "a2", "a2"],
                "customer_id": ["k1", "k1", "k2", None],
                "started_at": [
                    T("2026-03-02 09:00"),
                    T("2026-03-03 09:00"),
                    T("2026-03-10 09:00"),
                    T("2026-03-20 09:00"),
                ],
                "ended_at": [T("2026-03-02 09:10"), pd.NaT, T("2026-03-10 10:00"), T("2026-03-20 09:05")],
                "csat": [5, 2, None, 4],
                "tags": [[], ["complaint"], [], ["escalation"]],
                "customer_tier": ["normal"] * 4,
                "queue": ["q"] * 4,
            }
        ),
        frames.CONVERSATIONS,
    )
    msgs = frames.conform(
        pd.DataFrame(
            {
                "conversation_id": ["c1"] * 4 + ["c2"] * 3 + ["c3"] * 2 + ["c4"],
                "seq": [0, 1, 2, 3, 0, 1, 2, 0, 1, 0],
                "ts": [
                    T("2026-03-02 09:00"),
                    T("2026-03-02 09:01"),
                    T("2026-03-02 09:02"),
                    T("2026-03-02 09:06"),
                    T("2026-03-03 09:00"),
                    T("2026-03-03 09:02"),
                    T("2026-03-03 09:05"),
                    T("2026-03-10 09:00"),
                    T("2026-03-10 09:30"),
                    T("2026-03-20 09:00"),
                ],
                "role": [
                    "customer",
                    "agent",
                    "customer",
                    "agent",
                    "customer",
                    "bot",
                    "agent",
                    "customer",
                    "agent",
                    "agent",
                ],
                "text": ["你好", "您好", "=HYPERLINK(\"x\")", "好的", "在吗", "机器人", "在的", "c", "d", "e"],
            }
        ),
        frames.MESSAGES,
    )
    scores = frames.conform(
        pd.DataFrame(
            {
                "conversation_id": ["c1", "c2", "c3", "c4"],
                "agent_id": ["a1", "a1", "a2", "a2"],
                "channel": ["chat", "chat", "email", "chat"],
                "started_at": conv["started_at"],
                "total": [90.0, 70.0, 80.0, 0.0],
                "critical_failed": [False, False, False, True],
                "critical_criteria": ["", "", "", "pii"],
                "n_review": [0, 0, 1, 0],
                "band": ["优秀", "合格", "良好", "不合格"],
                "rubric_id": "r",
                "rubric_version": "1",
                "section_att": [100.0, 50.0, np.nan, 0.0],
            }
        ),
        frames.SCORES,
    )
    results = frames.conform(
        pd.DataFrame(
            {
                "conversation_id": ["c1", "c2", "c3", "c4", "c4"],
                "section_id": ["att", "att", "att", "att", "sec"],
                "criterion_id": ["greet", "greet", "greet", "greet", "pii"],
                "outcome": ["pass", "fail", "na", "pass", "fail"],
                "points": [5, 0, 0, 5, 0],
                "max_points": [5, 5, 0, 5, 10],
                "critical": [False, False, False, False, True],
                "evidence_seq": [None, None, None, None, 0],
                "evidence_text": [None, None, None, None, "卡号 6222..."],
                "evidence_match": [None, None, None, None, "6222"],
                "note": [None] * 5,
            }
        ),
        frames.RESULTS,
    )
    roster = pd.DataFrame({"agent_id": ["a1", "a2"], "name": ["张三", "李四"], "team": ["T1", "T1"]})
    return conv, msgs, scores, results, roster
