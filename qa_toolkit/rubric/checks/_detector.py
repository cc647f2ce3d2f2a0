"""Built-in phrase detectors (diversion, abuse): a shipped phrase list a rubric can extend,
evaluated as a ``keywords`` check in ``none`` mode."""

from __future__ import annotations

import pandas as pd
from pydantic import Field

from qa_toolkit.rubric.checks import keywords
from qa_toolkit.rubric.checks._base import Frames, ScopedConfig


class DetectorConfig(ScopedConfig):
    phrases: list[str] = Field(default_factory=list, description="Added to the shipped list.")
    exclude: list[str] = Field(default_factory=list, description="Added to the shipped exclusions.")
    defaults: bool = Field(True, description="Use the shipped phrase list.")


def detect(config: DetectorConfig, frames: Frames, phrases: tuple[str, ...], exclude: tuple[str, ...]) -> pd.DataFrame:
    """Fail when any phrase (shipped + the rubric's) is said outside an exclusion."""
    words = (list(phrases) if config.defaults else []) + config.phrases
    kw = keywords.Config(type="keywords", mode="none", phrases=words or ["\x00"], role=config.role,
                         first_turns=config.first_turns, last_turns=config.last_turns,
                         exclude=list(exclude) + config.exclude)
    return keywords.evaluate(kw, frames)


