"""Small server-rendered SVG charts: rank-interval whiskers, contribution bars, per-platform trend lines."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

DIMENSION_COLOURS = {"reach": "#3566c9", "engagement": "#d9822b", "reputation": "#2b9467",
                     "commercial": "#b0417f", "longevity": "#7256c8"}
PALETTE = ("#3566c9", "#d9822b", "#2b9467", "#b0417f", "#7256c8", "#3a9fb5", "#c4493a", "#8a8f2b", "#6b6b6b")


def colour_for(key: str, i: int = 0) -> str:
    return DIMENSION_COLOURS.get(key, PALETTE[i % len(PALETTE)])


def fmt_num(v: Any, digits: int = 1) -> str:
    """Chinese-style magnitudes: 1.2亿, 3.4万, else grouped digits."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "—"
    x = float(v)
    if abs(x) >= 1e8:
        return f"{x / 1e8:.{digits}f}亿"
    if abs(x) >= 1e4:
        return f"{x / 1e4:.{digits}f}万"
    if x == int(x):
        return f"{int(x):,}"
    return f"{x:,.{digits}f}"


def whisker(rank: Any, low: Any, high: Any, n: int, width: int = 120, height: int = 16) -> Markup:
    """The rank and its uncertainty interval on a 1..n axis (best rank on the left)."""
    if rank is None or n < 1:
        return Markup("")

    def x(r: float) -> float:
        return 4 + (width - 8) * ((float(r) - 1) / max(n - 1, 1))

    mid = height / 2
    parts = [f'<svg class="whisker" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="rank {escape(rank)} ({escape(low)}–{escape(high)})">',
             f'<line x1="4" x2="{width - 4}" y1="{mid}" y2="{mid}" class="axis"/>']
    if low is not None and high is not None:
        x1, x2 = x(low), x(high)
        parts.append(f'<line x1="{x1:.1f}" x2="{x2:.1f}" y1="{mid}" y2="{mid}" class="range"/>')
        parts.append(f'<line x1="{x1:.1f}" x2="{x1:.1f}" y1="{mid - 4}" y2="{mid + 4}" class="range"/>')
        parts.append(f'<line x1="{x2:.1f}" x2="{x2:.1f}" y1="{mid - 4}" y2="{mid + 4}" class="range"/>')
    parts.append(f'<circle cx="{x(rank):.1f}" cy="{mid}" r="3.5" class="dot"><title>{escape(rank)}'
                 f'{f" ({escape(low)}–{escape(high)})" if low is not None else ""}</title></circle></svg>')
    return Markup("".join(parts))


def hbars(rows: Sequence[tuple[str, float, str, str]], width: int = 640, label_w: int = 150,
          unit: str = "") -> Markup:
    """Horizontal bars: (label, value, colour, tooltip); negative values extend left of a zero line."""
    if not rows:
        return Markup("")
    bar_h, gap = 20, 8
    height = len(rows) * (bar_h + gap) + 6
    vmax = max((abs(v) for _, v, _, _ in rows), default=1.0) or 1.0
    has_neg = any(v < 0 for _, v, _, _ in rows)
    plot_w = width - label_w - 70
    zero = label_w + (plot_w / 2 if has_neg else 0)
    scale = (plot_w / 2 if has_neg else plot_w) / vmax
    out = [f'<svg class="chart hbars" viewBox="0 0 {width} {height}" width="100%" style="max-width: {width}px" role="img" '
           f'aria-label="bar chart">']
    for i, (label, v, colour, tip) in enumerate(rows):
        y = 4 + i * (bar_h + gap)
        w = abs(v) * scale
        x0 = zero - w if v < 0 else zero
        out.append(f'<text x="{label_w - 8}" y="{y + bar_h * 0.72:.1f}" class="label" text-anchor="end">'
                   f'{escape(label)}</text>')
        out.append(f'<rect x="{x0:.1f}" y="{y}" width="{max(w, 1):.1f}" height="{bar_h}" rx="3" fill="{colour}">'
                   f'<title>{escape(tip)}</title></rect>')
        out.append(f'<text x="{(x0 + w if v >= 0 else zero) + 6:.1f}" y="{y + bar_h * 0.72:.1f}" class="value">'
                   f'{v:.2f}{escape(unit)}</text>')
    out.append(f'<line x1="{zero:.1f}" x2="{zero:.1f}" y1="0" y2="{height}" class="axis"/></svg>')
    return Markup("".join(out))


