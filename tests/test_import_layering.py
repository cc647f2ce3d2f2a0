"""The package imports cleanly in any order and stays layered: no import circles hidden by
function-level imports, no module importing one from a layer above it.

Checks anyone can run (``pytest tests/test_import_layering.py``):

- no circle in the import graph of the package's modules, function-level imports included
  (but for the allowed ones below); importing ``a.b.c`` counts as importing ``a.b`` too;
- every module imports in a fresh interpreter in several orders (sorted, reversed, shuffled);
- no function-level import of a ``qa_toolkit`` module, except those in ``FUNCTION_LEVEL_ALLOWED``:
  the one documented exception is the lazy loading of CLI command modules (``cli/lazy.py``,
  by name), then optional extras;
- no module imports one from a higher layer of ``LAYERS``, except those in ``UPWARD_ALLOWED``.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import qa_toolkit

PACKAGE = Path(qa_toolkit.__file__).parent

# Function-level imports of the package's own modules that are allowed, as (module, imported module).
FUNCTION_LEVEL_ALLOWED: set[tuple[str, str]] = {
    # The one documented exception, lazy CLI loading: `qa` imports a command's module only when
    # that command runs (cli/lazy.py, by name through importlib, so nothing to list here).
    # Optional extras, imported only when asked for since the extra may not be installed:
    ("qa_toolkit.engine", "qa_toolkit.engine.dask"),
    ("qa_toolkit.cli.score_parts", "qa_toolkit.engine.dask"),
}

# Layers, lowest first: a module may import its own layer and those below, never one above.
# A module belongs to the layer of the longest prefix that names it ("qa_toolkit": the shared
# core), so a new top-level module starts in the core until it is placed here.
LAYERS: list[tuple[str, ...]] = [
    # problems, frames, privacy, timing, tags, missing, atomic, excel, yamldoc, modelfile, ...; and the
    # learned-criterion model file (what a `learned` check loads), below the rubric that uses it
    ("qa_toolkit", "qa_toolkit.learning.store", "qa_toolkit.learning.model", "qa_toolkit.learning.grades"),
    ("qa_toolkit.io", "qa_toolkit.synth"),
    ("qa_toolkit.rubric",),
    (
        "qa_toolkit.scoring",
        "qa_toolkit.scorefolder",
        "qa_toolkit.engine",
        "qa_toolkit.rubric_examples",
        "qa_toolkit.rubric_diff",
    ),
    ("qa_toolkit.sampling", "qa_toolkit.runconfig"),
    ("qa_toolkit.review",),
    ("qa_toolkit.risk", "qa_toolkit.learning"),  # training: risk models and learned criteria
    ("qa_toolkit.metrics",),
    ("qa_toolkit.report",),
    ("qa_toolkit.pipeline", "qa_toolkit.reporting"),
    ("qa_toolkit.cli", "qa_toolkit.__main__"),
]

# Imports of a higher layer that are allowed, as (module, imported module).
UPWARD_ALLOWED: set[tuple[str, str]] = set()


@functools.cache
def _modules() -> tuple[tuple[str, Path], ...]:
    """(dotted name, file) of every module of the package (read once per test session)."""
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out.append((name, path))
    return tuple(out)


@functools.cache
def _module_names() -> frozenset[str]:
    """The dotted names of the package's modules."""
    return frozenset(name for name, _ in _modules())


@functools.cache
def _tree(path: Path) -> ast.AST:
    """The parsed source of a module of the package (parsed once per test session)."""
    return ast.parse(path.read_text(encoding="utf-8"))


