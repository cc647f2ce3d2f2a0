"""Calibration: how far graders agree with each other, and how far the automatic rules agree
with the graders — over a long grades frame (``review.importer.GRADES``).

A grade's *label* is ``na`` or its points (so 3-/5-point grades keep their steps); rows a
grader left empty are not grades. Definitions:

- percent agreement: agreeing grader pairs / all grader pairs, pooled over the conversations
  that at least two graders graded on the criterion;
- Cohen's κ per grader pair (per criterion and pooled over criteria), NaN when only one label
  occurs (agreement is then trivially perfect and κ undefined);
- Krippendorff's α across all graders: nominal on the labels, interval on the totals;
- leniency: a grader's mean of (own total − mean total of the other graders) on shared
  conversations — positive means lenient;
- totals within ±tolerance: share of multiply graded conversations whose highest and lowest
  totals differ by at most ``tolerance`` points;
- auto vs human (per criterion the rules decided): a "fail" is the positive class; precision =
  rule fails confirmed by the human, recall = human fails the rule caught, κ on pass/fail, over
  the grade rows where both said pass or fail (each grader's row counts); ``conversations``:
  how many distinct conversations those rows cover;
- the agreement gate (``gate_table``): an automatic criterion clears the rubric's ``gate`` when
  ``conversations`` ≥ ``min_n`` and κ ≥ ``min_kappa`` (an undefined κ — one outcome only —
  does not clear). ``qa calibrate --gate`` fails on live criteria that do not clear it, ``qa
  rubric promote`` makes a shadow criterion live only when it does;
- overturned automatic outcomes (evidence of rule errors), per criterion: outcomes the rules
  decided that a grader decided otherwise, pending critical fails confirmed or overturned, and
  disputes of automatic outcomes a lead accepted in full or in part; ``share`` = overturned /
  (graded + disputed).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from qa_toolkit.engine import score_chunks
from qa_toolkit.excel import csv_restore
from qa_toolkit.problems import InputError, Problem
from qa_toolkit.review.importer import GRADES
from qa_toolkit.rubric.schema import Agreement, Gate, Rubric

#: Columns of ``gate_table``.
GATE_COLUMNS = ["criterion_id", "status", "n", "kappa", "precision", "recall", "clears", "reason", "measured"]


@dataclass
class Calibration:
    criteria: pd.DataFrame  # criterion_id, conversations, graders, percent_agreement, alpha
    pairs: pd.DataFrame  # grader_a, grader_b, criterion_id ("*" = pooled), n, agreement, kappa
    graders: pd.DataFrame  # grader, conversations, mean_total, leniency
    totals: dict  # conversations, alpha_interval, share_within, tolerance
    auto: pd.DataFrame  # criterion_id, n, agreement, precision, recall, kappa, auto_fail, human_fail
    overturns: pd.DataFrame  # OVERTURN_COLUMNS

    def to_dict(self) -> dict:
        def records(df):
            return df.replace({np.nan: None}).to_dict(orient="records")

        return {
            "criteria": records(self.criteria),
            "pairs": records(self.pairs),
            "graders": records(self.graders),
            "totals": {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in self.totals.items()},
            "auto": records(self.auto),
            "overturns": records(self.overturns),
        }


OVERTURN_COLUMNS = [
    "criterion_id",
    "graded",
    "overturned_by_grade",
    "critical_confirmed",
    "critical_overturned",
    "disputed",
    "overturned_by_dispute",
    "overturned",
    "share",
]


def grade_labels(grades: pd.DataFrame) -> pd.DataFrame:
    """grader, conversation_id, criterion_id, label — human grades only."""
    human = grades[grades["human_outcome"].fillna("") != ""]
    label = np.where(human["human_outcome"] == "na", "na", human["points"].map(lambda p: f"{p:g}"))
    return human[["grader", "conversation_id", "criterion_id"]].assign(label=label).reset_index(drop=True)


def _kappa(a: list, b: list) -> float:
    from sklearn.metrics import cohen_kappa_score

    if not a or len(set(a) | set(b)) < 2:
        return float("nan")
    return float(cohen_kappa_score(a, b))


def _alpha(matrix: pd.DataFrame, level: str) -> float:
    """Krippendorff's α of a graders × units matrix (NaN = not graded)."""
    import krippendorff

    data = matrix.to_numpy(dtype="float64")
    if np.count_nonzero((~np.isnan(data)).sum(axis=0) >= 2) == 0 or len(np.unique(data[~np.isnan(data)])) < 2:
        return float("nan")
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))


