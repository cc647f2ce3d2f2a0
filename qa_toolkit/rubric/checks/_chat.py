"""The chat client ``llm`` checks call: an OpenAI-compatible ``POST {base_url}/chat/completions``
(vLLM, Ollama, llama.cpp server, or a hosted API when configured), standard library only.

Every answer is cached on disk under ``cache_dir`` by its key (model + prompt + conversation
hash + repeat number), so a rerun asks nothing again; calls run ``concurrency`` at a time; a
budget (calls, tokens reported by the server, seconds since the first call) is kept per
process and per endpoint, and a request it refuses, like one that fails, comes back as an
``Answer`` with an error — never an exception, so one bad call cannot stop a run.

``urllib.request`` and ``http.client`` (~10 ms with the ``email`` package) are imported by the
call that needs them, so the commands that load a rubric without calling a model skip them."""

from __future__ import annotations

import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from qa_toolkit.atomic import write_json


class Endpoint(Protocol):
    """What the client reads of an ``llm`` check's endpoint settings."""

    base_url: str | None
    model: str | None
    api_key_env: str | None
    cache_dir: str
    concurrency: int
    timeout: float
    temperature: float
    max_tokens: int
    max_calls: int | None
    max_total_tokens: int | None
    max_seconds: float | None


@dataclass(frozen=True)
class Answer:
    """The model's reply text (None when there is none) or why there is none; ``usage``: the
    server's token counts for a fresh answer (None: read from the cache, or no answer)."""

    text: str | None
    error: str = ""
    usage: dict | None = None


class Budget:
    """Calls, tokens and seconds one endpoint may still spend in this process (thread-safe)."""

    def __init__(self, endpoint: Endpoint):
        self.limits = (endpoint.max_calls, endpoint.max_total_tokens, endpoint.max_seconds)
        self.calls = self.tokens = 0
        self.started: float | None = None
        self._lock = threading.Lock()

    def take(self) -> str:
        """Reserve one call: "" when it may go, else the limit that stops it."""
        max_calls, max_tokens, max_seconds = self.limits
        with self._lock:
            if max_calls is not None and self.calls >= max_calls:
                return f"budget spent: max_calls {max_calls}"
            if max_tokens is not None and self.tokens >= max_tokens:
                return f"budget spent: max_total_tokens {max_tokens}"
            if max_seconds is not None and self.started is not None and time.monotonic() - self.started >= max_seconds:
                return f"budget spent: max_seconds {max_seconds:g}"
            self.calls += 1
            self.started = self.started if self.started is not None else time.monotonic()
            return ""

    def spend(self, tokens: int) -> None:
        with self._lock:
            self.tokens += tokens


_BUDGETS: dict[tuple, Budget] = {}
_BUDGETS_LOCK = threading.Lock()


def budget(endpoint: Endpoint) -> Budget:
    """The process's budget for ``endpoint`` (shared by every criterion that calls it)."""
    key = (endpoint.base_url, endpoint.model, endpoint.max_calls, endpoint.max_total_tokens, endpoint.max_seconds)
    with _BUDGETS_LOCK:
        return _BUDGETS.setdefault(key, Budget(endpoint))


def complete(endpoint: Endpoint, requests: list[tuple[str, list[dict]]]) -> list[Answer]:
    """One answer per ``(cache key, chat messages)`` request, in order: from the cache, or
    asked ``concurrency`` at a time within the budget (and then cached)."""
    answers: list[Answer | None] = [_cached(endpoint, key) for key, _ in requests]
    todo = [i for i, a in enumerate(answers) if a is None]
    if todo:
        spend = budget(endpoint)
        with ThreadPoolExecutor(max_workers=min(endpoint.concurrency, len(todo))) as pool:
            for i, answer in zip(todo, pool.map(lambda i: _ask(endpoint, spend, requests[i][1]), todo)):
                answers[i] = answer
                if answer.text is not None:
                    _store(endpoint, requests[i][0], answer)
    return answers  # type: ignore[return-value]


def _cache_file(endpoint: Endpoint, key: str) -> Path:
    return Path(endpoint.cache_dir) / key[:2] / f"{key}.json"


def _cached(endpoint: Endpoint, key: str) -> Answer | None:
    try:
        data = json.loads(_cache_file(endpoint, key).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return Answer(data["text"]) if isinstance(data, dict) and isinstance(data.get("text"), str) else None


def _store(endpoint: Endpoint, key: str, answer: Answer) -> None:
    """Cache a fresh answer (from the calling thread: the workers only talk to the server)."""
    try:
        write_json(_cache_file(endpoint, key), {"model": endpoint.model, "text": answer.text, "usage": answer.usage})
    except OSError:  # an unwritable cache costs a repeated call next run, not this answer
        pass


def _ask(endpoint: Endpoint, spend: Budget, messages: list[dict]) -> Answer:
    """One call, if the budget allows; any failure comes back as the answer's error."""
    from http.client import HTTPException
    from urllib.error import HTTPError

    refused = spend.take()
    if refused:
        return Answer(None, refused)
    body = {
        "model": endpoint.model,
        "messages": messages,
        "temperature": endpoint.temperature,
        "max_tokens": endpoint.max_tokens,
        "response_format": {"type": "json_object"},
    }
    try:
        reply = _post(endpoint, body)
        text = reply["choices"][0]["message"]["content"]
        if not isinstance(text, str):
            raise TypeError("no text content")
    except HTTPError as err:
        return Answer(None, f"LLM call failed: HTTP {err.code} {err.reason}")
    except (OSError, HTTPException, ValueError, KeyError, IndexError, TypeError) as err:  # network, timeout, bad reply
        return Answer(None, f"LLM call failed: {type(err).__name__}: {err}")
    usage = reply.get("usage") if isinstance(reply.get("usage"), dict) else {}
    spend.spend(int(usage.get("total_tokens") or 0))
    return Answer(text, usage=usage)


def _post(endpoint: Endpoint, body: dict) -> dict:
    """The decoded JSON reply of one chat-completions call (proxies bypassed for a loopback host)."""
    import urllib.request

    headers = {"Content-Type": "application/json"}
    if endpoint.api_key_env:
        secret = os.environ.get(endpoint.api_key_env)
        if not secret:
            raise ValueError(f"environment variable {endpoint.api_key_env} (api_key_env) is not set")
        headers["Authorization"] = f"Bearer {secret}"
    url = str(endpoint.base_url).rstrip("/") + "/chat/completions"
    request = urllib.request.Request(
        url, data=json.dumps(body, ensure_ascii=False).encode("utf-8"), headers=headers, method="POST"
    )
    local = urlsplit(url).hostname in ("127.0.0.1", "localhost", "::1")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({})) if local else urllib.request.build_opener()
    with opener.open(request, timeout=endpoint.timeout) as response:
        return json.loads(response.read().decode("utf-8"))
