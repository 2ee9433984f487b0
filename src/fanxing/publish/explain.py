"""Explain a drama's rank from a published build: contributions, comparisons, history, anomalies."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from fanxing.errors import NotFoundError
from fanxing.index.suggest import did_you_mean

DIM_ZH = {"reach": "传播力", "engagement": "互动力", "reputation": "口碑", "commercial": "商业力",
          "longevity": "持续力"}


@dataclass
class Explanation:
    ranking: pd.Series
    dimensions: pd.DataFrame  # dimension, score, weight, contribution
    indicators: pd.DataFrame  # indicator rows sorted by contribution, with the period median
    history: pd.DataFrame  # monthly ranks
    anomalies: pd.DataFrame
    sentences: list[str]
    integrity_note: str


def _read(build: Path, rel: str) -> pd.DataFrame:
    p = build / rel
    if not p.exists():
        return pd.DataFrame()
    return pd.read_csv(p, dtype={"drama_id": str})


def explain_drama(build_dir: str | Path, drama_id: str) -> Explanation:
    """Everything needed to say why ``drama_id`` ranks where it does in the annual ranking."""
    build = Path(build_dir)
    if not (build / "manifest.json").exists():
        raise NotFoundError(f"{build}: not a published build (no manifest.json); run `fanxing build` first")
    annual = _read(build, "rankings/annual.csv")
    row = annual[annual["drama_id"] == drama_id]
    if row.empty:
        cat = _read(build, "catalogue.csv")
        known = cat["drama_id"].astype(str).tolist() if "drama_id" in cat else []
        if drama_id in known:
            raise NotFoundError(f"{drama_id} is in the catalogue but not ranked in this build "
                                "(no plays in the season, or below the minimum plays, or excluded for coverage)")
        raise NotFoundError(f"no drama {drama_id!r} in {build}{did_you_mean(drama_id, known)}")
    r = row.iloc[0]
    ex = _read(build, "explanations/annual.csv")
    mine = ex[ex["drama_id"] == drama_id].copy()
    med = ex.groupby("indicator")["normalised"].median()
    mine["median_normalised"] = mine["indicator"].map(med)
    mine = mine.sort_values("contribution", ascending=False, kind="stable")
    m = yaml.safe_load((build / "methodology.yaml").read_text(encoding="utf-8"))
    aggs = m["index"]["aggregates"]
    root = next(a["code"] for a in aggs if not a.get("parent"))
    dim_w = {a["code"]: float(a.get("weight", 1.0)) for a in aggs if a.get("parent") == root}
    total_w = sum(dim_w.values()) or 1.0
    dims = pd.DataFrame([{"dimension": d, "score": r.get(d), "weight": w / total_w,
                          "contribution": mine.loc[mine["dimension"] == d, "contribution"].sum()}
                         for d, w in dim_w.items()])
    monthly = _read(build, "rankings/monthly.csv")
    history = monthly.loc[monthly["drama_id"] == drama_id, ["period", "rank", "score"]] if not monthly.empty \
        else pd.DataFrame()
    an = _read(build, "anomalies.csv")
    an = an[an["drama_id"] == drama_id] if not an.empty else an
    sentences = _sentences(r, dims, mine, annual)
    note = ""
    shift = r.get("rank_shift_integrity")
    if pd.notna(shift) and int(shift) != 0:
        note = (f"[yellow]流量核验：折算异常流量后排名变化 {int(shift):+d} 位"
                f"（未折算时第 {int(r['rank_unadjusted'])} 名）[/]")
    elif bool(r.get("flagged", False)):
        note = "[yellow]流量核验：存在异常流量记录，折算后排名未变[/]"
    return Explanation(r, dims, mine, history, an, sentences, note)


def _sentences(r: pd.Series, dims: pd.DataFrame, inds: pd.DataFrame, annual: pd.DataFrame) -> list[str]:
    """Plain-language reasons: strongest and weakest dimensions against the field and the neighbour above."""
    out = []
    medians = {d: annual[d].median() for d in dims["dimension"] if d in annual}
    best = dims.assign(gap=dims["dimension"].map(lambda d: r.get(d, 0) - medians.get(d, 0))).sort_values("gap")
    hi, lo = best.iloc[-1], best.iloc[0]
    out.append(f"相对全榜最强的维度：{DIM_ZH.get(hi['dimension'], hi['dimension'])} {hi['score']:.1f}"
               f"（全榜中位 {medians.get(hi['dimension'], float('nan')):.1f}）")
    word = "最弱的维度" if lo["gap"] < 0 else "优势最小的维度"
    out.append(f"相对全榜{word}：{DIM_ZH.get(lo['dimension'], lo['dimension'])} {lo['score']:.1f}"
               f"（全榜中位 {medians.get(lo['dimension'], float('nan')):.1f}）")
    if len(inds):
        top = inds.iloc[0]
        out.append(f"贡献最大的指标：{top['name']}（贡献 {top['contribution']:.2f} 分）")
    rank = int(r["rank"])
    if rank > 1:
        above = annual[annual["rank"] < rank].sort_values("rank").iloc[-1]
        gaps = {d: float(above[d] - r[d]) for d in dims["dimension"] if d in annual}
        d = max(gaps, key=gaps.get)
        out.append(f"与上一名《{above['title']}》相差 {above['score'] - r['score']:.2f} 分，"
                   f"差距主要在{DIM_ZH.get(d, d)}（{gaps[d]:+.1f}）")
    return out
