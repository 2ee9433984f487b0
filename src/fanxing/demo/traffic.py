"""Daily traffic of every (drama, platform) series: release-driven rise and decay, weekly rhythm, engagement.

A series starts when the drama reaches the platform and stops once its (noise-free) daily plays fall
below ``FLOOR`` or the season ends. Rows are generated for a range of series at once, fully vectorised.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fanxing.demo import platforms as P
from fanxing.demo.catalogue import Catalogue
from fanxing.demo.rng import stream

FLOOR = 600.0  # daily plays below which a platform stops reporting a series
BASE_PEAK = 400_000.0  # peak daily plays of a typical (hit = 1) drama on douyin — demo assumption
WEEKLY = np.array([0.94, 0.92, 0.93, 0.96, 1.03, 1.13, 1.09])  # Monday .. Sunday
SPRING_FESTIVAL = {2023: "2023-01-21", 2024: "2024-02-09", 2025: "2025-01-28", 2026: "2026-02-16"}


@dataclass
class Series:
    """Per-series parameters (arrays of length n), in drama-major order."""

    drama: np.ndarray
    platform: np.ndarray
    start: np.ndarray  # first day (offset from the season start)
    length: np.ndarray  # number of daily rows
    peak: np.ndarray
    tau: np.ndarray
    alpha: np.ndarray
    ramp: np.ndarray
    sigma: np.ndarray
    like_rate: np.ndarray
    comment_ratio: np.ndarray
    share_ratio: np.ndarray
    favorite_ratio: np.ndarray
    completion_logit: np.ndarray
    revenue_per_play: np.ndarray
    rating: np.ndarray  # NaN where the platform has no rating
    minutes: np.ndarray

    @property
    def n(self) -> int:
        return int(self.drama.shape[0])

    @property
    def offsets(self) -> np.ndarray:
        """Row offset of each series (and the total as the last element)."""
        return np.concatenate([[0], np.cumsum(self.length)])

    def curve(self, idx: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Noise-free daily plays of series ``idx`` on day ``t`` after it started."""
        rise = 1.0 - 0.55 * np.exp(-t / self.ramp[idx])
        return self.peak[idx] * rise * (1.0 + t / self.tau[idx]) ** (-self.alpha[idx])


