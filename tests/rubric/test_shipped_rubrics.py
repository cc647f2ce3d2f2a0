"""The shipped rubrics judge ordinary, well-handled real-style conversations as a careful grader
would: no point lost for ordinary wording, nothing zeroed by a detector that only sees a brand word,
and a badly handled conversation still loses its points."""

import pandas as pd

from qa_toolkit.engine import score_chunks
from qa_toolkit.io import conversations_from_records
from qa_toolkit.resources import rubrics_dir
from qa_toolkit.rubric.loader import require_rubric


def _score(rubric: str, messages: list[tuple[str, str]]) -> tuple[pd.Series, pd.DataFrame]:
    record = {
        "conversation_id": "c1",
        "channel": "chat",
        "agent_id": "a1",
        "messages": [{"role": r, "text": t} for r, t in messages],
    }
    ds = conversations_from_records([record])
    results, scores = score_chunks(ds.conversations, ds.messages, require_rubric(rubrics_dir() / rubric))
    return scores.iloc[0], results.set_index("criterion_id")


def test_a_well_handled_english_conversation_loses_no_automatic_point():
    scores, results = _score(
        "ecommerce-en.yaml",
        [
            ("customer", "Hi, my blender stopped working after two days, really disappointed."),
            ("agent", "Hi there, I'm so sorry to hear that! Could you confirm the order number for me?"),
            ("customer", "It's 2611240001."),
            (
                "agent",
                "Thanks, I can see your order. I've arranged a replacement, it will arrive within 3 business days, "
                "and the courier will pick up the broken one.",
            ),
            ("customer", "Great, thanks."),
            ("agent", "You're welcome. Is there anything else I can help with? Have a great day!"),
        ],
    )
    lost = results[(results["outcome"] == "fail")]
    assert lost.empty, lost[["outcome", "note"]]
    assert scores["total"] == 100 and not scores["critical_failed"]


def test_a_well_handled_chinese_chat_in_real_wording_loses_no_automatic_point():
    scores, results = _score(
        "ecommerce-zh.yaml",
        [
            ("customer", "在吗"),
            ("agent", "在的呢 亲，有什么问题我可以帮您处理或解决呢?"),
            ("customer", "退款三天了还没到账，我挺着急的"),
            ("agent", "非常抱歉让您久等了，麻烦提供下订单号，小妹帮您查询"),
            ("customer", "[ORDERID_10124449]"),
            (
                "agent",
                "是[ORDERID_10124449]这笔订单吗？已为您催促财务，款项原路返还，微信零钱[数字x]-[数字x]个工作日到账",
            ),
            ("customer", "好的"),
            ("agent", "请问还有其他还可以帮到您的吗? 祝您生活愉快，财源滚滚来"),
        ],
    )
    not_bonus = results.drop(index="proactive_care")  # a bonus item "fails" when no bonus was earned
    lost = not_bonus[not_bonus["outcome"] == "fail"]
    assert lost.empty, lost[["outcome", "note"]]
    assert not scores["critical_failed"]


def test_a_badly_handled_chinese_chat_still_loses_its_points():
    scores, results = _score(
        "ecommerce-zh.yaml",
        [
            ("customer", "东西坏了，我要投诉！"),
            ("agent", "我不知道，你自己看说明书"),
            ("customer", "人呢？？什么时候能处理"),
            ("agent", "再等等吧"),
        ],
    )
    outcome = results["outcome"]
    assert outcome["greeting"] == "fail" and outcome["taboo"] == "fail" and outcome["apology"] == "fail"
    assert outcome["no_stalling"] == "fail" and outcome["timeline"] == "fail" and outcome["closing"] == "fail"
    assert scores["total"] < 60


def test_a_request_for_the_sms_code_is_a_critical_failure_pending_confirmation():
    scores, results = _score(
        "ecommerce-zh.yaml",
        [
            ("customer", "我要提现"),
            ("agent", "您好，为了核实身份给您发了验证码，验证码给我下"),
        ],
    )
    assert results.loc["ask_secret", "outcome"] == "fail"
    assert scores["critical_pending"] == "ask_secret" and not scores["critical_failed"] and scores["total"] > 0
