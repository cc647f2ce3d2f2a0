"""The `llm` check against a small OpenAI-compatible server started on 127.0.0.1 by the tests
(it answers from a script, stops by itself after a minute at most, and is shut down after the
module): verdicts stand only with a quote found in the conversation, answers are cached, repeats
expose flipping verdicts, the budget and concurrency hold, and nothing is sent unless configured.

To try a real endpoint (a local Ollama or vLLM server), name it in the environment:

    QA_LLM_TEST_BASE_URL=http://127.0.0.1:11434/v1 QA_LLM_TEST_MODEL=qwen2.5:7b \\
        pytest tests/checks/test_llm_check.py -k real_endpoint

(``QA_LLM_TEST_API_KEY_ENV`` names the variable holding a key, for a hosted API.)"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from qa_toolkit.cli import main
from qa_toolkit.engine import score_chunks
from qa_toolkit.io import conversations_from_records
from qa_toolkit.rubric.checks.llm import NOT_CONFIGURED
from qa_toolkit.rubric.loader import parse_rubric

LINE = re.compile(r"^\[(\d+)\] (\w+): (.*)$", re.MULTILINE)


class Server:
    """A scripted chat-completions server: records every request, answers by the conversation."""

    def __init__(self):
        self.requests: list[dict] = []
        self.headers: list[dict] = []
        self.in_flight = self.most_in_flight = 0
        self.delay = 0.0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server._lock:
                    server.requests.append(body)
                    server.headers.append(dict(self.headers))
                    server.in_flight += 1
                    server.most_in_flight = max(server.most_in_flight, server.in_flight)
                    prompt = body["messages"][-1]["content"]  # the n-th ask of this prompt, whatever else runs
                    turn = sum(r["messages"][-1]["content"] == prompt for r in server.requests)
                time.sleep(server.delay)
                status, reply = server.answer(body, turn)
                with server._lock:
                    server.in_flight -= 1
                data = json.dumps(reply, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/v1"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        self.timer = threading.Timer(60, self.http.shutdown)  # stops by itself, whatever happens
        self.timer.daemon = True
        self.timer.start()

    def stop(self):
        self.timer.cancel()
        self.http.shutdown()
        self.http.server_close()

    @staticmethod
    def answer(body: dict, turn: int) -> tuple[int, dict]:
        """The script: the conversation's words decide the reply (a wavering one's, also ``turn``: how
        many times its prompt has been asked, so the flips do not depend on what else runs at once)."""
        text = body["messages"][-1]["content"].split("Conversation (")[-1]
        agent = [m[2] for m in LINE.findall(text) if m[1] == "agent"]
        if "服务器错误" in text:
            return 500, {"error": "boom"}
        if "乱答" in text:
            content = "I think it passes"
        elif "不适用" in text:
            content = json.dumps({"verdict": "na", "quote": "", "reason": "无需致歉"})
        elif "编造" in text:
            content = json.dumps({"verdict": "pass", "quote": "我们深表歉意并全额退款", "reason": "道歉了"})
        elif "摇摆" in text:
            content = json.dumps({"verdict": "pass" if turn % 2 else "fail", "quote": agent[0]})
        else:
            said = next((a for a in agent if "抱歉" in a), None)
            content = (
                "```json\n"
                + json.dumps(
                    {
                        "verdict": "pass" if said else "fail",
                        "quote": said or agent[0],
                        "reason": "客服致歉" if said else "没有致歉",
                    },
                    ensure_ascii=False,
                )
                + "\n```"
            )
        return 200, {
            "choices": [{"message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
        }


@pytest.fixture(scope="module")
def server():
    s = Server()
    yield s
    s.stop()


def rubric(endpoint: str, check: str = "{type: llm}"):
    text = f"""\
id: llm-test
version: "1"
name: llm test
language: zh
{endpoint}
sections:
  - id: attitude
    name: 服务态度
    weight: 100
    criteria:
      - id: apology
        name: 致歉安抚
        description: 客户抱怨时，客服需致歉或安抚。
        status: shadow
        check: {check}
        examples:
          - name: 致歉
            expect: pass
            messages: [{{customer: 还没到！}}, {{agent: 很抱歉让您久等了}}]
