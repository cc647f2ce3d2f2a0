"""Several rubrics in one run: each conversation scored by the first rubric whose applies_to
admits it (zh and en), one-rubric lists identical to that rubric alone, `qa score --rubric` twice,
the engine, the pipeline on mixed sample data and reports built from mixed scores."""

import json

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from qa_toolkit.cli import main
from qa_toolkit.engine import score_chunks
from qa_toolkit.io import conversations_from_records
from qa_toolkit.resources import default_rubric, default_rubrics, sample_conversations
from qa_toolkit.review.importer import workbook_input_cells
from qa_toolkit.rubric import load_rubric
from qa_toolkit.rubric.schema import Rubric
from qa_toolkit.scorefolder import open_score_folder
from qa_toolkit.scoring import format_summary, summarise

ZH, EN = (load_rubric(p)[0] for p in default_rubrics())


def small(**scope):
    """A one-criterion rubric scoped by ``scope`` (e.g. channels=["chat"])."""
    name = "-".join(v[0][0] for v in scope.values())
    return Rubric.model_validate(
        {
            "id": f"r-{name}",
            "version": "1",
            "name": name,
            "language": "zh",
            "applies_to": scope,
            "bands": [{"name": "ok", "min": 0}],
            "sections": [
                {
                    "id": f"s_{name}",
                    "name": name,
                    "weight": 1,
                    "criteria": [
                        {
                            "id": f"greet_{name}",
                            "name": f"问候 {name}",
                            "points": 10,
                            "check": {"type": "keywords", "phrases": ["您好", "hello"]},
                        }
                    ],
                }
            ],
        }
    )


def mixed(n_each: int = 2):
    """zh and en conversations, interleaved (zh first)."""
    records = []
    for i in range(n_each):
        records.append(
            {
                "conversation_id": f"zh{i}",
                "channel": "chat",
                "agent_id": "a1",
                "started_at": "2026-11-02T10:00:00+08:00",
                "messages": [
                    {"role": "customer", "text": "你好，我的快递三天了还没到，订单号在哪里查？"},
                    {"role": "agent", "text": "您好，很抱歉让您久等了，我马上帮您查询物流。"},
                    {"role": "agent", "text": "已经为您催促快递，预计明天送达，还有其他问题吗？"},
                ],
            }
        )
        records.append(
            {
                "conversation_id": f"en{i}",
                "channel": "email",
                "agent_id": "a2",
                "started_at": "2026-11-02T11:00:00+08:00",
                "messages": [
                    {"role": "customer", "text": "Hello, my parcel has not arrived after three days."},
                    {"role": "agent", "text": "Hello, I am sorry for the wait. Let me check the tracking."},
                    {"role": "agent", "text": "I have chased the courier, it arrives tomorrow. Anything else?"},
                ],
            }
        )
    return conversations_from_records(records)


def test_each_language_is_scored_by_its_rubric_in_the_chunk_order():
    ds = mixed()
    results, scores = score_chunks(ds.conversations, ds.messages, [ZH, EN])
    assert scores["conversation_id"].tolist() == ["zh0", "en0", "zh1", "en1"]
    assert scores["rubric_id"].tolist() == ["ecommerce-zh", "ecommerce-en"] * 2
    assert scores["total"].notna().all()
    zh_ids = [c.id for _, c in ZH.criteria]
    en_ids = [c.id for _, c in EN.criteria]
    assert results[results["conversation_id"] == "zh0"]["criterion_id"].tolist() == zh_ids
    assert results[results["conversation_id"] == "en1"]["criterion_id"].tolist() == en_ids
    assert results["conversation_id"].drop_duplicates().tolist() == ["zh0", "en0", "zh1", "en1"]
    assert not results["note"].eq("rubric does not apply").any()


def test_en_first_routes_the_same_conversations():
    ds = mixed(1)
    _, scores = score_chunks(ds.conversations, ds.messages, [EN, ZH])
    assert dict(zip(scores["conversation_id"], scores["rubric_id"])) == {"zh0": "ecommerce-zh", "en0": "ecommerce-en"}


def test_a_list_of_one_rubric_is_score_chunks():
    ds = mixed()
    for rubric in (ZH, EN):
        one = score_chunks(ds.conversations, ds.messages, [rubric])
        ref = score_chunks(ds.conversations, ds.messages, rubric)
        for a, b in zip(one, ref):
            pd.testing.assert_frame_equal(a, b)


