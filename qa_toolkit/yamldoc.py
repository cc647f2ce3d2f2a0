"""YAML documents written by people (rubrics, sampling plans, run configs, column mappings):
YAML 1.2 through ruamel's round-trip loader — never PyYAML, which reads ``no`` as False — so
every node keeps its line and column, duplicate keys are refused, and a syntax error becomes a
Problem at ``file:line:col``; ``plain`` turns the tree into dicts and lists for pydantic."""

from __future__ import annotations

from typing import Any

from qa_toolkit.problems import Problem


def parse_yaml(text: str, source: str) -> tuple[Any, Problem | None]:
    """(the round-trip tree, None), or (None, the syntax problem with its position)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError

    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        return yaml.load(text), None
    except MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        message = " ".join(str(x) for x in (err.context, err.problem) if x) or str(err)
        code = "duplicate-key" if type(err).__name__ == "DuplicateKeyError" else "yaml-syntax"
        return None, Problem(source, message.replace("\n", " "), line=mark.line + 1 if mark else None,
                             col=mark.column + 1 if mark else None, code=code)
    except Exception as err:  # ruamel raises plain YAMLError subclasses without marks, too
        return None, Problem(source, f"not valid YAML: {err}", code="yaml-syntax")


def plain(node: Any) -> Any:
    """A round-trip tree as plain Python values: dicts (scalar keys kept, others as text), lists,
    and ruamel's scalar subclasses as bool/int/float/str."""
    if isinstance(node, dict):
        return {k if isinstance(k, (str, int, float, bool)) else str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    for kind in (bool, int, float, str):
        if isinstance(node, kind):
            return kind(node)
    return node
