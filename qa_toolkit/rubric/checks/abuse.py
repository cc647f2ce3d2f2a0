"""abuse — the agent insults, mocks or personally attacks the customer (辱骂/人身攻击), Chinese
and English. Insults as words, not substrings: Latin-letter insults only as whole tokens (``sb``
never inside ``USB``), Chinese insults as phrases (滚 only as 滚开/你滚/滚蛋/给我滚, never in
滚筒 or 财源滚滚; 他妈的 but not 他妈妈). ``phrases`` adds literal phrases, ``exclude`` literal
exclusions.

Passes::

    check: {type: abuse}
    # agent: 这款滚筒洗衣机支持除菌洗，USB 接口在背面，祝您财源滚滚

Fails::

    check: {type: abuse}
    # agent: 你是不是有病，说了多少遍了
"""

from __future__ import annotations

from typing import Literal

from qa_toolkit.rubric.checks._base import Chunk, Outcomes
from qa_toolkit.rubric.checks._detector import Detector, DetectorConfig, detect

TYPE = "abuse"

DETECTOR = Detector(
    pattern="|".join(
        [
            r"傻逼|傻b|傻x|煞笔|沙比|你有病|有病吧|有病啊|是不是有病|神经病|白痴|弱智|蠢货|蠢猪|脑残|脑子有问题|脑子进水|有毛病",
            r"闭嘴|废物|找死|去死|他妈的|你妈|尼玛|妈的|特么|tmd|nmd|你算什么东西|你算老几|穷鬼|穷逼|买不起(?:就)?别",
            r"滚开|滚蛋|滚出去|给我滚|你滚|滚吧|滚!|滚！",
            r"(?:^|[^a-z])(?:sb|idiot|idiots|stupid|moron|dumb|dumbass|fuck|fucking|f\*+k?|wtf|retard|shut up|are you deaf)"
            r"(?:[^a-z]|$)",
        ]
    ),
    # words that only contain an insult: 妈妈 (他妈妈, 你妈妈), 滚滚 (财源滚滚吧)
    exclude=r"妈妈|滚滚",
)


class AbuseCheck(DetectorConfig):
    """abuse — the agent insults, mocks or personally attacks the customer (辱骂/人身攻击), Chinese and
    English; insults as words (Latin tokens whole, 滚 only as 滚开/你滚/滚蛋…), not substrings."""

    type: Literal["abuse"]


Config = AbuseCheck  # the registry's name for a check module's config model


def evaluate(config: AbuseCheck, frames: Chunk) -> Outcomes:
    """Fail with the first abusive message."""
    return detect(config, frames, DETECTOR, "abusive language")
