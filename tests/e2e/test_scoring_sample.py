"""Acceptance on the bundled sample data: the default rubric separates the agents the
generator made careless from the careful ones, and every critical failure carries evidence
that points at the offending message."""

import pandas as pd
import pytest

from qa_toolkit.engine import score_chunks
from qa_toolkit.io import read_conversations
from qa_toolkit.resources import default_rubric, sample_conversations
from qa_toolkit.rubric import load_rubric
from qa_toolkit.synth import generate

# the criterion each careless profile should fail far more often than careful agents do
PROFILE_CRITERION = {
    "no_greeting": "greeting",
    "slow": "max_response",
    "taboo": "taboo",
    "pii_leak": "pii",
    "off_platform": "diversion",
    "no_apology": "apology",
    "unresolved": "solution",
}


@pytest.fixture(scope="module")
def scored():
    data = read_conversations(sample_conversations())
    rubric, problems = load_rubric(default_rubric())
    assert rubric is not None, problems
    results, scores = score_chunks(data.conversations, data.messages, rubric)
    profiles = generate().profiles
    scores = scores.assign(profile=scores["agent_id"].map(profiles))
    results = results.merge(scores[["conversation_id", "profile"]], on="conversation_id")
    return data, results, scores


def test_careless_agents_score_clearly_lower(scored):
    _, _, scores = scored
    mean = scores.groupby("profile")["total"].mean()
    careless = scores[scores["profile"] != "good"]["total"].mean()
    assert careless < mean["good"] - 5, mean.round(1).to_dict()
    for profile in PROFILE_CRITERION:
        assert mean[profile] < mean["good"], (profile, mean.round(1).to_dict())


def test_each_profile_fails_its_criterion_far_more_often(scored):
    _, results, _ = scored
    judged = results[results["outcome"].isin(["pass", "fail"])]
    rate = judged.assign(fail=judged["outcome"].eq("fail")).groupby(["criterion_id", "profile"])["fail"].mean()
    for profile, criterion in PROFILE_CRITERION.items():
        bad, good = rate[(criterion, profile)], rate[(criterion, "good")]
        assert bad >= 3 * good and bad - good >= 0.3, (profile, criterion, round(bad, 2), round(good, 2))


def test_every_critical_failure_points_at_the_offending_message(scored):
    data, results, scores = scored
    crit = results[results["critical"] & results["outcome"].eq("fail")]
    assert len(crit) > 50
    assert crit["evidence_seq"].notna().all() and crit["evidence_match"].notna().all()
    msgs = data.messages.set_index(["conversation_id", "seq"])
    for row in crit.itertuples():
        message = msgs.loc[(row.conversation_id, row.evidence_seq)]
        assert message["role"] == "agent" and message["text"] == row.evidence_text
    pending = scores["critical_pending"].ne("")  # the shipped rubric confirms critical items
    assert set(scores[pending]["conversation_id"]) == set(crit["conversation_id"])
    assert not scores["critical_failed"].any() and (scores[pending]["total"] > 0).any()


def test_english_conversations_are_left_to_the_english_rubric(scored):
    _, _, scores = scored
    unscored = scores["total"].isna()
    assert 0 < unscored.mean() < 0.3
    assert pd.isna(scores.loc[unscored, "band"]).all()


def test_masking_inside_scoring_equals_masking_the_results(scored):
    from qa_toolkit.scoring import masked

    ds = scored[0]
    rubric, _ = load_rubric(default_rubric())
    results, scores = score_chunks(ds.conversations, ds.messages, rubric)
    fused, fused_scores = score_chunks(ds.conversations, ds.messages, rubric, mask=True)
    pd.testing.assert_frame_equal(fused, masked(results))
    pd.testing.assert_frame_equal(fused_scores, scores)
    assert fused["evidence_text"].ne(results["evidence_text"]).fillna(False).any()  # there was PII to mask


def test_a_message_without_text_is_evidence_without_text():
    from qa_toolkit.io import conversations_from_records

    ds = conversations_from_records(
        [
            {
                "conversation_id": "a",
                "agent_id": "x",
                "messages": [{"role": "agent", "text": "x"}, {"role": "customer", "text": "你好"}],
            }
        ]
    )
    messages = ds.messages.copy()
    messages.loc[0, "text"] = pd.NA
    rubric, _ = load_rubric(default_rubric())
    for mask in (False, True):
        results, _ = score_chunks(ds.conversations, messages, rubric, mask=mask)
        greeting = results[results["criterion_id"] == "greeting"].iloc[0]
        assert greeting["evidence_seq"] == 0 and pd.isna(greeting["evidence_text"])  # not ""
