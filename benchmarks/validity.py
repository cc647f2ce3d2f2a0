"""Validity benchmark: how far the automatic judgements agree with a careful human grader.

Scores DATA (toolkit JSONL, e.g. the JDDC valid split made by ``benchmarks/validity/jddc.py``)
with a rubric and compares every automatic criterion with human labels (the TSV that
``shared/validity/LABELLING.md`` describes: ``conversation_id, criterion, label, msg, note``).
Prints, per criterion: n, accuracy, Cohen's κ (pass/fail/na), precision and recall of ``fail``,
automatic and human fail counts; then the false and missed critical failures with their ids and
the matched text; then the ROC-AUC of (100 − total) for ``sat_overall == 0`` (dissatisfied).

The labelled set is split once, by a hash of the conversation id, into a ``tune`` part (two
thirds: rules were written against it) and a ``holdout`` part (one third: never read while
tuning); ``--part`` picks one, and the summary checks the targets on each.

    python benchmarks/validity.py jddc_valid.jsonl benchmarks/validity/labels/jddc_valid.tsv
    python benchmarks/validity.py jddc_valid.jsonl LABELS --rubric rubrics/ecommerce-zh.yaml --part holdout
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score, roc_auc_score

from qa_toolkit.engine import score_chunks
from qa_toolkit.io import read_conversations
from qa_toolkit.problems import InputError
from qa_toolkit.rubric.loader import require_rubric

LABELS = ("pass", "fail", "na")
HEADER = ["conversation_id", "criterion", "label", "msg", "note"]
PARTS = ("all", "tune", "holdout")
#: The issue's targets: κ floor on these criteria, mean accuracy, AUC, no false critical failure.
KAPPA_TARGET = (
    "greeting",
    "closing",
    "taboo",
    "apology",
    "verify",
    "solution",
    "no_stalling",
    "timeline",
    "ask_secret",
)
KAPPA_FLOOR, ACCURACY_FLOOR, AUC_FLOOR = 0.6, 0.9, 0.65
DEFAULT_RUBRIC = Path(__file__).resolve().parent.parent / "rubrics" / "ecommerce-zh.yaml"


def part_of(conversation_id: str) -> str:
    """``holdout`` for one conversation in three (by a hash of its id), ``tune`` for the rest."""
    digest = hashlib.sha256(conversation_id.encode("utf-8")).digest()
    return "holdout" if digest[0] % 3 == 0 else "tune"


class LabelError(ValueError):
    """A labels file that does not follow the format, with file and line."""


def read_labels(path: str | Path) -> pd.DataFrame:
    """The human labels as a frame (conversation_id, criterion, label, msg, note); LabelError naming
    the file, line and field for a bad header, a bad label or a repeated (conversation, criterion)."""
    path = Path(path)
    rows, seen = [], set()
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if header != HEADER:
            raise LabelError(f"{path}:1: header must be {' | '.join(HEADER)}, found {header}")
        for line, row in enumerate(reader, start=2):
            if len(row) != len(HEADER):
                raise LabelError(f"{path}:{line}: expected {len(HEADER)} tab-separated fields, found {len(row)}")
            cid, criterion, label = row[0], row[1], row[2]
            if label not in LABELS:
                raise LabelError(f"{path}:{line}: field label: {label!r} is not one of {', '.join(LABELS)}")
            if (cid, criterion) in seen:
                raise LabelError(f"{path}:{line}: ({cid}, {criterion}) is labelled twice")
            seen.add((cid, criterion))
            rows.append(row)
    return pd.DataFrame(rows, columns=HEADER)


@dataclass
class Scored:
    """The tool's verdicts on DATA: long results, per-conversation scores, dissatisfaction flags."""

    results: pd.DataFrame
    scores: pd.DataFrame
    dissatisfied: pd.Series  # by conversation id, bool; empty when the data has no sat_overall
    automatic: list[str]  # criterion ids the rubric judges automatically
    critical: list[str]


def score(data: str | Path, rubric_path: str | Path) -> Scored:
    """Score DATA with the rubric, unmasked (the benchmark compares texts, nothing is written)."""
    rubric = require_rubric(rubric_path)
    dataset = read_conversations(data)
    results, scores = score_chunks(dataset.conversations, dataset.messages, rubric)
    conv = dataset.conversations
    dissatisfied = (
        pd.Series(
            conv["sat_overall"].astype("Int64").eq(0).fillna(False).to_numpy(),
            index=conv["conversation_id"].astype(str),
        )
        if "sat_overall" in conv
        else pd.Series(dtype=bool)
    )
    criteria = [c for _, c in rubric.criteria]
    return Scored(
        results,
        scores,
        dissatisfied,
        automatic=[c.id for c in criteria if c.check.type != "manual"],
        critical=[c.id for c in criteria if c.critical],
    )


