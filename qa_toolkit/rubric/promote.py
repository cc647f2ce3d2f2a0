"""Flip a shadow criterion to live in the rubric file and write the evidence beside it, leaving
every other byte of the file as it was (comments, layout, flow lists wrapped by hand).

ruamel's round-trip tree (``yamldoc.parse_yaml``) locates the criterion's ``status`` value and
any earlier ``agreement`` line; only those lines are edited — re-emitting the whole tree would
re-wrap hand-wrapped lists — and the edited text is validated again before it is returned::

        status: live
        agreement: {n: 62, kappa: 0.7123, precision: 0.8, recall: 0.75, date: "2026-11-20", grades: "9f2c…"}
"""

from __future__ import annotations

import json

from ruamel.yaml.comments import CommentedMap

from qa_toolkit.problems import InputError, Problem
from qa_toolkit.rubric.parse import parse_rubric
from qa_toolkit.rubric.schema import Agreement
from qa_toolkit.yamldoc import parse_yaml


def promoted(text: str, file: str, criterion_id: str, agreement: Agreement) -> str:
    """``text`` (a rubric file) with criterion ``criterion_id`` made ``status: live`` and
    ``agreement`` written on the line after it; InputError when the file is not laid out so
    that this can be done safely (the criterion written as a flow mapping, no ``status`` key,
    an earlier ``agreement`` spread over several lines)."""
    tree, problem = parse_yaml(text, file)
    if problem is not None:
        raise InputError(problem)
    node = _criterion_node(tree, criterion_id)
    if node is None:
        raise InputError(Problem(file, f"no criterion '{criterion_id}'", code="promote"))
    line = node.lc.key("id")[0] + 1

    def refuse(message: str) -> InputError:
        return InputError(
            Problem(file, f"cannot promote '{criterion_id}': {message}", line, field="status", code="promote")
        )

    if node.fa.flow_style():
        raise refuse("it is written as a flow mapping {...}; write it as a block to promote it")
    if "status" not in node:
        raise refuse("it has no `status:` line")
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    at, col = node.lc.value("status")
    old = _scalar_token(lines[at], col)
    lines[at] = lines[at][:col] + "live" + lines[at][col + len(old) :]
    written = " " * node.lc.key("status")[1] + "agreement: " + _flow(agreement) + newline
    if "agreement" in node:
        start = node.lc.key("agreement")[0]
        if not _one_line(node["agreement"], start):
            raise refuse("its earlier `agreement:` spans several lines; put it on one line or remove it")
        lines[start] = written
    else:
        lines.insert(at + 1, written)
    result = "".join(lines)
    _check(result, file, criterion_id, agreement)
    return result


def _criterion_node(tree, criterion_id: str) -> CommentedMap | None:
    for section in (tree.get("sections") or []) if isinstance(tree, CommentedMap) else []:
        for criterion in (section.get("criteria") or []) if isinstance(section, CommentedMap) else []:
            if isinstance(criterion, CommentedMap) and str(criterion.get("id")) == criterion_id:
                return criterion
    return None


def _scalar_token(line: str, col: int) -> str:
    """The scalar written at ``col``: plain up to a space or comment, or quoted."""
    rest = line[col:]
    if rest[:1] in ("'", '"'):
        return rest[: rest.index(rest[0], 1) + 1]
    return rest.split("#")[0].split()[0]


def _one_line(value, line: int) -> bool:
    """Whether a mapping value sits wholly on its key's line (a flow mapping, as this module writes)."""
    return (
        isinstance(value, CommentedMap)
        and value.fa.flow_style()
        and value.lc.line == line
        and all(value.lc.value(k)[0] == line for k in value)
    )


def _flow(agreement: Agreement) -> str:
    """The evidence as a one-line flow mapping (strings quoted so YAML keeps them strings)."""
    items = (
        f"{k}: {'null' if v is None else json.dumps(v, ensure_ascii=False)}" for k, v in agreement.model_dump().items()
    )
    return "{" + ", ".join(items) + "}"


def _check(text: str, file: str, criterion_id: str, agreement: Agreement) -> None:
    """The edited rubric must still be valid, with the criterion live and the evidence read back."""
    rubric, _, problems = parse_rubric(text, file)
    found = {c.id: c for _, c in rubric.criteria} if rubric is not None else {}
    criterion = found.get(criterion_id)
    if criterion is None or criterion.status != "live" or criterion.agreement != agreement:
        raise InputError(
            problems
            or Problem(
                file, f"promoting '{criterion_id}' would not read back; the file was left as it was", code="promote"
            )
        )
