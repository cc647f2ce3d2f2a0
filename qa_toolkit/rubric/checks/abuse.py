"""abuse — abusive or insulting language from the agent (辱骂/人身攻击), Chinese and English.
A shipped list, extended with ``phrases``; ``exclude`` protects product words (滚筒洗衣机).

Passes::

    check: {type: abuse}
    # agent: 这款滚筒洗衣机支持除菌洗

Fails::

    check: {type: abuse}
    # agent: 你是不是有病，听不懂吗
"""

from __future__ import annotations

from typing import Literal

from qa_toolkit.rubric.checks import keywords
from qa_toolkit.rubric.checks._base import Frames, Outcomes
from qa_toolkit.rubric.checks._detector import DetectorConfig, as_keywords, detect

TYPE = "abuse"

PHRASES = (
    "滚", "傻逼", "傻b", "煞笔", "sb", "你有病", "有病吧", "是不是有病", "有病啊", "神经病", "白痴", "弱智", "蠢货", "脑子有问题", "脑残",
    "闭嘴", "废物", "找死", "去死", "妈的", "他妈", "你算什么", "听不懂吗", "有毛病",
    "idiot", "stupid", "shut up", "moron", "dumb", "are you deaf", "f***", "fuck",
)
EXCLUDE = ("滚筒", "滚动", "滚轮", "滚珠", "打滚", "滚烫", "sbs", "sbc", "dumbbell")


class AbuseCheck(DetectorConfig):
    """abuse — abusive or insulting language from the agent (辱骂/人身攻击), Chinese and English. A shipped
    list, extended with ``phrases``; ``exclude`` protects product words (滚筒洗衣机)."""

    type: Literal["abuse"]


Config = AbuseCheck  # the registry's name for a check module's config model


def phrases(config: AbuseCheck) -> list[str]:
    """The phrases this check looks for (shipped + the rubric's)."""
    return keywords.phrases(as_keywords(config, PHRASES, EXCLUDE))


def evaluate(config: AbuseCheck, frames: Frames) -> Outcomes:
    """Fail with the first abusive message."""
    return detect(config, frames, PHRASES, EXCLUDE)
