"""`check: {type: any | all, checks: [...]}`: a team combines precise rules (and learned models)
into one criterion. `any` passes when one sub-check passes, `all` fails when one fails; N/A only
when every sub-check is; the evidence and note come from the sub-check that decided, named by
its place; sub-checks nest, and their phrases join the chunk's one matching pass."""

from __future__ import annotations

import pandas as pd
import pytest

from qa_toolkit.engine import score_chunks
from qa_toolkit.io import conversations_from_records
from qa_toolkit.problems import InputError
from qa_toolkit.rubric import checks, require_rubric
from qa_toolkit.scoring import vocabulary

RUBRIC = """\
id: combined
version: "1"
name: combined checks
language: zh
sections:
  - id: service
    name: 服务
    weight: 100
    criteria:
      - id: combined
        name: combined
        check: {check}
"""
HELLO = "{type: keywords, phrases: [您好]}"
THERE = "{type: keywords, phrases: [在的]}"
NO_IDEA = "{type: keywords, mode: none, phrases: [不知道]}"
ASKED = "{type: context, trigger: [投诉], phrases: [抱歉]}"  # N/A unless the customer complains


def conversations(*agent_lines: str, customer: str = "在吗"):
    """One conversation per agent line: the customer writes ``customer``, the agent replies."""
    return conversations_from_records(
        [
            {
                "conversation_id": f"c{i}",
                "channel": "chat",
                "agent_id": "a",
                "messages": [{"role": "customer", "text": customer}, {"role": "agent", "text": line}],
            }
            for i, line in enumerate(agent_lines)
        ]
    )


def judged(tmp_path, check: str, data) -> pd.DataFrame:
    path = tmp_path / "rubric.yaml"
    path.write_text(RUBRIC.format(check=check), encoding="utf-8")
    results, _ = score_chunks(data.conversations, data.messages, require_rubric(path))
    return results.set_index("conversation_id")


def test_any_passes_when_one_sub_check_passes_and_names_it(tmp_path):
    data = conversations("您好，请讲", "在的，请讲", "订单号发一下")
    out = judged(tmp_path, f"{{type: any, checks: [{HELLO}, {THERE}]}}", data)
    assert out["outcome"].to_dict() == {"c0": "pass", "c1": "pass", "c2": "fail"}
    assert out.loc["c1", "evidence_text"] == "在的，请讲" and out.loc["c1", "note"].startswith("check 2: ")
    assert out.loc["c0", "note"].startswith("check 1: ")


def test_all_fails_when_one_sub_check_fails_with_that_ones_evidence(tmp_path):
    data = conversations("您好，这边帮您查询", "您好，这个我不知道", "这个我不知道")
    out = judged(tmp_path, f"{{type: all, checks: [{HELLO}, {NO_IDEA}]}}", data)
    assert out["outcome"].to_dict() == {"c0": "pass", "c1": "fail", "c2": "fail"}
    assert out.loc["c1", "note"].startswith("check 2: ") and out.loc["c1", "evidence_text"] == "您好，这个我不知道"
    assert out.loc["c2", "note"].startswith("check 1: ")  # the first sub-check that failed decides


def test_a_sub_check_that_does_not_apply_does_not_count(tmp_path):
    calm, angry = conversations("您好"), conversations("您好", customer="我要投诉")
    both = f"{{type: all, checks: [{ASKED}, {HELLO}]}}"
    assert judged(tmp_path, both, calm).loc["c0", "outcome"] == "pass"  # the apology is N/A without a complaint
    assert judged(tmp_path, both, angry).loc["c0", "outcome"] == "fail"
    only_na = f"{{type: any, checks: [{ASKED}]}}"
    assert judged(tmp_path, only_na, calm).loc["c0", "outcome"] == "na"


def test_combined_checks_nest_and_share_the_matching_pass(tmp_path):
    nested = f"{{type: all, checks: [{{type: any, checks: [{HELLO}, {THERE}]}}, {NO_IDEA}]}}"
    data = conversations("在的，请讲", "在的，不知道", "请讲")
    assert judged(tmp_path, nested, data)["outcome"].to_dict() == {"c0": "pass", "c1": "fail", "c2": "fail"}
    path = tmp_path / "rubric.yaml"  # written by judged
    assert {"您好", "在的", "不知道"} <= vocabulary(require_rubric(path))
    assert {"您好", "在的"} <= checks.phrases(require_rubric(path).criteria[0][1].check)


def test_an_empty_or_unknown_sub_check_is_a_located_error(tmp_path):
    path = tmp_path / "rubric.yaml"
    path.write_text(RUBRIC.format(check="{type: any, checks: []}"), encoding="utf-8")
    with pytest.raises(InputError, match=r"rubric.yaml:12:\d+: error: field 'sections.0.criteria.0.check.checks'"):
        require_rubric(path)
    path.write_text(RUBRIC.format(check="{type: all, checks: [{type: nonsense}]}"), encoding="utf-8")
    with pytest.raises(InputError, match=r"rubric.yaml:12:\d+: error: .*nonsense"):
        require_rubric(path)
