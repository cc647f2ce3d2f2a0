"""Where the shipped rubrics, templates and sample data live — in a checkout (top-level
folders) or in an installed wheel (``qa_toolkit/_data/...``), so both work the same."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The folder ``name`` (``rubrics``, ``templates`` or ``sample_data``)."""
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    checkout = _PACKAGE.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"qa-toolkit data folder '{name}' not found (looked in {installed} and {checkout})")


def rubrics_dir() -> Path:
    return data_dir("rubrics")


def templates_dir() -> Path:
    return data_dir("templates")


def sample_data_dir() -> Path:
    return data_dir("sample_data")


def default_rubric(language: str = "zh") -> Path:
    """The shipped e-commerce rubric for ``language`` (zh is the default)."""
    return rubrics_dir() / f"ecommerce-{language}.yaml"


def default_rubrics() -> list[Path]:
    """The shipped rubrics in routing order: Chinese first, then English (each admits its language)."""
    return [default_rubric("zh"), default_rubric("en")]


def sample_conversations() -> Path:
    """The bundled sample export (JSONL, one conversation per line)."""
    return sample_data_dir() / "conversations.jsonl"


def sample_roster() -> Path:
    return sample_data_dir() / "roster.csv"
