"""The pipeline library: config loading with locations, a small end-to-end run, and a report
from a `qa score` folder (weighted when the scores cover only the sample)."""

from itertools import groupby

import openpyxl
import pandas as pd
import pytest
from pipeline_project import small_project

from qa_toolkit.pipeline import run_pipeline
from qa_toolkit.reporting import report_from_scores
from qa_toolkit.rubric import require_rubric
from qa_toolkit.runconfig import ReportConfig, demo_config, load_config
from qa_toolkit.scorefolder import read_score_dir, write_score_dir


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    base = tmp_path_factory.mktemp("project")
    config_path = small_project(base)
    config, problems = load_config(config_path)
    assert problems == []
    stages = []
    result = run_pipeline(config, base_dir=base, output=base / "out", progress=lambda s, m: stages.append(s))
    return base, result, stages


@pytest.mark.slow
def test_every_stage_runs_and_writes(run):
    base, result, stages = run
    assert [stage for stage, _ in groupby(stages)] == ["data", "risk", "score", "sample", "report"]
    assert stages.count("risk") == 2  # training and scoring the risk, then saving the model: each said
    out = base / "out"
    for rel in (
        "score/scores.parquet",
        "score/results.csv",
        "score/run.json",
        "risk/risk.csv",
        "risk/model.skops",
        "risk/model.card.json",
        "risk/model.card.md",
        "sample/manifest.csv",
        "sample/batch.json",
        "report/report.xlsx",
        "report/index.html",
    ):
        assert (out / rel).is_file(), rel
    assert result.counts["conversations"] == 200 and result.counts["sampled"] > 0
    agents = pd.read_parquet(out / "score/scores.parquet")["agent_id"].nunique()
    assert len(list((out / "report/agents").glob("*.html"))) == agents > 20
    wb = openpyxl.load_workbook(out / "report/report.xlsx", read_only=True)
    assert wb.sheetnames[0] == "团队汇总" and wb.sheetnames[-1] == "会话明细"  # zh: the rubric's language


@pytest.mark.slow
def test_report_from_a_score_folder_weighted_by_the_sample(run, tmp_path):
    from qa_toolkit.io import read_conversations
    from qa_toolkit.metrics import compute_metrics

    base, _, _ = run
    out = base / "out"
    results, scores, info = read_score_dir(out / "score")
    manifest = pd.read_csv(out / "sample/manifest.csv", dtype={"conversation_id": "string"})
    sampled = set(manifest["conversation_id"])
    folder = tmp_path / "sample_scores"
    dataset = read_conversations(base / "c.jsonl", roster=base / "roster.csv")
    write_score_dir(
        folder,
        results[results["conversation_id"].isin(sampled)],
        scores[scores["conversation_id"].isin(sampled)],
        [require_rubric(info["rubric_file"])],
        [info["rubric_file"]],
        base / "c.jsonl",
        dataset.log,
        masked=True,
    )
    written = report_from_scores(
        dataset,
        folder,
        tmp_path / "rep",
        ReportConfig(formats=["html"], lang="en"),
        manifest_path=out / "sample",
        rubric_path=info["rubric_file"],
    )
    assert [p.name for p in written][:1] == ["index.html"]
    text = (tmp_path / "rep/index.html").read_text(encoding="utf-8")
    assert "weighted by inverse inclusion probability" in text
    m = compute_metrics(
        dataset.conversations,
        dataset.messages,
        scores[scores["conversation_id"].isin(sampled)],
        manifest=manifest.assign(inclusion_prob=manifest["inclusion_prob"].astype(float)),
    )
    assert m.weighted


@pytest.mark.slow
def test_agent_filter_and_unknown_agent(run, tmp_path):
    from qa_toolkit.io import read_conversations
    from qa_toolkit.problems import InputError

    base, _, _ = run
    dataset = read_conversations(base / "c.jsonl", roster=base / "roster.csv")
    written = report_from_scores(dataset, base / "out/score", tmp_path, ReportConfig(agents=["A001"]))
    assert sorted(p.name for p in written) == ["A001.html", "index.html", "report.xlsx"]
    with pytest.raises(InputError, match="NOPE"):
        report_from_scores(dataset, base / "out/score", tmp_path, ReportConfig(agents=["NOPE"]))


