"""A sampled batch for grading-workbook tests: small chat conversations, and the manifest `qa sample`
would write for given conversations (agent and channel from the data, one random stratum)."""

import pandas as pd

from qa_toolkit.frames import MANIFEST, conform


def chat_records(n: int, agent_text: str) -> list[dict]:
    """``n`` one-exchange chats of agent A1 (ids c0, c1, …): the customer asks 在吗, the agent says ``agent_text``."""
    return [
        {
            "conversation_id": f"c{i}",
            "channel": "chat",
            "agent_id": "A1",
            "customer_id": f"u{i}",
            "started_at": "2026-11-10T10:00:00+08:00",
            "messages": [{"role": "customer", "text": "在吗"}, {"role": "agent", "text": agent_text}],
        }
        for i in range(n)
    ]


def batch_manifest(conversations: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    """MANIFEST rows of batch ``b1`` for the conversations ``ids``, in that order."""
    conv = conversations.drop_duplicates("conversation_id").set_index("conversation_id").loc[ids]
    return conform(
        pd.DataFrame(
            {
                "batch_id": "b1",
                "conversation_id": ids,
                "agent_id": conv["agent_id"].to_numpy(),
                "channel": conv["channel"].to_numpy(),
                "period": "2026-W46",
                "stratum": "random",
                "reason": "random",
                "inclusion_prob": 1.0,
                "seed": 1,
            }
        ),
        MANIFEST,
    )
