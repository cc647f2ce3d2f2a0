"""Read a rubric file: YAML 1.2 (``qa_toolkit.yamldoc``: ruamel round-trip, duplicate keys
refused), validate with the pydantic models, and report every problem as ``file:line:col``
using the line/column ruamel keeps on each node (``Locator``)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from qa_toolkit.problems import InputError, Problem
from qa_toolkit.rubric.model import Rubric
from qa_toolkit.yamldoc import parse_yaml, plain


@dataclass
class Locator:
    """Maps a path inside the YAML document (keys and list indexes) to a 1-based line/col."""

    file: str
    tree: Any

    def position(self, path: Sequence[str | int], at_value: bool = False) -> tuple[int | None, int | None, list]:
        """The deepest node of ``path`` that exists: its key (or its value with ``at_value``)
        as 1-based line/col, and the part of ``path`` found in the file."""
        node, line, col, found = self.tree, None, None, []
        if isinstance(node, (CommentedMap, CommentedSeq)):
            line, col = 0, 0
        for i, step in enumerate(path):
            last = i == len(path) - 1
            if isinstance(node, CommentedMap) and step in node:
                line, col = node.lc.value(step) if (last and at_value) else node.lc.key(step)
                node = node[step]
                found.append(step)
            elif isinstance(node, CommentedSeq) and isinstance(step, int) and 0 <= step < len(node):
                line, col = node.lc.item(step)
                node = node[step]
                found.append(step)
            elif isinstance(node, (CommentedMap, CommentedSeq)):
                continue  # a pydantic union tag such as 'keywords' or a model name: not in the file
            else:
                break
        return (line + 1 if line is not None else None, col + 1 if col is not None else None, found)

    def problem(self, path: Sequence[str | int], message: str, *, level: str = "error", code: str = "",
                at_value: bool = False) -> Problem:
        line, col, found = self.position(path, at_value)
        missing = path[len(found):] if len(found) < len(path) and path[len(path) - 1] not in found else []
        field = ".".join(str(p) for p in [*found, *missing[-1:]]) or None
        return Problem(self.file, message, line=line, col=col, field=field, level=level, code=code)


def parse_rubric(text: str, file: str = "<rubric>",
                 base_dir: str | os.PathLike | None = None) -> tuple[Rubric | None, Locator | None, list[Problem]]:
    """Parse and validate rubric text; semantic rules are in ``lint``. ``base_dir``: the folder
    the rubric's relative file references (``learned`` models) start from."""
    tree, problem = parse_yaml(text, file)
    if problem is not None:
        return None, None, [problem]
    locator = Locator(file, tree)
    if not isinstance(tree, CommentedMap):
        return None, locator, [Problem(file, "a rubric must be a YAML mapping (id, version, sections, ...)",
                                       line=1, col=1, code="schema")]
    try:
        context = {"rubric_dir": str(base_dir)} if base_dir is not None else None
        return Rubric.model_validate(plain(tree), context=context), locator, []
    except ValidationError as err:
        return None, locator, [_schema_problem(locator, e) for e in err.errors()]


def _schema_problem(locator: Locator, error: dict) -> Problem:
    path = [p for p in error["loc"] if not (isinstance(p, str) and p[:1].isupper())]
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "union_tag_invalid":
        from qa_toolkit.rubric.checks import MODULES

        tag = error.get("ctx", {}).get("tag")
        message = f'unknown check type "{tag}" (known: {", ".join(MODULES)})'
        path = [*path, "type"]
    elif error["type"] == "missing":
        message = f"missing required key '{path[-1]}'"
    elif error["type"] == "extra_forbidden":
        message = f"unknown key '{path[-1]}'"
    elif error["type"] == "union_tag_not_found":
        message = "a check needs a 'type' (one of the check types)"
    elif error["type"] == "string_type" and isinstance(error.get("input"), (int, float, bool)):
        message = f"expected text, got {error['input']!r}: quote it (\"{error['input']}\")"
    code = "unknown-check" if error["type"] == "union_tag_invalid" else "schema"
    return locator.problem(path, message, code=code, at_value=error["type"] not in ("missing", "extra_forbidden"))


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
        raise InputError(errors + [Problem(str(path), f"rubric has errors (run `qa rubric lint {path}`)",
                                           code="bad_rubric")])
    return rubric


def require_rubrics(paths: Sequence[str | os.PathLike] | None = None) -> tuple[list[Rubric], list[Path]]:
    """(rubrics, paths) in routing order, each through ``require_rubric``; none given: the shipped
    set (ecommerce-zh, then ecommerce-en)."""
    from qa_toolkit.resources import default_rubrics

    paths = [Path(p) for p in paths] if paths else list(default_rubrics())
    return [require_rubric(p) for p in paths], paths


def load_with_locator(path: str | os.PathLike) -> tuple[Rubric | None, Locator | None, list[Problem]]:
    """Like ``load_rubric`` but also the Locator (for tools that report positions, e.g. tests)
    and the Rubric even when lint found errors in it."""
    from qa_toolkit.rubric.lint import lint_rubric

    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        return None, None, [Problem(file, f"cannot read rubric: {err}", code="unreadable")]
    rubric, locator, problems = parse_rubric(text, file, Path(path).absolute().parent)
    if rubric is not None:
        problems = problems + lint_rubric(rubric, locator)
    return rubric, locator, problems
