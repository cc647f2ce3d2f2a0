"""`qa risk`: train, evaluate and apply the complaint/escalation risk model."""

from __future__ import annotations

import json
from pathlib import Path

import click

from qa_toolkit.atomic import write_frame
from qa_toolkit.cli.common import (
    chunk_size_option,
    data_options,
    file_option,
    finish,
    folds_option,
    json_option,
    load_dataset,
    no_mask_option,
    output_option,
    print_log,
    progress_bar,
    reader_opts,
    seed_option,
)
from qa_toolkit.io import iter_conversations
from qa_toolkit.risk import evaluate_model, load_model, parse_label, save_model, train_model
from qa_toolkit.risk.card import write_card
from qa_toolkit.risk.model import predict_chunks

LABEL_HELP = (
    "Label expression over conversation fields, e.g. \"csat <= 2\", \"'complaint' in tags\", "
    "\"escalated == true\"; combine with and/or/not."
)


@click.group()
def risk() -> None:
    """Train, evaluate and apply the complaint/escalation risk model."""


def _fmt(value) -> str:
    return "n/a" if value is None else f"{value:.3f}"


@risk.command("train")
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@click.option("--label", "label_expr", required=True, help=LABEL_HELP)
@output_option("Model file to write (.skops); the card goes beside it (.card.json, .card.md).")
@click.option(
    "--target-precision",
    type=click.FloatRange(0, 1, min_open=True, max_open=False),
    default=None,
    help="Choose the flag threshold for this cross-validated precision.",
)
@click.option(
    "--target-recall",
    type=click.FloatRange(0, 1, min_open=True, max_open=False),
    default=None,
    help="Choose the flag threshold for this cross-validated recall.",
)
@folds_option("Stratified cross-validation folds.")
@seed_option("Seed for the fold split.", default=0)
@data_options
def train(
    data: str,
    label_expr: str,
    output: str,
    target_precision: float | None,
    target_recall: float | None,
    folds: int,
    seed: int,
    read_opts: dict,
) -> None:
    """Train a model on DATA, labelled by --label; write the model and its card.

    Example: qa risk train conversations.jsonl --label "csat <= 2" -o model.skops --target-precision 0.8
    """
    if target_precision is not None and target_recall is not None:
        raise click.UsageError("give --target-precision or --target-recall, not both")

    label = parse_label(label_expr)
    dataset = load_dataset(data, read_opts)
    with progress_bar(f"cross-validating ({folds} folds)", total=folds) as advance:
        model = train_model(
            dataset.conversations,
            dataset.messages,
            label,
            folds=folds,
            target_precision=target_precision,
            target_recall=target_recall,
            seed=seed,
            source=Path(data).name,
            progress=lambda i: advance(1),
        )
    save_model(model, output)
    card_json, card_md = write_card(model.card, output)
    d, cv, thr = model.card["data"], model.card["cross_validation"], model.card["threshold"]
    click.echo(
        f"labelled {d['conversations_labelled']} conversations: {d['positives']} positive "
        f"({d['label_rate']:.1%}); excluded {d['conversations_excluded_missing_label']} "
        f"without a value for {label.text!r}"
    )
    click.echo(
        f"{folds}-fold CV: ROC-AUC {_fmt(cv['roc_auc'])}, PR-AUC {_fmt(cv['pr_auc'])}, "
        f"precision {_fmt(cv['precision'])}, recall {_fmt(cv['recall'])}, F1 {_fmt(cv['f1'])}, "
        f"ECE {_fmt(cv['ece'])}"
    )
    click.echo(f"threshold {thr['value']:.4f} ({thr['rule']})")
    click.echo(f"wrote {output}, {card_json}, {card_md}")
    finish(dataset.log)


_data_argument = click.argument("data", type=click.Path(exists=True, dir_okay=False))
_model_option = file_option("--model", "model_path", "Model file written by `qa risk train`.", required=True)


