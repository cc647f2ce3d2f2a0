"""llm — a language model judges the criterion, through an OpenAI-compatible chat endpoint you
run (a local vLLM or Ollama server is the expected case); it is never called unless a
``base_url`` and ``model`` are configured, so no conversation leaves the machine otherwise.

The endpoint is set once in the rubric's top-level ``llm:`` block (``base_url``, ``model``,
``api_key_env``: the *name* of the environment variable holding the key) and may be overridden
per check under ``endpoint:``. The prompt is built from the criterion's name, description,
``instructions`` and ``examples``, followed by the conversation (personal data masked unless
``mask_pii: false``), and asks for JSON: ``{"verdict": "pass"|"fail"|"na", "quote": ...,
"reason": ...}``. A pass or fail stands only when its ``quote`` is found verbatim in a message
of the conversation (whitespace and width ignored, at least 2 characters); that message is the
evidence. Otherwise — quote not found, unreadable answer, failed call, spent budget — the
outcome is ``review``, for a person to grade.

Answers are cached on disk (``cache_dir``, default ``.qa-cache/llm``) keyed by model + prompt +
conversation hash (+ repeat number), so a rerun asks nothing again. ``repeat: k`` asks k times
(use ``temperature`` > 0): when the verdicts differ the outcome is ``review`` and the note
counts them ("verdict flipped: pass 2, fail 1"), which measures how stable the model is.
``concurrency`` calls run at once; ``max_calls``, ``max_total_tokens`` (as the server reports
them) and ``max_seconds`` (since the first call) bound what a process spends per endpoint.
Like every automatic criterion it should start as ``status: shadow`` and be promoted only when
it agrees with the graders.

Passes::

    llm: {base_url: "http://127.0.0.1:11434/v1", model: qwen2.5:7b}   # rubric level
    check: {type: llm, instructions: 客户不满时，客服是否先安抚情绪}
    # customer: 等了一周还没到！   agent: 非常理解您着急的心情，我马上帮您催促
    # model: {"verdict": "pass", "quote": "非常理解您着急的心情"}

Fails::

    check: {type: llm}
    # model: {"verdict": "pass", "quote": "words nobody said"}   → review: quote not found
    # model: {"verdict": "fail", "quote": "你自己看物流"}          → fail, evidence that message
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import Counter
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import Field, PrivateAttr

from qa_toolkit.privacy import mask_at
from qa_toolkit.rubric.checks import _chat
from qa_toolkit.rubric.checks._base import CheckConfig, Chunk, Outcomes

if TYPE_CHECKING:
    from qa_toolkit.rubric.schema import Criterion

TYPE = "llm"

NOT_CONFIGURED = "llm not configured: no base_url/model in the rubric's llm block or the check's endpoint"

SYSTEM = (
    "You are a quality inspector for customer-service conversations. You judge one criterion of a score "
    "sheet on one conversation. Reply with one JSON object only: "
    '{"verdict": "pass" | "fail" | "na", "quote": "...", "reason": "..."}. '
    "verdict na: the criterion does not apply to this conversation. quote: the exact words your verdict "
    "rests on, copied verbatim from one message of the conversation (empty only for na). reason: one short "
    "sentence, in the conversation's language."
)


class LlmEndpoint(CheckConfig):
    """Where and how `llm` checks call a model; the rubric's ``llm:`` block, overridden per check."""

    base_url: str | None = Field(
        None,
        description="OpenAI-compatible API root, e.g. http://127.0.0.1:8000/v1 "
        "(vLLM) or http://127.0.0.1:11434/v1 (Ollama).",
    )
    model: str | None = Field(None, description="Model name as the server knows it.")
    api_key_env: str | None = Field(
        None, description="Name of the environment variable holding the API key (none: no Authorization header)."
    )
    cache_dir: str = Field(".qa-cache/llm", description="Folder of cached answers (relative to where qa runs).")
    repeat: int = Field(1, ge=1, le=15, description="Ask k times; differing verdicts give review.")
    concurrency: int = Field(4, ge=1, le=64, description="Calls in flight at once.")
    timeout: float = Field(60.0, gt=0, description="Seconds to wait for one answer.")
    temperature: float = Field(0.0, ge=0, le=2)
    max_tokens: int = Field(300, ge=16, description="Longest answer asked for.")
    max_calls: int | None = Field(None, ge=0, description="Budget: calls per process (cached answers are free).")
    max_total_tokens: int | None = Field(None, ge=0, description="Budget: tokens per process, as the server reports.")
    max_seconds: float | None = Field(None, gt=0, description="Budget: no new call after this many seconds.")
    mask_pii: bool = Field(True, description="Mask phone, ID, card numbers, emails and addresses before sending.")


