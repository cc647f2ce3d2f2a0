"""Both report formats take an agent's rows as records from one pass over the all-agent frame
(``view.part_records``): each agent gets exactly the records of its own rows, in their order."""

from metric_frames import make_frames

from qa_toolkit.metrics import MetricOptions, compute_metrics
from qa_toolkit.report import ReportInput, view


def test_each_agent_gets_the_records_of_its_own_rows_in_order():
    conv, msgs, scores, results, roster = make_frames()
    rep = ReportInput(compute_metrics(conv, msgs, scores, results, roster=roster, options=MetricOptions()), msgs)
    lost = view.lost_points(rep, "a1")
    frame = view._all_lost(rep)
    agents = frame["agent_id"].unique().tolist()
    assert len(agents) >= 2 and len(lost)  # more than one agent, so a wrong split would show
    for agent in agents:
        own = frame[frame["agent_id"] == agent]
        assert view.part_records(rep, frame, "agent_id", agent) == view.records(own)
    assert view.lost_records(rep, "a1") == view.records(lost)
    assert view.part_records(rep, frame, "agent_id", "nobody") == []
