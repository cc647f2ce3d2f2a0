"""Column mapping for long tables: export headers → canonical column names, plus value maps
for roles and channels. Built-in presets live in ``presets/*.yaml``; a user's YAML mapping
file may start from a preset and override columns and values (see README, "Column mapping").
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from qa_toolkit.frames import CONVERSATIONS, MESSAGES
from qa_toolkit.problems import InputError, Problem
from qa_toolkit.yamldoc import parse_yaml, plain

PRESETS_DIR = Path(__file__).resolve().parent / "presets"
CANONICAL = tuple(dict.fromkeys([*CONVERSATIONS, *MESSAGES]))  # the contract's columns, as a long table names them
REQUIRED_COLUMNS = ("conversation_id", "agent_id", "role", "text")
VALUE_MAPS = ("role", "channel")


@dataclass
class ColumnMapping:
    """canonical column → candidate headers (first present wins), and value maps per column."""

    name: str
    columns: dict[str, list[str]] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)

    def resolve(self, headers: list[str]) -> dict[str, str]:
        """``{header: canonical}`` for the headers this mapping recognises."""
        by_key = {_key(h): h for h in headers}
        found: dict[str, str] = {}
        for canonical, candidates in self.columns.items():
            for candidate in candidates:
                header = by_key.get(_key(candidate))
                if header is not None and header not in found:
                    found[header] = canonical
                    break
        return found


def _key(header: object) -> str:
    return str(header).strip().lstrip("\ufeff").casefold()


def available_presets() -> list[str]:
    return sorted(p.stem for p in PRESETS_DIR.glob("*.yaml"))


def _yaml_load(path: Path):
    """A mapping file's YAML as plain values (``qa_toolkit.yamldoc``); InputError at file:line:col."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (UnicodeDecodeError, OSError) as err:
        raise InputError(Problem(str(path), f"cannot read mapping file: {err}", code="bad_mapping")) from None
    tree, problem = parse_yaml(text, str(path))
    if problem is not None:
        raise InputError(problem)
    return plain(tree)


def load_preset(name: str) -> ColumnMapping:
    """A built-in preset (``default`` or ``zh``)."""
    path = PRESETS_DIR / f"{name}.yaml"
    if not path.is_file():
        raise InputError(
            Problem(
                name,
                f"no mapping preset '{name}' (presets: {', '.join(available_presets())})",
                field="mapping",
                code="bad_mapping",
            )
        )
    return _from_data(_preset_data(path), name, str(path))


@cache
def _preset_data(path: Path):
    """A shipped preset's YAML, parsed once per process (workers read one row group per task)."""
    return _yaml_load(path)


def load_mapping_file(path: str | os.PathLike, headers: list[str] | None = None) -> ColumnMapping:
    """A user's YAML mapping file: optional ``preset`` base (detected from ``headers`` when
    absent), ``columns`` overrides (header name or list) and ``values`` maps for role/channel."""
    path = Path(path)
    data = _yaml_load(path)
    if not isinstance(data, dict):
        raise InputError(
            Problem(
                str(path), "a mapping file must be a YAML mapping with 'columns' and/or 'values'", code="bad_mapping"
            )
        )
    unknown = sorted(set(data) - {"preset", "columns", "values"})
    if unknown:
        raise InputError(
            Problem(
                str(path),
                f"unknown key(s) {unknown}; expected preset, columns, values",
                field=unknown[0],
                code="bad_mapping",
            )
        )
    if data.get("preset") is not None and not isinstance(data["preset"], str):
        raise InputError(
            Problem(
                str(path),
                f"'preset' must be a preset name ({', '.join(available_presets())})",
                field="preset",
                code="bad_mapping",
            )
        )
    base = load_preset(data["preset"]) if data.get("preset") else detect_preset(headers or [])
    own = _from_data(data, path.name, str(path))
    columns = {
        **base.columns,
        **{k: v + [c for c in base.columns.get(k, []) if c not in v] for k, v in own.columns.items()},
    }
    values = {k: {**base.values.get(k, {}), **own.values.get(k, {})} for k in VALUE_MAPS}
    return ColumnMapping(f"{path.name} (on {base.name})", columns, values)


def _from_data(data: dict, name: str, where: str) -> ColumnMapping:
    columns: dict[str, list[str]] = {}
    for canonical, headers in _section(data, "columns", where, "canonical column → export header(s)").items():
        if canonical not in CANONICAL:
            raise InputError(
                Problem(
                    where,
                    f"unknown canonical column '{canonical}' (known: {', '.join(CANONICAL)})",
                    field=f"columns.{canonical}",
                    code="bad_mapping",
                )
            )
        headers = headers if isinstance(headers, list) else [headers]
        if not headers or not all(_scalar(h) for h in headers):
            raise InputError(
                Problem(
                    where,
                    f"columns.{canonical}: expected a header name or a list of header names",
                    field=f"columns.{canonical}",
                    code="bad_mapping",
                )
            )
        columns[canonical] = [str(h) for h in headers]
    values: dict[str, dict[str, str]] = {}
    for column, table in _section(data, "values", where, "role/channel → value map").items():
        if (
            column not in VALUE_MAPS
            or not isinstance(table, dict)
            or not all(_scalar(k) and _scalar(v) for k, v in table.items())
        ):
            raise InputError(
                Problem(
                    where,
                    f"values.{column}: expected a map of export value → name for one of {', '.join(VALUE_MAPS)}",
                    field=f"values.{column}",
                    code="bad_mapping",
                )
            )
        values[column] = {str(k): str(v) for k, v in table.items()}
    return ColumnMapping(name, columns, values)


def _section(data: dict, key: str, where: str, what: str) -> dict:
    """``data[key]`` (absent or empty: nothing), which must be a map."""
    section = data.get(key)
    if section is None or section == [] or section == "":
        return {}
    if not isinstance(section, dict):
        raise InputError(Problem(where, f"'{key}' must be a map ({what})", field=key, code="bad_mapping"))
    return section


def _scalar(value: object) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def detect_preset(headers: list[str]) -> ColumnMapping:
    """The preset that recognises the most headers (``default`` on a tie)."""
    presets = [load_preset(n) for n in ["default"] + [p for p in available_presets() if p != "default"]]
    return max(presets, key=lambda m: len(m.resolve(headers)))


def get_mapping(mapping: str | os.PathLike | None, headers: list[str]) -> ColumnMapping:
    """``mapping`` is None (detect), a preset name, or a YAML mapping file path."""
    if mapping is None:
        return detect_preset(headers)
    if str(mapping) in available_presets():
        return load_preset(str(mapping))
    if Path(mapping).is_file():
        return load_mapping_file(mapping, headers)
    raise InputError(
        Problem(
            str(mapping),
            f"mapping is neither a preset ({', '.join(available_presets())}) nor an existing YAML file",
            field="mapping",
            code="bad_mapping",
        )
    )