def _percent_agreement(wide: pd.DataFrame) -> tuple[float, int]:
    agree = total = units = 0
    for _, row in wide.iterrows():
        vals = row.dropna().tolist()
        if len(vals) < 2:
            continue
        units += 1
        for x, y in itertools.combinations(vals, 2):
            total += 1
            agree += x == y
    return (agree / total if total else float("nan")), units


def _pair_row(a: str, b: str, crit: str, x: list, y: list) -> dict:
    """One grader pair's agreement and κ on one criterion (``*``: pooled over criteria)."""
    return {
        "grader_a": a,
        "grader_b": b,
        "criterion_id": crit,
        "n": len(x),
        "agreement": float(np.mean([i == j for i, j in zip(x, y)])),
        "kappa": _kappa(x, y),
    }


def criterion_agreement(lab: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per-criterion agreement and α, per-pair κ) from the ``grade_labels`` frame."""
    rows, pair_rows = [], []
    graders = sorted(lab["grader"].unique())
    pooled: dict[tuple[str, str], tuple[list, list]] = {}
    for crit, part in lab.groupby("criterion_id", sort=False):
        wide = part.pivot(index="conversation_id", columns="grader", values="label")
        pct, units = _percent_agreement(wide)
        codes = {v: i for i, v in enumerate(sorted(part["label"].unique()))}
        alpha = _alpha(wide.T.apply(lambda s: s.map(codes)), "nominal")
        rows.append(
            {
                "criterion_id": crit,
                "conversations": units,
                "graders": int(wide.shape[1]),
                "percent_agreement": pct,
                "alpha": alpha,
            }
        )
        for a, b in itertools.combinations(graders, 2):
            if a not in wide or b not in wide:
                continue
            both = wide[[a, b]].dropna()
            if both.empty:
                continue
            x, y = both[a].tolist(), both[b].tolist()
            pooled.setdefault((a, b), ([], []))[0].extend(x)
            pooled[(a, b)][1].extend(y)
            pair_rows.append(_pair_row(a, b, crit, x, y))
    pair_rows.extend(_pair_row(a, b, "*", x, y) for (a, b), (x, y) in pooled.items())
    crit_cols = ["criterion_id", "conversations", "graders", "percent_agreement", "alpha"]
    pair_cols = ["grader_a", "grader_b", "criterion_id", "n", "agreement", "kappa"]
    return pd.DataFrame(rows, columns=crit_cols), pd.DataFrame(pair_rows, columns=pair_cols)


def total_agreement(grades: pd.DataFrame, tolerance: float = 10.0) -> tuple[pd.DataFrame, dict]:
    """(per-grader leniency, totals summary) from the per grader × conversation totals."""
    totals = (
        grades.drop_duplicates(["grader", "conversation_id"])
        .pivot(index="conversation_id", columns="grader", values="total")
        .astype("float64")
    )
    shared = totals[totals.notna().sum(axis=1) >= 2]
    rows = []
    for g in totals.columns:
        mine = shared[g].dropna()
        others = shared.loc[mine.index].drop(columns=g).mean(axis=1)
        rows.append(
            {
                "grader": g,
                "conversations": int(totals[g].notna().sum()),
                "mean_total": float(totals[g].mean()),
                "leniency": float((mine - others).mean()) if len(mine) else float("nan"),
            }
        )
    spread = shared.max(axis=1) - shared.min(axis=1)
    summary = {
        "conversations": int(len(shared)),
        "tolerance": tolerance,
        "share_within": float((spread <= tolerance).mean()) if len(shared) else float("nan"),
        "alpha_interval": _alpha(totals.T, "interval"),
    }
    return pd.DataFrame(rows, columns=["grader", "conversations", "mean_total", "leniency"]), summary


def auto_agreement(grades: pd.DataFrame) -> pd.DataFrame:
    """Rule vs human per criterion the rules decided (pass/fail on both sides)."""
    both = grades[grades["auto_outcome"].isin(["pass", "fail"]) & grades["human_outcome"].isin(["pass", "fail"])]
    rows = []
    for crit, part in both.groupby("criterion_id", sort=False):
        auto, human = (part["auto_outcome"] == "fail"), (part["human_outcome"] == "fail")
        tp = int((auto & human).sum())
        rows.append(
            {
                "criterion_id": crit,
                "n": len(part),
                "conversations": int(part["conversation_id"].nunique()),
                "agreement": float((auto == human).mean()),
                "precision": tp / int(auto.sum()) if auto.any() else float("nan"),
                "recall": tp / int(human.sum()) if human.any() else float("nan"),
                "kappa": _kappa(part["auto_outcome"].tolist(), part["human_outcome"].tolist()),
                "auto_fail": int(auto.sum()),
                "human_fail": int(human.sum()),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "criterion_id",
            "n",
            "conversations",
            "agreement",
            "precision",
            "recall",
            "kappa",
            "auto_fail",
            "human_fail",
        ],
    )


def gate_table(rubric: Rubric, grades: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per automatic criterion of ``rubric`` (file order, ``GATE_COLUMNS``): its status, n
    (graded conversations compared), κ, precision and recall of fail, whether it clears the
    rubric's gate and if not why — measured on ``grades``; without them, as ``qa rubric
    promote`` recorded it in the rubric (``measured``: its date; "" when never measured). The
    one source of per-criterion trust for the gate, the promote command and the reports."""
    auto = auto_agreement(grades).set_index("criterion_id") if grades is not None else None
    rows = []
    for _, criterion in rubric.criteria:
        if criterion.check.type == "manual":
            continue
        if auto is not None:
            measured = auto.loc[criterion.id] if criterion.id in auto.index else None
            n = 0 if measured is None else int(measured["conversations"])
            stats = [np.nan] * 3 if measured is None else [float(measured[k]) for k in ("kappa", "precision", "recall")]
            source = "grades"
        elif criterion.agreement is not None:
            recorded = criterion.agreement
            n, source = recorded.n, recorded.date
            stats = [recorded.kappa, *(np.nan if v is None else v for v in (recorded.precision, recorded.recall))]
        else:
            n, stats, source = 0, [np.nan] * 3, ""
        reason = below_floor(n, stats[0], rubric.gate)
        rows.append(
            {
                "criterion_id": criterion.id,
                "status": criterion.status,
                "n": n,
                "kappa": stats[0],
                "precision": stats[1],
                "recall": stats[2],
                "clears": not reason,
                "reason": reason,
                "measured": source,
            }
        )
    return pd.DataFrame(rows, columns=GATE_COLUMNS).astype(
        {"n": "int64", "kappa": "float64", "precision": "float64", "recall": "float64", "clears": "bool"}
    )


