"""The check-type registry: one module per type, each with ``TYPE``, a pydantic ``Config``
and ``evaluate(config, frames) -> Outcomes`` (``_base``: verdict arrays over a chunk), and,
when it matches phrases, ``phrases(config)`` so one matching pass per chunk covers them; its
docstring is the user documentation. A new check type is a new module listed here."""

from __future__ import annotations

from types import ModuleType

from qa_toolkit.rubric.checks import (
    abuse,
    context,
    diversion,
    keywords,
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

MODULES: dict[str, ModuleType] = {m.TYPE: m for m in (keywords, regex, context, timing, metadata, pii,
                                                        diversion, abuse, secret_request, similar, model, llm,
                                                        manual)}
CHECK_CONFIGS = [m.Config for m in MODULES.values()]


def get(check_type: str) -> ModuleType:
    """The module of ``check_type``; ValueError naming the known types otherwise."""
    try:
        return MODULES[check_type]
    except KeyError:
        raise ValueError(f'no such check type: "{check_type}" (known: {", ".join(MODULES)})') from None
