"""The benchmark scripts (``benchmarks/``, not a package) loaded as modules for the tests that
run them on data written here."""

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def load_script(name: str, path: Path) -> ModuleType:
    """The script at ``path`` as module ``name`` (registered in ``sys.modules``, so its dataclasses
    and pickles resolve)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
