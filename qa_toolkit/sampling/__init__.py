"""Seeded, auditable QA sampling: plans, strata, quotas, exact inclusion probabilities, ledger.

``draw_batch(conversations, messages, plan, seed=...)`` returns a ``Batch`` (manifest,
coverage, shortfalls, info); ``write_batch`` saves ``manifest.csv`` and ``batch.json``.
"""

from __future__ import annotations

from qa_toolkit.sampling.batch import Batch, candidates, draw_batch, fingerprint, resolve_period
from qa_toolkit.sampling.ledger import append_ledger, ledger_ids, read_ledger
from qa_toolkit.sampling.output import read_manifest, write_batch
from qa_toolkit.sampling.plan import Filter, Plan, Stratum, load_plan, parse_plan

__all__ = [
    "Batch",
    "Filter",
    "Plan",
    "Stratum",
    "append_ledger",
    "candidates",
    "draw_batch",
    "fingerprint",
    "ledger_ids",
    "load_plan",
    "parse_plan",
    "read_ledger",
    "read_manifest",
    "resolve_period",
    "write_batch",
]
