"""Conversation features for the risk model, for Chinese and English alike.

``conversation_table`` turns a chunk's conversations + messages frames into one row per
conversation (customer text, agent text, timing and phrase counts) — a pure, vectorised
aggregation. ``ConversationFeatures`` is the scikit-learn step that turns that table into
the model's inputs (text columns + imputed, log-scaled numbers), so it composes in a
``Pipeline`` and cross-validates like any stock transformer.

Only customer and agent messages feed the model (system/bot lines can carry the outcome,
e.g. a CSAT prompt), and conversation fields a label reads never become features.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

from qa_toolkit.timing import conversation_handle_seconds

#: Customer phrases that signal anger or dissatisfaction (matched case-insensitively).
NEGATIVE_PHRASES = (
    "垃圾",
    "太差",
    "很差",
    "差劲",
    "失望",
    "生气",
    "气死",
    "无语",
    "骗子",
    "欺骗",
    "忽悠",
    "不满意",
    "什么破",
    "搞什么",
    "怎么回事",
    "太慢",
    "到底",
    "敷衍",
    "离谱",
    "恶心",
    "别废话",
    "算了",
    "terrible",
    "awful",
    "worst",
    "ridiculous",
    "unacceptable",
    "disappointed",
    "useless",
    "angry",
    "scam",
    "waste of time",
    "still waiting",
    "not happy",
    "rude",
)
#: Words that announce a complaint, a regulator or a refund fight.
ESCALATION_WORDS = (
    "投诉",
    "12315",
    "差评",
    "退款",
    "举报",
    "工商",
    "消协",
    "曝光",
    "起诉",
    "律师",
    "complaint",
    "complain",
    "refund",
    "chargeback",
    "report you",
    "lawyer",
    "sue ",
    "manager",
    "supervisor",
    "escalate",
)
_CJK = re.compile(r"[\u3400-\u9fff]")

#: Numeric columns of the conversation table, and what they were computed from.
NUMERIC_SOURCES: dict[str, tuple[str, ...]] = {
    "n_messages": ("messages",),
    "n_customer": ("messages",),
    "n_agent": ("messages",),
    "first_response_s": ("messages",),
    "max_gap_s": ("messages",),
    "mean_gap_s": ("messages",),
    "handle_s": ("messages", "started_at", "ended_at"),
    "customer_chars": ("messages",),
    "agent_chars": ("messages",),
    "negative_hits": ("messages",),
    "escalation_hits": ("messages",),
    "exclamations": ("messages",),
}
TEXT_COLUMNS = ("customer_text", "agent_text")


def _alternation(phrases: tuple[str, ...]) -> str:
    return "|".join(re.escape(p.lower()) for p in phrases)


NEGATIVE_RE = _alternation(NEGATIVE_PHRASES)
ESCALATION_RE = _alternation(ESCALATION_WORDS)


_LONG_NUMBER = re.compile(r"[0-9]{6,}")
#: characters of one side's text the TF-IDF step reads: its character n-grams are Python strings
#: (about 60 bytes each, three per character), so a 10 MB message would need gigabytes; real
#: conversations are a few thousand characters
MODEL_TEXT_CHARS = 100_000


def normalise_text(text: str) -> str:
    """What the TF-IDF step sees: the first ``MODEL_TEXT_CHARS`` characters, lower case, and runs
    of 6+ digits (order, phone and ID numbers) reduced to ``#`` — they are noise to the model and
    personal data in its vocabulary. Short numbers such as 12315 stay."""
    return _LONG_NUMBER.sub("#", text[:MODEL_TEXT_CHARS].lower())


def char_ngrams(max_features: int = 100_000) -> TfidfVectorizer:
    """TF-IDF of character 1–3-grams of ``normalise_text``: words need no segmenter, so Chinese
    and English alike (the risk model's and learned criteria's text step)."""
    return TfidfVectorizer(
        analyzer="char",
        ngram_range=(1, 3),
        preprocessor=normalise_text,
        min_df=2,
        max_features=max_features,
        sublinear_tf=True,
        dtype=np.float32,
    )


def phrases_in(text: str, phrases: tuple[str, ...]) -> list[str]:
    """Which of ``phrases`` occur in ``text`` (case-insensitive), in list order — for reasons."""
    low = text.lower()
    return [p for p in phrases if p.lower() in low]


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text or ""))


def conversation_table(conversations: pd.DataFrame, messages: pd.DataFrame) -> pd.DataFrame:
    """One row per conversation (in ``conversations`` order): ``conversation_id``, the joined
    customer and agent text, and the NUMERIC_SOURCES columns (NaN where times are unknown)."""
    ids = conversations["conversation_id"].astype("string")
    msgs = messages[messages["conversation_id"].isin(ids)]
    msgs = msgs.sort_values(["conversation_id", "seq"], kind="stable")
    cid = msgs["conversation_id"].astype("string")
    role = msgs["role"].astype("string").fillna("")
    text = msgs["text"].astype("string").fillna("")

    out = pd.DataFrame({"conversation_id": ids.to_numpy()})
    out = out.set_index("conversation_id", drop=False)
    for who, col in (("customer", "customer_text"), ("agent", "agent_text")):
        mask = (role == who).to_numpy()
        out[col] = _joined(text[mask], cid[mask]).reindex(out.index).fillna("").astype("string")
        out[f"n_{who}"] = (role[mask].groupby(cid[mask]).size().reindex(out.index).fillna(0)).astype("float64")
    out["n_messages"] = role.groupby(cid).size().reindex(out.index).fillna(0).astype("float64")

    gaps = _response_gaps(cid, role, msgs["ts"])
    out["first_response_s"] = gaps.groupby(level=0).first().reindex(out.index).astype("float64")
    out["max_gap_s"] = gaps.groupby(level=0).max().reindex(out.index).astype("float64")
    out["mean_gap_s"] = gaps.groupby(level=0).mean().reindex(out.index).astype("float64")
    out["handle_s"] = conversation_handle_seconds(conversations, messages)  # rows: the conversations' order

    cust = out["customer_text"].str.lower()
    out["customer_chars"] = out["customer_text"].str.len().astype("float64")
    out["agent_chars"] = out["agent_text"].str.len().astype("float64")
    out["negative_hits"] = cust.str.count(NEGATIVE_RE).astype("float64")
    out["escalation_hits"] = cust.str.count(ESCALATION_RE).astype("float64")
    out["exclamations"] = cust.str.count("[!！?？]").astype("float64")
    return out.reset_index(drop=True)[["conversation_id", *TEXT_COLUMNS, *NUMERIC_SOURCES]]


def _joined(text: pd.Series, cid: pd.Series) -> pd.Series:
    """Each conversation's texts joined by newlines, in order, indexed by conversation id; the
    rows of a conversation are contiguous (sorted by id), so one pass over the list joins them."""
    known = cid.notna().to_numpy()
    ids, texts = cid[known].tolist(), text[known].tolist()
    starts = [i for i in range(len(ids)) if i == 0 or ids[i] != ids[i - 1]]
    ends = [*starts[1:], len(ids)]
    return pd.Series(
        ["\n".join(texts[a:b]) for a, b in zip(starts, ends)], index=[ids[a] for a in starts], dtype=object
    )


def _response_gaps(cid: pd.Series, role: pd.Series, ts: pd.Series) -> pd.Series:
    """Seconds from the first message of each customer run to the agent's next reply,
    indexed by conversation id (one value per reply, in order)."""
    frame = pd.DataFrame({"cid": cid.to_numpy(), "role": role.to_numpy(), "ts": pd.to_datetime(ts).array})
    frame = frame[frame["role"].isin(["customer", "agent"])].reset_index(drop=True)
    if frame.empty:
        return pd.Series(dtype="float64")
    new_conv = frame["cid"].ne(frame["cid"].shift())
    run_start = new_conv | frame["role"].ne(frame["role"].shift())
    run_id = run_start.cumsum()
    first_ts = frame.groupby(run_id)["ts"].transform("first")
    prev_role = frame["role"].shift().where(~new_conv)
    prev_first = first_ts.shift().where(~new_conv)
    reply = (frame["role"] == "agent") & (prev_role == "customer") & run_start
    gap = (frame["ts"] - prev_first).dt.total_seconds()
    gaps = gap[reply]
    return pd.Series(gaps.to_numpy(), index=frame.loc[reply, "cid"].to_numpy()).dropna().clip(lower=0)


class ConversationFeatures(TransformerMixin, BaseEstimator):
    """Conversation table → model inputs: the two text columns plus numeric features
    (log1p of counts and seconds; missing times imputed with the training median and flagged).

    ``exclude_fields``: conversation fields the label reads; a numeric feature computed from
    any of them is dropped so the label cannot leak into the features.
    """

    def __init__(self, exclude_fields: tuple[str, ...] = ()):
        self.exclude_fields = exclude_fields

    def fit(self, X: pd.DataFrame, y=None) -> ConversationFeatures:
        self.numeric_columns_ = numeric_feature_columns(self.exclude_fields)[1:]
        values = np.log1p(X[self.numeric_columns_].astype("float64").clip(lower=0))
        medians = values.median()
        self.fill_values_ = medians.fillna(0.0).to_dict()
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        check_is_fitted(self, "fill_values_")
        numeric = np.log1p(X[self.numeric_columns_].astype("float64").clip(lower=0))
        out = pd.DataFrame(
            {c: X[c].astype("string").fillna("").to_numpy(dtype=object) for c in TEXT_COLUMNS}, index=X.index
        )
        out["times_missing"] = numeric.isna().any(axis=1).astype("float64")
        out[self.numeric_columns_] = numeric.fillna(self.fill_values_)
        return out

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self, "fill_values_")
        return np.asarray([*TEXT_COLUMNS, "times_missing", *self.numeric_columns_], dtype=object)


def numeric_feature_columns(exclude_fields: tuple[str, ...] = ()) -> list[str]:
    """The numeric columns ConversationFeatures emits when the label reads ``exclude_fields``."""
    excluded = set(exclude_fields)
    return ["times_missing", *(c for c, src in NUMERIC_SOURCES.items() if not excluded & set(src))]
