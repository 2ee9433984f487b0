"""A hand-built season for the detector tests: decaying series with a weekly rhythm and noise,
plus one planted case of every kind on known series and days."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

START = dt.date(2024, 3, 4)  # a Monday
N_DAYS = 120
PLATFORMS = ("douyin", "kuaishou", "hongguo")
N_DRAMAS = 12


def day(i: int) -> dt.date:
    return START + dt.timedelta(days=i)


def build(seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Facts and dramas; the planted cases are described in PLANTED."""
    rng = np.random.default_rng(seed)
    rows = []
    t = np.arange(N_DAYS)
    weekly = np.array([0.95, 0.92, 0.95, 1.0, 1.08, 1.15, 1.1])
    for d in range(N_DRAMAS):
        for p, plat in enumerate(PLATFORMS):
            level = 30000 * (1 + d % 4) * (1 + 0.5 * p)
            tau = 12 + 3 * d
            mean = level * (np.exp(-t / tau) + 0.1 * np.exp(-t / 90)) * (1 - np.exp(-(t + 1) / 1.5))
            mean = mean * weekly[(t + START.weekday()) % 7] * np.exp(rng.normal(0, 0.1, N_DAYS))
            plays = rng.poisson(mean).astype(float)
            likes = rng.binomial(plays.astype(int), 0.04).astype(float)
            comp = np.clip(0.4 + rng.normal(0, 0.02, N_DAYS), 0, 1)
            fake = np.zeros(N_DAYS)
            if (d, plat) == (0, "douyin"):
                fake[40:42] = plays[40:42] * 4  # burst ×5
            if (d, plat) == (1, "kuaishou"):
                fake[50:60] = plays[50:60] * 1.5  # plateau ×2.5
            if (d, plat) == (2, "hongguo"):
                fake[60:80] = plays[60:80] * np.linspace(0.15, 2.5, 20)  # creep up to ×3.5
            if (d, plat) == (3, "douyin"):
                likes[70:76] *= 5  # likes only
            if d == 6:
                plays[45:47] *= 3  # organic: every platform of the drama at once
                likes[45:47] *= 3
            total = plays + fake
            comments, shares, favs = (rng.binomial(plays.astype(int), r) for r in (0.004, 0.002, 0.005))
            comp = np.where(total > 0, (comp * plays + 0.05 * fake) / np.maximum(total, 1), np.nan)
            for i in range(N_DAYS):
                rows.append((day(i), plat, f"D{d:02d}", int(total[i]), int(likes[i]), int(comments[i]),
                             int(shares[i]), int(favs[i]), float(comp[i]), float(total[i] * 1.5),
                             float(plays[i] * 0.01), None))
    facts = pd.DataFrame(rows, columns=["date", "platform", "drama_id", "plays", "likes", "comments", "shares",
                                        "favorites", "completion_rate", "watch_minutes", "revenue_cny", "rating"])
    # impossible values
    m = (facts.drama_id == "D04") & (facts.platform == "kuaishou") & (facts.date == day(30))
    facts.loc[m, "likes"] = facts.loc[m, "plays"] + 10
    m = (facts.drama_id == "D05") & (facts.platform == "hongguo") & (facts.date == day(33))
    facts.loc[m, "completion_rate"] = 1.3
    facts["rating"] = facts["rating"].astype(float)
    dramas = pd.DataFrame({"drama_id": [f"D{d:02d}" for d in range(N_DRAMAS)], "release_date": START})
    return facts, dramas


PLANTED = {
    "burst": ("D00", "douyin", day(40), day(41)),
    "plateau": ("D01", "kuaishou", day(50), day(59)),
    "slow_creep": ("D02", "hongguo", day(60), day(79)),
    "likes_only": ("D03", "douyin", day(70), day(75)),
}
CLEAN_DRAMAS = ("D07", "D08", "D09", "D10", "D11")
