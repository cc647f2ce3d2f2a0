"""The examples in each check type's documentation (its module docstring, what users read) are
true: the conversation under ``Passes::`` passes that check and the one under ``Fails::`` fails it.
Types whose examples need a model, timings or fields beyond messages are covered by their own tests."""

import inspect
import re

import pytest
from ruamel.yaml import YAML

from qa_toolkit.io import conversations_from_records
from qa_toolkit.rubric import checks
from qa_toolkit.rubric.checks._base import Chunk
from qa_toolkit.rubric.schema import Criterion, Example
from qa_toolkit.rubric_examples import example_record
from qa_toolkit.scoring import evaluate_criterion

#: Check types whose examples are a check and the messages of a conversation.
WITH_MESSAGES = ("keywords", "regex", "context", "pii", "similar", "diversion", "abuse", "secret_request", "any", "all")
MESSAGE = re.compile(r"# (customer|agent): (.*?)(?:\s{2,}\(.*\))?$")  # a trailing "(…)" is a note to the reader


def examples(check_type: str) -> list:
    """(expected outcome, check, messages) of each example block in the type's docstring."""
    doc = inspect.getdoc(checks.get(check_type))
    found = []
    for expect, block in re.findall(r"^(Passes|Fails)[^\n]*::\n\n((?: {4}.*\n?)+)", doc, flags=re.M):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        check = YAML(typ="safe", pure=True).load(lines[0].removeprefix("check:"))
        messages = [{m.group(1): m.group(2)} for m in map(MESSAGE.match, lines[1:])]
        assert len(messages) == len(lines) - 1, f"{check_type}: an example line is not '# role: text': {lines}"
        found.append(
            pytest.param("pass" if expect == "Passes" else "fail", check, messages, id=f"{check_type}-{expect}")
        )
    return found


@pytest.mark.parametrize(("expect", "check", "messages"), [e for t in WITH_MESSAGES for e in examples(t)])
def test_documented_example_gets_the_documented_outcome(expect, check, messages):
    criterion = Criterion.model_validate({"id": "c", "name": "c", "check": check})
    data = conversations_from_records(
        [example_record(Example.model_validate({"name": "doc", "expect": expect, "messages": messages}), "x")]
    )
    out = evaluate_criterion(criterion, Chunk(data.conversations, data.messages, None)).loc["x"]
    assert out["outcome"] == expect, out["note"]


@pytest.mark.parametrize("check_type", WITH_MESSAGES)
def test_every_listed_type_documents_a_passing_and_a_failing_example(check_type):
    assert sorted(e.values[0] for e in examples(check_type)) == ["fail", "pass"]
