"""A rubric's `examples` are scored through the runner, each by its own criterion: a shadow
criterion's examples and a rubric whose `applies_to` would not admit them are tested all the
same, and an example that cannot be read fails at its line as `invalid`."""

from pathlib import Path

from qa_toolkit.rubric.loader import load_with_locator
from qa_toolkit.rubric_examples import run_examples

RUBRIC = """\
id: shop
version: "1"
name: Shop
language: en
applies_to: {channels: [phone]}
sections:
  - id: attitude
    name: Attitude
    weight: 100
    criteria:
      - id: greeting
        name: Greeting
        points: 10
        check: {type: keywords, phrases: [hello], first_turns: 1}
        examples:
          - name: says hello
            expect: pass
            messages:
              - customer: where is my parcel
              - agent: hello, let me look
          - name: no hello
            expect: fail
            messages:
              - customer: where is my parcel
              - agent: thank you, order number?
      - id: thanks
        name: Thanks
        points: 10
        status: shadow
        check: {type: keywords, phrases: [thank you]}
        examples:
          - name: thanks
            expect: pass
            messages:
              - customer: ok
              - agent: thank you for waiting
          - name: no thanks
            expect: fail
            messages:
              - customer: ok
              - agent: hello, bye
"""


def _run(tmp_path: Path, text: str):
    path = tmp_path / "shop.yaml"
    path.write_text(text, encoding="utf-8")
    rubric, locator, problems = load_with_locator(path)
    assert rubric is not None and not [p for p in problems if p.level == "error"], problems
    return path, run_examples(rubric, locator)


def test_every_example_is_judged_by_its_own_criterion_shadow_and_out_of_scope_included(tmp_path):
    _, results = _run(tmp_path, RUBRIC)
    assert [(r.criterion_id, r.name, r.actual) for r in results] == [
        ("greeting", "says hello", "pass"),
        ("greeting", "no hello", "fail"),
        ("thanks", "thanks", "pass"),
        ("thanks", "no thanks", "fail"),
    ]
    assert all(r.ok for r in results)


def test_a_wrong_expectation_fails_at_its_example_with_the_outcome_got(tmp_path):
    text = RUBRIC.replace(
        "          - name: no thanks\n            expect: fail", "          - name: no thanks\n            expect: pass"
    )
    path, results = _run(tmp_path, text)
    failed = [r for r in results if not r.ok]
    assert len(failed) == 1 and failed[0].actual == "fail"
    line = text[: text.index("- name: no thanks")].count("\n") + 1
    assert failed[0].problem.line == line
    assert failed[0].problem.message.startswith("thanks: example 'no thanks' expected pass, got fail")
    assert "shadow" not in failed[0].problem.message


def test_an_unreadable_example_is_invalid_at_its_line(tmp_path):
    text = RUBRIC.replace(
        "          - name: no hello\n            expect: fail\n",
        "          - name: no hello\n            expect: fail\n            fields: {csat: 9}\n",
    )
    _, results = _run(tmp_path, text)
    bad = [r for r in results if not r.ok]
    assert [(r.name, r.actual) for r in bad] == [("no hello", "invalid")]
    assert "csat 9" in bad[0].note
    assert [r.actual for r in results if r.ok] == ["pass", "pass", "fail"]
