"""Run a rubric's ``examples`` — its unit tests. Each example is a tiny conversation; the
criterion must give the expected outcome on it, or the failure is reported at the example's
line (like sqlfluff's YAML rule cases). It scores them through the one runner
(``engine.score_chunks``), so it sits beside ``engine`` (and outside ``rubric/``, which scoring
imports)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from qa_toolkit.engine import score_chunks
from qa_toolkit.io import conversations_from_records
from qa_toolkit.problems import Problem
from qa_toolkit.rubric.loader import Locator
from qa_toolkit.rubric.schema import Example, Rubric

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
    """Every example of every criterion, in file order: all of them scored in one run of the
    runner (``engine.score_chunks``), each by its own criterion."""
    cases = [
        (["sections", si, "criteria", ci, "examples", i], criterion, example)
        for si, section in enumerate(rubric.sections)
        for ci, criterion in enumerate(section.criteria)
        for i, example in enumerate(criterion.examples)
    ]
    ids = [f"{criterion.id}#{path[-1]}" for path, criterion, _ in cases]
    data = conversations_from_records(
        [example_record(example, cid) for (_, _, example), cid in zip(cases, ids)], source=locator.file
    )
    risk = pd.DataFrame({"conversation_id": ids, "risk_score": [example.risk_score for _, _, example in cases]})
    results, _ = score_chunks(
        data.conversations, data.messages, _examined(rubric), risk=risk.dropna(subset=["risk_score"])
    )
    verdicts = results.set_index(["conversation_id", "criterion_id"])
    out = []
    for line, ((path, criterion, example), cid) in enumerate(zip(cases, ids), start=1):
        bad = [p for p in data.log.problems if p.line == line]
        key = (cid, criterion.id)
        actual = verdicts["outcome"].get(key, "missing") if not bad else "invalid"
        note = verdicts["note"].get(key, "") if not bad else "; ".join(p.message for p in bad)
        note = "" if pd.isna(note) else str(note)
        problem = None
        if actual != example.expect:
            problem = locator.problem(
                path,
                f"{criterion.id}: example '{example.name}' expected "
                f"{example.expect}, got {actual}" + (f" ({note})" if note else ""),
                code="example-failed",
            )
        out.append(ExampleResult(criterion.id, example.name, example.expect, actual, note, problem))
    return out


def _examined(rubric: Rubric) -> Rubric:
    """``rubric`` as its examples test it: every criterion counted (live) and applied to every
    conversation (no ``applies_to``); an example tests the check itself, its ``when`` included."""
    sections = [
        section.model_copy(update={"criteria": [c.model_copy(update={"status": "live"}) for c in section.criteria]})
        for section in rubric.sections
    ]
    return rubric.model_copy(update={"sections": sections, "applies_to": None})
