"""The demo's platform registry: ids, Chinese names, kinds and the demo's (assumed) scale parameters."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Platform:
    id: str
    name: str
    kind: str
    reach: float  # relative daily-play scale (douyin = 1) — a demo assumption, not a published figure
    carry: float  # weight for a drama being distributed on the platform
    revenue_per_play: float  # CNY per play for a paid-unlock drama — demo assumption
    has_rating: bool
    like_shift: float  # log-offset of the like rate
    completion_shift: float  # logit-offset of the completion rate


PLATFORMS: tuple[Platform, ...] = (
    Platform("douyin", "抖音", "short_video", 1.00, 0.62, 0.035, False, 0.25, 0.0),
    Platform("kuaishou", "快手", "short_video", 0.60, 0.45, 0.030, False, 0.15, -0.05),
    Platform("hongguo", "红果短剧", "app", 0.75, 0.50, 0.006, True, -0.6, 0.25),
    Platform("wechat_channels", "微信视频号", "short_video", 0.30, 0.28, 0.040, False, 0.0, 0.05),
    Platform("tencent_video", "腾讯视频", "long_video", 0.070, 0.12, 0.020, True, -0.8, 0.35),
    Platform("iqiyi", "爱奇艺", "long_video", 0.060, 0.10, 0.020, True, -0.8, 0.35),
    Platform("youku", "优酷", "long_video", 0.045, 0.08, 0.018, True, -0.9, 0.30),
    Platform("mgtv", "芒果TV", "long_video", 0.035, 0.07, 0.018, True, -0.9, 0.30),
    Platform("bilibili", "哔哩哔哩", "community", 0.030, 0.07, 0.004, True, 0.1, 0.10),
)
IDS = np.array([p.id for p in PLATFORMS])
REACH = np.array([p.reach for p in PLATFORMS])
CARRY = np.array([p.carry for p in PLATFORMS])
REVENUE_PER_PLAY = np.array([p.revenue_per_play for p in PLATFORMS])
HAS_RATING = np.array([p.has_rating for p in PLATFORMS])
LIKE_SHIFT = np.array([p.like_shift for p in PLATFORMS])
COMPLETION_SHIFT = np.array([p.completion_shift for p in PLATFORMS])


def index_of(platform_id: str) -> int:
    return int(np.flatnonzero(platform_id == IDS)[0])


def platforms_frame() -> pd.DataFrame:
    """platforms.csv: the registry, with the relative reach clearly marked as a demo assumption."""
    return pd.DataFrame({
        "platform": IDS,
        "name": [p.name for p in PLATFORMS],
        "kind": [p.kind for p in PLATFORMS],
        "relative_reach": [p.reach for p in PLATFORMS],
        "relative_reach_note": "demo assumption (douyin = 1), not a published figure",
        "has_rating": [str(p.has_rating).lower() for p in PLATFORMS],
    })
