"""A two-section rubric exercising every criterion kind, and conversations scored with it."""

from qa_toolkit.engine import score_chunks
from qa_toolkit.io import conversations_from_records
from qa_toolkit.rubric.schema import Rubric

RUBRIC = Rubric.model_validate(
    {
        "id": "t",
        "version": "3",
        "name": "t",
        "language": "zh",
        "bands": [{"name": "A", "min": 90}, {"name": "B", "min": 60}, {"name": "C", "min": 0}],
        "sections": [
            {
                "id": "s1",
                "name": "态度",
                "weight": 60,
                "criteria": [
                    {"id": "greet", "name": "问候", "points": 10, "check": {"type": "keywords", "phrases": ["您好"]}},
                    {
                        "id": "taboo",
                        "name": "禁语",
                        "points": 10,
                        "fail_section": True,
                        "check": {"type": "keywords", "mode": "none", "phrases": ["不知道"]},
                    },
                    {
                        "id": "sorry",
                        "name": "致歉",
                        "points": 20,
                        "check": {"type": "context", "trigger": ["投诉"], "phrases": ["抱歉"]},
                    },
                    {
                        "id": "bonus",
                        "name": "加分",
                        "points": 10,
                        "kind": "bonus",
                        "check": {"type": "keywords", "phrases": ["补发"]},
                    },
                    {
                        "id": "deduct",
                        "name": "扣分",
                        "points": 15,
                        "kind": "deduction",
                        "check": {"type": "keywords", "mode": "none", "phrases": ["急什么"]},
                    },
                ],
            },
            {
                "id": "s2",
                "name": "合规",
                "weight": 40,
                "criteria": [
                    {"id": "pii", "name": "信息安全", "points": 10, "critical": True, "check": {"type": "pii"}},
                    {"id": "grade", "name": "准确性", "points": 10, "check": {"type": "manual"}},
                ],
            },
        ],
    }
)


def data(*convs):
    records = [
        {
            "conversation_id": cid,
            "channel": "chat",
            "agent_id": agent,
            "messages": [{"role": r, "text": t} for r, t in msgs],
        }
        for cid, agent, msgs in convs
    ]
    ds = conversations_from_records(records)
    assert not ds.log.problems
    return ds


def score(*convs):
    ds = data(*convs)
    return score_chunks(ds.conversations, ds.messages, RUBRIC)


def row(scores, cid):
    return scores.set_index("conversation_id").loc[cid]
