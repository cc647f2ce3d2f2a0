"""The check-type registry: one module per type, each with ``TYPE``, a pydantic ``Config``
and ``evaluate(config, frames) -> Outcomes`` (``_base``: verdict arrays over a chunk), and,
when it matches phrases, ``phrases(config)`` so one matching pass per chunk covers them; its
docstring is the user documentation. A new check type is a new module listed here.

A check that holds other checks (``any``/``all``, a ``learned`` model that reads a rule's
outcome) also has ``parts(config)``: its sub-checks, each a check config or a rule (check and
``when``) as JSON. The registry evaluates them and hands their outcomes in, as
``evaluate(config, frames, parts)``; so no check module imports the registry, and the union of
every check type (``Check``) is built here, once."""

from __future__ import annotations

from functools import lru_cache
from types import ModuleType
from typing import Annotated, Union

from pydantic import BaseModel, ConfigDict, Field

from qa_toolkit.rubric.checks import (
    abuse,
    all_of,
    any_of,
    context,
    diversion,
    keywords,
    learned,
    llm,
    manual,
    metadata,
    model,
    pii,
    regex,
    secret_request,
    similar,
    timing,
)
from qa_toolkit.rubric.checks._base import CheckConfig, Chunk, Outcomes
from qa_toolkit.rubric.matching import saying
from qa_toolkit.rubric.predicates import Predicate, phrases_said
from qa_toolkit.rubric.predicates import evaluate as evaluate_predicate

MODULES: dict[str, ModuleType] = {
    m.TYPE: m
    for m in (
        keywords,
        regex,
        context,
        timing,
        metadata,
        pii,
        diversion,
        abuse,
        secret_request,
        similar,
        model,
        llm,
        learned,
        any_of,
        all_of,
        manual,
    )
}
CHECK_CONFIGS = [m.Config for m in MODULES.values()]
Check = Annotated[Union[tuple(CHECK_CONFIGS)], Field(discriminator="type")]  # noqa: UP007
for _module in (any_of, all_of):
    _module.Config.model_rebuild(_types_namespace={"Check": Check})

#: The note of an outcome made N/A by a ``when`` condition.
NOT_APPLICABLE = "not applicable (when)"


class Rule(BaseModel):
    """A check with its applicability condition, as a criterion holds them (e.g. the rule a
    learned model reads, stored in the model file as JSON)."""

    model_config = ConfigDict(extra="forbid")

    check: Check
    when: Predicate | None = None


def get(check_type: str) -> ModuleType:
    """The module of ``check_type``; ValueError naming the known types otherwise."""
    try:
        return MODULES[check_type]
    except KeyError:
        raise ValueError(f'no such check type: "{check_type}" (known: {", ".join(MODULES)})') from None


def evaluate(check: CheckConfig, frames: Chunk, when=None) -> Outcomes:
    """Verdicts of ``check`` for the chunk (its sub-checks first, if it has any), N/A where the
    ``when`` condition is false or unknown."""
    module = get(check.type)
    if hasattr(module, "parts"):
        out = module.evaluate(check, frames, [evaluate(c, frames, w) for c, w in map(_part, module.parts(check))])
    else:
        out = module.evaluate(check, frames)
    if when is not None:
        applies = evaluate_predicate(
            when, frames.conversations, frames.messages, frames.derived, lambda said: saying(frames, said)
        )
        out.set(~applies.reindex(frames.index).fillna(False).astype(bool).to_numpy(), "na", NOT_APPLICABLE)
    return out


def phrases(check: CheckConfig, when=None) -> set[str]:
    """Every phrase ``check`` (with its sub-checks) and ``when`` look for, so one matching pass
    per chunk serves them all."""
    module = get(check.type)
    words = set(module.phrases(check)) if hasattr(module, "phrases") else set()
    for sub, sub_when in map(_part, module.parts(check) if hasattr(module, "parts") else []):
        words |= phrases(sub, sub_when)
    return words | set(phrases_said(when))


def _part(item: CheckConfig | str) -> tuple[CheckConfig, object]:
    """(check, when) of a sub-check: a config as it is, a rule from its JSON."""
    return (item, None) if isinstance(item, CheckConfig) else _rule(item)


@lru_cache(maxsize=256)
def _rule(text: str) -> tuple[CheckConfig, object]:
    rule = Rule.model_validate_json(text)
    return rule.check, rule.when
