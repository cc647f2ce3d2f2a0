"""Training labels from the user's own data: a small, safe expression language over
conversation fields, e.g. ``csat <= 2``, ``'complaint' in tags``, ``escalated == true``,
combined with ``and`` / ``or`` / ``not`` and parentheses.

The expression is tokenised and parsed here (never ``eval``). A conversation where any field
the expression names is missing gets no label: it is excluded from training and counted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from qa_toolkit.io.validate import as_bool
from qa_toolkit.missing import missing_mask
from qa_toolkit.problems import InputError, Problem

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<num>-?[0-9]+(?:\.[0-9]+)?)
    | (?P<str>'[^']*'|"[^"]*")
    | (?P<op><=|>=|==|!=|<|>)
    | (?P<punct>[()\[\],])
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "in", "true", "false"}
#: Parentheses and ``not`` nested deeper than this are refused (the parser and evaluator recurse).
MAX_NESTING = 50


@dataclass(frozen=True)
class _Tok:
    kind: str  # num | str | op | punct | name | kw | end
    text: str
    pos: int  # 0-based character offset


@dataclass(frozen=True)
class Field:
    name: str


@dataclass(frozen=True)
class Literal:
    value: object  # float | str | bool | tuple of those


@dataclass(frozen=True)
class Compare:
    op: str  # == != < <= > >= in "not in"
    left: Field | Literal
    right: Field | Literal


@dataclass(frozen=True)
class BoolOp:
    op: str  # and | or
    items: tuple


@dataclass(frozen=True)
class Not:
    item: object


def _error(text: str, pos: int, message: str) -> InputError:
    shown = text if len(text) <= 80 else text[:77] + "..."
    return InputError(Problem("--label", f"{message} in {shown!r}", line=1, col=pos + 1, code="bad-label"))


def _tokens(text: str) -> list[_Tok]:
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            start = pos + len(text[pos:]) - len(text[pos:].lstrip())
            raise _error(text, start, f"unexpected character {text[start]!r}")
        kind = m.lastgroup
        value, start = m.group(kind), m.start(kind)
        if kind == "name" and value.lower() in _KEYWORDS:
            kind, value = "kw", value.lower()
        out.append(_Tok(kind, value, start))
        pos = m.end()
    out.append(_Tok("end", "", len(text)))
    return out


class _Parser:
    """Recursive descent: or > and > not > comparison > operand, at most MAX_NESTING deep."""

    def __init__(self, text: str):
        self.text = text
        self.toks = _tokens(text)
        self.i = 0
        self.depth = 0

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expect(self, text: str) -> None:
        tok = self.take()
        if tok.text != text:
            raise _error(self.text, tok.pos, f"expected {text!r}, found {tok.text or 'end of expression'!r}")

    def parse(self):
        node = self.or_expr()
        tok = self.peek()
        if tok.kind != "end":
            raise _error(self.text, tok.pos, f"unexpected {tok.text!r}")
        return node

    def or_expr(self):
        return self._chain("or", self.and_expr)

    def and_expr(self):
        return self._chain("and", self.not_expr)

    def _chain(self, word: str, operand):
        """``operand (word operand)*``: one operand as itself, several as a BoolOp."""
        items = [operand()]
        while self.peek().text == word and self.peek().kind == "kw":
            self.take()
            items.append(operand())
        return items[0] if len(items) == 1 else BoolOp(word, tuple(items))

    def not_expr(self):
        tok = self.peek()
        if not ((tok.kind == "kw" and tok.text == "not") or tok.text == "("):
            return self.comparison()
        if self.depth >= MAX_NESTING:
            raise _error(self.text, tok.pos, f"parentheses and 'not' nested deeper than {MAX_NESTING}")
        self.depth += 1
        self.take()
        if tok.text == "not":
            node = Not(self.not_expr())
        else:
            node = self.or_expr()
            self.expect(")")
        self.depth -= 1
        return node

    def comparison(self):
        start = self.peek()
        left = self.operand()
        tok = self.peek()
        if tok.kind == "op":
            op = self.take().text
        elif tok.kind == "kw" and tok.text == "in":
            op = self.take().text
        elif tok.kind == "kw" and tok.text == "not" and self.toks[self.i + 1].text == "in":
            self.i += 2
            op = "not in"
        elif isinstance(left, Field):
            return Compare("==", left, Literal(True))  # a bare field means "field is true"
        else:
            raise _error(self.text, tok.pos, "expected a comparison (== != < <= > >= in)")
        right = self.operand()
        if isinstance(left, Literal) and isinstance(right, Literal):
            raise _error(self.text, start.pos, "a comparison needs at least one field name")
        if op in ("<", "<=", ">", ">="):
            lit = right if isinstance(right, Literal) else left
            if isinstance(lit, Literal) and not isinstance(lit.value, float):
                raise _error(self.text, start.pos, f"'{op}' compares with a number")
        return Compare(op, left, right)

    def operand(self):
        tok = self.take()
        if tok.kind == "num":
            return Literal(float(tok.text))
        if tok.kind == "str":
            return Literal(tok.text[1:-1])
        if tok.kind == "kw" and tok.text in ("true", "false"):
            return Literal(tok.text == "true")
        if tok.kind == "name":
            return Field(tok.text)
        if tok.text == "[":
            values = []
            while self.peek().text != "]":
                item = self.operand() if self.peek().text != "[" else None
                if not isinstance(item, Literal):
                    raise _error(self.text, tok.pos, "a list holds only literal values (numbers, text, true/false)")
                values.append(item.value)
                if self.peek().text == ",":
                    self.take()
                elif self.peek().text != "]":
                    raise _error(self.text, self.peek().pos, "expected ',' or ']'")
            self.take()
            return Literal(tuple(values))
        raise _error(self.text, tok.pos, f"expected a field name or a value, found {tok.text or 'end of expression'!r}")


def _walk(node) -> Iterator:
    yield node
    for child in getattr(node, "items", ()) if isinstance(node, BoolOp) else ():
        yield from _walk(child)
    if isinstance(node, Not):
        yield from _walk(node.item)
    if isinstance(node, Compare):
        yield node.left
        yield node.right


@dataclass(frozen=True)
class LabelResult:
    """``y`` is boolean per conversation (index aligned with the input), <NA> where a field
    the label needs is missing; ``n_missing`` counts those."""

    y: pd.Series
    n_missing: int

    @property
    def known(self) -> pd.Series:
        return self.y.notna()


@dataclass(frozen=True)
class Label:
    """A parsed ``--label`` expression."""

    text: str
    tree: object

    @property
    def fields(self) -> tuple[str, ...]:
        """Every conversation field the expression reads (these never become features)."""
        return tuple(sorted({n.name for n in _walk(self.tree) if isinstance(n, Field)}))

    def evaluate(self, conversations: pd.DataFrame) -> LabelResult:
        """Label every conversation; raise InputError if a named field is not in the data."""
        absent = [f for f in self.fields if f not in conversations.columns]
        if absent:
            have = ", ".join(c for c in conversations.columns)
            raise InputError(
                Problem(
                    "--label",
                    f"field '{absent[0]}' is not in the data (fields: {have})",
                    field=absent[0],
                    code="unknown-field",
                )
            )
        missing = np.zeros(len(conversations), dtype=bool)
        for name in self.fields:
            missing |= missing_mask(conversations[name])
        for node in _walk(self.tree):  # a value that is not a number / boolean is no label either
            if isinstance(node, Compare) and node.op not in ("in", "not in"):
                pair = (node.left, node.right) if isinstance(node.left, Field) else (node.right, node.left)
                if isinstance(pair[0], Field) and isinstance(pair[1], Literal):
                    missing |= _coerce(conversations[pair[0].name], pair[1].value).isna().to_numpy()
        values = _eval(self.tree, conversations).to_numpy(dtype=bool)
        y = pd.Series(values, index=conversations.index, dtype="boolean")
        y[missing] = pd.NA
        return LabelResult(y=y, n_missing=int(missing.sum()))


def parse_label(text: str) -> Label:
    """Parse a label expression; InputError (``--label:1:col``) when it is not valid."""
    if not text or not text.strip():
        raise _error(text or "", 0, "empty label expression")
    return Label(text=text, tree=_Parser(text).parse())


def _eval(node, df: pd.DataFrame) -> pd.Series:
    if isinstance(node, BoolOp):
        parts = [_eval(n, df) for n in node.items]
        out = parts[0]
        for p in parts[1:]:
            out = (out & p) if node.op == "and" else (out | p)
        return out
    if isinstance(node, Not):
        return ~_eval(node.item, df)
    return _compare(node, df)


def _compare(node: Compare, df: pd.DataFrame) -> pd.Series:
    if node.op in ("in", "not in"):
        hit = _membership(node.left, node.right, df)
        return ~hit if node.op == "not in" else hit
    field, lit, op = node.left, node.right, node.op
    if isinstance(field, Literal):  # 2 >= csat  ->  csat <= 2
        field, lit = lit, field
        op = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
    if isinstance(lit, Field):  # field vs field
        a, b = df[field.name], df[lit.name]
    else:
        a, b = _coerce(df[field.name], lit.value), lit.value
    result = {
        "==": lambda: a == b,
        "!=": lambda: a != b,
        "<": lambda: a < b,
        "<=": lambda: a <= b,
        ">": lambda: a > b,
        ">=": lambda: a >= b,
    }[op]()
    return pd.Series(result, index=df.index).fillna(False).astype(bool)


def _membership(left, right, df: pd.DataFrame) -> pd.Series:
    """``'x' in listfield``, ``field in ['a', 'b']``, or ``'sub' in textfield``."""
    if isinstance(right, Literal):
        if not isinstance(right.value, tuple) or not isinstance(left, Field):
            raise InputError(
                Problem("--label", "'in' needs a list field on the right or a [list] of values", code="bad-label")
            )
        options = set(right.value)
        col = df[left.name]
        return col.map(lambda v: _norm(v, next(iter(options), "")) in options).astype(bool)
    needle = left.value if isinstance(left, Literal) else None
    col = df[right.name]

    def has(v) -> bool:
        if isinstance(v, (list, tuple, set, np.ndarray)):
            return needle in [str(x) for x in v]
        return isinstance(v, str) and needle is not None and str(needle) in v

    return col.map(has).astype(bool)


def _norm(value, like):
    """Bring a cell value to the literal's type for equality tests."""
    if isinstance(like, bool):
        return as_bool(value)
    if isinstance(like, float):
        try:
            return float(value)
        except (TypeError, ValueError):
            return None
    return value if value is None else str(value)


def _coerce(col: pd.Series, like) -> pd.Series:
    if isinstance(like, bool):
        return col.map(lambda v: _norm(v, like)).astype("boolean")
    if isinstance(like, float):
        return pd.to_numeric(col, errors="coerce").astype("Float64")
    return col.astype("string")