def trend(series: list[dict[str, Any]], anomalies: list[dict[str, Any]] | None = None,
          width: int = 760, height: int = 280) -> Markup:
    """Daily plays per platform: adjusted (solid) and reported (dashed where they differ), anomaly bands."""
    if not series:
        return Markup("")
    dates = sorted({d for s in series for d in s.get("dates", [])})
    if not dates:
        return Markup("")
    pos = {d: i for i, d in enumerate(dates)}
    ml, mr, mt, mb = 62, 14, 30, 34
    pw, ph = width - ml - mr, height - mt - mb
    ymax = 0.0
    for s in series:
        for key in ("plays", "plays_adj"):
            for v in s.get(key) or []:
                if v is not None and math.isfinite(float(v)):
                    ymax = max(ymax, float(v))
    ymax = _nice(ymax or 1.0)

    def px(d: str) -> float:
        return ml + pw * (pos[d] / max(len(dates) - 1, 1))

    def py(v: float) -> float:
        return mt + ph * (1 - float(v) / ymax)

    out = [f'<svg class="chart trend" viewBox="0 0 {width} {height}" width="100%" style="max-width: {width}px" role="img" '
           f'aria-label="daily plays per platform">']
    for k in range(5):
        v = ymax * k / 4
        y = py(v)
        out.append(f'<line x1="{ml}" x2="{width - mr}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        out.append(f'<text x="{ml - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">{fmt_num(v, 0)}</text>')
    step = max(1, len(dates) // 6)
    for i in range(0, len(dates), step):
        out.append(f'<text x="{px(dates[i]):.1f}" y="{height - mb + 18}" class="tick" text-anchor="middle">'
                   f'{escape(dates[i][5:])}</text>')
    colours = {s["platform"]: PALETTE[i % len(PALETTE)] for i, s in enumerate(series)}
    for a in anomalies or []:
        start, end = str(a.get("start") or "")[:10], str(a.get("end") or "")[:10]
        inside = [d for d in dates if start <= d <= end]
        if not inside:
            continue
        x1, x2 = px(inside[0]), px(inside[-1])
        out.append(f'<rect x="{x1 - 3:.1f}" y="{mt}" width="{max(x2 - x1 + 6, 6):.1f}" height="{ph}" class="band">'
                   f'<title>{escape(a.get("platform") or "")} {escape(start)}–{escape(end)} '
                   f'{escape(a.get("reason") or "")}</title></rect>')
    for s in series:
        c = colours[s["platform"]]
        ds = s.get("dates", [])
        adj = s.get("plays_adj") or s.get("plays") or []
        raw = s.get("plays") or []
        pts = " ".join(f"{px(d):.1f},{py(v):.1f}" for d, v in zip(ds, adj, strict=False) if v is not None)
        if raw and any(r != a for r, a in zip(raw, adj, strict=False)):
            rpts = " ".join(f"{px(d):.1f},{py(v):.1f}" for d, v in zip(ds, raw, strict=False) if v is not None)
            out.append(f'<polyline points="{rpts}" fill="none" stroke="{c}" stroke-width="1.2" '
                       f'stroke-dasharray="4 3" opacity="0.6"/>')
        out.append(f'<polyline points="{pts}" fill="none" stroke="{c}" stroke-width="2">'
                   f'<title>{escape(s.get("name") or s["platform"])}</title></polyline>')
        for d, v, f in zip(ds, raw or adj, s.get("flagged") or [], strict=False):
            if f and v is not None:
                out.append(f'<circle cx="{px(d):.1f}" cy="{py(v):.1f}" r="3" class="flag">'
                           f'<title>{escape(d)} {escape(s.get("name") or "")}: {fmt_num(v)}</title></circle>')
    lx = ml
    for s in series:
        name = str(s.get("name") or s["platform"])
        out.append(f'<rect x="{lx}" y="8" width="12" height="4" fill="{colours[s["platform"]]}"/>'
                   f'<text x="{lx + 16}" y="14" class="legend">{escape(name)}</text>')
        lx += 30 + sum(13 if ord(ch) > 127 else 7 for ch in name)
    out.append("</svg>")
    return Markup("".join(out))


def _nice(v: float) -> float:
    """A round axis maximum at or above ``v``."""
    exp = 10 ** math.floor(math.log10(v))
    for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * exp >= v:
            return m * exp
    return 10 * exp