def decay_length(peak: np.ndarray, tau: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Days until the power-law decay falls below the floor (at least one)."""
    ratio = np.maximum(peak / FLOOR, 1.0)
    return np.floor(tau * (ratio ** (1.0 / alpha) - 1.0)).astype(np.int64) + 1


def plan_series(cat: Catalogue, seed: int, days: int) -> Series:
    """Parameters of every (drama, platform) series with at least one day inside the season."""
    di, pj = np.nonzero(cat.on_platform)
    start = cat.release[di] + cat.lag[di, pj]
    keep = start < days
    di, pj, start = di[keep], pj[keep], start[keep]
    rng = stream(seed, "series", di.size)
    m = di.size
    q = cat.quality[di]
    lagged = cat.lag[di, pj] > 0
    peak = BASE_PEAK * P.REACH[pj] * cat.hit[di] * rng.lognormal(0.0, 0.35, m) * np.where(lagged, 0.7, 1.0)
    tau = rng.lognormal(np.log(6.0), 0.5, m) * np.exp(0.15 * q)
    alpha = np.clip(rng.normal(1.45, 0.2, m) - 0.1 * q, 0.9, 2.2)
    length = np.minimum(decay_length(peak, tau, alpha), days - start)
    like = np.exp(np.log(0.025) + 0.35 * q + P.LIKE_SHIFT[pj] + rng.normal(0, 0.25, m))
    rating = np.where(P.HAS_RATING[pj], np.clip(6.3 + 1.1 * q + rng.normal(0, 0.35, m), 1.0, 9.8), np.nan)
    return Series(
        drama=di.astype(np.int64), platform=pj.astype(np.int64), start=start.astype(np.int64),
        length=length.astype(np.int64), peak=peak, tau=tau, alpha=alpha,
        ramp=rng.uniform(0.5, 2.0, m), sigma=rng.uniform(0.06, 0.18, m), like_rate=like,
        comment_ratio=rng.uniform(0.05, 0.15, m), share_ratio=rng.uniform(0.1, 0.4, m),
        favorite_ratio=rng.uniform(0.2, 0.6, m),
        completion_logit=-0.45 + 0.5 * q + P.COMPLETION_SHIFT[pj] + rng.normal(0, 0.2, m),
        revenue_per_play=P.REVENUE_PER_PLAY[pj] * cat.pay[di], rating=rating,
        minutes=cat.episode_minutes[di],
    )


def day_multiplier(start: np.datetime64, days: int) -> np.ndarray:
    """Weekly rhythm (weekends higher) times holiday lifts (New Year, Spring Festival, National Day)."""
    dates = start + np.arange(days).astype("timedelta64[D]")
    weekday = (dates.astype("datetime64[D]").view("int64") - 4) % 7  # 1970-01-01 was a Thursday
    mult = WEEKLY[weekday].copy()
    text = dates.astype(str)
    md = np.array([s[5:] for s in text]) if days else np.array([], dtype=str)
    mult[md == "01-01"] *= 1.08
    mult[(md >= "10-01") & (md <= "10-07")] *= 1.15
    for day in SPRING_FESTIVAL.values():
        sf = np.datetime64(day)
        mult[(dates >= sf) & (dates < sf + np.timedelta64(8, "D"))] *= 1.2
    return mult


@dataclass
class Rows:
    """Generated daily rows of a range of series (organic values kept beside the published ones)."""

    series: np.ndarray
    t: np.ndarray
    day: np.ndarray
    plays: np.ndarray
    likes: np.ndarray
    comments: np.ndarray
    shares: np.ndarray
    favorites: np.ndarray
    completion_rate: np.ndarray
    watch_minutes: np.ndarray
    revenue_cny: np.ndarray
    rating: np.ndarray
    organic_plays: np.ndarray
    organic_likes: np.ndarray
    planted: np.ndarray  # row lies inside a planted fake-traffic episode

    @property
    def n(self) -> int:
        return int(self.series.shape[0])


def simulate(series: Series, lo: int, hi: int, days_mult: np.ndarray, seed: int, chunk: int,
             fakes=None) -> Rows:
    """Rows of series ``lo``..``hi-1``; ``fakes`` (a fakes.Fakes) is planted into them if given."""
    rng = stream(seed, "traffic", chunk)
    lengths = series.length[lo:hi]
    total = int(lengths.sum())
    sid = np.repeat(np.arange(lo, hi), lengths)
    first_row = np.repeat(np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    t = np.arange(total) - first_row
    day = series.start[sid] + t
    expected = series.curve(sid, t) * days_mult[day]
    plays = np.rint(expected * np.exp(series.sigma[sid] * rng.standard_normal(total))).astype(np.int64)
    likes = rng.poisson(plays * series.like_rate[sid] * np.exp(0.12 * rng.standard_normal(total)))
    comments = rng.poisson(likes * series.comment_ratio[sid])
    shares = rng.poisson(likes * series.share_ratio[sid])
    favorites = rng.poisson(likes * series.favorite_ratio[sid])
    logit = series.completion_logit[sid] + 0.15 * np.log1p(t / 7.0) + 0.08 * rng.standard_normal(total)
    completion = 1.0 / (1.0 + np.exp(-logit))
    watch = plays * series.minutes[sid] * (0.25 + 0.75 * completion) * np.exp(0.05 * rng.standard_normal(total))
    revenue = plays * series.revenue_per_play[sid] * np.exp(0.1 * rng.standard_normal(total))
    rating = series.rating[sid] + 0.004 * np.sqrt(t + 1.0) * rng.standard_normal(total)
    rows = Rows(
        series=sid, t=t, day=day, plays=plays, likes=likes, comments=comments, shares=shares,
        favorites=favorites, completion_rate=completion, watch_minutes=watch, revenue_cny=revenue,
        rating=rating, organic_plays=plays.copy(), organic_likes=likes.copy(),
        planted=np.zeros(total, dtype=bool),
    )
    if fakes is not None:
        fakes.plant(rows, series, days_mult, rng)
    rows.completion_rate = np.round(np.clip(rows.completion_rate, 0.01, 0.99), 4)
    rows.watch_minutes = np.round(rows.watch_minutes, 1)
    rows.revenue_cny = np.round(rows.revenue_cny, 2)
    rows.rating = np.round(np.clip(rows.rating, 0.0, 10.0), 1)
    return rows
