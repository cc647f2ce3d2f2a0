"""secret_request — the agent asks the customer to give them a payment password, bank PIN or
SMS verification code (索要密码或验证码): a request form (把验证码给我, 告诉我验证码, 验证码发我,
验证码是多少, 提供一下支付密码; "tell me the code you received"), in Chinese and English — even
inside a routine identity check. Mentioning that passwords exist, or warning not to share them
(请勿告诉他人, 客服不会索要验证码), is not asking. ``phrases`` adds literal phrases, ``exclude``
literal exclusions.

Passes::

    check: {type: secret_request}
    # agent: 客服不会索要验证码，请勿把验证码告诉任何人；支付密码在支付时输入即可

Fails (the shipped forms, and a team's own word added with ``phrases``)::

    check: {type: secret_request, phrases: [动态口令发我]}
    # agent: 我给您发了验证码，验证码给我下
    # agent: 请把动态口令发我核对一下
"""

from __future__ import annotations

from typing import Literal

from qa_toolkit.rubric.checks._base import Chunk, Outcomes
from qa_toolkit.rubric.checks._detector import WARNING_CLAUSE, Detector, DetectorConfig, detect

TYPE = "secret_request"

_SECRET = r"(?:验证码|校验码|动态码|短信码|支付密码|银行卡密码|交易密码|取款密码|登录密码|密码)"
_GAP = r"[^，。！？；,.!?;\n]{0,6}"
_LIST = r"[^。！？!?\n]{0,24}"  # a list of things asked for at once: 告知下，银行，卡号以及收到的验证码
DETECTOR = Detector(
    pattern="|".join(
        [
            rf"{_SECRET}{_GAP}(?:给我|发我|发给我|告诉我|发过来|发一下|发下|提供一下|提供下|报一下|报下|说一下|说下|是多少|多少)",
            rf"(?:告诉|提供|发给|发送给|报给|给|说给)(?:一下|下)?(?:我|客服|这边|咱们)(?:一下|下)?{_GAP}{_SECRET}",
            rf"(?:提供|告诉|告知|报|说)(?:一下|下)(?:您|你)?(?:的|收到的)?{_LIST}{_SECRET}",
            rf"把{_GAP}{_SECRET}(?:发|给|告诉|报|说)",
            r"(?:tell|give|send|share|provide|read)(?: me| us)?(?: out)?(?: your| the)?"
            r" (?:verification code|otp|one[- ]time (?:pass)?code|pin|password|sms code|security code|code you received)",
            r"what(?:'s| is) (?:your|the) (?:password|pin|verification code|otp|sms code)",
        ]
    ),
    exclude=WARNING_CLAUSE,
)


class SecretRequestCheck(DetectorConfig):
    """secret_request — the agent asks the customer for a payment password, bank PIN or SMS
    verification code (a request form, not a mention; warnings are cut out first)."""

    type: Literal["secret_request"]


Config = SecretRequestCheck  # the registry's name for a check module's config model


def evaluate(config: SecretRequestCheck, frames: Chunk) -> Outcomes:
    """Fail with the first message that asks for a password or verification code."""
    return detect(config, frames, DETECTOR, "request for a password or verification code")