@pytest.mark.slow
def test_a_second_report_into_a_folder_keeps_nothing_of_the_first(run, tmp_path):
    from qa_toolkit.io import read_conversations

    base, _, _ = run
    dataset = read_conversations(base / "c.jsonl", roster=base / "roster.csv")
    first = ReportConfig(per_agent_workbooks=True, agents=["A001", "A002", "A003"])  # three agents' pages and books
    report_from_scores(dataset, base / "out/score", tmp_path, first)
    assert {p.name for p in (tmp_path / "agents").iterdir()} >= {"A002.html", "A002.xlsx", "A003.html", "A003.xlsx"}
    assert (tmp_path / "report.xlsx").is_file()
    written = report_from_scores(dataset, base / "out/score", tmp_path, ReportConfig(formats=["html"], agents=["A001"]))
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        "agents",
        "agents/A001.html",
        "index.html",
    ]
    assert sorted(written) == [tmp_path / "agents/A001.html", tmp_path / "index.html"]


def test_missing_score_folder_is_an_input_error(tmp_path):
    from qa_toolkit.problems import InputError

    with pytest.raises(InputError, match="no run.json here"):
        read_score_dir(tmp_path)


def test_config_problems_have_line_and_column(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("data: x.jsonl\nreport:\n  formats: [pdf]\n  period: year\nbogus: 1\n", encoding="utf-8")
    config, problems = load_config(path)
    assert config is None
    assert [(p.line, p.field) for p in problems] == [(3, "report.formats.0"), (4, "report.period"), (5, "bogus")]
    path.write_text("data: [unclosed\n", encoding="utf-8")
    assert load_config(path)[1][0].code == "yaml-syntax"


def test_shipped_demo_config_is_valid():
    config, base = demo_config()
    assert (base / config.data).is_file() and (base / config.roster).is_file()
    assert config.risk.train_label and config.sample.plan.strata


#: The ledger is the point here: no risk model to train, and one agent's page for the report.
LEDGER_CONFIG = """\
data: c.jsonl
roster: roster.csv
sample: {seed: 1, plan: {quota: 2, strata: [{kind: complaint, count: 1}], exclude: {ledger: ledger.csv}}}
report: {min_graded: 3, formats: [html], agents: [A001]}
"""


@pytest.mark.slow
def test_ledger_in_the_plan_prevents_resampling_across_runs(tmp_path):
    config_path = small_project(tmp_path / "p", n=120, config=LEDGER_CONFIG)
    config, problems = load_config(config_path)
    assert problems == []
    first = run_pipeline(config, base_dir=config_path.parent, output=tmp_path / "o1")
    rerun = run_pipeline(config, base_dir=config_path.parent, output=tmp_path / "o1b")
    config.sample.seed = 2  # the next batch of the same period
    second = run_pipeline(config, base_dir=config_path.parent, output=tmp_path / "o2")
    ledger = pd.read_csv(config_path.parent / "ledger.csv", dtype=str)
    m1 = pd.read_csv(tmp_path / "o1/sample/manifest.csv", dtype=str)
    m2 = pd.read_csv(tmp_path / "o2/sample/manifest.csv", dtype=str)
    assert (tmp_path / "o1/sample/manifest.csv").read_bytes() == (tmp_path / "o1b/sample/manifest.csv").read_bytes()
    assert len(m1) > 0 and not set(m1["conversation_id"]) & set(m2["conversation_id"])
    assert len(ledger) == len(m1) + len(m2)  # the rerun appended nothing
    assert set(ledger["conversation_id"]) == set(m1["conversation_id"]) | set(m2["conversation_id"])
    assert first.counts["sampled"] == rerun.counts["sampled"] == len(m1) and second.counts["sampled"] == len(m2)


def test_yaml_documents_share_one_reader_duplicate_keys_refused_at_their_line(tmp_path):
    from qa_toolkit.runconfig import load_config
    from qa_toolkit.sampling.plan import parse_plan

    path = tmp_path / "run.yaml"
    path.write_text("data: a.jsonl\nout: out\ndata: b.jsonl\n", encoding="utf-8")
    problem = load_config(path)[1][0]
    assert (problem.code, problem.line) == ("duplicate-key", 3)
    plan, problems = parse_plan("seed: 1\nseed: 2\n", "plan.yaml")
    assert plan is None and (problems[0].code, problems[0].line, problems[0].file) == ("duplicate-key", 2, "plan.yaml")
