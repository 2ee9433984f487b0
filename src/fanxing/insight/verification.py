"""流量核验 summaries: anomaly episodes by shape/reason/platform/severity, and rank shifts."""

from __future__ import annotations

import pandas as pd

REASON_ZH = {"sustained_excess": "持续异常偏高", "ratio_vs_own_history": "互动/播放比偏离自身历史",
             "completion_drop": "完播率骤降", "spike": "单日尖峰", "burst": "爆发式尖峰",
             "plays_spike": "播放尖峰", "slow_creep": "缓慢爬升"}
SHAPE_ZH = {"burst": "尖峰型", "plateau": "平台型", "slow_creep": "缓升型", "likes_only": "仅点赞异常",
            "completion_rate": "完播率异常"}
SEVERITY_ZH = {"high": "高", "medium": "中", "low": "低"}


def anomaly_counts(anomalies: pd.DataFrame, column: str) -> pd.DataFrame:
    """value, episodes, dramas, days for one column of anomalies.csv."""
    if anomalies is None or anomalies.empty or column not in anomalies.columns:
        return pd.DataFrame(columns=[column, "episodes", "dramas", "days"])
    a = anomalies.assign(**{column: anomalies[column].fillna("（未标注）").astype(str)})
    if "days" not in a.columns:
        a["days"] = (pd.to_datetime(a["end"]) - pd.to_datetime(a["start"])).dt.days + 1
    out = a.groupby(column).agg(episodes=("drama_id", "size"), dramas=("drama_id", "nunique"),
                                days=("days", "sum")).reset_index()
    return out.sort_values(["episodes", column], ascending=[False, True]).reset_index(drop=True)


def rank_shift_summary(annual: pd.DataFrame) -> dict:
    """How discounting faked traffic moved the annual ranking."""
    if "rank_shift_integrity" not in annual.columns:
        return {"available": False}
    s = pd.to_numeric(annual["rank_shift_integrity"], errors="coerce").fillna(0)
    flagged = annual["flagged"].astype(str).str.lower().isin(["true", "1"]) if "flagged" in annual else s * 0 > 0
    top20_changed = 0
    if "rank_unadjusted" in annual.columns:
        before = set(annual.loc[annual["rank_unadjusted"] <= 20, "drama_id"])
        after = set(annual.loc[annual["rank"] <= 20, "drama_id"])
        top20_changed = len(after - before)
    return {"available": True, "n_ranked": len(annual), "n_moved": int((s != 0).sum()),
            "n_flagged": int(flagged.sum()), "max_shift": int(s.abs().max()) if len(s) else 0,
            "mean_abs_shift": float(s.abs().mean()) if len(s) else 0.0, "top20_entered": top20_changed}


def biggest_movers(annual: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    if "rank_shift_integrity" not in annual.columns:
        return pd.DataFrame()
    a = annual.assign(_abs=pd.to_numeric(annual.rank_shift_integrity, errors="coerce").abs())
    a = a[a._abs > 0].sort_values(["_abs", "rank"], ascending=[False, True]).head(n)
    cols = [c for c in ("drama_id", "title", "rank_unadjusted", "rank", "rank_shift_integrity", "flagged") if c in a]
    return a[cols].reset_index(drop=True)
