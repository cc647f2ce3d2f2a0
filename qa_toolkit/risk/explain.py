"""Why a conversation was flagged, in words a supervisor understands.

Each feature's contribution is its value in the model's input times the (calibration-averaged)
logistic coefficient. Character n-grams are grouped into the clause of the conversation they
come from, so a reason quotes what was really said (客户说了“我要投诉” / customer said "...");
numeric features are stated with their real value (最长回复间隔 14 分钟 / longest response
gap 14 min). Quotes are masked for personal data unless told otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from qa_toolkit.privacy import mask_text
from qa_toolkit.risk.features import ESCALATION_WORDS, NEGATIVE_PHRASES, has_cjk, normalise_text, phrases_in

_CLAUSE_SPLIT = re.compile(r"[\n。！？!?；;，,]+")
_MEANINGFUL = re.compile(r"[0-9A-Za-z\u3400-\u9fff]")
_WORDY = re.compile(r"[A-Za-z\u3400-\u9fff]")  # a quote must hold words, not just a number
_QUOTE_MAX = 30
_TOP_NGRAMS = 20

#: Numeric features that say the same thing; a conversation gets at most one reason per group.
_GROUP = {
    "max_gap_s": "slow",
    "first_response_s": "slow",
    "mean_gap_s": "slow",
    "handle_s": "slow",
    "n_messages": "long",
    "n_customer": "long",
    "n_agent": "long",
    "customer_chars": "long",
    "agent_chars": "long",
}

_SPEAKER = {"customer": ("客户说了“{}”", 'customer said "{}"'), "agent": ("客服说了“{}”", 'agent said "{}"')}


@dataclass(frozen=True)
class Reason:
    """One reason: its weight in the score (log-odds) and its wording."""

    weight: float
    text: str


def _duration(seconds: float, zh: bool) -> str:
    if seconds < 60:
        return f"{seconds:.0f} 秒" if zh else f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} 分钟" if zh else f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} 小时" if zh else f"{seconds / 3600:.1f} h"


def _quoted(words: list[str], zh: bool) -> str:
    return "、".join(f"“{w}”" for w in words) if zh else ", ".join(f'"{w}"' for w in words)


#: Wording of each numeric feature (zh, en), built once rather than per reason.
_TIMED = {
    "max_gap_s": ("最长回复间隔 {}", "longest response gap {}"),
    "first_response_s": ("首次响应用了 {}", "first response after {}"),
    "mean_gap_s": ("平均回复间隔 {}", "average response gap {}"),
    "handle_s": ("处理时长 {}", "handle time {}"),
}
_COUNTED = {
    "n_messages": ("共 {} 条消息", "{} messages"),
    "n_customer": ("客户发了 {} 条消息", "customer sent {} messages"),
    "n_agent": ("客服回复了 {} 条消息", "agent sent {} messages"),
    "customer_chars": ("客户写了 {} 个字", "customer wrote {} characters"),
    "agent_chars": ("客服写了 {} 个字", "agent wrote {} characters"),
    "exclamations": ("客户用了 {} 个感叹号/问号", "customer used {} exclamation/question marks"),
}
_LISTS = {
    "negative_hits": (NEGATIVE_PHRASES, "客户用了负面词语：{}", "customer's negative words: {}"),
    "escalation_hits": (ESCALATION_WORDS, "客户提到{}", "customer mentioned {}"),
}


def _numeric_reason(name: str, row: Mapping[str, object], zh: bool) -> str | None:
    """The wording of a numeric feature with its real value in this conversation."""
    value = row.get(name)
    if value is None or pd.isna(value):
        return None
    n = int(value)
    if name in _TIMED:
        return _TIMED[name][not zh].format(_duration(float(value), zh))
    if name in _COUNTED:
        return _COUNTED[name][not zh].format(n)
    if name in _LISTS and n > 0:
        phrases, zh_fmt, en_fmt = _LISTS[name]
        found = phrases_in(str(row["customer_text"]), phrases)
        return (zh_fmt if zh else en_fmt).format(_quoted([f.strip() for f in found], zh)) if found else None
    return None


class _Quotes:
    """The clauses of one side's text, each normalised once (as the TF-IDF step sees it) and
    masked at most once, and the quote each n-gram of that text points at."""

    def __init__(self, text: str, mask: bool):
        self.clauses = [(c, normalise_text(c)) for c in _CLAUSE_SPLIT.split(text) if _WORDY.search(c)]
        self.mask = mask
        self.shown: dict[int, str] = {}

    def of(self, ngram: str) -> str | None:
        """The first clause holding ``ngram``, masked, cut to a window around it."""
        for k, (clause, seen) in enumerate(self.clauses):
            if ngram in seen:
                if k not in self.shown:
                    clause = clause.strip()
                    self.shown[k] = mask_text(clause) if self.mask else clause
                return _window(self.shown[k], ngram)
        return None


def _window(shown: str, ngram: str) -> str:
    """``shown`` if short, else ``_QUOTE_MAX`` characters around ``ngram`` with ellipses."""
    if len(shown) <= _QUOTE_MAX:
        return shown
    at = max(0, normalise_text(shown).find(ngram))
    start = max(0, min(at - _QUOTE_MAX // 2, len(shown) - _QUOTE_MAX))
    return ("…" if start else "") + shown[start : start + _QUOTE_MAX] + ("…" if start + _QUOTE_MAX < len(shown) else "")


def _coefficients(model) -> np.ndarray:
    """The logistic coefficients, averaged over the calibration folds."""
    calibrated = model.pipeline.named_steps["classifier"].calibrated_classifiers_
    return np.mean([c.estimator.coef_[0] for c in calibrated], axis=0)


def reasons_for(
    model, table: pd.DataFrame, *, inputs=None, n_reasons: int = 3, lang: str = "auto", mask: bool = True
) -> list[list[Reason]]:
    """The top ``n_reasons`` positive reasons for each row of a conversation table; ``inputs``:
    the model's input for these rows (``RiskModel.inputs``) when the caller has it already."""
    coef = _coefficients(model)
    sources, features = zip(
        *(name.partition("__")[::2] for name in model.pipeline.named_steps["columns"].get_feature_names_out())
    )
    design = sp.csr_matrix(model.inputs(table) if inputs is None else inputs)
    contrib = sp.csr_matrix(design.multiply(coef[np.newaxis, :]))
    numeric = [k for k, source in enumerate(sources) if source == "numeric"]
    numeric_at = {k: n for n, k in enumerate(numeric)}
    numeric_values = design[:, numeric].toarray()  # the scaled values of the numeric features
    out = []
    for i, row in enumerate(table.to_dict("records")):
        zh = has_cjk(f"{row['customer_text']}{row['agent_text']}") if lang == "auto" else lang == "zh"
        start, end = contrib.indptr[i], contrib.indptr[i + 1]
        cols, vals = contrib.indices[start:end], contrib.data[start:end]
        order = np.argsort(-vals)
        quotes: dict[str, _Quotes] = {}  # made on the first n-gram of each side
        grouped: dict[tuple[str, str], float] = {}
        found: list[Reason] = []
        groups_used: set[str] = set()
        for j in order[: _TOP_NGRAMS * 3]:
            if vals[j] <= 0:
                break
            source, feature = sources[cols[j]], features[cols[j]]
            if source == "numeric":
                group = _GROUP.get(feature, feature)
                scaled = numeric_values[i, numeric_at[cols[j]]]
                if scaled > 0 and group not in groups_used and (text := _numeric_reason(feature, row, zh)):
                    groups_used.add(group)
                    found.append(Reason(float(vals[j]), text))
            elif _MEANINGFUL.search(feature) and len(grouped) < _TOP_NGRAMS:
                if source not in quotes:
                    quotes[source] = _Quotes(str(row[f"{source}_text"]), mask)
                clause = quotes[source].of(feature)
                if clause:
                    grouped[(source, clause)] = grouped.get((source, clause), 0.0) + float(vals[j])
        for (source, clause), weight in grouped.items():
            found.append(Reason(weight, _SPEAKER[source][not zh].format(clause)))
        found.sort(key=lambda r: -r.weight)
        out.append(found[:n_reasons])
    return out


def explain(
    model, table: pd.DataFrame, *, inputs=None, n_reasons: int = 3, lang: str = "auto", mask: bool = True
) -> list[str]:
    """``'; '``-joined reasons per row (the RISK frame's ``risk_reasons``)."""
    return [
        "; ".join(r.text for r in reasons)
        for reasons in reasons_for(model, table, inputs=inputs, n_reasons=n_reasons, lang=lang, mask=mask)
    ]
