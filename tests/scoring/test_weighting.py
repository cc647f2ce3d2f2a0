"""Weighted means: hand-computed values, reduction to the raw mean, HT unbiasedness."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from qa_toolkit.weighting import hajek_mean, ht_mean, inverse_weights, raw_mean, weighted_means


def test_hajek_hand_computed():
    # y = 60 (π=0.5, w=2), 90 (π=0.25, w=4): mean = (120 + 360) / 6 = 80
    est = hajek_mean([60, 90], [0.5, 0.25])
    assert est.mean == pytest.approx(80.0)
    # se² = n/(n-1) Σ w²(y-m)² / (Σw)² = 2 * (4*400 + 16*100) / 36 = 6400/36
    assert est.se == pytest.approx(math.sqrt(6400 / 36))
    assert est.n == 2 and est.sum_weights == pytest.approx(6.0)
    assert est.low < 80 < est.high


def test_equal_weights_reduce_to_raw_mean_and_s_over_root_n():
    y = [70, 80, 90, 100]
    raw, hj = raw_mean(y), hajek_mean(y, [0.2] * 4)
    assert raw.mean == hj.mean == pytest.approx(85)
    assert hj.se == pytest.approx(np.std(y, ddof=1) / 2)
    assert raw.se == pytest.approx(hj.se) and raw.method == "raw"
    ht = ht_mean(y, [0.2] * 4, population_size=20)
    assert ht.mean == pytest.approx(85) and ht.se == pytest.approx(hj.se)


def test_ht_is_unbiased_over_every_stratified_sample():
    # population: stratum A (complaints, low scores) 2 of 4 sampled, stratum B 1 of 6 sampled
    a, b = [40, 50, 60, 70], [90, 95, 100, 85, 80, 90]
    truth = np.mean(a + b)
    estimates, raws = [], []
    for sa in itertools.combinations(a, 2):
        for sb in itertools.combinations(b, 1):
            y = list(sa) + list(sb)
            pi = [0.5, 0.5, 1 / 6]
            estimates.append(ht_mean(y, pi, population_size=10).mean)
            raws.append(np.mean(y))
    assert np.mean(estimates) == pytest.approx(truth)
    assert np.mean(raws) < truth - 5  # the raw mean of a targeted sample is biased low


def test_missing_values_and_bad_probabilities():
    est = hajek_mean([80, np.nan, 60], [0.5, 0.1, 0.5])
    assert est.n == 2 and est.mean == pytest.approx(70)
    assert math.isnan(hajek_mean([75], [0.5]).se)
    assert math.isnan(hajek_mean([], []).mean)
    with pytest.raises(ValueError):
        inverse_weights([0.5, 0.0])
    with pytest.raises(ValueError):
        inverse_weights([1.5])


def test_weighted_means_by_group():
    df = pd.DataFrame({"agent_id": ["甲", "甲", "乙"], "total": [60, 90, 70], "inclusion_prob": [0.5, 0.25, 1.0]})
    out = weighted_means(df, "total", by=["agent_id"])
    assert out.set_index("agent_id").loc["甲", "mean"] == pytest.approx(80)
    assert out.set_index("agent_id").loc["乙", "n"] == 1
    raw = weighted_means(df, "total", by=["agent_id"], method="raw")
    assert raw.set_index("agent_id").loc["甲", "mean"] == pytest.approx(75)


def test_weighted_means_honours_the_confidence_level():
    df = pd.DataFrame({"total": [60.0, 80.0, 90.0, 70.0], "inclusion_prob": [0.5, 0.25, 0.5, 1.0]})
    (wide,) = weighted_means(df, "total", level=0.99).to_dict("records")
    (narrow,) = weighted_means(df, "total", level=0.90).to_dict("records")
    est = hajek_mean(df["total"], df["inclusion_prob"], 0.99)
    assert wide["low"] == pytest.approx(est.low) and wide["high"] == pytest.approx(est.high)
    assert wide["high"] - wide["low"] > narrow["high"] - narrow["low"]
