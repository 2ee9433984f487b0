"""Report charts: matplotlib with a system CJK font, saved as SVG (text as paths: renders the same in
any browser and in the PDF, offline). Each function draws one figure from a plain frame and returns
the path written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from fanxing.report.fonts import configure_matplotlib

WIDTH = 6.8
PALETTE = ["#1f4e79", "#c0504d", "#4f8f3a", "#e39b2d", "#7a5195", "#2a9d8f", "#8c6d31", "#d45087", "#6b6b6b"]
ACCENT, MUTED, GRID = "#c0392b", "#9aa5b1", "#e6e9ee"


def _plt():
    configure_matplotlib()
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="svg", bbox_inches="tight", metadata={"Date": None})
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path


def _grid(ax, axis: str = "x") -> None:
    ax.grid(axis=axis, color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)


def empty(path: Path, message: str) -> Path:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(WIDTH, 1.2))
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=10, color=MUTED)
    return _save(fig, path)


def market(rows: pd.DataFrame, path: Path) -> Path:
    """Bars per year and source; fill by kind: actual solid, estimate hatched, forecast hollow/dashed."""
    plt = _plt()
    from matplotlib.patches import Patch

    if rows.empty:
        return empty(path, "无市场规模数据")
    sources = list(dict.fromkeys(rows["source_key"]))
    colour = {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(sources)}
    fig, ax = plt.subplots(figsize=(WIDTH, 3.6))
    for year, g in rows.groupby("year"):
        n = len(g)
        width = 0.8 / n
        for i, r in enumerate(g.itertuples()):
            x = int(year) - 0.4 + width * (i + 0.5)
            c = colour[r.source_key]
            if r.kind == "actual":
                kw = {"color": c, "edgecolor": c}
            elif r.kind == "estimate":
                kw = {"color": "white", "edgecolor": c, "hatch": "////", "linewidth": 1.0}
            else:
                kw = {"color": c, "alpha": 0.25, "edgecolor": c, "linestyle": "--", "linewidth": 1.2}
            ax.bar(x, r.market_size_cny_100m, width=width * 0.92, **kw)
            ax.text(x, r.market_size_cny_100m, f"{r.market_size_cny_100m:,.1f}", ha="center", va="bottom",
                    fontsize=7 if n == 1 else 6.5)
    ax.set_xticks(sorted(rows["year"].unique()))
    ax.set_ylabel("市场规模（亿元）")
    _grid(ax, "y")
    kinds = [Patch(facecolor="#555", label="实际值"), Patch(facecolor="white", edgecolor="#555", hatch="////", label="估算值"),
             Patch(facecolor="#ddd", edgecolor="#555", linestyle="--", label="预测值")]
    leg1 = ax.legend(handles=kinds, loc="upper left", frameon=False, title="口径")
    ax.add_artist(leg1)
    ax.legend(handles=[Patch(facecolor=colour[s], label=s) for s in sources], loc="upper left",
              bbox_to_anchor=(0.16, 1.0), frameon=False, title="来源")
    return _save(fig, path)


def whiskers(top: pd.DataFrame, path: Path) -> Path:
    """Top-N: the rank as a dot and its 5–95% interval as a whisker, the score written beside."""
    plt = _plt()
    n = len(top)
    if n == 0:
        return empty(path, "年度榜为空")
    fig, ax = plt.subplots(figsize=(WIDTH, 0.26 * n + 0.8))
    y = np.arange(n)[::-1]
    lo, hi = top["rank_low"].to_numpy(float), top["rank_high"].to_numpy(float)
    ax.hlines(y, lo, hi, color=PALETTE[0], linewidth=2.2, alpha=0.55)
    ax.plot(top["rank"], y, "o", color=PALETTE[1], markersize=5, zorder=3)
    ax.set_yticks(y)
    ax.set_yticklabels([f"{int(r)}. 《{t}》" for r, t in zip(top["rank"], top["title"], strict=True)], fontsize=7.5)
    xmax = max(float(np.nanmax(hi)), n) + 2
    for yi, s in zip(y, top["score"], strict=True):
        ax.text(xmax + 0.3, yi, f"{s:.1f}", va="center", fontsize=7, color="#333")
    ax.text(xmax + 0.3, n - 0.3, "指数", fontsize=7.5, color="#333", fontweight="bold")
    ax.set_xlim(0.5, xmax + 3)
    ax.set_xlabel("名次（点=发布名次，线=不确定性分析下 5%–95% 名次区间）")
    _grid(ax, "x")
    return _save(fig, path)


def bar_h(df: pd.DataFrame, label: str, value: str, path: Path, *, xlabel: str = "", pct: bool = False,
          err: str | None = None, highlight: set[str] | None = None, fmt: str | None = None,
          ref: float | None = None, ref_label: str = "") -> Path:
    """Horizontal bars, largest on top; ``err`` a ± column; ``highlight`` labels drawn in the accent colour."""
    plt = _plt()
    if df.empty:
        return empty(path, "无数据")
    d = df.iloc[::-1]
    fig, ax = plt.subplots(figsize=(WIDTH, 0.28 * len(d) + 0.7))
    vals = d[value].to_numpy(float) * (100 if pct else 1)
    colours = [ACCENT if highlight and str(lab) in highlight else PALETTE[0] for lab in d[label]]
    xerr = d[err].to_numpy(float) * (100 if pct else 1) if err else None
    ax.barh(d[label].astype(str), vals, color=colours, xerr=xerr, error_kw={"ecolor": "#555", "capsize": 2, "lw": 0.8})
    fmt = fmt or ("{:.1f}%" if pct else "{:,.1f}")
    off = (np.nanmax(np.abs(vals)) if len(vals) else 1) * 0.01
    for i, v in enumerate(vals):
        if np.isfinite(v):
            e = xerr[i] if xerr is not None and np.isfinite(xerr[i]) else 0
            ax.text(v + e + off, i, fmt.format(v), va="center", fontsize=7)
    if ref is not None:
        ax.axvline(ref * (100 if pct else 1), color=MUTED, linestyle="--", linewidth=1)
        if ref_label:
            ax.text(ref * (100 if pct else 1), len(d) - 0.4, ref_label, fontsize=7, color="#555", ha="left")
    ax.set_xlabel(xlabel)
    ax.set_xlim(right=float(np.nanmax(vals + (xerr if xerr is not None else 0))) * 1.15 if len(vals) else 1)
    _grid(ax, "x")
    return _save(fig, path)


def bar_h2(df: pd.DataFrame, label: str, left: str, right: str, path: Path, *, left_title: str, right_title: str,
           left_pct: bool = True) -> Path:
    """Two panels sharing labels: e.g. share of dramas (left) and score difference vs the rest (right)."""
    plt = _plt()
    if df.empty:
        return empty(path, "无数据")
    d = df.iloc[::-1]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(WIDTH, 0.27 * len(d) + 0.9), sharey=True,
                                 gridspec_kw={"width_ratios": [1, 1]})
    lv = d[left].to_numpy(float) * (100 if left_pct else 1)
    a1.barh(d[label].astype(str), lv, color=PALETTE[0])
    for i, v in enumerate(lv):
        a1.text(v, i, f" {v:.1f}{'%' if left_pct else ''}", va="center", fontsize=6.5)
    a1.set_title(left_title, fontsize=9)
    a1.set_xlim(right=max(lv.max(), 1e-9) * 1.25)
    rv = d[right].to_numpy(float)
    a2.barh(d[label].astype(str), np.nan_to_num(rv), color=[PALETTE[2] if v >= 0 else PALETTE[1] for v in np.nan_to_num(rv)])
    for i, v in enumerate(rv):
        a2.text(0 if not np.isfinite(v) else v, i, "–" if not np.isfinite(v) else f" {v:+.1f} ", va="center",
                ha="left" if not np.isfinite(v) or v >= 0 else "right", fontsize=6.5)
    a2.axvline(0, color="#333", linewidth=0.8)
    lim = max(np.nanmax(np.abs(rv)) if np.isfinite(rv).any() else 1, 1) * 1.35
    a2.set_xlim(-lim, lim)
    a2.set_title(right_title, fontsize=9)
    _grid(a1, "x")
    _grid(a2, "x")
    return _save(fig, path)


def stacked_columns(df: pd.DataFrame, index: str, columns: list[str], path: Path, *, ylabel: str = "") -> Path:
    plt = _plt()
    if df.empty:
        return empty(path, "无数据")
    fig, ax = plt.subplots(figsize=(WIDTH, 3.0))
    bottom = np.zeros(len(df))
    for i, c in enumerate(columns):
        v = df[c].to_numpy(float)
        ax.bar(df[index].astype(str), v, bottom=bottom, color=PALETTE[i % len(PALETTE)], label=c, width=0.65)
        bottom += v
    ax.set_ylabel(ylabel)
    ax.legend(ncol=min(len(columns), 7), frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.1))
    _grid(ax, "y")
    return _save(fig, path)


def lines(df: pd.DataFrame, index: str, columns: list[str], path: Path, *, ylabel: str = "", scale: float = 1.0) -> Path:
    plt = _plt()
    if df.empty:
        return empty(path, "无数据")
    fig, ax = plt.subplots(figsize=(WIDTH, 3.0))
    for i, c in enumerate(columns):
        ax.plot(df[index].astype(str), df[c].to_numpy(float) / scale, marker="o", markersize=3.5,
                color=PALETTE[i % len(PALETTE)], label=c, linewidth=1.6)
    ax.set_ylabel(ylabel)
    ax.legend(ncol=min(len(columns), 7), frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.1))
    _grid(ax, "y")
    return _save(fig, path)


def stacked_100(df: pd.DataFrame, label: str, options: list[str], path: Path, *, colours: list[str] | None = None) -> Path:
    """100% horizontal bars (one per segment) split by the options' shares (0..1 columns)."""
    plt = _plt()
    if df.empty:
        return empty(path, "无数据")
    d = df.iloc[::-1]
    colours = colours or PALETTE
    fig, ax = plt.subplots(figsize=(WIDTH, 0.42 * len(d) + 0.9))
    left = np.zeros(len(d))
    for i, o in enumerate(options):
        v = d[o].fillna(0).to_numpy(float) * 100
        ax.barh(d[label].astype(str), v, left=left, color=colours[i % len(colours)], label=o, height=0.6)
        for j, (x0, w) in enumerate(zip(left, v, strict=True)):
            if w >= 6:
                ax.text(x0 + w / 2, j, f"{w:.1f}%", ha="center", va="center", fontsize=7, color="white")
        left += v
    ax.set_xlim(0, 100)
    ax.set_xlabel("加权占比（%）")
    ax.legend(ncol=len(options), frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.22))
    return _save(fig, path)