@risk.command("evaluate")
@_data_argument
@_model_option
@click.option("--label", "label_expr", required=True, help=LABEL_HELP)
@json_option("Print the metrics as JSON.")
@data_options
def evaluate(data: str, model_path: str, label_expr: str, as_json: bool, read_opts: dict) -> None:
    """Metrics of a trained model on labelled (held-out) DATA: ranking, the flag at the model's
    threshold, confusion matrix, reliability table.

    Example: qa risk evaluate last_week.jsonl --model model.skops --label "csat <= 2"
    """
    label = parse_label(label_expr)
    model = load_model(model_path)
    dataset = load_dataset(data, read_opts, quiet=as_json)
    m = evaluate_model(model, dataset.conversations, dataset.messages, label)
    if as_json:
        click.echo(json.dumps(m, ensure_ascii=False, indent=2))
        finish(dataset.log)
        return
    if m["same_as_training"]:
        click.echo("qa: warning: this is the data the model was trained on; the metrics are optimistic", err=True)
    if m["label"] != m["model_label"]:
        click.echo(f"qa: note: the model was trained for {m['model_label']!r}, evaluated for {m['label']!r}", err=True)
    c = m["confusion"]
    rows = [
        (
            "conversations",
            f"{m['n']} ({m['positives']} positive, {m['label_rate']:.1%}); "
            f"{m['excluded_missing_label']} excluded without a label value",
        ),
        ("ROC-AUC", _fmt(m["roc_auc"])),
        ("PR-AUC", _fmt(m["pr_auc"])),
        ("threshold", f"{m['threshold']:.4f}"),
        ("flagged", str(m["flagged"])),
        ("precision", _fmt(m["precision"])),
        ("recall", _fmt(m["recall"])),
        ("F1", _fmt(m["f1"])),
        *((f"precision@top {p['fraction']:.0%} (k={p['k']})", _fmt(p["precision"])) for p in m["precision_at_top"]),
        ("calibration error (ECE)", _fmt(m["ece"])),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        click.echo(f"{key:<{width}}  {value}")
    click.echo("\nconfusion matrix     flagged  not flagged")
    click.echo(f"  positive         {c['tp']:>8}  {c['fn']:>11}")
    click.echo(f"  negative         {c['fp']:>8}  {c['tn']:>11}")
    click.echo("\nreliability  score bin      n  mean score  observed")
    for r in m["reliability"]:
        if r["n"]:
            click.echo(f"             {r['bin']:<9} {r['n']:>6}  {r['mean_score']:>10.3f}  {r['observed_rate']:>8.3f}")
    finish(dataset.log)


@risk.command("predict")
@_data_argument
@_model_option
@output_option("Risk table to write (.csv, .parquet or .jsonl).")
@click.option(
    "--reasons",
    "n_reasons",
    type=click.IntRange(0, 10),
    default=3,
    show_default=True,
    help="Reasons given per flagged conversation.",
)
@click.option(
    "--lang",
    type=click.Choice(["auto", "zh", "en"]),
    default="auto",
    show_default=True,
    help="Language of the reasons (auto: Chinese for conversations in Chinese).",
)
@no_mask_option("Quote personal data in reasons unmasked.")
@chunk_size_option("Conversations read and scored at a time (bounds memory on large exports).")
@data_options
def predict(
    data: str, model_path: str, output: str, n_reasons: int, lang: str, no_mask: bool, chunk_size: int, read_opts: dict
) -> None:
    """Score every conversation in DATA: risk_score, risk_flag and, for flagged ones, the reasons.

    Example: qa risk predict conversations.jsonl --model model.skops -o risk.csv
    """
    if Path(output).suffix.lower() not in (".csv", ".parquet", ".jsonl"):
        raise click.BadParameter("write .csv, .parquet or .jsonl", param_hint="--output")
    model = load_model(model_path)
    opts, max_problems = reader_opts(read_opts)
    with progress_bar(f"scoring {Path(data).name}", total=Path(data).stat().st_size) as advance:
        chunks = iter_conversations(data, chunk_size=chunk_size, progress=advance, **opts)
        risk_frame, log = predict_chunks(model, chunks, n_reasons=n_reasons, lang=lang, mask=not no_mask)
    print_log(log, max_problems)
    write_frame(risk_frame, output)
    flagged = int(risk_frame["risk_flag"].sum())
    click.echo(
        f"scored {len(risk_frame)} conversations; {flagged} flagged at threshold {model.threshold:.4f}; wrote {output}"
    )
    finish(log)
