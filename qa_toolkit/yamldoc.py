"""YAML documents written by people (rubrics, sampling plans, run configs, column mappings):
YAML 1.2 through ruamel's round-trip loader — never PyYAML, which reads ``no`` as False — so
every node keeps its line and column, duplicate keys are refused, and a syntax error becomes a
Problem at ``file:line:col``; ``plain`` turns the tree into dicts and lists for pydantic.

Anchors and aliases (``&polite`` … ``*polite``) are welcome for sharing a phrase list, but a
document whose aliases would add more than ``ALIAS_NODES`` nodes when expanded (a "billion
laughs" bomb is under 1 KB), that refers to itself, or that nests deeper than ``MAX_DEPTH`` is
refused as a Problem before anything expands it.

A ``Document`` is what readers keep of a parse: the plain values and the ``marks`` (0-based
line and column of every key, value and item) that place a problem at ``file:line:col``;
``encode``/``decode`` turn it into JSON and back exactly, so it can be cached without ruamel
(``rubric.cache``). ruamel is imported only when a text is parsed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qa_toolkit.problems import Problem

#: Nodes that aliases may add to a document when expanded (a shared list of 500 phrases used
#: 20 times is 10,000).
ALIAS_NODES = 10_000
MAX_DEPTH = 64

#: The marks of a node: a mapping's are ``{key: (key line, key col, value line, value col, the
#: value's marks)}``, a sequence's ``[(line, col, the item's marks), ...]``, a scalar's None.
Marks = dict | list | None


def parse_yaml(text: str, source: str) -> tuple[Any, Problem | None]:
    """(the round-trip tree, None), or (None, the syntax problem with its position)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError

    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        tree = yaml.load(text)
    except MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        message = " ".join(str(x) for x in (err.context, err.problem) if x) or str(err)
        code = "duplicate-key" if type(err).__name__ == "DuplicateKeyError" else "yaml-syntax"
        return None, Problem(
            source,
            message.replace("\n", " "),
            line=mark.line + 1 if mark else None,
            col=mark.column + 1 if mark else None,
            code=code,
        )
    except RecursionError:
        return None, Problem(source, f"nested deeper than {MAX_DEPTH} levels", code="yaml-depth")
    except Exception as err:  # ruamel raises plain YAMLError subclasses without marks, too
        return None, Problem(source, f"not valid YAML: {err}", code="yaml-syntax")
    refused = _shape_problem(tree)
    if refused is not None:
        line, col = _first_alias(yaml, text)
        return None, Problem(source, refused, line=line, col=col, code="yaml-aliases" if line else "yaml-depth")
    return tree, None


def _shape_problem(tree: Any) -> str | None:
    """Why the tree may not be expanded (aliases adding more than ``ALIAS_NODES`` nodes, an
    alias inside the node it names, nesting past ``MAX_DEPTH``), or None. Walks each distinct
    node once (a shared node's expanded size is remembered), so a bomb is measured without
    being expanded."""
    size: dict[int, int] = {}  # expanded node count of each container walked
    written = 1  # nodes as written: the root, and each container's entries once (an alias as one)
    stack: list[tuple[Any, list, int]] = []  # (container, children left, running size)
    open_ids: set[int] = set()

    def children(node) -> list:
        return [x for kv in node.items() for x in kv] if isinstance(node, dict) else list(node)

    def enter(node) -> str | None:
        nonlocal written
        if id(node) in open_ids:
            return "an alias refers to a node that contains it: the document would never end"
        if len(stack) >= MAX_DEPTH:
            return f"nested deeper than {MAX_DEPTH} levels"
        kids = children(node)
        written += len(kids)
        stack.append((node, kids[::-1], 1))
        open_ids.add(id(node))
        return None

    if not isinstance(tree, (dict, list)):
        return None
    refused = enter(tree)
    while stack and refused is None:
        node, kids, total = stack[-1]
        if not kids:
            stack.pop()
            open_ids.discard(id(node))
            size[id(node)] = total
            if stack:
                parent, rest, subtotal = stack[-1]
                stack[-1] = (parent, rest, subtotal + total)
            continue
        kid = kids.pop()
        if not isinstance(kid, (dict, list)):
            stack[-1] = (node, kids, total + 1)
        elif id(kid) in size:
            stack[-1] = (node, kids, total + size[id(kid)])
        else:
            refused = enter(kid)
    if refused is None and size[id(tree)] - written > ALIAS_NODES:
        return (
            f"aliases would expand this document by {size[id(tree)] - written:,} nodes (at most "
            f"{ALIAS_NODES:,}): an alias bomb, or shared parts too large to repeat"
        )
    return refused


