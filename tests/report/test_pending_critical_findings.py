"""A critical fail that waits for a grader (``critical: confirm``) has not zeroed the total, so the
report lists it as 一票否决待复核 (critical, pending review), never as a 一票否决 beside a
critical-failure count of 0; under ``critical: auto`` the same fail is a 一票否决 and counted."""

from __future__ import annotations

import pytest
from tiny_rubric import RUBRIC, data

from qa_toolkit.engine import score_chunks
from qa_toolkit.metrics import compute_metrics
from qa_toolkit.reporting import write_report

CONVERSATIONS = (
    ("c1", "a1", [("customer", "在吗"), ("agent", "您好，您的手机13812345678已登记")]),
    ("c2", "a1", [("customer", "在吗"), ("agent", "您好，请问有什么可以帮您")]),
)


def _metrics(mode: str):
    rubric = RUBRIC.model_copy(update={"critical": mode})
    ds = data(*CONVERSATIONS)
    results, scores = score_chunks(ds.conversations, ds.messages, rubric)
    return compute_metrics(ds.conversations, ds.messages, scores, results), ds, results, scores, rubric


@pytest.mark.parametrize(("mode", "kind", "counted"), [("confirm", "critical_pending", 0), ("auto", "critical", 1)])
def test_a_critical_fail_is_listed_as_pending_until_it_zeroes_the_total(mode, kind, counted):
    m = _metrics(mode)[0]
    assert m.findings[["conversation_id", "criterion_id", "kind"]].values.tolist() == [["c1", "pii", kind]]
    assert m.agent("a1")["critical_failures"] == counted


def test_the_agent_page_and_the_index_label_a_pending_critical_as_pending(tmp_path):
    _, ds, results, scores, rubric = _metrics("confirm")
    write_report(ds, results, scores, tmp_path, rubric=rubric)
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    agent = next((tmp_path / "agents").glob("*.html")).read_text(encoding="utf-8")
    for page in (index, agent):
        assert '<span class="tag critical_pending">一票否决待复核</span>' in page
    assert 'class="tag critical"' not in index  # (an agent's points lost mark a critical item as such)
