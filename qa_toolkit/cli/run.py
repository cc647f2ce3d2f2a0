"""`qa run CONFIG.yaml` and `qa demo`: the whole pipeline in one command."""

from __future__ import annotations

import time

import click

from qa_toolkit.cli.common import finish, output_option, progress_bar
from qa_toolkit.pipeline import run_pipeline
from qa_toolkit.problems import InputError
from qa_toolkit.runconfig import demo_config, load_config


def _progress():
    """A progress line per stage on stderr, with the time since the start."""
    start = time.monotonic()

    def show(stage: str, message: str) -> None:
        click.echo(f"[{time.monotonic() - start:5.1f}s] {stage:<6} {message}", err=True)

    return show


def _summary(result, out) -> None:
    counts = result.counts
    click.echo(
        f"read {counts.get('conversations', 0)} conversations ({counts.get('skipped', 0)} skipped, "
        f"{counts.get('problems', 0)} problems); critical failures {counts.get('critical_failures', 0)}; "
        f"risk-flagged {counts.get('risk_flagged', '-')}; sampled {counts.get('sampled', 0)}"
    )
    click.echo(f"wrote to {out}/:")
    for stage, paths in result.written.items():
        names = sorted(
            {str(p.relative_to(out)) if p.is_relative_to(out) else str(p) for p in paths},
            key=lambda name: (name.count("/"), name),
        )  # the entry files before agents/...
        shown = ", ".join(names[:4]) + (f", ... ({len(names)} files)" if len(names) > 4 else "")
        click.echo(f"  {stage:<7} {shown}")


@click.command()
@click.argument("config", type=click.Path(exists=True, dir_okay=False))
@output_option(
    "Output folder (default: the config's `output`, else qa_out/).", dest="outdir", folder=True, required=False
)
def run(config: str, outdir: str | None) -> None:
    """Run data -> risk -> score -> sample -> report as CONFIG (YAML) says.

    Example: qa run sample_data/run.yaml -o qa_out
    """
    from pathlib import Path

    cfg, problems = load_config(config)
    if cfg is None:
        raise InputError(problems)
    out = Path(outdir or cfg.output)
    result = run_pipeline(
        cfg, base_dir=Path(config).resolve().parent, output=out, progress=_progress(), bars=progress_bar
    )
    _summary(result, out)
    finish(findings=result.counts.get("skipped", 0) + result.counts.get("problems", 0))


@click.command()
@output_option("Output folder.", dest="outdir", folder=True, default="qa_out")
def demo(outdir: str) -> None:
    """Run the whole pipeline on the bundled sample data and the shipped rubrics (Chinese, English).

    Example: qa demo -o qa_out   (then open qa_out/report/index.html)
    """
    from pathlib import Path

    cfg, base = demo_config()
    out = Path(outdir)
    result = run_pipeline(cfg, base_dir=base, output=out, progress=_progress(), bars=progress_bar)
    _summary(result, out)
    click.echo(f"open {out / 'report' / 'index.html'} (HTML) or {out / 'report' / 'report.xlsx'} (Excel)")
