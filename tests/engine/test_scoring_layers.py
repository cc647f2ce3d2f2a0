"""The scoring core keeps its layers: ``rubric`` never imports the scoring above it, ``scoring``
never imports the runner, the pipeline or the CLI, and the runner, scoring and pipeline modules
import the package's own modules at the top only (the optional Dask extra aside)."""

import ast
from pathlib import Path

import pytest

import qa_toolkit

PACKAGE = Path(qa_toolkit.__file__).parent
ABOVE_SCORING = (
    "qa_toolkit.engine",
    "qa_toolkit.pipeline",
    "qa_toolkit.reporting",
    "qa_toolkit.runconfig",
    "qa_toolkit.cli",
    "qa_toolkit.rubric_diff",
    "qa_toolkit.rubric_examples",
)
OWN_TOP_LEVEL_ONLY = [
    *sorted((PACKAGE / "scoring").glob("*.py")),
    *sorted(p for p in (PACKAGE / "engine").glob("*.py") if p.name != "tables.py"),  # io's reader
    *(
        PACKAGE / f"{name}.py"
        for name in ("pipeline", "reporting", "runconfig", "scorefolder", "rubric_diff", "rubric_examples")
    ),
]


def imports(path: Path) -> list[tuple[str, bool]]:
    """(module imported, at the top of the file) for each import of the package's own modules."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("qa_toolkit"):
            found.append((node.module, id(node) in top))
        elif isinstance(node, ast.Import):
            found += [(a.name, id(node) in top) for a in node.names if a.name.startswith("qa_toolkit")]
    return found


@pytest.mark.parametrize(
    "layer,forbidden", [("rubric", ("qa_toolkit.scoring", *ABOVE_SCORING)), ("scoring", ABOVE_SCORING)]
)
def test_a_lower_layer_never_imports_a_higher_one(layer, forbidden):
    upward = [
        (p.relative_to(PACKAGE).as_posix(), m)
        for p in (PACKAGE / layer).rglob("*.py")
        for m, _ in imports(p)
        if m.startswith(forbidden)
    ]
    assert upward == []


@pytest.mark.parametrize("path", OWN_TOP_LEVEL_ONLY, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_own_modules_are_imported_at_the_top(path):
    inside = [m for m, at_top in imports(path) if not at_top and m != "qa_toolkit.engine.dask"]
    assert inside == []
