"""evaluate(): episode matching and per-shape precision / recall (pure pandas)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from fanxing.errors import FanxingError
from fanxing.integrity import evaluate, match_episodes

TRUTH = pd.DataFrame({
    "drama_id": ["A", "A", "B", "C"], "platform": ["p", "q", "p", "p"],
    "start": ["2024-01-10", "2024-02-01", "2024-01-05", "2024-03-01"],
    "end": ["2024-01-11", "2024-02-10", "2024-01-20", "2024-03-05"],
    "shape": ["burst", "plateau", "slow_creep", "likes_only"], "indicator": "plays", "factor": 3.0})


def _det(rows):
    return pd.DataFrame(rows, columns=["drama_id", "platform", "start", "end", "indicator", "shape"])


def test_perfect_detection():
    det = TRUTH[["drama_id", "platform", "start", "end"]].assign(indicator="plays", shape="plateau")
    res = evaluate(det, TRUTH).set_index("shape")
    assert res.loc["overall", "precision"] == 1 and res.loc["overall", "recall"] == 1
    assert res.loc["burst", "true_positives"] == 1  # labelled by the truth it matched, not its guess


def test_overlap_needs_same_drama_and_platform():
    det = _det([("A", "p", "2024-02-01", "2024-02-03", "plays", "plateau")])  # plateau is on A/q
    res = evaluate(det, TRUTH).set_index("shape")
    assert res.loc["plateau", "recall"] == 0
    assert res.loc["plateau", "false_positives"] == 1 and res.loc["plateau", "precision"] == 0


def test_false_positives_keep_their_guessed_shape_and_count_overall():
    det = _det([("A", "p", "2024-01-11", "2024-01-11", "plays", "burst"),
                ("Z", "p", "2024-01-11", "2024-01-11", "plays", "burst"),
                ("A", "q", "2024-02-05", "2024-02-06", "plays", "burst")])
    res = evaluate(det, TRUTH).set_index("shape")
    assert res.loc["burst", "detections"] == 2 and res.loc["burst", "precision"] == 0.5
    assert res.loc["plateau", "true_positives"] == 1
    assert res.loc["overall", "false_positives"] == 1
    assert res.loc["overall", "recall"] == 0.5
    assert math.isnan(res.loc["likes_only", "precision"])


def test_detection_assigned_to_truth_it_overlaps_most():
    truth = pd.DataFrame({"drama_id": ["A", "A"], "platform": ["p", "p"], "start": ["2024-01-01", "2024-01-04"],
                          "end": ["2024-01-02", "2024-01-20"], "shape": ["burst", "plateau"]})
    det = _det([("A", "p", "2024-01-02", "2024-01-10", "plays", "burst")])
    res = evaluate(det, truth).set_index("shape")
    assert res.loc["plateau", "true_positives"] == 1 and res.loc["burst", "detections"] == 0
    assert res.loc["burst", "recall"] == 1  # still found by the overlapping detection


def test_tolerance_widens_detections():
    det = _det([("A", "p", "2024-01-12", "2024-01-12", "plays", "burst")])
    assert evaluate(det, TRUTH).set_index("shape").loc["burst", "recall"] == 0
    assert evaluate(det, TRUTH, tolerance_days=1).set_index("shape").loc["burst", "recall"] == 1


def test_shape_guessed_when_column_missing():
    det = _det([("Z", "p", "2024-01-01", "2024-01-09", "plays", None)]).drop(columns="shape")
    res = evaluate(det, TRUTH).set_index("shape")
    assert res.loc["plateau", "false_positives"] == 1


def test_empty_detections():
    res = evaluate(_det([]), TRUTH).set_index("shape")
    assert res.loc["overall", "recall"] == 0 and math.isnan(res.loc["overall", "precision"])


def test_match_pairs_and_missing_columns():
    det = _det([("B", "p", "2024-01-01", "2024-01-06", "plays", "burst")])
    pairs = match_episodes(det, TRUTH)
    assert pairs[["det", "truth", "overlap_days"]].values.tolist() == [[0, 2, 2]]
    with pytest.raises(FanxingError, match="shape"):
        evaluate(det, TRUTH.drop(columns="shape"))