def paired(scored: Scored, labels: pd.DataFrame, part: str = "all") -> pd.DataFrame:
    """One row per (conversation, criterion) both the tool and the human judged: ``auto``, ``human``,
    the human's message index and note, and the tool's evidence. Only automatic criteria."""
    auto = scored.results[
        ["conversation_id", "criterion_id", "outcome", "evidence_seq", "evidence_match", "evidence_text", "note"]
    ].astype({"conversation_id": str, "criterion_id": str})
    auto = auto.rename(columns={"criterion_id": "criterion", "outcome": "auto", "note": "auto_note"})
    human = labels.rename(columns={"label": "human", "note": "human_note"})
    both = auto.merge(human, on=["conversation_id", "criterion"], how="inner")
    both = both[both["criterion"].isin(scored.automatic)]
    if part != "all":
        both = both[both["conversation_id"].map(part_of) == part]
    return both.reset_index(drop=True)


def _kappa(a: pd.Series, b: pd.Series) -> float:
    if a.nunique() == 1 and b.nunique() == 1 and a.iloc[0] == b.iloc[0]:
        return float("nan")  # perfect agreement on one class: κ is undefined
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(cohen_kappa_score(a, b, labels=list(LABELS)))


def agreement(pairs: pd.DataFrame) -> pd.DataFrame:
    """Per criterion: n, accuracy, κ, precision and recall of fail, automatic and human fail counts."""
    rows = []
    for criterion, group in pairs.groupby("criterion", sort=False):
        auto, human = group["auto"].astype(str), group["human"].astype(str)
        auto_fail, human_fail = auto.eq("fail"), human.eq("fail")
        both = int((auto_fail & human_fail).sum())
        rows.append(
            {
                "criterion": criterion,
                "n": len(group),
                "accuracy": float(auto.eq(human).mean()),
                "kappa": _kappa(auto, human),
                "precision_fail": both / auto_fail.sum() if auto_fail.any() else float("nan"),
                "recall_fail": both / human_fail.sum() if human_fail.any() else float("nan"),
                "auto_fail": int(auto_fail.sum()),
                "human_fail": int(human_fail.sum()),
            }
        )
    return pd.DataFrame(rows)


def critical_errors(pairs: pd.DataFrame, critical: list[str]) -> pd.DataFrame:
    """Critical criteria where tool and human disagree on ``fail``: kind ``false`` (the tool zeroes a
    conversation the human passes) or ``missed`` (the human fails it, the tool does not)."""
    crit = pairs[pairs["criterion"].isin(critical)]
    false = crit[crit["auto"].eq("fail") & crit["human"].ne("fail")].assign(kind="false")
    missed = crit[crit["human"].eq("fail") & crit["auto"].ne("fail")].assign(kind="missed")
    return pd.concat([false, missed], ignore_index=True)


def dissatisfaction_auc(scored: Scored, ids: set[str] | None = None) -> tuple[float, int, int]:
    """ROC-AUC of (100 − total) for the dissatisfied class, with the numbers of dissatisfied and
    other conversations it was computed on (conversations without a total are left out)."""
    scores = scored.scores[["conversation_id", "total"]].astype({"conversation_id": str}).dropna()
    if ids is not None:
        scores = scores[scores["conversation_id"].isin(ids)]
    y = scores["conversation_id"].map(scored.dissatisfied).fillna(False).astype(bool)
    if y.nunique() < 2:
        return float("nan"), int(y.sum()), int((~y).sum())
    return float(roc_auc_score(y, 100 - scores["total"])), int(y.sum()), int((~y).sum())


def targets(table: pd.DataFrame, errors: pd.DataFrame, auc: float) -> dict[str, bool]:
    """The issue's targets, each met or not."""
    kappa = table.set_index("criterion")["kappa"]
    # an undefined κ means tool and human agree on every conversation with one class: met
    low = [c for c in KAPPA_TARGET if c in kappa.index and kappa[c] < KAPPA_FLOOR]
    return {
        f"kappa >= {KAPPA_FLOOR} on {', '.join(KAPPA_TARGET)}"
        + (f" (below: {', '.join(low)})" if low else ""): not low,
        f"mean accuracy >= {ACCURACY_FLOOR} ({table['accuracy'].mean():.3f})": table["accuracy"].mean()
        >= ACCURACY_FLOOR,
        f"no false critical failure ({int(errors['kind'].eq('false').sum()) if len(errors) else 0})": not (
            len(errors) and errors["kind"].eq("false").any()
        ),
        f"dissatisfaction ROC-AUC >= {AUC_FLOOR} ({auc:.3f})": auc >= AUC_FLOOR,
    }


def _fmt(value: float, digits: int = 3) -> str:
    return "—" if value != value else f"{value:.{digits}f}"


