"""Metrics against values computed by hand on a four-conversation fixture."""

import math

import pandas as pd
import pytest
from metric_frames import T, make_frames

from qa_toolkit import frames
from qa_toolkit.metrics import ALL, MetricOptions, compute_metrics, mean_ci, period_label


@pytest.fixture()
def data():
    return make_frames()


def test_efficiency_by_hand(data):
    conv, msgs, scores, results, _ = data
    m = compute_metrics(conv, msgs, scores, results, options=MetricOptions(min_graded=2))
    s = m.sessions.set_index("conversation_id")
    # c1: customer 09:00 -> agent 09:01 (60 s); customer 09:02 -> agent 09:06 (240 s)
    assert s.loc["c1", "frt_s"] == 60 and s.loc["c1", "rt_sum_s"] == 300 and s.loc["c1", "n_within_sla"] == 1
    # c2: the bot in between is skipped: 09:00 -> 09:05 = 300 s; no ended_at -> message span
    assert s.loc["c2", "frt_s"] == 300 and s.loc["c2", "handle_s"] == 300
    assert s.loc["c3", "handle_s"] == 3600
    assert m.agent("a2")["n_review"] == 1  # conversations awaiting a human grade
    a1 = m.agent("a1")
    assert a1["art_mean_s"] == pytest.approx(600 / 3)
    assert a1["sla_rate"] == pytest.approx(1 / 3)
    assert math.isnan(a1["transfer_rate"])  # not recorded


def test_voice_channels_have_no_response_times(data):
    conv, msgs, scores, results, _ = data
    conv["channel"] = conv["channel"].mask(conv["conversation_id"] == "c1", "phone")
    s = compute_metrics(conv, msgs, scores, results).sessions.set_index("conversation_id")
    assert pd.isna(s.loc["c1", "frt_s"]) and s.loc["c1", "n_responses"] == 0 and s.loc["c1", "handle_s"] == 600
    assert s.loc["c2", "frt_s"] == 300


def test_sla_per_channel_override(data):
    conv, msgs, scores, results, _ = data
    m = compute_metrics(conv, msgs, scores, results, options=MetricOptions(sla_by_channel={"email": 3600}))
    assert m.sessions.set_index("conversation_id").loc["c3", "n_within_sla"] == 1


def test_email_counts_for_the_sla_but_not_for_response_time_means(data):
    conv, msgs, scores, results, _ = data
    m = compute_metrics(conv, msgs, scores, results, options=MetricOptions(sla_by_channel={"email": 3600}))
    s = m.sessions.set_index("conversation_id")
    # c3 (e-mail): 09:00 -> 09:30 is within its 1 h SLA, but 1800 s would swamp chat's seconds
    assert pd.isna(s.loc["c3", "frt_s"]) and s.loc["c3", "n_responses"] == 1
    a2 = m.agent("a2")
    assert math.isnan(a2["frt_mean_s"]) and math.isnan(a2["art_mean_s"])  # c4 has no reply, c3 is e-mail
    assert a2["sla_rate"] == 1.0
    with_email = compute_metrics(conv, msgs, scores, results, options=MetricOptions(async_channels=()))
    assert with_email.agent("a2")["frt_mean_s"] == 1800


def test_outcome_and_fcr(data):
    conv, msgs, scores, results, _ = data
    m = compute_metrics(conv, msgs, scores, results)
    s = m.sessions.set_index("conversation_id")
    assert pd.notna(s.loc["c1", "fcr"]) and not s.loc["c1", "fcr"]  # k1 came back the next day
    assert bool(s.loc["c2", "fcr"]) and bool(s.loc["c3", "fcr"])
    assert pd.isna(s.loc["c4", "fcr"])  # unknown customer
    team = m.teams.set_index("team").loc[ALL]
    assert team["complaint_rate"] == 0.25 and team["escalation_rate"] == 0.25
    assert team["csat_mean"] == pytest.approx(11 / 3) and team["csat_n"] == 3
    assert team["fcr_rate"] == pytest.approx(2 / 3)


