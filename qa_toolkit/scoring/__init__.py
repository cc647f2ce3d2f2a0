"""Rubric × conversations → a long results frame and a per-conversation scores frame.

Pure over DataFrames and chunkable: ``score_chunk`` works on any subset of conversations
together with their messages, so the same function runs on one chunk, a whole file or a Dask
partition (the runner, ``qa_toolkit.engine``, cuts and schedules the chunks). A chunk is held
once as ``Chunk`` (numpy views: each message's conversation, role masks, turn ranks); each
check is evaluated on those arrays, once per criterion, and every phrase of the rubric is found
in one Aho-Corasick pass over the chunk (``rubric.matching``).

One job per module: ``evaluate`` (verdicts as codes, routing between rubrics), ``points``
(the arithmetic below, from verdicts or a RESULTS frame to SCORES), ``results`` (the one
RESULTS builder, Arrow table or frame), ``summary`` (mergeable counts per chunk),
``riskfile`` (the risk scores ``model`` criteria read).

Arithmetic (also in the README):

1. Outcome per criterion: ``pass``, ``fail``, ``na`` (its ``when`` is false or unknown, the
   rubric's ``applies_to`` excludes the conversation, or the check has nothing to judge) or
   ``review`` (a ``manual`` item waiting for a human grade).
2. Points. Standard item: pass earns ``points`` (a grader may give partial credit), fail 0;
   its ``max_points`` = ``points`` when pass/fail, 0 when na/review — N/A and pending review
   leave the denominator. Bonus (加分): pass earns +points, ``max_points`` 0. Deduction (扣分):
   fail earns −points, ``max_points`` 0.
3. Section score = clamp(Σ points, 0, Σ max_points) / Σ max_points × 100, NaN when
   Σ max_points = 0 (everything N/A). So deductions subtract from the earned points (floor 0)
   and bonus adds, capped at the section maximum.
4. ``fail_section`` item failed → that section scores 0.
5. Total = Σ weight × section score / Σ weight over sections with a score (NaN sections leave
   the weighting), on 0–100.
6. ``critical`` item failed (一票否决) → total 0 and ``critical_failed``.
   Precedence: critical > section fail > N/A. Under ``critical: confirm`` (the item's, or the
   rubric's for ``critical: true``) an automatic fail is *pending* (待复核): listed in
   ``critical_pending``, the total not zeroed, until a grader confirms it (results column
   ``confirmed``); ``critical: auto`` zeroes at once.
7. ``band`` = the band with the highest ``min`` ≤ total.
8. A ``status: shadow`` criterion is computed and kept in the results (outcome, points, evidence;
   its note starts with ``SHADOW``) but leaves steps 3–6 and the review count: it is measured
   against the graders before it counts (``qa rubric promote``).
"""

from qa_toolkit.scoring.evaluate import (
    OUT_OF_SCOPE,
    SHADOW,
    Evaluated,
    Scored,
    as_rubrics,
    criterion_outcomes,
    evaluate_criterion,
    route_rubrics,
    rubric_by_conversation,
    score_chunk,
    vocabulary,
)
from qa_toolkit.scoring.points import aggregate_scores, outcome_points
from qa_toolkit.scoring.results import masked, results_frame, results_table
from qa_toolkit.scoring.riskfile import read_risk
from qa_toolkit.scoring.summary import bonus_ids, chunk_partial, format_summary, frame_partial, merge, summarise

__all__ = [
    "OUT_OF_SCOPE",
    "SHADOW",
    "Evaluated",
    "Scored",
    "aggregate_scores",
    "as_rubrics",
    "bonus_ids",
    "chunk_partial",
    "criterion_outcomes",
    "evaluate_criterion",
    "format_summary",
    "frame_partial",
    "masked",
    "merge",
    "outcome_points",
    "read_risk",
    "results_frame",
    "results_table",
    "route_rubrics",
    "rubric_by_conversation",
    "score_chunk",
    "summarise",
    "vocabulary",
]
