"""Reading conversation exports into the frames of ``qa_toolkit.frames``.

Public API: ``read_conversations``, ``iter_conversations``, ``read_roster``,
``conversations_from_records``, ``summarize`` (what ``qa data inspect`` shows).
"""

from qa_toolkit.io.formats import detect_format
from qa_toolkit.io.reader import concat_datasets, iter_conversations, read_conversations
from qa_toolkit.io.records import conversations_from_records
from qa_toolkit.io.roster import read_roster

__all__ = [
    "concat_datasets",
    "conversations_from_records",
    "detect_format",
    "iter_conversations",
    "read_conversations",
    "read_roster",
]
