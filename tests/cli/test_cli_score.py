"""`qa score`: outputs written atomically and read back the way a user would, masked by
default, byte-for-byte deterministic, clear exit 2 on a broken rubric."""

import json
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from qa_toolkit.cli import main

RECORDS = [
    {
        "conversation_id": "C1",
        "channel": "chat",
        "agent_id": "A1",
        "csat": 5,
        "messages": [
            {"ts": "2026-09-07T10:00:00+08:00", "role": "customer", "text": "在吗，快递怎么还没到"},
            {"ts": "2026-09-07T10:00:20+08:00", "role": "agent", "text": "您好，很高兴为您服务，请提供订单号"},
            {"ts": "2026-09-07T10:01:00+08:00", "role": "agent", "text": "非常抱歉，已为您催促快递，预计明天送达"},
            {"ts": "2026-09-07T10:02:00+08:00", "role": "agent", "text": "请问还有其他可以帮您的吗？祝您生活愉快"},
        ],
    },
    {
        "conversation_id": "C2",
        "channel": "chat",
        "agent_id": "A2",
        "csat": 1,
        "messages": [
            {"ts": "2026-09-07T11:00:00+08:00", "role": "customer", "text": "我要投诉"},
            {"ts": "2026-09-07T11:09:00+08:00", "role": "agent", "text": "说吧"},
            {"ts": "2026-09-07T11:10:00+08:00", "role": "agent", "text": "您的手机号13812345678，加我微信私下处理"},
        ],
    },
]


def write_data(tmp_path: Path) -> Path:
    path = tmp_path / "conv.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in RECORDS) + "\n", encoding="utf-8")
    return path


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_score_writes_every_output_and_a_summary(tmp_path):
    out = tmp_path / "out"
    result = run("score", write_data(tmp_path), "-o", out)
    assert result.exit_code == 0, result.output
    # the shipped rubric confirms critical items: C2's fails are pending, its total not zeroed
    assert "critical failures: 0" in result.output
    assert "scored 2 of 2 conversations (46 criterion results)\n" in result.output
    for name in ("results.csv", "scores.csv", "results.parquet", "scores.parquet", "run.json"):
        assert (out / name).is_file()
    scores = pd.read_csv(out / "scores.csv", encoding="utf-8-sig", dtype={"conversation_id": str})
    assert list(scores["conversation_id"]) == ["C1", "C2"]
    c2 = scores.set_index("conversation_id").loc["C2"]
    assert c2["total"] > 0 and not c2["critical_failed"] and c2["critical_pending"] == "pii;diversion"
    assert (scores["rubric_id"] == "ecommerce-zh").all()
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert manifest["rubric_version"] == "2026.11" and manifest["summary"]["conversations"] == 2
    assert len(manifest["input_sha256"]) == 64 and manifest["evidence_masked"] is True
    parquet = pd.read_parquet(out / "results.parquet")
    assert len(parquet) == len(pd.read_csv(out / "results.csv", encoding="utf-8-sig"))


def test_evidence_is_masked_unless_no_mask(tmp_path):
    data = write_data(tmp_path)
    run("score", data, "-o", tmp_path / "m")
    text = (tmp_path / "m" / "results.csv").read_text(encoding="utf-8-sig")
    assert "13812345678" not in text and "138****5678" in text
    run("score", data, "-o", tmp_path / "raw", "--no-mask")
    assert "13812345678" in (tmp_path / "raw" / "results.csv").read_text(encoding="utf-8-sig")


def test_outputs_are_byte_identical_across_runs(tmp_path):
    data = write_data(tmp_path)
    run("score", data, "-o", tmp_path / "a")
    run("score", data, "-o", tmp_path / "b", "--chunk-size", "1")
    for name in ("results.csv", "scores.csv", "results.parquet", "scores.parquet", "run.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_risk_file_feeds_model_criteria(tmp_path):
    risk = tmp_path / "risk.csv"
    pd.DataFrame({"conversation_id": ["C1", "C2"], "risk_score": [0.1, 0.95], "risk_reasons": ["", "投诉"]}).to_csv(
        risk, index=False
    )
    run("score", write_data(tmp_path), "-o", tmp_path / "o", "--risk", risk)
    res = pd.read_parquet(tmp_path / "o" / "results.parquet")
    model = res[res["criterion_id"] == "complaint_risk"].set_index("conversation_id")
    assert model.loc["C1", "outcome"] == "pass" and model.loc["C2", "outcome"] == "fail"
    assert model.loc["C2", "points"] == -5


def test_bad_risk_file_is_exit_2(tmp_path):
    risk = tmp_path / "risk.csv"
    risk.write_text("id,score\n1,2\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["score", str(write_data(tmp_path)), "-o", str(tmp_path / "o"), "--risk", str(risk)]
    )
    assert result.exit_code == 2 and "risk_score" in result.output


def test_broken_rubric_is_exit_2_with_its_line(tmp_path):
    rubric = tmp_path / "r.yaml"
    rubric.write_text("id: x\nversion: '1'\nname: x\nlanguage: zh\nsections: [\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["score", str(write_data(tmp_path)), "--rubric", str(rubric), "-o", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert f"{rubric}:" in result.output and "rubric" in result.output
    assert not (tmp_path / "o").exists()


def test_a_chunk_size_below_one_is_a_usage_error_not_a_traceback(tmp_path):
    from click.testing import CliRunner

    from qa_toolkit.cli import main
    from qa_toolkit.resources import sample_data_dir

    result = CliRunner().invoke(
        main,
        ["score", str(sample_data_dir() / "conversations.jsonl"), "-o", str(tmp_path / "out"), "--chunk-size", "0"],
    )
    assert result.exit_code == 2 and "--chunk-size" in result.output
    assert isinstance(result.exception, SystemExit)  # a usage error, not a traceback