def heatmap(df: pd.DataFrame, path: Path, *, fmt: str = "{:.0f}%", scale: float = 100, cmap: str = "Blues") -> Path:
    """Rows × columns of values (shares 0..1 by default), written in the cells."""
    plt = _plt()
    if df.empty:
        return empty(path, "无数据")
    vals = df.to_numpy(float) * scale
    fig, ax = plt.subplots(figsize=(WIDTH, 0.32 * len(df) + 1.2))
    norm = np.nan_to_num((vals - np.nanmin(vals, axis=0)) / np.where(np.ptp(np.nan_to_num(vals), axis=0) > 0,
                                                                    np.ptp(np.nan_to_num(vals), axis=0), 1))
    ax.imshow(norm, cmap=cmap, aspect="auto", vmin=-0.15, vmax=1.3)
    for i in range(vals.shape[0]):
        for j in range(vals.shape[1]):
            if np.isfinite(vals[i, j]):
                ax.text(j, i, fmt.format(vals[i, j]), ha="center", va="center", fontsize=7.5)
    ax.set_xticks(range(df.shape[1]))
    ax.set_xticklabels(df.columns, fontsize=7.5)
    ax.xaxis.tick_top()
    ax.set_yticks(range(df.shape[0]))
    ax.set_yticklabels(df.index, fontsize=7.5)
    for s in ax.spines.values():
        s.set_visible(False)
    ax.tick_params(length=0)
    return _save(fig, path)


