"""Run a rubric's ``examples`` — its unit tests. Each example is a tiny conversation; the
criterion must give the expected outcome on it, or the failure is reported at the example's
line (like sqlfluff's YAML rule cases). It runs the scoring, so it sits above ``scoring`` (and
outside ``rubric/``, which scoring imports)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from qa_toolkit.io import conversations_from_records
from qa_toolkit.problems import Problem
from qa_toolkit.rubric.checks._base import Frames
from qa_toolkit.rubric.loader import Locator
from qa_toolkit.rubric.schema import Criterion, Example, Rubric
from qa_toolkit.scoring import evaluate_criterion

_START = pd.Timestamp("2026-01-05T09:00:00")


@dataclass(frozen=True)
class ExampleResult:
    criterion_id: str
    name: str
    expected: str
    actual: str
    note: str
    problem: Problem | None  # set when the example failed

    @property
    def ok(self) -> bool:
        return self.problem is None


def example_record(example: Example, conversation_id: str) -> dict:
    """The JSONL-shaped record of an example (times from ``at`` offsets, if any)."""
    timed = any(m.at is not None for m in example.messages)
    messages = []
    for m in example.messages:
        msg = {"role": m.role, "text": m.text}
        if m.at is not None:
            msg["ts"] = (_START + pd.Timedelta(seconds=m.at)).isoformat()
        messages.append(msg)
    record = {
        "conversation_id": conversation_id,
        "channel": example.channel,
        "agent_id": "example",
        **example.fields,
        "messages": messages,
    }
    if timed:
        record.setdefault("started_at", _START.isoformat())
    return record


def run_examples(rubric: Rubric, locator: Locator) -> list[ExampleResult]:
    """Every example of every criterion, in file order."""
    out = []
    for si, section in enumerate(rubric.sections):
        for ci, criterion in enumerate(section.criteria):
            if criterion.examples:
                path = ["sections", si, "criteria", ci, "examples"]
                out.extend(_run(criterion, path, locator))
    return out


def _run(criterion: Criterion, path: list, locator: Locator) -> list[ExampleResult]:
    ids = [f"{criterion.id}#{i}" for i in range(len(criterion.examples))]
    data = conversations_from_records(
        [example_record(e, cid) for e, cid in zip(criterion.examples, ids)], source=locator.file
    )
    risk = pd.DataFrame({"conversation_id": ids, "risk_score": [e.risk_score for e in criterion.examples]})
    risk = risk.dropna(subset=["risk_score"])
    frames = Frames(data.conversations, data.messages.sort_values(["conversation_id", "seq"]), risk)
    outcomes = evaluate_criterion(criterion, frames)
    results = []
    for i, (example, cid) in enumerate(zip(criterion.examples, ids)):
        bad = [p for p in data.log.problems if p.line == i + 1]
        actual = outcomes["outcome"].get(cid, "missing") if not bad else "invalid"
        note = outcomes["note"].get(cid, "") if not bad else "; ".join(p.message for p in bad)
        note = "" if pd.isna(note) else str(note)
        problem = None
        if actual != example.expect:
            problem = locator.problem(
                [*path, i],
                f"{criterion.id}: example '{example.name}' expected "
                f"{example.expect}, got {actual}" + (f" ({note})" if note else ""),
                code="example-failed",
            )
        results.append(ExampleResult(criterion.id, example.name, example.expect, actual, note, problem))
    return results