class LlmCheck(CheckConfig):
    """llm — a language model judges the criterion from its description and examples; a verdict
    stands only with a verbatim quote from the conversation (else review)."""

    type: Literal["llm"]
    instructions: str = Field("", description="What the model should look for, beyond the criterion's description.")
    endpoint: LlmEndpoint | None = Field(None, description="Overrides of the rubric's llm block for this check.")
    max_chars: int = Field(12000, ge=200, description="Longest conversation text sent (the rest is cut).")
    _endpoint: LlmEndpoint | None = PrivateAttr(None)
    _criterion: str = PrivateAttr("")

    def bind(self, criterion: Criterion, rubric_endpoint: LlmEndpoint | None) -> None:
        """Take the criterion's wording for the prompt and the rubric's endpoint (this check's
        ``endpoint`` keys win); called once when the rubric is validated."""
        merged = rubric_endpoint.model_dump() if rubric_endpoint is not None else {}
        if self.endpoint is not None:
            merged.update(self.endpoint.model_dump(exclude_unset=True))
        self._endpoint = LlmEndpoint.model_validate(merged)
        self._criterion = criterion_prompt(criterion, self.instructions)

    @property
    def settings(self) -> LlmEndpoint:
        """The endpoint in use: bound from the rubric, else the check's own."""
        return self._endpoint or self.endpoint or LlmEndpoint()

    @property
    def criterion(self) -> str:
        """The criterion part of the prompt (only the instructions when not bound to a criterion)."""
        return self._criterion or f"Instructions: {self.instructions}"


Config = LlmCheck  # the registry's name for a check module's config model


def criterion_prompt(criterion: Criterion, instructions: str = "") -> str:
    """The criterion part of the prompt: name, description, instructions, examples with verdicts."""
    lines = [f"Criterion: {criterion.name}"]
    lines += [text for text in (criterion.description, instructions) if text]
    if criterion.examples:
        lines.append("\nExamples (a conversation and the verdict it gets):")
        for example in criterion.examples:
            lines.append(f"- {example.name} -> {example.expect}")
            lines += [f"  {m.role}: {m.text}" for m in example.messages]
    return "\n".join(lines)


def evaluate(config: LlmCheck, frames: Chunk) -> Outcomes:
    """Ask the model about each conversation (cached), keep verdicts whose quote is found."""
    endpoint = config.settings
    if not (endpoint.base_url and endpoint.model):
        return Outcomes(frames, "review", NOT_CONFIGURED)
    out = Outcomes(frames, "na", "no messages")
    shown = _shown_texts(frames, endpoint.mask_pii)
    roles = frames.messages["role"].astype("string").fillna("?").to_numpy(dtype=object)
    bounds = np.searchsorted(frames.conv_of, np.arange(frames.n + 1))
    criterion = config.criterion
    convs, requests = [], []
    for i in range(frames.n):
        lo, hi = int(bounds[i]), int(bounds[i + 1])
        if lo == hi:
            continue
        transcript = "\n".join(f"[{k}] {roles[r]}: {shown[r]}" for k, r in enumerate(range(lo, hi)))
        if len(transcript) > config.max_chars:
            transcript = transcript[: config.max_chars] + "\n[... cut]"
        user = f"{criterion}\n\nConversation (one message per line: [number] role: text):\n{transcript}"
        messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]
        convs.append(i)
        requests += [(_key(endpoint, criterion, transcript, r), messages) for r in range(endpoint.repeat)]
    answers = _chat.complete(endpoint, requests)
    k = endpoint.repeat
    decided = [
        _combine([_verdict(a, range(int(bounds[i]), int(bounds[i + 1])), shown) for a in answers[j * k : (j + 1) * k]])
        for j, i in enumerate(convs)
    ]
    if decided:
        outcome, row, quote, note = zip(*decided)
        out.set(
            np.array(convs),
            np.array(outcome, dtype=object),
            np.array(note, dtype=object),
            np.array(quote, dtype=object),
            np.array(row, dtype=np.int64),
        )
    return out