def below_floor(n: int, kappa: float, gate: Gate) -> str:
    """Why a criterion measured on ``n`` conversations with ``kappa`` does not clear ``gate`` ("" if it does)."""
    reasons = []
    if n < gate.min_n:
        reasons.append(f"n {n} < {gate.min_n}")
    if np.isnan(kappa):
        reasons.append("κ undefined" + (" (one outcome only)" if n else ""))
    elif kappa < gate.min_kappa:
        reasons.append(f"κ {kappa:.3f} < {gate.min_kappa:g}")
    return "; ".join(reasons)


def gate_failures(table: pd.DataFrame) -> pd.DataFrame:
    """The live criteria of a ``gate_table`` that do not clear the gate."""
    return table[(table["status"] == "live") & ~table["clears"]]


def evidence(row: pd.Series, grades_sha256: str, date: str) -> Agreement:
    """What ``qa rubric promote`` writes beside a criterion: its ``gate_table`` row, the grades'
    fingerprint and the date."""

    def number(value: float) -> float | None:
        return None if np.isnan(value) else round(float(value), 4)

    return Agreement(
        n=int(row["n"]),
        kappa=number(row["kappa"]),
        precision=number(row["precision"]),
        recall=number(row["recall"]),
        date=date,
        grades=grades_sha256,
    )


