"""Turn problems into output: plain ``file:line:col: level: message [code]`` lines, JSON, or
GitHub Actions annotations (``::error file=F,line=L,col=C::message``, escaped as GitHub
requires). The linter never prints; the CLI picks a formatter."""

from __future__ import annotations

import json
from collections.abc import Sequence

from qa_toolkit.problems import Problem


def text(problems: Sequence[Problem]) -> str:
    """One ``file:line:col: level: message [code]`` line per problem."""
    return "\n".join(f"{p.location}: {p.level}: {p.message}" + (f" [{p.code}]" if p.code else "") for p in problems)


def as_json(problems: Sequence[Problem]) -> str:
    """A JSON list of problem objects (file, line, col, level, code, message, field)."""
    return json.dumps([p.to_dict() for p in problems], ensure_ascii=False, indent=2)


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(problems: Sequence[Problem]) -> str:
    """GitHub workflow commands, followed by the plain lines (GitHub caps shown annotations)."""
    lines = []
    for p in problems:
        props = [f"file={_escape_property(p.file)}"]
        if p.line is not None:
            props.append(f"line={p.line}")
        if p.col is not None:
            props.append(f"col={p.col}")
        title = f"[{p.code}] " if p.code else ""
        lines.append(f"::{p.level} {','.join(props)}::{_escape_data(title + p.message)}")
    plain = text(problems)
    return "\n".join(lines + ([plain] if plain else []))


FORMATTERS = {"text": text, "json": as_json, "github": github}