def _first_alias(yaml, text: str) -> tuple[int | None, int | None]:
    """1-based line and column of the first alias in ``text`` (None, None when there is none)."""
    from ruamel.yaml.events import AliasEvent

    for event in yaml.parse(text):
        if isinstance(event, AliasEvent):
            return event.start_mark.line + 1, event.start_mark.column + 1
    return None, None


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


@dataclass(frozen=True)
class Document:
    """A parsed YAML document: its plain values (``plain``) and their positions (``marks``)."""

    data: Any
    marks: Marks


def document(tree: Any) -> Document:
    """The Document of a round-trip tree (``parse_yaml``)."""
    return Document(plain(tree), marks(tree))


def marks(node: Any, line: int = 0, col: int = 0) -> Marks:
    """The positions ruamel keeps on a round-trip tree's mappings and sequences, as ``Marks``.
    A key merged in by ``<<: *anchor`` has none of its own: it is placed at its mapping
    (``line``, ``col``: where the node itself is)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    def walk(node: Any, line: int, col: int) -> Marks:
        if isinstance(node, CommentedMap):
            data = node.lc.data
            out = {}
            for key, value in node.items():
                kl, kc, vl, vc = data.get(key) or (line, col, line, col)
                out[key] = (kl, kc, vl, vc, walk(value, vl, vc))
            return out
        if isinstance(node, CommentedSeq):
            data = node.lc.data
            out = []
            for i, item in enumerate(node):
                il, ic = data.get(i) or (line, col)
                out.append((il, ic, walk(item, il, ic)))
            return out
        return None

    return walk(node, line, col)


_SCALARS = (str, int, float, bool, type(None))


def encode(doc: Document) -> dict | None:
    """``doc`` as JSON values that ``decode`` turns back into an equal Document, or None when JSON
    cannot hold it exactly (a key that is not text, a date, a tagged value)."""

    def exact(value: Any) -> bool:
        if isinstance(value, dict):
            return all(type(k) is str and exact(v) for k, v in value.items())
        if isinstance(value, list):
            return all(exact(v) for v in value)
        return type(value) in _SCALARS

    def put(node: Marks) -> Any:
        if isinstance(node, dict):
            return {"map": [[key, *pos, put(child)] for key, (*pos, child) in node.items()]}
        if isinstance(node, list):
            return {"seq": [[*pos, put(child)] for *pos, child in node]}
        return None

    keys_exact = all(type(k) in _SCALARS for k in _keys(doc.marks))
    return {"data": doc.data, "marks": put(doc.marks)} if exact(doc.data) and keys_exact else None


def decode(obj: Any) -> Document:
    """The Document ``encode`` made ``obj`` from; ValueError when ``obj`` is not of that shape."""

    def position(items: Any, size: int) -> bool:
        return isinstance(items, list) and len(items) == size and all(type(x) is int for x in items)

    def get(node: Any) -> Marks:
        if node is None:
            return None
        if isinstance(node, dict) and isinstance(node.get("map"), list) and len(node) == 1:
            entries = node["map"]
            if all(
                isinstance(e, list) and len(e) == 6 and type(e[0]) in _SCALARS and position(e[1:5], 4) for e in entries
            ):
                return {e[0]: (*e[1:5], get(e[5])) for e in entries}
        if isinstance(node, dict) and isinstance(node.get("seq"), list) and len(node) == 1:
            if all(isinstance(e, list) and len(e) == 3 and position(e[:2], 2) for e in node["seq"]):
                return [(*e[:2], get(e[2])) for e in node["seq"]]
        raise ValueError("not the marks of a YAML document")

    if not isinstance(obj, dict) or set(obj) != {"data", "marks"}:
        raise ValueError("not an encoded YAML document")
    return Document(obj["data"], get(obj["marks"]))


def _keys(node: Marks):
    """Every mapping key in ``node``, depth first."""
    if isinstance(node, dict):
        for key, (*_, child) in node.items():
            yield key
            yield from _keys(child)
    elif isinstance(node, list):
        for *_, child in node:
            yield from _keys(child)
