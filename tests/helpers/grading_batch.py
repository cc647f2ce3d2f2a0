"""A sampled batch for grading-workbook tests: the manifest `qa sample` would write for the given
conversations (agent and channel from the data, one random stratum)."""

import pandas as pd

from qa_toolkit.frames import MANIFEST, conform


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