def test_chunked_two_rubrics_equal_one_call():
    ds = mixed(3)
    whole = score_chunks(ds.conversations, ds.messages, [ZH, EN])
    chunked = score_chunks(ds.conversations, ds.messages, [ZH, EN], chunk_size=2)
    for a, b in zip(whole, chunked):
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))


def test_union_of_section_columns_and_conversations_no_rubric_admits():
    chat, email = small(channels=["chat"]), small(channels=["email"])
    records = [
        {"conversation_id": c, "channel": ch, "agent_id": "a", "messages": [{"role": "agent", "text": "您好"}]}
        for c, ch in (("c1", "chat"), ("c2", "phone"), ("c3", "email"))
    ]
    ds = conversations_from_records(records)
    results, scores = score_chunks(ds.conversations, ds.messages, [chat, email])
    assert scores["conversation_id"].tolist() == ["c1", "c2", "c3"]
    assert {"section_s_c", "section_s_e"} <= set(scores.columns)
    assert scores["total"].tolist()[0] == 100 and pd.isna(scores["total"].tolist()[1])
    assert scores["rubric_id"].tolist() == ["r-c", "r-c", "r-e"]  # the unadmitted one: the first rubric's N/A row
    assert pd.isna(scores.loc[0, "section_s_e"]) and scores.loc[2, "section_s_e"] == 100
    assert results[results["conversation_id"] == "c2"]["note"].tolist() == ["rubric does not apply"]
    summary = summarise(results, scores, [chat, email])
    assert summary["outside_scope"] == 1 and summary["by_rubric"] == {"r-c": 2, "r-e": 1}
    assert "1 outside every rubric's scope" in format_summary(summary)


@pytest.fixture(scope="module")
def sample_scored():
    from qa_toolkit.io import read_conversations

    ds = read_conversations(sample_conversations())
    return ds, score_chunks(ds.conversations, ds.messages, [ZH, EN])


def test_every_sample_conversation_is_scored_by_the_shipped_set(sample_scored):
    ds, (results, scores) = sample_scored
    assert len(scores) == len(ds.conversations) == 3000
    assert set(scores["rubric_id"]) == {"ecommerce-zh", "ecommerce-en"}
    assert (scores["rubric_id"] == "ecommerce-en").sum() > 300
    no_total = scores[scores["total"].isna()]["conversation_id"]
    judged = results[results["outcome"].isin(["pass", "fail"])]["conversation_id"]
    assert not no_total.isin(judged).any()  # only the genuinely all-N/A (none in the sample) lack a total
    assert no_total.empty


def tiny_jsonl(path):
    ds_records = []
    for line in sample_conversations().read_text(encoding="utf-8").splitlines()[:400]:
        ds_records.append(line)
    path.write_text("\n".join(ds_records) + "\n", encoding="utf-8")
    return path


