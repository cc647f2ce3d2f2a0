"""Built-in detectors (diversion, abuse, secret_request): a shipped pattern of what the behaviour
looks like, a shipped pattern of what only resembles it (warnings such as 请勿私下交易, the
platform's own uses), and the rubric's own literal phrases on top. A detector fails a
conversation on the first message in scope that shows the behaviour.

Patterns are RE2 syntax (no lookaround), matched case-insensitively on the vectorised engine; a
span the ``exclude`` pattern matches is cut out before the behaviour is looked for, so a warning
clause ("请勿把验证码告诉他人") can never be read as a request."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import Field

from qa_toolkit.rubric.bounded import UNDECIDED
from qa_toolkit.rubric.checks._base import Chunk, Outcomes, ScopedConfig, describe_scope
from qa_toolkit.rubric.matching import first_regex_hits

#: A warning or refusal runs from its word to the end of its clause: nothing inside it is the behaviour.
WARNING_CLAUSE = (
    r"(?:请勿|请不要|不要|切勿|千万不要|千万别|谨防|严禁|禁止|不会|绝不|不可以|不能|以免|防止|避免|无需|不需要|"
    r"never|do not|don't|dont|won't|will not|must not|should not)[^，。！？；,.!?;\n]*"
)


@dataclass(frozen=True)
class Detector:
    """What a detector looks for (``pattern``) and what it cuts out first (``exclude``)."""

    pattern: str
    exclude: str


class DetectorConfig(ScopedConfig):
    phrases: list[str] = Field(default_factory=list, description="Literal phrases added to the shipped pattern.")
    exclude: list[str] = Field(default_factory=list, description="Literal phrases cut out before matching.")
    defaults: bool = Field(True, description="Use the shipped pattern.")


def compiled(config: DetectorConfig, detector: Detector) -> tuple[str, str | None]:
    """(pattern, exclude pattern) of the detector as this rubric configures it, case-insensitive."""
    wanted = ([detector.pattern] if config.defaults else []) + [re.escape(p) for p in config.phrases]
    spared = ([detector.exclude] if config.defaults else []) + [re.escape(p) for p in config.exclude]
    pattern = "(?i)" + "|".join(f"(?:{p})" for p in wanted) if wanted else r"[^\s\S]"  # nothing to find: never matches
    return pattern, ("(?i)" + "|".join(f"(?:{p})" for p in spared) if spared else None)


def detect(config: DetectorConfig, frames: Chunk, detector: Detector, what: str) -> Outcomes:
    """Pass, or fail with the first message in scope that shows the behaviour and the span matched."""
    pattern, exclude = compiled(config, detector)
    hits = first_regex_hits(frames, frames.scope(config), pattern, exclude)
    out = Outcomes(frames, "pass")
    out.put(hits.undecided, "review", UNDECIDED)
    out.put(hits.rows, "fail", f"{what} in {describe_scope(config)}", hits.match)
    return out
