"""diversion — the agent sends the customer off the platform (引导站外交易/私下联系):
WeChat/QQ/Alipay and their disguises (微信, vx, 威信, 薇信, 加我QQ, 扣扣, 支付宝转账, 私下, 淘宝外, ...).
A shipped list, extended with ``phrases``; ``exclude`` spares warnings such as 请勿私下交易.

Passes::

    check: {type: diversion}
    # agent: 请勿私下转账，所有交易请在平台内完成

Fails::

    check: {type: diversion, phrases: [飞机号]}
    # agent: 加我vx，私下给你便宜点
"""

from __future__ import annotations

from typing import Literal

from qa_toolkit.rubric.checks import keywords
from qa_toolkit.rubric.checks._base import Frames, Outcomes
from qa_toolkit.rubric.checks._detector import DetectorConfig, as_keywords, detect

TYPE = "diversion"

PHRASES = (
    "微信", "加微", "加v", "vx", "v信", "威信", "薇信", "徽信", "wx号", "加我qq", "qq号", "扣扣", "企鹅号",
    "支付宝转账", "支付宝付", "转账给我", "转到我", "私下", "淘宝外", "站外", "线下交易", "线下付款",
    "加我好友", "我的私人号", "私人电话", "wechat", "whatsapp", "telegram", "paypal me",
    "pay me directly", "outside the platform", "off the platform", "my personal number",
)
EXCLUDE = ("请勿私下", "不要私下", "切勿私下", "谨防私下", "禁止私下", "不会私下", "请勿添加", "不要添加",
           "请勿站外", "don't pay outside", "never pay outside", "do not pay outside")


class DiversionCheck(DetectorConfig):
    """diversion — the agent sends the customer off the platform (引导站外交易/私下联系): WeChat/QQ/Alipay and
    their disguises (微信, vx, 威信, 薇信, 加我QQ, 扣扣, 支付宝转账, 私下, 淘宝外, ...). A shipped list, extended with
    ``phrases``; ``exclude`` spares warnings such as 请勿私下交易."""

    type: Literal["diversion"]


Config = DiversionCheck  # the registry's name for a check module's config model


def phrases(config: DiversionCheck) -> list[str]:
    """The phrases this check looks for (shipped + the rubric's)."""
    return keywords.phrases(as_keywords(config, PHRASES, EXCLUDE))


def evaluate(config: DiversionCheck, frames: Frames) -> Outcomes:
    """Fail with the first message that diverts the customer off the platform."""
    return detect(config, frames, PHRASES, EXCLUDE)