def test_qa_score_with_two_rubrics(tmp_path):
    data = tiny_jsonl(tmp_path / "c.jsonl")
    zh, en = (str(p) for p in default_rubrics())
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["score", str(data), "--rubric", zh, "--rubric", en, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "rubrics: ecommerce-en" in result.output
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert [r["id"] for r in info["rubrics"]] == ["ecommerce-zh", "ecommerce-en"]
    assert all(len(r["sha256"]) == 64 for r in info["rubrics"]) and info["rubric_id"] == "ecommerce-zh"
    scores = pd.read_csv(out / "scores.csv", encoding="utf-8-sig")
    assert scores["total"].notna().all() and set(scores["rubric_id"]) == {"ecommerce-zh", "ecommerce-en"}
    # the default is the same shipped set; one --rubric keeps the old single-rubric output
    default = CliRunner().invoke(main, ["score", str(data), "-o", str(tmp_path / "default")])
    assert default.exit_code == 0, default.output
    assert (tmp_path / "default" / "scores.csv").read_bytes() == (out / "scores.csv").read_bytes()
    single = CliRunner().invoke(main, ["score", str(data), "--rubric", zh, "-o", str(tmp_path / "zh")])
    assert single.exit_code == 0 and "outside every rubric's scope" in single.output
    zh_only = pd.read_csv(tmp_path / "zh" / "scores.csv", encoding="utf-8-sig")
    assert set(zh_only["rubric_id"]) == {"ecommerce-zh"} and zh_only["total"].isna().sum() > 0


def test_engine_parts_with_two_rubrics_equal_in_process(tmp_path):
    from qa_toolkit.engine import ScoreJob, score_file
    from qa_toolkit.io import read_conversations

    data = tiny_jsonl(tmp_path / "c.jsonl")
    paths = tuple(str(p) for p in default_rubrics())
    run = score_file(data, ScoreJob(paths, str(tmp_path / "parts"), mask=False), chunk_size=150)
    ds = read_conversations(data)
    results, scores = score_chunks(ds.conversations, ds.messages, [ZH, EN])
    assert run.summary == summarise(results, scores, [ZH, EN])
    pd.testing.assert_frame_equal(open_score_folder(tmp_path / "parts").scores(), scores, check_dtype=False)


@pytest.fixture(scope="module")
def mixed_report(sample_scored, tmp_path_factory):
    """The report (workbook and HTML) of the sample data scored by the shipped set: (folder, files written)."""
    from qa_toolkit.reporting import write_report
    from qa_toolkit.runconfig import ReportConfig

    ds, (results, scores) = sample_scored
    folder = tmp_path_factory.mktemp("mixed")
    return folder, write_report(ds, results, scores, folder, ReportConfig(min_graded=3), rubric=[ZH, EN])


def test_reports_build_from_mixed_scores(mixed_report):
    folder, written = mixed_report
    assert {p.name for p in written} >= {"report.xlsx", "index.html"}
    wb = openpyxl.load_workbook(folder / "report.xlsx", read_only=True)
    text = " ".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v)
    en_only = {c.id: c.name for _, c in EN.criteria}.keys() - {c.id for _, c in ZH.criteria}
    assert en_only and all(dict((c.id, c.name) for _, c in EN.criteria)[cid] in text for cid in en_only)
    html = (folder / "index.html").read_text(encoding="utf-8")
    assert ZH.name in html and "<script>alert" not in html


def test_run_config_accepts_a_list_of_rubrics(tmp_path):
    from qa_toolkit.runconfig import load_config

    (tmp_path / "a.yaml").write_text(
        f"data: c.jsonl\nrubric: [{default_rubric('zh')}, {default_rubric('en')}]\n", encoding="utf-8"
    )
    (tmp_path / "b.yaml").write_text("data: c.jsonl\nrubric: one.yaml\n", encoding="utf-8")
    assert load_config(tmp_path / "a.yaml")[0].rubric == [str(default_rubric("zh")), str(default_rubric("en"))]
    assert load_config(tmp_path / "b.yaml")[0].rubric == "one.yaml"


def test_grade_round_trip_gives_each_conversation_its_rubric(tmp_path):
    data = str(tiny_jsonl(tmp_path / "c.jsonl"))
    run = lambda *a: CliRunner().invoke(main, [str(x) for x in a])  # noqa: E731
    r = run("sample", data, "--quota", "1", "--period", "all", "--seed", "3", "-o", tmp_path / "batch")
    assert r.exit_code == 0, r.output
    book = tmp_path / "g.xlsx"
    r = run("grade", "export", tmp_path / "batch", "--data", data, "-o", book)
    assert r.exit_code == 0 and "with ecommerce-en (17 criteria)" in r.output, r.output
    wb = openpyxl.load_workbook(book)
    meta = {row[0]: row[1] for row in wb["_meta"].iter_rows(values_only=True) if row and row[0]}
    sheet_rubric = {k.split(":", 1)[1]: v for k, v in meta.items() if k.startswith("rubric:")}
    en_sheet = next(s for s, rid in sheet_rubric.items() if rid == "ecommerce-en")
    zh_sheet = next(s for s, rid in sheet_rubric.items() if rid == "ecommerce-zh")
    ids = workbook_input_cells(book)
    crits = {s: [row[3] for row in ids if row[0] == s and row[4] == "grade"] for s in (en_sheet, zh_sheet)}
    assert crits[en_sheet] == [c.id for _, c in EN.criteria] and crits[zh_sheet] == [c.id for _, c in ZH.criteria]
    for sheet in (en_sheet, zh_sheet):
        wb[sheet]["C3"] = "李质检 Lee"
    wb.save(tmp_path / "filled.xlsx")
    r = run("grade", "import", tmp_path / "filled.xlsx", "--data", data, "-o", tmp_path / "grades.csv")
    assert r.exit_code == 0, r.output
    grades = pd.read_csv(tmp_path / "grades.csv", encoding="utf-8-sig")
    scores = pd.read_csv(tmp_path / "grades_scores.csv", encoding="utf-8-sig")
    assert sorted(scores["rubric_id"]) == ["ecommerce-en", "ecommerce-zh"]
    en_cid = scores.loc[scores["rubric_id"] == "ecommerce-en", "conversation_id"].iloc[0]
    assert grades.loc[grades["conversation_id"] == en_cid, "criterion_id"].tolist() == crits[en_sheet]
    # a workbook with an English sheet, imported with the Chinese rubric alone: refused, named
    r = run(
        "grade",
        "import",
        tmp_path / "filled.xlsx",
        "--data",
        data,
        "--rubric",
        default_rubric("zh"),
        "-o",
        tmp_path / "zh.csv",
    )
    assert r.exit_code == 2 and "made for rubric ecommerce-en" in r.output and not (tmp_path / "zh.csv").exists()


