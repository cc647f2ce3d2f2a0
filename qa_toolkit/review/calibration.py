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
  rule fails confirmed by the human, recall = human fails the rule caught, κ on pass/fail.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from qa_toolkit.excel import csv_restore


@dataclass
class Calibration:
    criteria: pd.DataFrame  # criterion_id, conversations, graders, percent_agreement, alpha
    pairs: pd.DataFrame  # grader_a, grader_b, criterion_id ("*" = pooled), n, agreement, kappa
    graders: pd.DataFrame  # grader, conversations, mean_total, leniency
    totals: dict  # conversations, alpha_interval, share_within, tolerance
    auto: pd.DataFrame  # criterion_id, n, agreement, precision, recall, kappa, auto_fail, human_fail

    def to_dict(self) -> dict:
        def records(df):
            return df.replace({np.nan: None}).to_dict(orient="records")

        return {"criteria": records(self.criteria), "pairs": records(self.pairs), "graders": records(self.graders),
                "totals": {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in self.totals.items()},
                "auto": records(self.auto)}


def labels(grades: pd.DataFrame) -> pd.DataFrame:
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
    return {"grader_a": a, "grader_b": b, "criterion_id": crit, "n": len(x),
            "agreement": float(np.mean([i == j for i, j in zip(x, y)])), "kappa": _kappa(x, y)}


def criterion_agreement(lab: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per-criterion agreement and α, per-pair κ) from the labels frame."""
    rows, pair_rows = [], []
    graders = sorted(lab["grader"].unique())
    pooled: dict[tuple[str, str], tuple[list, list]] = {}
    for crit, part in lab.groupby("criterion_id", sort=False):
        wide = part.pivot(index="conversation_id", columns="grader", values="label")
        pct, units = _percent_agreement(wide)
        codes = {v: i for i, v in enumerate(sorted(part["label"].unique()))}
        alpha = _alpha(wide.T.apply(lambda s: s.map(codes)), "nominal")
        rows.append({"criterion_id": crit, "conversations": units, "graders": int(wide.shape[1]),
                     "percent_agreement": pct, "alpha": alpha})
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
    totals = grades.drop_duplicates(["grader", "conversation_id"]).pivot(
        index="conversation_id", columns="grader", values="total").astype("float64")
    shared = totals[totals.notna().sum(axis=1) >= 2]
    rows = []
    for g in totals.columns:
        mine = shared[g].dropna()
        others = shared.loc[mine.index].drop(columns=g).mean(axis=1)
        rows.append({"grader": g, "conversations": int(totals[g].notna().sum()),
                     "mean_total": float(totals[g].mean()),
                     "leniency": float((mine - others).mean()) if len(mine) else float("nan")})
    spread = shared.max(axis=1) - shared.min(axis=1)
    summary = {"conversations": int(len(shared)), "tolerance": tolerance,
               "share_within": float((spread <= tolerance).mean()) if len(shared) else float("nan"),
               "alpha_interval": _alpha(totals.T, "interval")}
    return pd.DataFrame(rows, columns=["grader", "conversations", "mean_total", "leniency"]), summary


def auto_agreement(grades: pd.DataFrame) -> pd.DataFrame:
    """Rule vs human per criterion the rules decided (pass/fail on both sides)."""
    both = grades[grades["auto_outcome"].isin(["pass", "fail"]) & grades["human_outcome"].isin(["pass", "fail"])]
    rows = []
    for crit, part in both.groupby("criterion_id", sort=False):
        auto, human = (part["auto_outcome"] == "fail"), (part["human_outcome"] == "fail")
        tp = int((auto & human).sum())
        rows.append({"criterion_id": crit, "n": len(part), "agreement": float((auto == human).mean()),
                     "precision": tp / int(auto.sum()) if auto.any() else float("nan"),
                     "recall": tp / int(human.sum()) if human.any() else float("nan"),
                     "kappa": _kappa(part["auto_outcome"].tolist(), part["human_outcome"].tolist()),
                     "auto_fail": int(auto.sum()), "human_fail": int(human.sum())})
    return pd.DataFrame(rows, columns=["criterion_id", "n", "agreement", "precision", "recall", "kappa",
                                       "auto_fail", "human_fail"])


def calibrate(grades: pd.DataFrame, tolerance: float = 10.0) -> Calibration:
    """Every calibration statistic from a grades frame."""
    criteria, pairs = criterion_agreement(labels(grades))
    graders, totals = total_agreement(grades, tolerance)
    return Calibration(criteria, pairs, graders, totals, auto_agreement(grades))


def read_grades(path) -> pd.DataFrame:
    """grades.csv as written by ``qa grade import`` (InputError when a column is missing)."""
    from qa_toolkit.problems import InputError, Problem
    from qa_toolkit.review.importer import GRADES

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
                raise InputError(Problem(str(path), f"'{df[col].iloc[bad[0]]}' is not a number", int(bad[0]) + 2,
                                         field=col, code="grades"))
            df[col] = number
    dupes = np.flatnonzero(df.duplicated(["grader", "conversation_id", "criterion_id"]).to_numpy())
    if len(dupes):
        raise InputError(Problem(str(path), "the same grader, conversation and criterion appear twice",
                                 int(dupes[0]) + 2, code="grades"))
    return df[[c for c in GRADES if c in df.columns]]