def grouped_bars(df: pd.DataFrame, label: str, columns: list[str], path: Path, *, ylabel: str = "",
                 names: list[str] | None = None) -> Path:
    plt = _plt()
    if df.empty:
        return empty(path, "无数据")
    fig, ax = plt.subplots(figsize=(WIDTH, 2.8))
    x = np.arange(len(df))
    w = 0.8 / len(columns)
    for i, c in enumerate(columns):
        ax.bar(x - 0.4 + w * (i + 0.5), df[c].to_numpy(float), width=w * 0.9, color=PALETTE[i % len(PALETTE)],
               label=(names or columns)[i])
    ax.set_xticks(x)
    ax.set_xticklabels(df[label].astype(str))
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False)
    _grid(ax, "y")
    return _save(fig, path)


def histogram(values: pd.Series, path: Path, *, xlabel: str = "", ylabel: str = "剧目数") -> Path:
    plt = _plt()
    v = pd.to_numeric(values, errors="coerce").dropna().astype(int)
    if v.empty:
        return empty(path, "无数据")
    counts = v.value_counts().sort_index()
    fig, ax = plt.subplots(figsize=(WIDTH, 2.4))
    ax.bar(counts.index, counts.values, color=[MUTED if i == 0 else PALETTE[0] for i in counts.index], width=0.8)
    for x, c in counts.items():
        ax.text(x, c, str(c), ha="center", va="bottom", fontsize=7)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    _grid(ax, "y")
    return _save(fig, path)