def test_quality_ci_and_ranking(data):
    conv, msgs, scores, results, roster = data
    m = compute_metrics(conv, msgs, scores, results, roster=roster, options=MetricOptions(min_graded=2))
    a1 = m.agent("a1")
    assert a1["qa_mean"] == 80 and a1["agent_name"] == "张三" and a1["team"] == "T1"
    # t-interval, n = 2: 80 ± t(0.975, 1) * s / sqrt(2), s = sqrt(200)
    half = 12.706204736174698 * math.sqrt(200) / math.sqrt(2)
    assert mean_ci(pd.Series([90.0, 70.0])) == pytest.approx((80, 80 - half, 80 + half))
    assert (a1["ci_low"], a1["ci_high"]) == (0, 100)  # clipped to the score range
    assert a1["section_att"] == 75 and a1["rank"] == 1 and m.agent("a2")["critical_failures"] == 1
    crit = m.agent_criteria.set_index(["agent_id", "criterion_id"])
    assert crit.loc[("a1", "greet"), "pass_rate"] == 0.5
    assert crit.loc[("a2", "greet"), "n_na"] == 1 and crit.loc[("a2", "greet"), "pass_rate"] == 1.0
    assert crit.loc[("a1", "greet"), "team_pass_rate"] == pytest.approx(2 / 3)
    assert m.findings["kind"].tolist() == ["critical"] and m.findings["evidence_match"].iloc[0] == "6222"
    assert m.exemplars["conversation_id"].tolist() == ["c1"]
    assert set(m.teams["team"]) == {"T1", ALL}


def test_not_enough_data_gets_no_rank(data):
    conv, msgs, scores, results, _ = data
    m = compute_metrics(conv, msgs, scores.iloc[:3], results, options=MetricOptions(min_graded=2))
    a2 = m.agent("a2")
    assert a2["n_graded"] == 1 and not a2["enough_data"] and pd.isna(a2["rank"])


def test_weighted_by_inverse_inclusion_probability(data):
    conv, msgs, scores, results, _ = data
    manifest = pd.DataFrame(
        {
            "conversation_id": ["c1", "c2", "c3", "c4"],
            "inclusion_prob": [0.5, 1.0, 0.25, 1.0],
            "stratum": ["random", "complaint", "random", "critical"],
        }
    )
    m = compute_metrics(conv, msgs, scores, results, manifest=manifest, options=MetricOptions(min_graded=2))
    assert m.weighted
    a1 = m.agent("a1")
    mean = (2 * 90 + 1 * 70) / 3
    assert a1["qa_mean"] == pytest.approx(mean)
    var = 2 / 1 * (4 * (90 - mean) ** 2 + 1 * (70 - mean) ** 2) / 9
    _, low, high = mean_ci(pd.Series([90.0, 70.0]), pd.Series([2.0, 1.0]))
    assert high - mean == pytest.approx(12.706204736174698 * math.sqrt(var))
    assert (a1["ci_low"], a1["ci_high"]) == (max(low, 0), min(high, 100))
    assert m.agent("a2")["qa_mean"] == pytest.approx((4 * 80 + 0) / 5)
    # efficiency is over every conversation, never weighted
    assert m.agent("a1")["csat_mean"] == 3.5


def test_unweighted_when_scores_cover_more_than_the_sample(data):
    conv, msgs, scores, results, _ = data
    manifest = pd.DataFrame({"conversation_id": ["c1"], "inclusion_prob": [0.5], "stratum": ["random"]})
    m = compute_metrics(conv, msgs, scores, results, manifest=manifest)
    assert not m.weighted and m.agent("a1")["qa_mean"] == 80
    assert m.sessions["sampled"].sum() == 1


