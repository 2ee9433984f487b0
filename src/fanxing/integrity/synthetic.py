"""Seeded synthetic daily facts with planted fake traffic, for tests and benchmarks (numpy, vectorised).

Organic traffic: per drama × platform a release ramp into a two-speed exponential decay, a
platform weekday rhythm, market-wide holiday surges on every series, AR(1) log noise and Poisson
counts. Planted shapes (one per affected series): ``burst`` (1-3 days, plays ×3-8), ``plateau``
(5-14 days, ×2-4), ``slow_creep`` (14-28 days, rising to ×2.5-4), ``likes_only`` (3-10 days,
likes ×3-6). Fake plays bring almost no likes and a low completion rate.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from scipy.signal import lfilter

PLATFORMS = ("douyin", "kuaishou", "hongguo", "wechat_channels")
SHAPES = ("burst", "plateau", "slow_creep", "likes_only")
LENGTHS = {"burst": (1, 3), "plateau": (5, 14), "slow_creep": (14, 28), "likes_only": (3, 10)}
FACTORS = {"burst": (3.0, 8.0), "plateau": (2.0, 4.0), "slow_creep": (2.5, 4.0), "likes_only": (3.0, 6.0)}


def make_facts(n_dramas: int = 40, n_days: int = 120, platforms=PLATFORMS[:3], seed: int = 0,
               anomaly_share: float = 0.25, start: str = "2024-01-01", noise: float = 0.12,
               holidays: bool = True, engagement: bool = True):
    """Return (facts, dramas, truth) pandas frames; truth has drama_id, platform, start, end, shape,
    indicator, factor. ``anomaly_share`` of the series carry one planted episode (shapes in turn)."""
    rng = np.random.default_rng(seed)
    t0 = np.datetime64(start)
    n_p = len(platforms)
    release = rng.integers(-40, max(n_days - 40, 1), n_dramas)
    on = rng.random((n_dramas, n_p)) < 0.8
    on[np.arange(n_dramas), rng.integers(0, n_p, n_dramas)] = True
    d_idx, p_idx = np.nonzero(on)
    n_s = len(d_idx)
    day = np.arange(n_days)[None, :]
    age = day - release[d_idx][:, None]
    valid = age >= 0
    a = np.maximum(age, 0).astype(float)
    level = np.exp(rng.normal(np.log(20000), 1.2, n_s))[:, None]
    tau1 = rng.uniform(3, 15, n_s)[:, None]
    tau2 = rng.uniform(30, 150, n_s)[:, None]
    frac = rng.uniform(0.02, 0.2, n_s)[:, None]
    ramp = 1 - np.exp(-(a + 1) / rng.uniform(0.5, 2.0, n_s)[:, None])
    mean = level * ramp * (np.exp(-a / tau1) + frac * np.exp(-a / tau2))
    dow = (np.arange(n_days) + (pd.Timestamp(start).dayofweek)) % 7
    weekly = np.exp(rng.normal(0, 0.08, (n_p, 7)))
    mean = mean * weekly[p_idx][:, dow]
    if holidays:
        market = np.ones(n_days)
        for h in rng.choice(np.arange(5, max(n_days - 5, 6)), size=max(n_days // 60, 1), replace=False):
            market[h:h + 3] = 1.4
        mean = mean * market[None, :]
    sig = rng.uniform(0.6, 1.4, n_s)[:, None] * noise
    eps = lfilter([1.0], [1.0, -0.3], rng.normal(0, 1, (n_s, n_days)), axis=1) * sig
    organic = mean * np.exp(eps)
    fake = np.zeros_like(organic)
    like_factor = np.ones_like(organic)

    truth = []
    n_anom = int(round(anomaly_share * n_s))
    chosen = rng.choice(n_s, size=n_anom, replace=False)
    shapes = np.array(SHAPES)[np.arange(n_anom) % len(SHAPES)]
    for shape in SHAPES:  # four shapes, each planted on all its series at once
        s = chosen[shapes == shape]
        if not len(s):
            continue
        lo, hi = LENGTHS[shape]
        length = rng.integers(lo, hi + 1, len(s))
        first = np.maximum(release[d_idx[s]], 0) + 3
        last = n_days - length
        ok = last > first
        s, length, first, last = s[ok], length[ok], first[ok], last[ok]
        st = rng.integers(first, last)
        f = rng.uniform(*FACTORS[shape], len(s))
        j = np.arange(hi)[None, :]
        inside = j < length[:, None]
        rows = np.broadcast_to(s[:, None], inside.shape)[inside]
        cols = (st[:, None] + j)[inside]
        if shape == "slow_creep":
            prog = (j + 1) / length[:, None]
            mult = (1 + (f[:, None] - 1) * prog)[inside]
        else:
            mult = np.broadcast_to(f[:, None], inside.shape)[inside]
        if shape == "likes_only":
            like_factor[rows, cols] = mult
        else:
            fake[rows, cols] = organic[rows, cols] * (mult - 1)
        end = st + length - 1
        truth.append(pd.DataFrame({
            "drama_id": [f"D{i:05d}" for i in d_idx[s]], "platform": np.array(platforms)[p_idx[s]],
            "start": t0 + st.astype("timedelta64[D]"), "end": t0 + end.astype("timedelta64[D]"),
            "shape": shape, "indicator": "likes" if shape == "likes_only" else "plays", "factor": f.round(3)}))

    plays_org = rng.poisson(organic)
    plays_fake = rng.poisson(fake)
    plays = plays_org + plays_fake
    m = valid.ravel()
    out = {
        "date": (t0 + np.broadcast_to(day, valid.shape).astype("timedelta64[D]")).ravel()[m],
        "platform": np.array(platforms)[np.broadcast_to(p_idx[:, None], valid.shape)].ravel()[m],
        "drama_id": np.char.add("D", np.char.zfill(d_idx.astype(str), 5))[
            np.broadcast_to(np.arange(n_s)[:, None], valid.shape)].ravel()[m],
        "plays": plays.ravel()[m].astype("int64"),
    }
    if engagement:
        def rate(mu, sd=0.5):
            base = np.exp(rng.normal(np.log(mu), sd, n_s))[:, None]
            return np.clip(base * np.exp(rng.normal(0, 0.1, plays.shape)), 0, 0.9)
        likes = rng.binomial(plays_org, rate(0.03)) * like_factor
        out["likes"] = np.minimum(np.round(likes), plays).ravel()[m].astype("int64")
        for name, mu in (("comments", 0.003), ("shares", 0.002), ("favorites", 0.005)):
            out[name] = rng.binomial(plays_org, rate(mu)).ravel()[m].astype("int64")
        logit = rng.normal(-0.6, 0.4, n_s)[:, None] + rng.normal(0, 0.1, plays.shape)
        c_org = 1 / (1 + np.exp(-logit))
        comp = np.where(plays > 0, (c_org * plays_org + 0.05 * plays_fake) / np.maximum(plays, 1), np.nan)
        out["completion_rate"] = np.round(comp, 4).ravel()[m]
        out["watch_minutes"] = np.round(plays * comp * 2.0, 1).ravel()[m]
        out["revenue_cny"] = np.round(plays_org * 0.01, 2).ravel()[m]
        out["rating"] = np.full(m.sum(), np.nan)
    facts = pd.DataFrame(out)
    facts["date"] = pd.to_datetime(facts["date"]).dt.date
    dramas = pd.DataFrame({"drama_id": [f"D{i:05d}" for i in range(n_dramas)],
                           "release_date": [(pd.Timestamp(start) + pd.Timedelta(days=int(r))).date()
                                            for r in release]})
    cols = ["drama_id", "platform", "start", "end", "shape", "indicator", "factor"]
    truth = pd.concat(truth, ignore_index=True) if truth else pd.DataFrame(columns=cols)
    for c in ("start", "end"):
        truth[c] = pd.to_datetime(truth[c]).dt.date
    return facts, dramas, truth.sort_values(["drama_id", "platform", "start"]).reset_index(drop=True)


__all__ = ["make_facts", "SHAPES", "dt"]
