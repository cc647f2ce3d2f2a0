"""Read a rubric file (``parse``: YAML, schema, ``file:line:col``) and lint it (``lint``): what
commands call to get a usable rubric."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from qa_toolkit.problems import InputError, Problem
from qa_toolkit.resources import default_rubrics
from qa_toolkit.rubric.lint import lint_rubric
from qa_toolkit.rubric.parse import Locator, parse_rubric
from qa_toolkit.rubric.schema import Rubric

__all__ = ["Locator", "load_rubric", "load_with_locator", "parse_rubric", "require_rubric", "require_rubrics"]


def load_rubric(path: str | os.PathLike) -> tuple[Rubric | None, list[Problem]]:
    """Read, validate and lint a rubric file. The Rubric is returned only when there are no
    errors (warnings are fine); problems are values with ``file:line:col``."""
    rubric, _, problems = load_with_locator(path)
    if rubric is None:
        return None, problems
    return (None if any(p.level == "error" for p in problems) else rubric), problems


def require_rubric(path: str | os.PathLike, tolerate: tuple[str, ...] = ()) -> Rubric:
    """The rubric at ``path``, or InputError with its errors (and a hint to lint it): what every
    command and runner that needs a usable rubric calls. Errors with a code in ``tolerate`` do
    not stop it (``qa criterion train`` retrains the very model a rubric refuses)."""
    rubric, _, problems = load_with_locator(path)
    errors = [p for p in problems if p.level == "error" and p.code not in tolerate]
    if rubric is None or errors:
        raise InputError(
            errors + [Problem(str(path), f"rubric has errors (run `qa rubric lint {path}`)", code="bad_rubric")]
        )
    return rubric


def require_rubrics(paths: Sequence[str | os.PathLike] | None = None) -> tuple[list[Rubric], list[Path]]:
    """(rubrics, paths) in routing order, each through ``require_rubric``; none given: the shipped
    set (ecommerce-zh, then ecommerce-en)."""
    paths = [Path(p) for p in paths] if paths else list(default_rubrics())
    return [require_rubric(p) for p in paths], paths


def load_with_locator(path: str | os.PathLike) -> tuple[Rubric | None, Locator | None, list[Problem]]:
    """Like ``load_rubric`` but also the Locator (for tools that report positions, e.g. tests)
    and the Rubric even when lint found errors in it."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        return None, None, [Problem(file, f"cannot read rubric: {err}", code="unreadable")]
    rubric, locator, problems = parse_rubric(text, file, Path(path).absolute().parent)
    if rubric is not None:
        problems = problems + lint_rubric(rubric, locator)
    return rubric, locator, problems