def _imported(node: ast.Import | ast.ImportFrom, module: str, path: Path) -> list[str]:
    """The dotted modules an import statement names (``from a import b``: ``a.b`` when that is a
    module, else ``a``), relative imports resolved."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    if node.level:
        base = package.split(".")[: len(package.split(".")) - node.level + 1]
        source = ".".join([*base, node.module] if node.module else base)
    else:
        source = node.module or ""
    names = _module_names()
    return [f"{source}.{a.name}" if f"{source}.{a.name}" in names else source for a in node.names]


def _imports(tree: ast.AST, module: str, path: Path) -> list[tuple[int, str, bool]]:
    """(line, imported module, inside a function) for every import of the package's own modules
    (those under ``if TYPE_CHECKING:`` run only for type checkers: left out)."""
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                found.extend(
                    (child.lineno, name, in_function)
                    for name in _imported(child, module, path)
                    if name == "qa_toolkit" or name.startswith("qa_toolkit.")
                )
            inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            visit(child, inner)

    visit(tree, False)
    return found


def _libraries() -> list[str]:
    """The other modules the package imports (loaded once before forking, so each fresh
    interpreter pays only for the package's own modules)."""
    names = set()
    for _module, path in _modules():
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names.add(node.module)
    return sorted(n for n in names if n.split(".")[0] not in ("qa_toolkit", "__future__"))


# Run in a fresh interpreter: the other libraries loaded once, then per order a forked child
# imports every module of the package in that order.
_IMPORT_IN_ORDERS = """
import importlib, json, os, sys
orders, libraries = json.loads(sys.argv[1]), json.loads(sys.argv[2])
for library in libraries:
    try:
        importlib.import_module(library)
    except Exception:
        pass
assert not any(name.startswith("qa_toolkit") for name in sys.modules)
failures = {}
for number, order in enumerate(orders):
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        message = ""
        try:
            for name in order:
                try:
                    importlib.import_module(name)
                except ImportError as err:
                    if err.name and err.name.split(".")[0] != "qa_toolkit":
                        continue  # an optional extra that is not installed
                    raise
        except BaseException as err:
            message = f"{name}: {type(err).__name__}: {err}"
        os.write(write, message.encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        message = pipe.read()
    os.waitpid(pid, 0)
    if message:
        failures[number] = message
print(json.dumps(failures))
"""


def _graph(function_level: bool) -> dict[str, set[str]]:
    """Module -> the package's modules it imports (and, since importing ``a.b.c`` runs ``a.b``
    first, their packages, leaving out its own), at module level or also inside functions (but
    for the allowed ones)."""
    modules = dict(_modules())
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for _, target, in_function in _imports(_tree(path), name, path):
            if in_function and (not function_level or (name, target) in FUNCTION_LEVEL_ALLOWED):
                continue
            parts = target.split(".")
            for depth in range(2, len(parts) + 1):
                other = ".".join(parts[:depth])
                if other in modules and other != name and not name.startswith(other + "."):
                    graph[name].add(other)
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    circles.append(sorted(component))
    return circles


def test_no_import_circles_even_through_function_level_imports():
    assert _circles(_graph(function_level=False)) == []
    assert _circles(_graph(function_level=True)) == []


def test_every_module_imports_in_any_order_in_a_fresh_interpreter():
    modules = [name for name, _ in _modules() if not name.endswith("__main__")]
    shuffled = sorted(modules, key=lambda name: hashlib.sha256(name.encode()).hexdigest())
    orders = [modules, modules[::-1], shuffled, shuffled[::-1]]
    out = subprocess.run(
        [sys.executable, "-c", _IMPORT_IN_ORDERS, json.dumps(orders), json.dumps(_libraries())],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    failures = json.loads(out.stdout.strip().splitlines()[-1])
    assert failures == {}, "\n".join(f"order {number}: {error}" for number, error in failures.items())


def test_no_function_level_imports_of_the_package():
    found = {
        (module, name, f"{path.relative_to(PACKAGE.parent)}:{line}")
        for module, path in _modules()
        for line, name, in_function in _imports(_tree(path), module, path)
        if in_function
    }
    unexpected = sorted(
        where + f": imports {name}" for module, name, where in found if (module, name) not in FUNCTION_LEVEL_ALLOWED
    )
    assert unexpected == [], "function-level imports (move them to the top, or lower the shared piece):\n" + "\n".join(
        unexpected
    )
    stale = FUNCTION_LEVEL_ALLOWED - {(module, name) for module, name, _ in found}
    assert stale == set(), f"allowed but no longer there (shrink FUNCTION_LEVEL_ALLOWED): {sorted(stale)}"


def _layer(module: str) -> int:
    """The number of the layer ``module`` belongs to (0: the core)."""
    return max(
        (
            (len(prefix), number)
            for number, group in enumerate(LAYERS)
            for prefix in group
            if module == prefix or module.startswith(prefix + ".")
        )
    )[1]


def test_no_module_imports_from_a_layer_above_it():
    found = {
        (module, name, f"{path.relative_to(PACKAGE.parent)}:{line}")
        for module, path in _modules()
        for line, name, _ in _imports(_tree(path), module, path)
        if _layer(name) > _layer(module)
    }
    unexpected = sorted(
        f"{where}: {module} imports {name}, a layer above it"
        for module, name, where in found
        if (module, name) not in UPWARD_ALLOWED
    )
    assert unexpected == [], "\n".join(unexpected)
    stale = UPWARD_ALLOWED - {(module, name) for module, name, _ in found}
    assert stale == set(), f"allowed but no longer there (shrink UPWARD_ALLOWED): {sorted(stale)}"


def test_the_layer_rule_sees_an_upward_import():
    assert _layer("qa_toolkit.io.validate") < _layer("qa_toolkit.rubric.loader") < _layer("qa_toolkit.scoring")
    assert _layer("qa_toolkit.report.view") > _layer("qa_toolkit.metrics") > _layer("qa_toolkit.risk.model")
    assert _layer("qa_toolkit.missing") == 0 and _layer("qa_toolkit.cli.rubric") == len(LAYERS) - 1
