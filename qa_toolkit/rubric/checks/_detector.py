"""Built-in phrase detectors (diversion, abuse): a shipped phrase list a rubric can extend,
evaluated as a ``keywords`` check in ``none`` mode."""

from __future__ import annotations

from pydantic import Field

from qa_toolkit.rubric.checks import keywords
from qa_toolkit.rubric.checks._base import Frames, Outcomes, ScopedConfig


class DetectorConfig(ScopedConfig):
    phrases: list[str] = Field(default_factory=list, description="Added to the shipped list.")
    exclude: list[str] = Field(default_factory=list, description="Added to the shipped exclusions.")
    defaults: bool = Field(True, description="Use the shipped phrase list.")


def as_keywords(config: DetectorConfig, phrases: tuple[str, ...], exclude: tuple[str, ...]) -> keywords.Config:
    """The detector as a ``keywords`` check in mode ``none``: shipped + the rubric's phrases."""
    words = (list(phrases) if config.defaults else []) + config.phrases
    return keywords.Config(type="keywords", mode="none", phrases=words or ["\x00"], role=config.role,
                           first_turns=config.first_turns, last_turns=config.last_turns,
                           exclude=list(exclude) + config.exclude)


def detect(config: DetectorConfig, frames: Frames, phrases: tuple[str, ...], exclude: tuple[str, ...]) -> Outcomes:
    """Fail when any phrase (shipped + the rubric's) is said outside an exclusion."""
    return keywords.evaluate(as_keywords(config, phrases, exclude), frames)