def test_mean_ci_equal_weights_is_plain_t_interval():
    values = pd.Series([70.0, 80.0, 90.0, 100.0])
    mean, low, high = mean_ci(values, pd.Series([3.0] * 4))
    half = 3.182446305284263 * values.std() / 2
    assert (mean, low, high) == pytest.approx((85, 85 - half, 85 + half))


def test_periods_and_trend(data):
    conv, msgs, scores, results, _ = data
    assert period_label(conv["started_at"], "week").tolist() == ["2026-W10", "2026-W10", "2026-W11", "2026-W12"]
    assert period_label(conv["started_at"], "month").unique().tolist() == ["2026-03"]
    m = compute_metrics(conv, msgs, scores, results, options=MetricOptions(period="month"))
    assert m.team_trend.set_index("team").loc[ALL, "qa_mean"] == 60


def test_date_window(data):
    conv, msgs, scores, results, _ = data
    m = compute_metrics(conv, msgs, scores, results, start=T("2026-03-05"), end=T("2026-03-15"))
    assert m.sessions["conversation_id"].tolist() == ["c3"]


def test_distribution_counts(data):
    conv, msgs, scores, results, _ = data
    m = compute_metrics(conv, msgs, scores, results)
    d = m.distribution
    team_bins = d[(d["level"] == "team") & (d["kind"] == "score_bin")].set_index("value")["n"]
    assert team_bins.to_dict() == {"90-100": 1, "70-79": 1, "80-89": 1, "0-59": 1}
    csat = d[(d["level"] == "agent") & (d["kind"] == "csat") & (d["key"] == "a1")]
    assert sorted(csat["value"]) == ["2", "5"]


def test_without_scores_or_timestamps(data):
    conv, msgs, scores, results, _ = data
    m = compute_metrics(conv, msgs, None)
    assert m.agent("a1")["n_graded"] == 0 and pd.isna(m.agent("a1")["qa_mean"]) and m.agent("a1")["csat_mean"] == 3.5
    untimed = frames.conform(conv.assign(started_at=None, ended_at=None), frames.CONVERSATIONS)
    m = compute_metrics(untimed, frames.conform(msgs.assign(ts=None), frames.MESSAGES), scores, results)
    assert m.agent("a1")["qa_mean"] == 80 and pd.isna(m.agent("a1")["frt_mean_s"])
    assert m.sessions["period"].isna().all() and m.sessions["fcr"].isna().all()


def test_metrics_and_timing_check_share_one_response_gap_definition():
    """metrics.response_times and the rubric timing check time the same replies the same way
    (one function, qa_toolkit.timing.response_gaps): a bot line between customer and agent
    does not break the turn, and a run of customer messages is timed from its first message."""
    from qa_toolkit.metrics import response_times
    from qa_toolkit.rubric.checks._base import Chunk
    from qa_toolkit.rubric.checks.timing import TimingCheck, evaluate

    conv, msgs, *_ = make_frames()
    rt = response_times(msgs, conv, MetricOptions()).set_index("conversation_id")
    check = evaluate(TimingCheck(type="timing", metric="first_response", max_seconds=60), Chunk(conv, msgs)).frame()
    assert rt.loc["c1", "frt_s"] == 60.0 and rt.loc["c2", "frt_s"] == 300.0
    assert list(check.loc[["c1", "c2"], "evidence_match"]) == ["60 s", "300 s"]
    assert list(check.loc[["c1", "c2"], "evidence_seq"]) == [1, 2]
    assert rt.loc["c1", "rt_sum_s"] == 60.0 + 240.0


def test_recorded_flags_read_the_shared_yes_no_words(data):
    conv, msgs, scores, results, _ = data
    conv["escalated"] = pd.Series(["是", "y", "no", None], dtype="object")
    s = compute_metrics(conv, msgs, scores, results).sessions.set_index("conversation_id")
    # c4 is tagged 'escalation': the tag counts even where the column is blank
    assert s["escalated"].tolist() == [True, True, False, True]