def markdown(table: pd.DataFrame) -> str:
    """The per-criterion table as Markdown (the README shows it)."""
    lines = [
        "| criterion | n | accuracy | κ | precision (fail) | recall (fail) | auto fails | human fails |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in table.itertuples():
        lines.append(
            f"| {r.criterion} | {r.n} | {_fmt(r.accuracy)} | {_fmt(r.kappa)} | {_fmt(r.precision_fail)} "
            f"| {_fmt(r.recall_fail)} | {r.auto_fail} | {r.human_fail} |"
        )
    lines.append(
        f"| **mean** | | **{_fmt(table['accuracy'].mean())}** | {_fmt(table['kappa'].mean())} | | | "
        f"{table['auto_fail'].sum()} | {table['human_fail'].sum()} |"
    )
    return "\n".join(lines)


def _quote(text: object, limit: int = 60) -> str:
    text = "" if text is None or text is pd.NA else str(text).replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "…"


def report(scored: Scored, labels: pd.DataFrame, part: str) -> tuple[str, dict]:
    """The printed report of one part and its figures as a dict."""
    pairs = paired(scored, labels, part)
    table = agreement(pairs)
    errors = critical_errors(pairs, scored.critical)
    auc, n_dis, n_other = dissatisfaction_auc(scored, set(pairs["conversation_id"]))
    met = targets(table, errors, auc)
    out = [f"## {part}: {pairs['conversation_id'].nunique()} conversations", "", markdown(table), ""]
    out.append(
        f"Critical failures: {int(errors['kind'].eq('false').sum()) if len(errors) else 0} false, "
        f"{int(errors['kind'].eq('missed').sum()) if len(errors) else 0} missed"
    )
    for r in errors.itertuples():
        seq = "" if r.evidence_seq is pd.NA or r.evidence_seq != r.evidence_seq else f"#{r.evidence_seq} "
        what = (
            f"matched '{_quote(r.evidence_match, 20)}' in {seq}'{_quote(r.evidence_text)}'"
            if r.kind == "false"
            else f"human: #{r.msg} {r.human_note}"
        )
        out.append(f"- {r.kind:6} {r.criterion:10} {r.conversation_id}  {what}")
    out += [
        "",
        f"ROC-AUC of (100 - total) for dissatisfied (sat_overall == 0): {_fmt(auc)} "
        f"({n_dis} dissatisfied, {n_other} other)",
        "",
        "Targets:",
    ]
    out += [f"- [{'x' if ok else ' '}] {name}" for name, ok in met.items()]
    figures = {
        "part": part,
        "conversations": int(pairs["conversation_id"].nunique()),
        "auc": auc,
        "criteria": table.to_dict("records"),
        "critical_errors": len(errors),
        "targets": met,
    }
    return "\n".join(out), figures


def comparison(before: dict, after: dict) -> str:
    """A before → after Markdown table of one part (two ``--json`` figures of the same part)."""
    lines = [
        f"{after['part']}: {after['conversations']} conversations; dissatisfaction ROC-AUC "
        f"{_fmt(before['auc'])} → {_fmt(after['auc'])}",
        "",
        "| criterion | accuracy | κ | auto fails | human fails |",
        "|---|---|---|---|---:|",
    ]
    old = {r["criterion"]: r for r in before["criteria"]}
    for r in after["criteria"]:
        b = old.get(r["criterion"], {"accuracy": float("nan"), "kappa": float("nan"), "auto_fail": "—"})
        lines.append(
            f"| {r['criterion']} | {_fmt(b['accuracy'], 2)} → **{_fmt(r['accuracy'], 2)}** "
            f"| {_fmt(b['kappa'], 2)} → **{_fmt(r['kappa'], 2)}** | {b['auto_fail']} → {r['auto_fail']} "
            f"| {r['human_fail']} |"
        )
    mean = lambda figures: sum(c["accuracy"] for c in figures["criteria"]) / len(figures["criteria"])  # noqa: E731
    lines.append(f"| **mean accuracy** | {mean(before):.3f} → **{mean(after):.3f}** | | | |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", help="conversations in the toolkit's JSONL (e.g. from validity/jddc.py)")
    parser.add_argument("labels", help="human labels TSV (conversation_id, criterion, label, msg, note)")
    parser.add_argument("--rubric", default=str(DEFAULT_RUBRIC), help="rubric YAML (default: the shipped zh rubric)")
    parser.add_argument(
        "--part",
        choices=PARTS + ("each",),
        default="each",
        help="which labelled conversations: all, tune, holdout, or each of them (default)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument(
        "--before",
        type=Path,
        help="figures (--json) of an earlier run, e.g. another rubric version: print before → after",
    )
    args = parser.parse_args(argv)
    try:
        labels = read_labels(args.labels)
        scored = score(args.data, args.rubric)
        before = {f["part"]: f for f in json.loads(args.before.read_text(encoding="utf-8"))} if args.before else {}
    except (LabelError, OSError, InputError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    figures = []
    for part in PARTS if args.part == "each" else (args.part,):
        text, fig = report(scored, labels, part)
        print(text + "\n")
        if part in before:
            print(comparison(before[part], json.loads(json.dumps(fig, default=str))) + "\n")
        figures.append(fig)
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
