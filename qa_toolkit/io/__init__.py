"""Reading conversation exports into the frames of ``qa_toolkit.frames``.

Public API: ``read_conversations``, ``iter_conversations``, ``read_roster``,
``conversations_from_records``, ``summarize`` (what ``qa data inspect`` shows).
"""

from qa_toolkit.io.validate import conversations_from_records

__all__ = ["conversations_from_records"]
