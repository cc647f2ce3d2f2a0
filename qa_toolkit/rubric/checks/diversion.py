"""diversion — the agent steers the customer off the platform (引导站外交易/私下联系): offers a
personal contact handle for off-platform contact (加我微信, vx号 + an id, 加我QQ, 我的私人号), asks
for a private payment or transfer (私下转账, 打款到我个人账户, 支付宝/银行卡 number to pay into,
不走平台/不用在平台拍/线下交易), in Chinese and English. Platform-own uses are not diversion:
微信支付, a refund to 微信零钱, the shop's official account or the shop inside an app carry no
request to leave the platform, so a bare brand word never fails. Warnings (请勿私下交易) are cut
out first. ``phrases`` adds literal phrases, ``exclude`` literal exclusions.

Passes::

    check: {type: diversion}
    # agent: 退款会原路退回您的微信零钱，请勿私下转账

Fails::

    check: {type: diversion}
    # agent: 您加我微信，我私下给您处理，更快
"""

from __future__ import annotations

from typing import Literal

from qa_toolkit.rubric.checks._base import Chunk, Outcomes
from qa_toolkit.rubric.checks._detector import WARNING_CLAUSE, Detector, DetectorConfig, detect

TYPE = "diversion"

_APP = r"(?:微信|威信|薇信|徽信|v信|vx|wx|qq|扣扣|企鹅|whatsapp|telegram|飞机|钉钉)"
_PAY_TO = r"(?:转账|打款|汇款|付款|打钱|转钱|付钱|支付|转)"
DETECTOR = Detector(
    pattern="|".join(
        [
            # a personal contact handle offered for off-platform contact
            rf"(?:加|添加|加一下|加下|联系|私聊)(?:一下|下)?(?:我|本人)?(?:的)?(?:个人|私人)?(?:{_APP}|v(?:[^a-z]|$))",
            rf"(?:我的|我|个人|私人)(?:个人|私人)?{_APP}(?:号|号码)?",
            rf"{_APP}(?:号|号码|id)? *[:：是为]? *[a-z][a-z0-9_-]{{4,}}",
            r"私人(?:号|电话|手机|账号|账户)",
            # a private payment or transfer
            rf"私下(?:交易|{_PAY_TO}|联系|处理|沟通|给你|给您|退|补)",
            rf"{_PAY_TO}(?:到|给|至|进)(?:我|本人|我的|个人|私人)",
            rf"(?:直接|先)?{_PAY_TO}(?:到|给|至)?(?:以下|下面|这个)(?:的)?(?:账户|账号|卡号|银行卡|支付宝)",
            r"不(?:走|经过|通过)平台|不用在平台(?:上)?(?:拍|下单|付款|购买)|绕过平台|脱离平台|平台外(?:交易|付款|支付)",
            r"线下交易|站外(?:交易|付款|支付|购买)",
            # the agent hands out an account to pay into
            r"开户行(?:及|和)?(?:账号|帐号|卡号)|收款(?:账号|账户|户名|名称|人) *[:：]|(?:打款|转账|汇款)(?:的)?(?:截图|凭证|照片)",
            # English
            r"add me on|my (?:personal )?(?:wechat|whatsapp|telegram|line id|skype)|my personal (?:number|phone|email)",
            r"pay (?:me )?directly|pay me (?:by|via|through)|transfer (?:the money |it )?(?:directly )?to my",
            r"outside (?:of )?the (?:platform|app|store)|off[ -]the[ -]platform|off-platform|paypal\.me|paypal me",
            r"(?:our|my) bank account|beneficiary (?:name|account)|wire (?:the money|it|payment) to",
        ]
    ),
    exclude=WARNING_CLAUSE,
)


class DiversionCheck(DetectorConfig):
    """diversion — the agent steers the customer off the platform (引导站外交易/私下联系): a personal contact
    handle, a private payment or transfer; platform-own uses (微信支付, 微信零钱, official accounts) and
    warnings are not diversion. ``phrases`` adds literal phrases, ``exclude`` literal exclusions."""

    type: Literal["diversion"]


Config = DiversionCheck  # the registry's name for a check module's config model


def evaluate(config: DiversionCheck, frames: Chunk) -> Outcomes:
    """Fail with the first message that steers the customer off the platform."""
    return detect(config, frames, DETECTOR, "off-platform contact or payment")
