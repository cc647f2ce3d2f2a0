"""`qa rubric diff`: score the same conversations with two rubric versions and compare —
per criterion (pass rate before/after, criteria added or removed) and per agent (mean total
before/after) — the "what if we change the standard" question. Both versions are scored by
the runner, so this sits above ``scoring`` and ``engine``."""

from __future__ import annotations

import pandas as pd

from qa_toolkit.engine import score_chunks
from qa_toolkit.rubric.schema import Rubric


def _pass_rates(results: pd.DataFrame) -> pd.DataFrame:
    judged = results[results["outcome"].isin(["pass", "fail"])]
    rate = judged["outcome"].eq("pass").groupby(judged["criterion_id"]).mean()
    n = results.groupby("criterion_id").size()
    applicable = judged.groupby("criterion_id").size()
    return pd.DataFrame({"pass_rate": rate, "judged": applicable, "rows": n})


def diff_rubrics(
    old: Rubric, new: Rubric, conversations: pd.DataFrame, messages: pd.DataFrame, *, risk: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(criteria, agents) comparison frames; ``change`` columns are new − old."""
    old_r, old_s = score_chunks(conversations, messages, old, risk=risk)
    new_r, new_s = score_chunks(conversations, messages, new, risk=risk)
    a, b = _pass_rates(old_r), _pass_rates(new_r)
    order = [c.id for _, c in old.criteria] + [c.id for _, c in new.criteria if c.id not in a.index]
    criteria = pd.DataFrame(index=pd.Index(dict.fromkeys(order), name="criterion_id"))
    criteria["old_pass_rate"] = a["pass_rate"].reindex(criteria.index)
    criteria["new_pass_rate"] = b["pass_rate"].reindex(criteria.index)
    criteria["change"] = criteria["new_pass_rate"] - criteria["old_pass_rate"]
    criteria["old_judged"] = a["judged"].reindex(criteria.index).fillna(0).astype("Int64")
    criteria["new_judged"] = b["judged"].reindex(criteria.index).fillna(0).astype("Int64")
    criteria["status"] = "kept"
    criteria.loc[~criteria.index.isin([c.id for _, c in new.criteria]), "status"] = "removed"
    criteria.loc[~criteria.index.isin([c.id for _, c in old.criteria]), "status"] = "added"
    agents = pd.DataFrame(
        {
            "old_mean_total": old_s.groupby("agent_id")["total"].mean(),
            "new_mean_total": new_s.groupby("agent_id")["total"].mean(),
            "conversations": old_s.groupby("agent_id").size(),
        }
    )
    agents["change"] = agents["new_mean_total"] - agents["old_mean_total"]
    old_rank = agents["old_mean_total"].rank(ascending=False, method="min")
    new_rank = agents["new_mean_total"].rank(ascending=False, method="min")
    agents["rank_change"] = (old_rank - new_rank).astype("Int64")
    agents = agents.sort_values(
        ["change", "agent_id"], key=lambda s: s.abs() if s.name == "change" else s, ascending=[False, True]
    )
    return criteria.reset_index().round(4), agents.reset_index().round(4)


def format_diff(criteria: pd.DataFrame, agents: pd.DataFrame, top: int = 10) -> str:
    """Changed criteria and the agents whose mean total moved most, as text."""

    def pct(v) -> str:
        return "-" if pd.isna(v) else f"{v:.0%}"

    lines = ["criteria (pass rate old → new):"]
    changed = criteria[(criteria["status"] != "kept") | (criteria["change"].abs() > 1e-9)]
    for row in changed.itertuples():
        lines.append(
            f"  {row.criterion_id}: {pct(row.old_pass_rate)} → {pct(row.new_pass_rate)}"
            + (f" [{row.status}]" if row.status != "kept" else "")
        )
    if changed.empty:
        lines.append("  no criterion changed")
    lines.append(f"agents (mean total old → new, top {top} changes):")
    for row in agents.head(top).itertuples():
        lines.append(f"  {row.agent_id}: {row.old_mean_total:.1f} → {row.new_mean_total:.1f} ({row.change:+.1f})")
    return "\n".join(lines)
