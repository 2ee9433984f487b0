"""The market-size series (market.csv / warehouse ``market``): growth rates and disagreements.

A year may carry several rows (different sources, or an estimate next to a forecast). Nothing is
averaged away: every row keeps its source, growth is computed per source, and years where sources
disagree are listed as conflicts.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from fanxing.insight.facts import KIND_ZH, MARKET_FALLBACK

COLUMNS = ["year", "market_size_cny_100m", "kind", "source"]
KIND_ORDER = {"actual": 0, "estimate": 1, "forecast": 2}


def source_key(source: str) -> str:
    """The organisation behind a source string: '艾媒咨询 (iiMedia), as quoted…' → '艾媒咨询'."""
    s = str(source or "").strip()
    m = re.match(r"^(《[^》]+》|[^\s,，;；(（]+)", s)
    return m.group(1) if m else s


def fallback_market() -> pd.DataFrame:
    return pd.DataFrame(MARKET_FALLBACK, columns=COLUMNS)


def normalise_market(market: pd.DataFrame | None) -> pd.DataFrame:
    """Typed, sorted market rows with ``source_key``; empty frame when there is no market data."""
    if market is None or len(market) == 0:
        return pd.DataFrame(columns=[*COLUMNS, "source_key"])
    m = market.copy()
    m["year"] = pd.to_numeric(m["year"], errors="coerce").astype("Int64")
    m["market_size_cny_100m"] = pd.to_numeric(m["market_size_cny_100m"], errors="coerce")
    m["kind"] = m["kind"].fillna("actual").astype(str).str.strip().str.lower()
    m["source"] = m["source"].fillna("").astype(str)
    m = m.dropna(subset=["year", "market_size_cny_100m"])
    m["source_key"] = m["source"].map(source_key)
    m["_k"] = m["kind"].map(KIND_ORDER).fillna(3)
    return m.sort_values(["year", "_k", "source_key"]).drop(columns="_k").reset_index(drop=True)


def consensus(m: pd.DataFrame) -> pd.Series:
    """Year → value for the years with exactly one row (no disagreement to resolve)."""
    counts = m.groupby("year")["market_size_cny_100m"].transform("size")
    single = m[counts == 1]
    return single.set_index("year")["market_size_cny_100m"]


def market_growth(market: pd.DataFrame | None) -> pd.DataFrame:
    """Every row with its year-on-year growth.

    The base is the same source's previous-year value when it has one, else the previous year's
    single agreed value (e.g. 艾媒's 2025 forecast against the 2024 estimate); with neither the
    growth is left empty. ``base_year``/``base_value``/``base_source`` say what was used.
    """
    m = normalise_market(market)
    if m.empty:
        return m.assign(growth=pd.Series(dtype=float), base_value=pd.Series(dtype=float),
                        base_source=pd.Series(dtype=str))
    agreed = consensus(m)
    by_source = {(r.source_key, int(r.year)): float(r.market_size_cny_100m) for r in m.itertuples()}
    growth, base_v, base_s = [], [], []
    for r in m.itertuples():
        prev = int(r.year) - 1
        if (r.source_key, prev) in by_source:
            b, s = by_source[(r.source_key, prev)], r.source_key
        elif prev in agreed.index:
            b = float(agreed.loc[prev])
            s = m.loc[(m.year == prev), "source_key"].iloc[0]
        else:
            b, s = np.nan, ""
        base_v.append(b)
        base_s.append(s)
        growth.append(float(r.market_size_cny_100m) / b - 1 if b and not np.isnan(b) else np.nan)
    return m.assign(growth=growth, base_value=base_v, base_source=base_s)


def cagr(market: pd.DataFrame | None, kinds: tuple[str, ...] = ("actual",)) -> dict | None:
    """Compound annual growth over the first and last year of rows of the given kinds (single-valued years)."""
    m = normalise_market(market)
    m = m[m.kind.isin(kinds)]
    agreed = consensus(m)
    if len(agreed) < 2:
        return None
    y0, y1 = int(agreed.index.min()), int(agreed.index.max())
    v0, v1 = float(agreed.loc[y0]), float(agreed.loc[y1])
    return {"from": y0, "to": y1, "v0": v0, "v1": v1, "cagr": (v1 / v0) ** (1 / (y1 - y0)) - 1}


def market_conflicts(market: pd.DataFrame | None) -> pd.DataFrame:
    """Years with more than one value: the values, their sources and kinds, the spread."""
    m = normalise_market(market)
    rows = []
    for year, g in m.groupby("year"):
        if g["source_key"].nunique() < 2:
            continue
        lo, hi = g.market_size_cny_100m.min(), g.market_size_cny_100m.max()
        rows.append({
            "year": int(year),
            "values": "；".join(f"{r.source_key} {r.market_size_cny_100m:,.1f}（{KIND_ZH.get(r.kind, r.kind)}）"
                                for r in g.itertuples()),
            "low": float(lo), "high": float(hi), "spread": float(hi - lo),
            "spread_pct": float((hi - lo) / lo) if lo else np.nan,
            "high_source": g.loc[g.market_size_cny_100m.idxmax(), "source_key"],
            "low_source": g.loc[g.market_size_cny_100m.idxmin(), "source_key"],
        })
    return pd.DataFrame(rows, columns=["year", "values", "low", "high", "spread", "spread_pct",
                                       "high_source", "low_source"])
