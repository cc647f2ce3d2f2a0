"""A 10 MB message must not make `qa risk predict` build gigabytes of character n-grams (issue
16: MemoryError traceback): the TF-IDF step reads at most MODEL_TEXT_CHARS of each side's text."""

from __future__ import annotations

from qa_toolkit.risk.features import MODEL_TEXT_CHARS, normalise_text


def test_the_model_reads_a_bounded_prefix_of_a_long_text():
    text = "我要投诉订单123456789太慢了！" * 500_000  # 9.5 million characters
    seen = normalise_text(text)
    assert len(seen) <= MODEL_TEXT_CHARS
    assert seen == normalise_text(text[:MODEL_TEXT_CHARS])
    assert normalise_text("ORDER 1234567 到底") == "order # 到底"  # short texts as before
