"""Semantic rules a schema cannot express: duplicate ids, section weights that do not add up
to 100, critical items that can never fail, conditions on unknown fields, empty or duplicate
phrases, regexes RE2 cannot run or that can backtrack for ever, criteria without examples. Each rule is a small generator of Problems."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator

from qa_toolkit.learning.store import cached_model
from qa_toolkit.problems import InputError, Problem
from qa_toolkit.rubric.bounded import TEXT_BUDGET, nested_quantifier, python_syntax, re2_error
from qa_toolkit.rubric.parse import Locator
from qa_toolkit.rubric.predicates import KNOWN_FIELDS, fields_used
from qa_toolkit.rubric.schema import Criterion, Rubric

Rule = Callable[[Rubric, Locator], Iterator[Problem]]
WEIGHT_TOTAL = 100.0


def _criteria(rubric: Rubric) -> Iterator[tuple[list, Criterion]]:
    for si, section in enumerate(rubric.sections):
        for ci, criterion in enumerate(section.criteria):
            yield ["sections", si, "criteria", ci], criterion


def duplicate_ids(rubric: Rubric, loc: Locator) -> Iterator[Problem]:
    seen: set[str] = set()
    for si, section in enumerate(rubric.sections):
        if section.id in seen:
            yield loc.problem(
                ["sections", si, "id"], f"duplicate section id '{section.id}'", code="duplicate-id", at_value=True
            )
        seen.add(section.id)
    seen = set()
    for path, criterion in _criteria(rubric):
        if criterion.id in seen:
            yield loc.problem(
                [*path, "id"], f"duplicate criterion id '{criterion.id}'", code="duplicate-id", at_value=True
            )
        seen.add(criterion.id)


def weights(rubric: Rubric, loc: Locator) -> Iterator[Problem]:
    total = sum(s.weight for s in rubric.sections)
    if abs(total - WEIGHT_TOTAL) > 1e-6:
        yield loc.problem(["sections"], f"section weights add up to {total:g}, not {WEIGHT_TOTAL:g}", code="weights")
    for si, section in enumerate(rubric.sections):
        if not any(c.kind == "standard" for c in section.criteria) and section.weight > 0:
            yield loc.problem(
                ["sections", si, "weight"],
                f"section '{section.id}' has weight but only bonus/deduction criteria: it can never score",
                code="weights",
            )


def unknown_fields(rubric: Rubric, loc: Locator) -> Iterator[Problem]:
    known = set(KNOWN_FIELDS) | set(rubric.fields)
    for path, criterion in _criteria(rubric):
        conditions = [("when", criterion.when)]
        if criterion.check.type == "metadata":
            conditions.append(("check", criterion.check.condition))
        for key, condition in conditions:
            for name in fields_used(condition) if condition is not None else []:
                if name not in known:
                    critical = criterion.critical and key == "when"
                    yield loc.problem(
                        [*path, key],
                        f"condition refers to unknown field '{name}' (declare it under "
                        "`fields:` if your exports carry it)"
                        + ("; this critical item can never fail" if critical else ""),
                        level="error" if critical else "warning",
                        code="unknown-field",
                    )


def unreachable_critical(rubric: Rubric, loc: Locator) -> Iterator[Problem]:
    for path, criterion in _criteria(rubric):
        if criterion.critical and criterion.kind == "bonus":
            yield loc.problem(
                [*path, "critical"], "a bonus item can never fail: critical is unreachable", code="unreachable-critical"
            )
        check = criterion.check
        if check.type == "keywords" and check.mode == "at_least" and check.count > len(set(check.phrases)):
            yield loc.problem(
                [*path, "check", "count"],
                f"at_least {check.count} of {len(set(check.phrases))} phrases can never pass",
                code="unreachable",
            )


def phrases(rubric: Rubric, loc: Locator) -> Iterator[Problem]:
    for path, criterion in _criteria(rubric):
        check = criterion.check
        for key in ("phrases", "trigger", "exclude"):
            values = getattr(check, key, None)
            if not isinstance(values, list):
                continue
            for i, phrase in enumerate(values):
                if not phrase.strip():
                    yield loc.problem(
                        [*path, "check", key, i], "empty phrase matches every message", code="empty-phrase"
                    )
            for phrase, n in Counter(values).items():
                if n > 1:
                    yield loc.problem(
                        [*path, "check", key, values.index(phrase)],
                        f"phrase '{phrase}' listed {n} times",
                        level="warning",
                        code="duplicate-phrase",
                    )
        if getattr(check, "first_turns", None) and getattr(check, "last_turns", None):
            yield loc.problem(
                [*path, "check"],
                "first_turns and last_turns together: only the overlap is read",
                level="warning",
                code="scope",
            )


def regexes(rubric: Rubric, loc: Locator) -> Iterator[Problem]:
    """A regex RE2 refuses runs on Python's engine under a time budget (a warning); a nested
    quantifier there can take exponential time (an error), on RE2 never (a warning)."""
    for path, criterion in _criteria(rubric):
        check = criterion.check
        for key in ("pattern", "exclude") if check.type == "regex" else ():
            pattern = getattr(check, key)
            if pattern is None:
                continue
            where = [*path, "check", key]
            refused = re2_error(pattern)
            if refused is not None:
                yield loc.problem(
                    where,
                    f"RE2 cannot run this pattern ({refused}): it runs on Python's engine, at "
                    f"most {TEXT_BUDGET:g} s a message, and a message that takes longer is left for "
                    "review; without lookaround, back-references and repetitions over 1000 it runs "
                    "on RE2",
                    level="warning",
                    code="regex-engine",
                    at_value=True,
                )
            if nested_quantifier(pattern):
                slow = python_syntax(pattern)
                yield loc.problem(
                    where,
                    "nested quantifier (a repeated part that itself repeats, like (a+)+): "
                    + (
                        "on Python's engine it can take exponential time and leave messages for review; "
                        "make each part repeat once"
                        if slow
                        else "harmless on RE2, exponential if a lookaround, \\s, \\w, \\d, \\b or $ ever "
                        "sends it to Python's engine"
                    ),
                    level="error" if slow else "warning",
                    code="regex-backtracking",
                    at_value=True,
                )


def examples(rubric: Rubric, loc: Locator) -> Iterator[Problem]:
    for path, criterion in _criteria(rubric):
        if not criterion.examples:
            yield loc.problem(
                [*path, "id"], f"criterion '{criterion.id}' has no examples", level="warning", code="no-examples"
            )
        elif criterion.check.type != "manual":
            expected = {e.expect for e in criterion.examples}
            for missing in ("pass", "fail"):
                if missing not in expected:
                    yield loc.problem(
                        [*path, "examples"],
                        f"criterion '{criterion.id}' has no '{missing}' example",
                        level="warning",
                        code="no-examples",
                    )


def _checks(check, path: list) -> Iterator[tuple[list, object]]:
    """``check`` and, depth first, the sub-checks of ``any``/``all``, with their paths."""
    yield path, check
    for i, sub in enumerate(getattr(check, "checks", None) or []):
        yield from _checks(sub, [*path, "checks", i])


def learned_models(rubric: Rubric, loc: Locator) -> Iterator[Problem]:
    """A ``learned`` check's model must load (skops, allow-listed types) and have been trained
    for this criterion id and this rubric id and version."""
    for path, criterion in _criteria(rubric):
        for at, check in _checks(criterion.check, [*path, "check"]):
            if check.type != "learned":
                continue
            try:
                why = cached_model(check.path).mismatch(rubric.id, rubric.version, criterion.id)
            except InputError as err:
                why = "; ".join(p.message for p in err.problems)
            if why:
                yield loc.problem(
                    [*at, "model"],
                    f"model {check.path}: {why.removeprefix('refusing to load the model: ')}",
                    code="learned-model",
                    at_value=True,
                )


def bands(rubric: Rubric, loc: Locator) -> Iterator[Problem]:
    names = [b.name for b in rubric.bands]
    for i, name in enumerate(names):
        if name in names[:i]:
            yield loc.problem(["bands", i, "name"], f"duplicate band '{name}'", code="duplicate-id", at_value=True)
    if rubric.bands and min(b.min for b in rubric.bands) > 0:
        yield loc.problem(["bands"], "no band starts at 0: low totals get no band", level="warning", code="bands")


RULES: tuple[Rule, ...] = (
    duplicate_ids,
    weights,
    unknown_fields,
    unreachable_critical,
    phrases,
    regexes,
    examples,
    learned_models,
    bands,
)


def lint_rubric(rubric: Rubric, locator: Locator) -> list[Problem]:
    """Every rule's problems, sorted by position."""
    found = [p for rule in RULES for p in rule(rubric, locator)]
    return sorted(found, key=lambda p: (p.line or 0, p.col or 0, p.message))
