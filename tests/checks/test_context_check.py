"""The context check's answer windows count, per conversation, the agent messages with a smaller
seq (repeated seqs allowed through the library API); the rule itself is checked against its
specification in tests/spec/test_context_check_spec.py."""

import numpy as np
import pandas as pd

from qa_toolkit import frames as contracts
from qa_toolkit.rubric.checks import context
from qa_toolkit.rubric.checks._base import Chunk


def test_agent_messages_before_counts_smaller_seqs_only():
    msgs = pd.DataFrame(
        {
            "conversation_id": ["a"] * 6 + ["b"] * 3,
            "seq": [0, 1, 1, 2, 2, 3, 0, 1, 1],
            "ts": pd.NaT,
            "role": ["agent", "agent", "customer", "agent", "customer", "agent", "agent", "customer", "agent"],
            "text": "x",
        }
    )
    conv = pd.DataFrame({"conversation_id": ["a", "b"]})
    chunk = Chunk(contracts.conform(conv, contracts.CONVERSATIONS), contracts.conform(msgs, contracts.MESSAGES))
    agent = chunk.role_mask("agent")
    rows = np.arange(9)
    got = context._agent_messages_before(chunk, agent, rows)
    assert got.tolist() == [0, 1, 1, 2, 2, 3, 0, 1, 1]