"""
    parsed, _, problems = parse_rubric(text, "llm.yaml")
    assert parsed is not None, problems
    return parsed


def conversations(*agent_lines: str):
    records = [
        {
            "conversation_id": f"c{i}",
            "channel": "chat",
            "agent_id": "a",
            "messages": [
                {"role": "customer", "text": "怎么还没到"},
                {"role": "agent", "text": "您好"},
                {"role": "agent", "text": line},
            ],
        }
        for i, line in enumerate(agent_lines)
    ]
    data = conversations_from_records(records)
    return data.conversations, data.messages


def score(parsed, *agent_lines: str) -> pd.DataFrame:
    results, _ = score_chunks(*conversations(*agent_lines), parsed)
    return results.set_index("conversation_id")


def endpoint(server: Server, tmp_path: Path, model: str, **extra) -> str:
    settings = {"base_url": server.url, "model": model, "cache_dir": str(tmp_path / "cache"), **extra}
    return "llm: " + json.dumps(settings, ensure_ascii=False)


def test_a_verdict_stands_only_with_its_quote_found_in_the_conversation(server, tmp_path):
    res = score(
        rubric(endpoint(server, tmp_path, "m-verdicts")),
        "很抱歉让您久等了，马上处理",
        "请提供订单号",
        "这个我编造一下",
        "不适用的情况",
        "乱答一通",
        "服务器错误",
    )
    assert res["outcome"].tolist() == ["pass", "fail", "review", "na", "review", "review"]
    assert res.loc["c0", "evidence_seq"] == 2 and res.loc["c0", "evidence_match"] == "很抱歉让您久等了，马上处理"
    assert res.loc["c0", "note"] == "shadow, not counted: model: pass; 客服致歉"
    assert "quote is not in the conversation" in res.loc["c2", "note"]
    assert "unreadable answer" in res.loc["c4", "note"] and "HTTP 500" in res.loc["c5", "note"]


def test_the_prompt_carries_the_criterion_and_masks_personal_data(server, tmp_path):
    score(
        rubric(endpoint(server, tmp_path, "m-prompt"), "{type: llm, instructions: 注意语气}"),
        "很抱歉，您的手机号13812345678已登记",
    )
    body = server.requests[-1]
    user = body["messages"][-1]["content"]
    assert body["model"] == "m-prompt" and body["temperature"] == 0
    for part in (
        "致歉安抚",
        "客户抱怨时，客服需致歉或安抚。",
        "注意语气",
        "- 致歉 -> pass",
        "agent: 很抱歉让您久等了",
        "[2] agent: 很抱歉，您的手机号138****5678已登记",
    ):
        assert part in user
    assert "13812345678" not in json.dumps(body, ensure_ascii=False)


def test_answers_are_cached_by_model_prompt_and_conversation(server, tmp_path):
    lines = ("很抱歉让您久等了", "请提供订单号")
    first = score(rubric(endpoint(server, tmp_path, "m-cache")), *lines)
    asked = len(server.requests)
    again = score(rubric(endpoint(server, tmp_path, "m-cache")), *lines)
    assert len(server.requests) == asked and again["outcome"].tolist() == first["outcome"].tolist()
    assert len(list((tmp_path / "cache").rglob("*.json"))) == 2
    score(rubric(endpoint(server, tmp_path, "m-cache-2")), *lines)  # another model: asked again
    score(
        rubric(endpoint(server, tmp_path, "m-cache"), "{type: llm, instructions: 新的要求}"), *lines
    )  # another prompt
    assert len(server.requests) == asked + 4


def test_repeat_measures_how_often_the_verdict_flips(server, tmp_path):
    res = score(
        rubric(endpoint(server, tmp_path, "m-repeat", repeat=3, temperature=0.7)), "很抱歉让您久等了", "摇摆不定"
    )
    assert res.loc["c0", "outcome"] == "pass" and res.loc["c0", "note"].endswith("(3/3 answers)")
    assert res.loc["c1", "outcome"] == "review" and re.search(
        r"verdict flipped: (pass 2, fail 1|fail 2, pass 1)", res.loc["c1", "note"]
    )


def test_the_budget_and_concurrency_bound_the_calls(server, tmp_path):
    server.delay = 0.2
    try:
        asked = len(server.requests)
        res = score(
            rubric(endpoint(server, tmp_path, "m-budget", max_calls=3, concurrency=3)),
            *[f"很抱歉{i}" for i in range(5)],
        )
    finally:
        server.delay = 0.0
    assert len(server.requests) - asked == 3 and server.most_in_flight >= 2
    assert (res["outcome"] == "pass").sum() == 3
    assert res.loc[res["outcome"] == "review", "note"].str.endswith("budget spent: max_calls 3").sum() == 2


def test_never_called_unless_configured(server, tmp_path):
    asked = len(server.requests)
    res = score(rubric(""), "很抱歉让您久等了")
    assert len(server.requests) == asked and res.loc["c0", "outcome"] == "review"
    assert res.loc["c0", "note"].endswith(NOT_CONFIGURED)


def test_the_api_key_comes_from_the_named_environment_variable(server, tmp_path, monkeypatch):
    check = "{type: llm, endpoint: {api_key_env: QA_TEST_LLM_KEY}}"
    res = score(rubric(endpoint(server, tmp_path, "m-key"), check), "很抱歉")
    assert res.loc["c0", "outcome"] == "review" and "QA_TEST_LLM_KEY (api_key_env) is not set" in res.loc["c0", "note"]
    monkeypatch.setenv("QA_TEST_LLM_KEY", "sk-test")
    assert score(rubric(endpoint(server, tmp_path, "m-key"), check), "很抱歉").loc["c0", "outcome"] == "pass"
    assert server.headers[-1]["Authorization"] == "Bearer sk-test"


def test_qa_score_and_rubric_test_run_llm_criteria(server, tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text(
        f"""\
