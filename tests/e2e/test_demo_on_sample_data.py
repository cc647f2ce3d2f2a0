"""`qa demo`: the whole pipeline on the bundled sample data with the shipped config
(``sample_data/run.yaml``), as a new user first runs it — every stage and every output the config
names, all 3,000 conversations scored, a page per agent. The one full `qa run` on the sample data."""

import pandas as pd
import pytest
from click.testing import CliRunner

from qa_toolkit.cli import main
from qa_toolkit.runconfig import demo_config


@pytest.mark.slow
def test_demo_runs_the_shipped_config_on_the_sample_data(tmp_path):
    result = CliRunner().invoke(main, ["demo", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "read 3000 conversations (0 skipped, 0 problems)" in result.output
    assert f"open {tmp_path / 'report' / 'index.html'} (HTML) or {tmp_path / 'report' / 'report.xlsx'}" in result.output
    for rel in ("risk/model.skops", "risk/risk.csv", "score/run.json", "sample/manifest.csv", "report/report.xlsx"):
        assert (tmp_path / rel).is_file(), rel
    scores = pd.read_parquet(tmp_path / "score" / "scores.parquet")
    assert len(scores) == 3000 and set(scores["rubric_id"]) == {"ecommerce-zh", "ecommerce-en"}
    assert len(list((tmp_path / "report" / "agents").glob("*.html"))) == scores["agent_id"].nunique() == 30
    assert demo_config()[0].output == "qa_out"  # where `qa demo` writes without -o
