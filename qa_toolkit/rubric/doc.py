"""`qa rubric doc`: the rubric as a handbook a trainer can hand to agents — every section and
criterion with its points, rule in words, and the examples that pass and fail; the check
types' own docstrings as an appendix. Markdown, or HTML with every text escaped."""

from __future__ import annotations

import html
import inspect
import json

from qa_toolkit.rubric.checks import MODULES
from qa_toolkit.rubric.schema import Criterion, Example, Rubric

_LABELS = {
    "zh": {
        "weight": "权重",
        "points": "分值",
        "critical": "一票否决",
        "confirm": "一票否决（人工复核确认后生效）",
        "fail_section": "不合格则本维度 0 分",
        "bonus": "加分项",
        "deduction": "扣分项",
        "when": "适用条件",
        "check": "判定方式",
        "pass": "通过",
        "fail": "不通过",
        "na": "不适用",
        "review": "人工评分",
        "examples": "示例",
        "bands": "等级",
        "checks": "附录：判定方式说明",
        "scoring": "计分规则",
        "scoring_text": "每个维度得分 = 通过项分值之和 ÷ 适用项分值之和 × 100（不适用与待人工评分项不计入分母；"
        "扣分项从得分中扣除，最低 0；加分项加分，不超过维度满分）。总分 = 各维度得分按权重加权平均。"
        "一票否决项不通过则总分为 0（需复核的项经质检员确认后才生效，之前为待复核）；"
        "标记“不合格则本维度 0 分”的项不通过则该维度为 0。",
    },
    "en": {
        "weight": "weight",
        "points": "points",
        "critical": "critical (zeroes the total)",
        "confirm": "critical (zeroes the total once a grader confirms it)",
        "fail_section": "a fail zeroes the section",
        "bonus": "bonus",
        "deduction": "deduction",
        "when": "applies when",
        "check": "how it is judged",
        "pass": "passes",
        "fail": "fails",
        "na": "not applicable",
        "review": "graded by a person",
        "examples": "Examples",
        "bands": "Bands",
        "checks": "Appendix: check types",
        "scoring": "Scoring",
        "scoring_text": "Section score = points earned ÷ points of the applicable criteria × 100 (N/A and "
        "ungraded items leave the denominator; deductions subtract, floor 0; bonus adds, capped at "
        "the section maximum). Total = weighted mean of section scores. A failed critical item "
        "sets the total to 0 (an item marked for confirmation only once a grader confirms the "
        "fail; pending until then); a failed 'fail section' item sets its section to 0.",
    },
}


def render(rubric: Rubric, fmt: str = "md") -> str:
    """Markdown (``md``) or a standalone HTML page (``html``)."""
    blocks = _blocks(rubric)
    return _markdown(blocks) if fmt == "md" else _html(blocks, rubric)


def _check_summary(criterion: Criterion) -> str:
    data = criterion.check.model_dump(exclude_defaults=True, exclude={"type"})
    args = "; ".join(f"{k}: {_short(v)}" for k, v in data.items())
    return f"`{criterion.check.type}`" + (f" — {args}" if args else "")


def _short(value) -> str:
    if isinstance(value, list):
        return "、".join(str(v) for v in value[:12]) + (" …" if len(value) > 12 else "")
    return str(value)


def _example_text(example: Example) -> str:
    lines = [f"{m.role}: {m.text}" + (f" (+{m.at:g}s)" if m.at is not None else "") for m in example.messages]
    extra = [f"{k}={v}" for k, v in example.fields.items()]
    if example.risk_score is not None:
        extra.append(f"risk_score={example.risk_score}")
    if example.channel != "chat":
        extra.append(f"channel={example.channel}")
    return " / ".join(lines + ([f"[{', '.join(extra)}]"] if extra else []))


def _blocks(rubric: Rubric) -> list[tuple[str, object]]:
    """The document as (kind, payload) blocks shared by both renderers."""
    t = _LABELS[rubric.language]
    out: list[tuple[str, object]] = [("h1", f"{rubric.name} ({rubric.id} {rubric.version})")]
    if rubric.description:
        out.append(("p", rubric.description))
    out.append(("h2", t["scoring"]))
    out.append(("p", t["scoring_text"]))
    if rubric.bands:
        out.append(
            (
                "p",
                f"{t['bands']}: "
                + ", ".join(f"{b.name} ≥ {b.min:g}" for b in sorted(rubric.bands, key=lambda b: -b.min)),
            )
        )
    for section in rubric.sections:
        out.append(("h2", f"{section.name} ({t['weight']} {section.weight:g})"))
        if section.description:
            out.append(("p", section.description))
        for c in section.criteria:
            flags = [
                t["confirm" if k == "critical" and rubric.needs_confirmation(c) else k]
                for k in ("critical", "fail_section")
                if getattr(c, k)
            ]
            if c.kind != "standard":
                flags.append(t[c.kind])
            out.append(("h3", f"{c.name} · {t['points']} {c.points:g}" + (f" · {' · '.join(flags)}" if flags else "")))
            if c.description:
                out.append(("p", c.description))
            facts = [f"{t['check']}: {_check_summary(c)}"]
            if c.when is not None:
                facts.append(
                    f"{t['when']}: `{json.dumps(c.when.model_dump(by_alias=True, exclude_defaults=True), ensure_ascii=False)}`"
                )
            out.append(("ul", facts))
            if c.examples:
                out.append(
                    ("ul", [f"**{t.get(e.expect, e.expect)}** — {e.name}: {_example_text(e)}" for e in c.examples])
                )
    out.append(("h2", t["checks"]))
    used = sorted({c.check.type for _, c in rubric.criteria})
    for name in used:
        out.append(("h3", name))
        out.append(("pre", inspect.getdoc(MODULES[name]) or ""))
    return out


def _markdown(blocks) -> str:
    parts = []
    for kind, payload in blocks:
        if kind in ("h1", "h2", "h3"):
            parts.append("#" * int(kind[1]) + " " + payload)
        elif kind == "p":
            parts.append(payload)
        elif kind == "ul":
            parts.append("\n".join(f"- {item}" for item in payload))
        elif kind == "pre":
            parts.append("```text\n" + payload + "\n```")
    return "\n\n".join(parts) + "\n"


def _inline(text: str) -> str:
    """Escape, then render the two inline marks the blocks use (**bold**, `code`)."""
    out = html.escape(text)
    for mark, tag in (("**", "strong"), ("`", "code")):
        pieces = out.split(mark)
        out = (
            "".join(p if i % 2 == 0 else f"<{tag}>{p}</{tag}>" for i, p in enumerate(pieces))
            if len(pieces) % 2 == 1
            else out
        )
    return out


def _html(blocks, rubric: Rubric) -> str:
    body = []
    for kind, payload in blocks:
        if kind in ("h1", "h2", "h3"):
            body.append(f"<{kind}>{_inline(payload)}</{kind}>")
        elif kind == "p":
            body.append(f"<p>{_inline(payload)}</p>")
        elif kind == "ul":
            body.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in payload) + "</ul>")
        elif kind == "pre":
            body.append(f"<pre>{html.escape(payload)}</pre>")
    lang = "zh-CN" if rubric.language == "zh" else "en"
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        f"<title>{html.escape(rubric.name)}</title><style>{_CSS}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


_CSS = (
    "body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.5}"
    "pre{background:#f4f4f4;padding:1em;white-space:pre-wrap}code{background:#f4f4f4}"
)