def _shown_texts(frames: Chunk, mask: bool) -> np.ndarray:
    """Per message, its text as the model sees it (each distinct text masked once)."""
    codes, texts = frames.distinct
    if mask and len(texts):
        texts = mask_at(texts, np.arange(len(texts)))
    return texts.to_numpy(dtype=object)[codes]


def _key(endpoint: LlmEndpoint, criterion: str, transcript: str, repeat: int) -> str:
    """The cache key: model, prompt, conversation hash, repeat number and sampling settings."""
    conversation = hashlib.sha256(transcript.encode("utf-8")).hexdigest()
    parts = [endpoint.model, SYSTEM, criterion, conversation, repeat, endpoint.temperature, endpoint.max_tokens]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()


Verdict = tuple[str, int, Any, str]  # outcome, evidence row (-1: none), quote, note


def _verdict(answer: _chat.Answer, rows: range, shown: np.ndarray) -> Verdict:
    """One answer as an outcome: pass/fail only with its quote found in a message of ``rows``."""
    if answer.text is None:
        return "review", -1, None, answer.error
    reply = _parse(answer.text)
    if reply is None:
        return "review", -1, None, f"unreadable answer: {_clip(answer.text)}"
    verdict = str(reply.get("verdict", "")).strip().lower().replace("n/a", "na")
    reason = _clip(str(reply.get("reason") or ""))
    if verdict not in ("pass", "fail", "na"):
        return "review", -1, None, f"answer has no verdict pass/fail/na: {_clip(answer.text)}"
    quote = str(reply.get("quote") or "").strip()
    if verdict == "na":
        return "na", -1, None, f"model: not applicable; {reason}".rstrip("; ")
    row = _find(quote, rows, shown)
    if row < 0:
        return "review", -1, _clip(quote) or None, f"model said {verdict} but its quote is not in the conversation"
    return verdict, row, _clip(quote), f"model: {verdict}; {reason}".rstrip("; ")


def _combine(verdicts: list[Verdict]) -> Verdict:
    """The repeated answers' outcome: the common one, or review when they differ."""
    counts = Counter(v[0] for v in verdicts)
    if len(counts) == 1:
        first = verdicts[0]
        return first if len(verdicts) == 1 else (*first[:3], f"{first[3]} ({len(verdicts)}/{len(verdicts)} answers)")
    spread = ", ".join(f"{o} {n}" for o, n in counts.most_common())
    return "review", -1, None, f"verdict flipped: {spread}"


def _parse(text: str) -> dict | None:
    """The JSON object in an answer (code fences and text around it tolerated)."""
    match = re.search(r"\{.*\}", text, re.DOTALL)
    try:
        reply = json.loads(match.group(0)) if match else None
    except ValueError:
        return None
    return reply if isinstance(reply, dict) else None


_PREFIX = re.compile(r"^\s*(?:\[\d+\]\s*)?(?:agent|customer|bot|system)\s*[:：]\s*", re.IGNORECASE)


def _normal(text: str) -> str:
    """For comparing a quote with messages: NFKC, case folded, whitespace and surrounding quotes dropped."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split()).strip("\"'“”‘’「」")


def _find(quote: str, rows: range, shown: np.ndarray) -> int:
    """The first message row among ``rows`` whose text holds ``quote`` (-1: none, or too short)."""
    needle = _normal(_PREFIX.sub("", quote))
    if len(needle) < 2:
        return -1
    return next((r for r in rows if needle in _normal(str(shown[r]))), -1)


def _clip(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
