"""Parse rubric text: YAML 1.2 (``qa_toolkit.yamldoc``: ruamel round-trip, duplicate keys
refused; ``rubric.cache`` keeps the parsed document), validate with the pydantic models, and
place every problem at ``file:line:col`` using the line/column ruamel kept on each node
(``Locator``). Below ``lint`` and ``loader``, which both use it."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from pydantic import ValidationError

from qa_toolkit.problems import Problem
from qa_toolkit.rubric.cache import read_document
from qa_toolkit.rubric.checks import MODULES
from qa_toolkit.rubric.schema import Rubric
from qa_toolkit.yamldoc import Marks


@dataclass
class Locator:
    """Maps a path inside the YAML document (keys and list indexes) to a 1-based line/col, by the
    document's ``marks`` (``yamldoc.Document.marks``, or ``yamldoc.marks`` of a round-trip tree)."""

    file: str
    marks: Marks = field(repr=False)

    def position(self, path: Sequence[str | int], at_value: bool = False) -> tuple[int | None, int | None, list]:
        """The deepest node of ``path`` that exists: its key (or its value with ``at_value``)
        as 1-based line/col, and the part of ``path`` found in the file."""
        node, line, col, found = self.marks, None, None, []
        if isinstance(node, (dict, list)):
            line, col = 0, 0
        for i, step in enumerate(path):
            last = i == len(path) - 1
            if isinstance(node, dict) and step in node:
                key_line, key_col, value_line, value_col, node = node[step]
                line, col = (value_line, value_col) if (last and at_value) else (key_line, key_col)
                found.append(step)
            elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
                line, col, node = node[step]
                found.append(step)
            elif isinstance(node, (dict, list)):
                continue  # a pydantic union tag such as 'keywords' or a model name: not in the file
            else:
                break
        return (line + 1 if line is not None else None, col + 1 if col is not None else None, found)

    def problem(
        self, path: Sequence[str | int], message: str, *, level: str = "error", code: str = "", at_value: bool = False
    ) -> Problem:
        line, col, found = self.position(path, at_value)
        missing = path[len(found) :] if len(found) < len(path) and path[len(path) - 1] not in found else []
        field = ".".join(str(p) for p in [*found, *missing[-1:]]) or None
        return Problem(self.file, message, line=line, col=col, field=field, level=level, code=code)


def parse_rubric(
    text: str, file: str = "<rubric>", base_dir: str | os.PathLike | None = None
) -> tuple[Rubric | None, Locator | None, list[Problem]]:
    """Parse and validate rubric text; semantic rules are in ``lint``. ``base_dir``: the folder
    the rubric's relative file references (``learned`` models) start from."""
    doc, problem = read_document(text, file)
    if problem is not None:
        return None, None, [problem]
    locator = Locator(file, doc.marks)
    if not isinstance(doc.marks, dict):
        return (
            None,
            locator,
            [
                Problem(
                    file, "a rubric must be a YAML mapping (id, version, sections, ...)", line=1, col=1, code="schema"
                )
            ],
        )
    try:
        context = {"rubric_dir": str(base_dir)} if base_dir is not None else None
        return Rubric.model_validate(doc.data, context=context), locator, []
    except ValidationError as err:
        return None, locator, [_schema_problem(locator, e) for e in err.errors()]


def _schema_problem(locator: Locator, error: dict) -> Problem:
    path = [p for p in error["loc"] if not (isinstance(p, str) and p[:1].isupper())]
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "union_tag_invalid":
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
