"""Phrase banks for the synthetic conversations, Chinese (zh) and English (en), keyed by the
conversation step, the scenario and the customer's mood. Placeholders are filled per
conversation with ``str.format_map``: {name} {order} {phone} {tail} {id_no} {card} {item}
{wx} {team}. Service taboo (服务禁语), off-platform and data-leak phrases are here too, so the
rubric engine has real, varied text to catch. The banks are data: ``phrases.json`` beside this
module, one object per language."""

from __future__ import annotations

import json
from pathlib import Path

#: Language -> the phrase bank of that language.
BANKS: dict[str, dict] = json.loads(Path(__file__).with_name("phrases.json").read_text(encoding="utf-8"))
