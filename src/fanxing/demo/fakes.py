"""Planted fake-traffic episodes (刷量) of four shapes, and their truth.

- ``burst``: 2–5 days of plays at 5–20× the organic level; engagement does not follow.
- ``plateau``: 1–3 weeks of flat, elevated plays where the series should be decaying.
- ``slow_creep``: 2–6 weeks of inflation growing linearly to 2–4× by the last day.
- ``likes_only``: 5–21 days of likes at 5–20×, plays untouched.

``factor`` in the truth is measured on the generated data: the indicator's total over the episode
divided by its organic total over the same days.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from fanxing.demo import platforms as P
from fanxing.demo.rng import stream
from fanxing.demo.traffic import FLOOR, Rows, Series

SHAPES = ("burst", "plateau", "slow_creep", "likes_only")
INDICATOR = ("plays", "plays", "plays", "likes")
_WINDOW = {0: (2, 5), 1: (7, 21), 2: (14, 42), 3: (5, 21)}  # window length range (days)
_FIRST = {0: (2, 90), 1: (4, 40), 2: (3, 60), 3: (2, 60)}  # allowed first day after series start
SHARE = 0.03  # of (drama, platform) series


@dataclass
class Fakes:
    series: np.ndarray
    shape: np.ndarray  # index into SHAPES
    t0: np.ndarray  # first inflated day, days after the series start
    width: np.ndarray  # days
    strength: np.ndarray  # burst / likes multiple, plateau lift, creep final multiple
    total: np.ndarray  # accumulated indicator total over the window
    organic: np.ndarray  # accumulated organic total over the window

    @property
    def n(self) -> int:
        return int(self.series.shape[0])

    def plant(self, rows: Rows, series: Series, days_mult: np.ndarray, rng: np.random.Generator) -> None:
        """Inflate ``rows`` in place where they fall in an episode and accumulate the truth totals."""
        owner = np.full(series.n, -1)
        owner[self.series] = np.arange(self.n)
        f = owner[rows.series]
        hit = np.flatnonzero(f >= 0)
        f = f[hit]
        rel = rows.t[hit] - self.t0[f]
        inside = (rel >= 0) & (rel < self.width[f])
        hit, f, rel = hit[inside], f[inside], rel[inside]
        if hit.size == 0:
            return
        rows.planted[hit] = True
        shape = self.shape[f]
        org = rows.plays[hit].astype(float)
        level = series.curve(self.series[f], self.t0[f].astype(float)) * self.strength[f]
        mult = np.select(
            [shape == 0, shape == 2],
            [self.strength[f], 1.0 + (self.strength[f] - 1.0) * (rel + 1) / self.width[f]],
            1.0,
        )
        new = np.rint(org * mult).astype(np.int64)
        plateau = shape == 1
        flat = np.rint(level * np.exp(0.02 * rng.standard_normal(hit.size))).astype(np.int64)
        new = np.where(plateau, np.maximum(new, flat), new)
        extra = (new - rows.plays[hit]).astype(float)
        plays_new = new
        # Fake plays barely watch and never pay: completion and watch time dilute, engagement stays.
        total_plays = np.maximum(plays_new, 1)
        rows.completion_rate[hit] = (rows.completion_rate[hit] * org + 0.03 * extra) / total_plays
        rows.watch_minutes[hit] = rows.watch_minutes[hit] + 0.1 * extra
        rows.plays[hit] = plays_new
        likes_only = shape == 3
        rows.likes[hit[likes_only]] = np.rint(rows.likes[hit[likes_only]] * self.strength[f[likes_only]]).astype(
            np.int64)
        value = np.where(likes_only, rows.likes[hit], rows.plays[hit]).astype(float)
        base = np.where(likes_only, rows.organic_likes[hit], rows.organic_plays[hit]).astype(float)
        self.total += np.bincount(f, weights=value, minlength=self.n)
        self.organic += np.bincount(f, weights=base, minlength=self.n)

    def truth(self, series: Series, drama_ids: np.ndarray, start: np.datetime64) -> pd.DataFrame:
        """fake_traffic.csv: drama_id, platform, start, end, shape, indicator, factor."""
        s = self.series
        first = start + (series.start[s] + self.t0).astype("timedelta64[D]")
        last = first + (self.width - 1).astype("timedelta64[D]")
        factor = np.where(self.organic > 0, self.total / np.maximum(self.organic, 1), np.nan)
        frame = pd.DataFrame({
            "drama_id": drama_ids[series.drama[s]],
            "platform": P.IDS[series.platform[s]],
            "start": first.astype(str),
            "end": last.astype(str),
            "shape": np.array(SHAPES)[self.shape],
            "indicator": np.array(INDICATOR)[self.shape],
            "factor": np.round(factor, 3),
        })
        return frame.sort_values(["drama_id", "platform", "start"], kind="stable").reset_index(drop=True)


def plan_fakes(series: Series, seed: int) -> Fakes:
    """Choose ~3% of the long, well-watched series (at least one per shape when possible)."""
    rng = stream(seed, "fakes", series.n)
    cand = np.flatnonzero((series.length >= 30) & (series.peak >= 30 * FLOOR))
    n = min(cand.size, max(4, round(SHARE * series.n)))
    chosen = np.sort(rng.choice(cand, size=n, replace=False)) if n else np.array([], dtype=np.int64)
    shape = rng.permutation(np.resize(np.arange(4), n))
    lo_w = np.array([_WINDOW[k][0] for k in range(4)])[shape]
    hi_w = np.array([_WINDOW[k][1] for k in range(4)])[shape]
    lo_t = np.array([_FIRST[k][0] for k in range(4)])[shape]
    hi_t = np.array([_FIRST[k][1] for k in range(4)])[shape]
    length = series.length[chosen]
    width = np.minimum(rng.integers(lo_w, hi_w + 1), length - lo_t)
    last_first = np.minimum(hi_t, length - width)
    t0 = lo_t + np.floor(rng.random(n) * (last_first - lo_t + 1)).astype(np.int64)
    strength = np.select(
        [shape == 0, shape == 1, shape == 2],
        [rng.uniform(5, 20, n), rng.uniform(1.05, 1.3, n), rng.uniform(2, 4, n)],
        rng.uniform(5, 20, n),
    )
    zeros = np.zeros(n)
    return Fakes(series=chosen, shape=shape, t0=t0, width=width.astype(np.int64), strength=strength,
                 total=zeros.copy(), organic=zeros.copy())
