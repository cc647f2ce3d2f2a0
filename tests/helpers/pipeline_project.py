"""A small `qa run` project: sample conversations, the roster and a run config."""

import shutil

from qa_toolkit.resources import sample_conversations, sample_roster

CONFIG = """\
data: c.jsonl
roster: roster.csv
risk: {train_label: "csat <= 2 or 'complaint' in tags", folds: 2}
sample: {seed: 1, plan: {quota: 2, strata: [{kind: complaint, count: 1}]}}
report: {min_graded: 3}
"""


def small_project(folder, n=200, config=CONFIG):
    """The first ``n`` sample conversations, the roster and a run config in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = sample_conversations().read_text(encoding="utf-8").splitlines()[:n]
    (folder / "c.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    shutil.copy(sample_roster(), folder / "roster.csv")
    (folder / "run.yaml").write_text(config, encoding="utf-8")
    return folder / "run.yaml"
