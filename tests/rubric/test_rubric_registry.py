"""The check registry: every type is one module with TYPE, a config model, evaluate() (with its
sub-checks' outcomes for a check that holds others) and a docstring that documents it with a
passing and a failing snippet."""

import inspect

import pytest

from qa_toolkit.rubric import checks
from qa_toolkit.rubric.schema import json_schema


@pytest.mark.parametrize("name", sorted(checks.MODULES))
def test_module_contract(name):
    module = checks.get(name)
    assert module.TYPE == name
    assert module.Config.model_fields["type"].annotation.__args__ == (name,)
    assert module.Config.model_config.get("extra") == "forbid"
    held = ["parts"] if hasattr(module, "parts") else []  # a check holding others gets their outcomes
    assert list(inspect.signature(module.evaluate).parameters) == ["config", "frames", *held]
    doc = inspect.getdoc(module)
    assert doc.startswith(f"{name} — ")
    assert "Passes" in doc and ("Fails" in doc or name == "manual")


def test_unknown_type_names_the_known_ones():
    with pytest.raises(ValueError, match='no such check type: "nope".*keywords'):
        checks.get("nope")


def test_every_type_is_in_the_schema():
    schema = json_schema()
    mapping = schema["definitions"]["Criterion"]["properties"]["check"]["discriminator"]["mapping"]
    assert set(mapping) == set(checks.MODULES)
