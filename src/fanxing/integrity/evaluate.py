"""Episode-level precision and recall of detected anomalies against planted truth (pure pandas).

Matching: a detection and a truth episode match when they have the same drama_id and platform and
their date ranges overlap (after widening the detection by ``tolerance_days`` on both sides).
Each detection is labelled with a shape: the shape of the truth episode it overlaps most (ties:
the earlier truth start), or, if it matches none, its own ``shape`` guess (a false positive).
Per shape s: recall = truth episodes of shape s matched by at least one detection ÷ truth
episodes of shape s; precision = matched detections labelled s ÷ all detections labelled s.
The ``overall`` row counts every truth episode and every detection.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fanxing.errors import FanxingError

DETECTION_COLUMNS = ("drama_id", "platform", "start", "end")
TRUTH_COLUMNS = ("drama_id", "platform", "start", "end", "shape")
RESULT_COLUMNS = ("shape", "truth", "truth_found", "recall", "detections", "true_positives",
                  "false_positives", "precision")


def _require(df: pd.DataFrame, cols, what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise FanxingError(f"{what} lacks column(s) {', '.join(missing)}; has {', '.join(map(str, df.columns))}",
                           code="missing_columns", details={"missing": missing})


def _dates(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    for c in ("start", "end"):
        df[c] = pd.to_datetime(df[c]).dt.normalize()
    df["drama_id"] = df["drama_id"].astype(str)
    df["platform"] = df["platform"].astype(str)
    return df.reset_index(drop=True)


def guess_shape(anomalies: pd.DataFrame, burst_max_days: int = 3) -> pd.Series:
    """Shape guess for detections lacking a ``shape`` column: likes_only for engagement indicators,
    burst for plays episodes up to burst_max_days long, plateau otherwise."""
    span = (anomalies["end"] - anomalies["start"]).dt.days + 1
    ind = anomalies.get("indicator", pd.Series("plays", index=anomalies.index)).astype(str)
    return pd.Series(np.select([ind.isin(["likes", "comments", "shares", "favorites"]),
                                ind.ne("plays"), span <= burst_max_days],
                               ["likes_only", ind, "burst"], "plateau"), index=anomalies.index)


def match_episodes(anomalies: pd.DataFrame, truth: pd.DataFrame, tolerance_days: int = 0) -> pd.DataFrame:
    """All overlapping (detection, truth) pairs: det (row position in anomalies), truth (row
    position in truth), overlap_days (days shared, tolerance included), truth_shape."""
    _require(anomalies, DETECTION_COLUMNS, "anomalies")
    _require(truth, TRUTH_COLUMNS, "truth")
    a, t = _dates(anomalies), _dates(truth)
    a["det"] = np.arange(len(a))
    t["truth"] = np.arange(len(t))
    pairs = a[["det", "drama_id", "platform", "start", "end"]].merge(
        t[["truth", "drama_id", "platform", "start", "end", "shape"]], on=["drama_id", "platform"],
        suffixes=("_d", "_t"))
    tol = pd.Timedelta(days=tolerance_days)
    lo = np.maximum(pairs["start_d"] - tol, pairs["start_t"])
    hi = np.minimum(pairs["end_d"] + tol, pairs["end_t"])
    pairs["overlap_days"] = (hi - lo).dt.days + 1
    pairs = pairs[pairs["overlap_days"] > 0]
    return pairs.rename(columns={"shape": "truth_shape"}).loc[
        :, ["det", "truth", "overlap_days", "truth_shape", "start_t"]].reset_index(drop=True)


def evaluate(anomalies: pd.DataFrame, truth: pd.DataFrame, tolerance_days: int = 0) -> pd.DataFrame:
    """Precision and recall per shape (RESULT_COLUMNS), one row per shape plus ``overall``."""
    pairs = match_episodes(anomalies, truth, tolerance_days)
    a, t = _dates(anomalies), _dates(truth)
    own = a["shape"].astype(str) if "shape" in a.columns else guess_shape(a)
    best = pairs.sort_values(["det", "overlap_days", "start_t", "truth"], ascending=[True, False, True, True])
    best = best.drop_duplicates("det").set_index("det")["truth_shape"]
    matched = pd.Series(np.isin(np.arange(len(a)), best.index.to_numpy()), index=a.index)
    label = own.copy()
    label.loc[best.index] = best.to_numpy()
    found = pd.Series(np.isin(np.arange(len(t)), pairs["truth"].to_numpy()), index=t.index)
    shapes = sorted(set(t["shape"].astype(str)) | set(label.astype(str)))
    rows = []
    for shape in [*shapes, "overall"]:  # a handful of shapes, not a loop over data
        tm = np.ones(len(t), bool) if shape == "overall" else (t["shape"].astype(str) == shape).to_numpy()
        dm = np.ones(len(a), bool) if shape == "overall" else (label.astype(str) == shape).to_numpy()
        n_t, n_found = int(tm.sum()), int(found[tm].sum())
        n_d, tp = int(dm.sum()), int(matched[dm].sum())
        rows.append({"shape": shape, "truth": n_t, "truth_found": n_found,
                     "recall": n_found / n_t if n_t else np.nan, "detections": n_d,
                     "true_positives": tp, "false_positives": n_d - tp,
                     "precision": tp / n_d if n_d else np.nan})
    return pd.DataFrame(rows, columns=list(RESULT_COLUMNS))