def test_qa_report_from_a_two_rubric_score_folder(tmp_path):
    data = tiny_jsonl(tmp_path / "c.jsonl")
    run = lambda *a: CliRunner().invoke(main, [str(x) for x in a])  # noqa: E731
    assert run("score", data, "-o", tmp_path / "score").exit_code == 0
    r = run("report", "--scores", tmp_path / "score", "--data", data, "-o", tmp_path / "rep", "--min-graded", "2")
    assert r.exit_code == 0, r.output
    html = (tmp_path / "rep" / "index.html").read_text(encoding="utf-8")
    assert "ecommerce-zh" in html and "ecommerce-en" in html  # both rubrics named in the label
    en_name = next(c.name for _, c in EN.criteria if c.id == "resolution")
    wb = openpyxl.load_workbook(tmp_path / "rep" / "report.xlsx", read_only=True)
    assert wb.sheetnames[0] == "团队汇总"  # labels from the first rubric (zh)
    assert any(en_name in str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v)
    r = run(
        "report",
        "--scores",
        tmp_path / "score",
        "--data",
        data,
        "-o",
        tmp_path / "rep2",
        "--min-graded",
        "2",
        "--rubric",
        default_rubric("zh"),
        "--rubric",
        default_rubric("en"),
        "--format",
        "html",
    )
    assert r.exit_code == 0, r.output


def test_pipeline_default_scores_every_conversation_with_the_shipped_set(tmp_path):
    from qa_toolkit.pipeline import run_pipeline
    from qa_toolkit.runconfig import demo_config, load_config

    assert demo_config()[0].rubric is None  # qa demo: the shipped set
    tiny_jsonl(tmp_path / "c.jsonl")
    (tmp_path / "run.yaml").write_text(
        "data: c.jsonl\nsample: {seed: 1, plan: {quota: 1}}\nreport: {formats: [html], min_graded: 2}\n",
        encoding="utf-8",
    )
    config, problems = load_config(tmp_path / "run.yaml")
    assert problems == []
    run_pipeline(config, base_dir=tmp_path, output=tmp_path / "out")
    scores = pd.read_parquet(tmp_path / "out" / "score" / "scores.parquet")
    assert len(scores) == 400 and scores["total"].notna().all()
    assert set(scores["rubric_id"]) == {"ecommerce-zh", "ecommerce-en"}
    info = json.loads((tmp_path / "out" / "score" / "run.json").read_text(encoding="utf-8"))
    assert [r["id"] for r in info["rubrics"]] == ["ecommerce-zh", "ecommerce-en"]


def test_mixed_report_shows_one_band_scale_by_rank(sample_scored, mixed_report):
    """English conversations' bands (excellent, good, …) appear under the first rubric's names
    of the same rank (优秀, 良好, …): one distribution, not two side by side."""
    from qa_toolkit.reporting import _bands_by_rank

    assert _bands_by_rank([ZH, EN]) == {"excellent": "优秀", "good": "良好", "pass": "合格", "fail": "不合格"}
    _, (_, scores) = sample_scored
    html = (mixed_report[0] / "index.html").read_text(encoding="utf-8")
    assert "不合格" in html and ">excellent<" not in html
    expected_top = int(scores["band"].isin(["优秀", "excellent"]).sum())
    assert f">{expected_top}<" in html