id: llm-cli
version: "1"
name: llm cli
language: zh
{endpoint(server, tmp_path, "m-cli")}
sections:
  - id: attitude
    name: 服务态度
    weight: 100
    criteria:
      - id: greeting
        name: 开场白
        check: {{type: keywords, phrases: [您好]}}
      - id: apology
        name: 致歉安抚
        status: shadow
        check: {{type: llm}}
        examples:
          - name: 致歉
            expect: pass
            messages: [{{customer: 还没到！}}, {{agent: 很抱歉让您久等了}}]
""",
        encoding="utf-8",
    )
    r = CliRunner().invoke(main, ["rubric", "test", str(path)])
    assert r.exit_code == 0 and "1/1 examples passed" in r.output, r.output
    data = tmp_path / "c.jsonl"
    data.write_text(
        json.dumps(
            {
                "conversation_id": "x",
                "channel": "chat",
                "agent_id": "a",
                "messages": [
                    {"role": "customer", "text": "还没到"},
                    {"role": "agent", "text": "您好，很抱歉让您久等了"},
                ],
            },
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    r = CliRunner().invoke(main, ["score", str(data), "--rubric", str(path), "-o", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    res = pd.read_csv(tmp_path / "out" / "results.csv", encoding="utf-8-sig").set_index("criterion_id")
    assert res.loc["apology", "outcome"] == "pass" and res.loc["apology", "note"].startswith("shadow, not counted")


@pytest.mark.skipif(
    not os.environ.get("QA_LLM_TEST_BASE_URL"), reason="no QA_LLM_TEST_BASE_URL: no real endpoint named"
)
def test_real_endpoint(tmp_path):
    """A real model judges a plain apology: whatever it says, the outcome is a valid one, and a
    pass or fail carries a quote that is in the conversation."""
    settings = {
        "base_url": os.environ["QA_LLM_TEST_BASE_URL"],
        "model": os.environ.get("QA_LLM_TEST_MODEL", "qwen2.5:7b"),
        "cache_dir": str(tmp_path / "cache"),
        "timeout": 120,
    }
    if os.environ.get("QA_LLM_TEST_API_KEY_ENV"):
        settings["api_key_env"] = os.environ["QA_LLM_TEST_API_KEY_ENV"]
    res = score(rubric("llm: " + json.dumps(settings)), "非常抱歉让您久等了，我马上帮您催促仓库发货")
    row = res.loc["c0"]
    assert row["outcome"] in ("pass", "fail", "na", "review"), row["note"]
    if row["outcome"] in ("pass", "fail"):
        assert row["evidence_seq"] in (1, 2) and row["evidence_match"]
