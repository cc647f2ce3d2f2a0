"""`qa criterion`: criteria learned from the team's own grades."""

from __future__ import annotations

from pathlib import Path

import click

from qa_toolkit.cli.common import (
    data_file_option,
    data_options,
    file_option,
    folds_option,
    load_dataset,
    output_option,
    progress_bar,
    rubric_option,
    seed_option,
)
from qa_toolkit.learning.card import write_card
from qa_toolkit.learning.grades import read_grades
from qa_toolkit.learning.store import save_model
from qa_toolkit.learning.train import train_criterion
from qa_toolkit.rubric.loader import require_rubric, require_rubrics


@click.group()
def criterion() -> None:
    """Criteria learned from the team's own grades (`type: learned` in a rubric)."""


def _fmt(value) -> str:
    return "n/a" if value is None else f"{value:.3f}"


@criterion.command("train")
@file_option(
    "--grades",
    "grades_path",
    "Grades CSV from `qa grade import` (or conversation_id, criterion_id, outcome rows).",
    required=True,
)
@data_file_option("The export holding the graded conversations.", dest="data", dir_okay=False)
@click.option(
    "--criterion",
    "criteria",
    required=True,
    multiple=True,
    help="Criterion id to learn; repeat for several (one model each).",
)
@rubric_option(
    "The rubric the models will serve: they are bound to its id and version, and read its rule "
    "for the criterion (if it has one) as a feature. Default: the shipped rubric that has the criterion.",
    dest="rubric_path",
    multiple=False,
)
@click.option(
    "--rule-from",
    default=None,
    help="Read the rule of this criterion of the rubric instead (e.g. apology's rule for empathy).",
)
@click.option(
    "--focus",
    type=click.Choice(["whole", "opening", "closing", "agent"]),
    default="whole",
    show_default=True,
    help="What the model reads: the whole conversation, the agent's opening message, its closing "
    "messages, or agent replies with the customer message each answers.",
)
@output_option("Folder for ID.skops and its card (ID.card.json, ID.card.md).", dest="out_dir", folder=True)
@folds_option("Cross-validation folds (over conversations).")
@seed_option("Seed for the fold split.", default=0)
@data_options
def train(
    grades_path: str,
    data: str,
    criteria: tuple[str, ...],
    rubric_path: str | None,
    rule_from: str | None,
    focus: str,
    out_dir: str,
    folds: int,
    seed: int,
    read_opts: dict,
) -> None:
    """Learn each --criterion from the human grades of the conversations in --data; write one
    model and card per criterion into the output folder.

    Example: qa criterion train --grades grades.csv --data week.jsonl --criterion empathy
    --rubric rubrics/ecommerce-zh.yaml -o models/
    """
    grades = read_grades(grades_path)
    if grades.log.problems:
        click.echo(grades.log.summary(), err=True)
    # the rubric may hold the very models being retrained: a stale one must not block
    if rubric_path:
        rubrics = dict.fromkeys(criteria, require_rubric(rubric_path, tolerate=("learned-model",)))
    else:
        shipped, _ = require_rubrics()
        rubrics = {c: next((r for r in shipped if any(k.id == c for _, k in r.criteria)), None) for c in criteria}
        unknown = [c for c, r in rubrics.items() if r is None]
        if unknown:
            raise click.UsageError(f"no shipped rubric has criterion {', '.join(unknown)}: give --rubric")
    dataset = load_dataset(data, read_opts)
    for criterion_id in criteria:
        rubric = rubrics[criterion_id]
        with progress_bar(f"{criterion_id}: cross-validating ({folds} folds)", total=folds) as advance:
            model = train_criterion(
                dataset.conversations,
                dataset.messages,
                grades,
                criterion_id,
                rubric=rubric,
                rule_from=rule_from,
                focus=focus,
                folds=folds,
                seed=seed,
                sources={
                    "grades": Path(grades_path).name,
                    "data": Path(data).name,
                    "rubric": rubric_path and Path(rubric_path).name,
                },
                progress=lambda i: advance(1),
            )
        path = save_model(model, Path(out_dir) / f"{criterion_id}.skops")
        card_json, card_md = write_card(model.card, path)
        d, cv = model.card["data"], model.card["cross_validation"]
        rule = cv["rule_alone"]
        click.echo(
            f"{criterion_id}: {d['conversations']} graded conversations ("
            + ", ".join(f"{k} {v}" for k, v in d["per_class"].items())
            + ")"
            + (f", {d['graded_not_in_data']} graded but not in the data" if d["graded_not_in_data"] else "")
        )
        click.echo(
            f"  {folds}-fold CV: accuracy {_fmt(cv['accuracy'])}, κ {_fmt(cv['kappa'])}"
            + (f" (the rule alone: {_fmt(rule['kappa'])})" if rule else "")
            + f", fail precision {_fmt(cv['precision_fail'])} recall {_fmt(cv['recall_fail'])}"
        )
        click.echo(f"  wrote {path}, {card_json}, {card_md}")