def rescore(grades: pd.DataFrame, conversations: pd.DataFrame, messages: pd.DataFrame, rubric: Rubric) -> pd.DataFrame:
    """``grades`` with each ``auto_outcome`` as ``rubric`` gives it now, on the graded
    conversations of the export (the grades' own may come from an older rubric or predate the
    criterion); a graded conversation or criterion the export or rubric lacks gets ""."""
    graded = conversations[conversations["conversation_id"].isin(grades["conversation_id"])]
    results, _ = score_chunks(graded, messages[messages["conversation_id"].isin(graded["conversation_id"])], rubric)
    now = results.set_index(["conversation_id", "criterion_id"])["outcome"].astype(object)
    keys = pd.MultiIndex.from_frame(grades[["conversation_id", "criterion_id"]].astype(str))
    return grades.assign(auto_outcome=now.reindex(keys).fillna("").to_numpy())


def overturns(grades: pd.DataFrame, disputes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per criterion, automatic outcomes people overturned (module docstring), most first."""
    human = grades[grades["auto_outcome"].isin(["pass", "fail", "na"]) & grades["human_outcome"].fillna("").ne("")]
    review = (
        grades["critical_review"].fillna("")
        if "critical_review" in grades.columns
        else pd.Series("", index=grades.index)
    )
    parts = [
        human.assign(o=human["human_outcome"] != human["auto_outcome"])
        .groupby("criterion_id")["o"]
        .agg(graded="size", overturned_by_grade="sum"),
        review.eq("confirm").groupby(grades["criterion_id"]).sum().rename("critical_confirmed"),
        review.eq("overturn").groupby(grades["criterion_id"]).sum().rename("critical_overturned"),
    ]
    if disputes is not None and len(disputes):
        auto = disputes[disputes["decided_by"] == "auto"]
        parts.append(
            auto["decision"]
            .isin(["accepted", "partly"])
            .groupby(auto["criterion_id"])
            .agg(disputed="size", overturned_by_dispute="sum")
        )
    out = pd.concat(parts, axis=1).reindex(columns=OVERTURN_COLUMNS[1:7]).fillna(0).astype(int)
    out["overturned"] = out["overturned_by_grade"] + out["overturned_by_dispute"]
    reviewed = out["graded"] + out["disputed"]
    out["share"] = (out["overturned"] / reviewed.where(reviewed > 0)).astype("float64")
    out = out[(out[OVERTURN_COLUMNS[1:8]] > 0).any(axis=1)].rename_axis("criterion_id").reset_index()
    return out.sort_values(["overturned", "criterion_id"], ascending=[False, True], kind="stable")[
        OVERTURN_COLUMNS
    ].reset_index(drop=True)


def calibrate(grades: pd.DataFrame, tolerance: float = 10.0, disputes: pd.DataFrame | None = None) -> Calibration:
    """Every calibration statistic from a grades frame (and the dispute register, for overturns)."""
    criteria, pairs = criterion_agreement(grade_labels(grades))
    graders, totals = total_agreement(grades, tolerance)
    return Calibration(criteria, pairs, graders, totals, auto_agreement(grades), overturns(grades, disputes))


def read_grades(path) -> pd.DataFrame:
    """grades.csv as written by ``qa grade import`` (InputError when a column is missing)."""
    try:
        df = csv_restore(pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False))
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as err:
        raise InputError(Problem(str(path), f"cannot read grades: {err}", code="grades")) from err
    needed = ["grader", "conversation_id", "criterion_id", "auto_outcome", "human_outcome", "points", "total"]
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise InputError(Problem(str(path), f"grades file lacks column(s): {', '.join(missing)}", 1, code="grades"))
    for col in ("points", "total", "auto_points", "max_points"):
        if col in df.columns:
            number = pd.to_numeric(df[col].replace("", np.nan), errors="coerce")
            bad = np.flatnonzero((number.isna() & (df[col] != "")).to_numpy())
            if len(bad):
                raise InputError(
                    Problem(
                        str(path),
                        f"'{df[col].iloc[bad[0]]}' is not a number",
                        int(bad[0]) + 2,
                        field=col,
                        code="grades",
                    )
                )
            df[col] = number
    dupes = np.flatnonzero(df.duplicated(["grader", "conversation_id", "criterion_id"]).to_numpy())
    if len(dupes):
        raise InputError(
            Problem(
                str(path), "the same grader, conversation and criterion appear twice", int(dupes[0]) + 2, code="grades"
            )
        )
    return df[[c for c in GRADES if c in df.columns]]
