"""Learned criteria against a careful human grader, next to the rules they would replace or join.

On the labelled real conversations of the validity benchmark (DATA: the JDDC valid split made by
``benchmarks/validity/jddc.py``, never committed; LABELS: ``benchmarks/validity/labels/jddc_valid.tsv``,
per criterion, the same shape as grades), each criterion is learned the way ``qa criterion
train`` learns it — the same views, pipeline, inner choice of regularisation and rule feature —
and judged by cross-validation: every conversation is predicted by a model trained on the other
folds (a conversation is never split across folds). Per criterion it prints n, Cohen's κ,
accuracy and precision / recall of ``fail`` of the learned criterion, and the rule criterion's κ
(``validity.py``'s scoring and agreement) on the same conversations; then the same on the
``holdout`` third that the rules were never tuned on; then the targets (κ ≥ 0.6 on at least four
of the six, the learned criterion at least as good as the rule on each).

    python benchmarks/learned_eval.py jddc_valid.jsonl benchmarks/validity/labels/jddc_valid.tsv
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from qa_toolkit.io import read_conversations
from qa_toolkit.learning.card import chosen
from qa_toolkit.learning.grades import labels_from
from qa_toolkit.learning.train import fit_criterion, rule_of
from qa_toolkit.problems import InputError
from qa_toolkit.rubric import require_rubric
from qa_toolkit.rubric.checks._base import Chunk

HERE = Path(__file__).resolve().parent


def _validity():
    spec = importlib.util.spec_from_file_location("validity_benchmark", HERE / "validity.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


validity = _validity()


@dataclass(frozen=True)
class Setup:
    """How a criterion is learned: the views it reads and whose rule's outcome is a feature
    (the options of ``qa criterion train``)."""

    focus: str = "whole"
    rule_from: str | None = None


#: The six criteria of the issue, with the options a user would pick for them.
CRITERIA: dict[str, Setup] = {
    "greeting": Setup(focus="opening"),
    "closing": Setup(focus="closing"),
    "apology": Setup(),
    "verify": Setup(),
    "solution": Setup(),
    "empathy": Setup(rule_from="apology"),  # a manual criterion: it reads the apology rule
}
KAPPA_FLOOR, AT_LEAST = 0.6, 4


def learned_pairs(
    data: str | Path, labels: pd.DataFrame, rubric, criteria: dict[str, Setup], *, folds: int, seed: int
) -> pd.DataFrame:
    """One row per (conversation, criterion) the human labelled: the learned criterion's
    out-of-fold outcome as ``auto``, the label as ``human`` (validity.py's pairs shape)."""
    dataset = read_conversations(data)
    frames = Chunk(dataset.conversations, dataset.messages)
    grades = labels_from(labels.rename(columns={"criterion": "criterion_id", "label": "outcome"}), "outcome", str(data))
    rows = []
    for criterion, setup in criteria.items():
        trained = fit_criterion(
            frames,
            grades.of(criterion),
            criterion,
            rule_of(rubric, setup.rule_from or criterion),
            focus=setup.focus,
            folds=folds,
            seed=seed,
        )
        rows.append(
            pd.DataFrame(
                {
                    "conversation_id": trained.data.table["conversation_id"].astype(str),
                    "criterion": criterion,
                    "auto": trained.cv.predicted,
                    "human": trained.data.y,
                }
            )
        )
        picked = chosen(trained.pipeline)
        print(
            f"learned {criterion}: {picked['model']}"
            + (f", C {picked['C']:g}, class weight {picked['class_weight']}" if picked["C"] is not None else ""),
            file=sys.stderr,
        )
    return pd.concat(rows, ignore_index=True)


def comparison(learned: pd.DataFrame, rules: pd.DataFrame, part: str) -> pd.DataFrame:
    """Per criterion: the learned criterion's agreement and the rule's κ on the same conversations."""
    if part != "all":
        learned = learned[learned["conversation_id"].map(validity.part_of) == part]
    table = validity.agreement(learned).set_index("criterion")
    keys = learned[["conversation_id", "criterion"]]
    rule = validity.agreement(rules.merge(keys, on=["conversation_id", "criterion"])).set_index("criterion")
    table["rule_kappa"] = rule["kappa"].reindex(table.index)
    return table.reset_index()


def _fmt(value: float) -> str:
    return "—" if value is None or value != value else f"{value:.3f}"


def markdown(table: pd.DataFrame) -> str:
    """The comparison as Markdown (the README shows it)."""
    lines = [
        "| criterion | n | rule κ | learned κ | learned accuracy | precision (fail) | recall (fail) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in table.itertuples():
        lines.append(
            f"| {r.criterion} | {r.n} | {_fmt(r.rule_kappa)} | **{_fmt(r.kappa)}** | {_fmt(r.accuracy)} "
            f"| {_fmt(r.precision_fail)} | {_fmt(r.recall_fail)} |"
        )
    return "\n".join(lines)


def targets(table: pd.DataFrame) -> dict[str, bool]:
    """κ ≥ 0.6 on at least four criteria; the learned criterion at least as good as the rule on
    each (a manual criterion has no rule κ: nothing to beat)."""
    kappa = table.set_index("criterion")["kappa"].fillna(1.0)  # undefined κ: perfect agreement on one class
    rule = table.set_index("criterion")["rule_kappa"]
    above = [c for c in kappa.index if kappa[c] >= KAPPA_FLOOR]
    worse = [c for c in kappa.index if rule[c] == rule[c] and kappa[c] < rule[c]]
    return {
        f"κ >= {KAPPA_FLOOR} on at least {AT_LEAST} of {len(kappa)} ({len(above)}: {', '.join(above)})": len(above)
        >= AT_LEAST,
        "learned κ >= rule κ on each" + (f" (below: {', '.join(worse)})" if worse else ""): not worse,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", help="conversations in the toolkit's JSONL (e.g. from validity/jddc.py)")
    parser.add_argument("labels", help="human labels TSV (conversation_id, criterion, label, msg, note)")
    parser.add_argument(
        "--rubric",
        default=str(validity.DEFAULT_RUBRIC),
        help="rubric whose rules are compared and read (default: the shipped zh rubric)",
    )
    parser.add_argument("--criteria", nargs="+", choices=sorted(CRITERIA), default=list(CRITERIA))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    try:
        labels = validity.read_labels(args.labels)
        rubric = require_rubric(args.rubric)
        rules = validity.paired(validity.score(args.data, args.rubric), labels)
        learned = learned_pairs(
            args.data, labels, rubric, {c: CRITERIA[c] for c in args.criteria}, folds=args.folds, seed=args.seed
        )
    except (validity.LabelError, OSError, InputError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    figures = {}
    for part in ("all", "holdout"):
        table = comparison(learned, rules, part)
        met = targets(table)
        ids = learned["conversation_id"]
        n = ids.nunique() if part == "all" else ids[ids.map(validity.part_of) == part].nunique()
        print(
            f"## {part}: {n} conversations, {args.folds}-fold cross-validated (seed {args.seed})\n\n"
            f"{markdown(table)}\n\nTargets:"
        )
        print("\n".join(f"- [{'x' if ok else ' '}] {name}" for name, ok in met.items()) + "\n")
        figures[part] = {"criteria": table.replace({np.nan: None}).to_dict("records"), "targets": met}
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
