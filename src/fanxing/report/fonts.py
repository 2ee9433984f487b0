"""A CJK font for matplotlib, found on the system (Noto Sans CJK SC first), with a graceful fallback."""

from __future__ import annotations

import warnings
from functools import lru_cache

PREFERRED = ("Noto Sans CJK SC", "Noto Sans CJK", "Source Han Sans SC", "Noto Serif CJK SC", "WenQuanYi Zen Hei",
             "WenQuanYi Micro Hei", "Droid Sans Fallback", "SimHei", "Microsoft YaHei", "PingFang SC")


@lru_cache(maxsize=1)
def find_cjk_font() -> str | None:
    """The family name of an installed CJK font, or None (after a warning)."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    for want in PREFERRED:
        if want in names:
            return want
    for want in PREFERRED:
        hit = sorted(n for n in names if n.startswith(want))
        if hit:
            return hit[0]
    # a font cache from before the fonts were installed: look at the files directly
    for path in font_manager.findSystemFonts():
        low = path.lower()
        if "cjk" in low or "wqy" in low or "droidsansfallback" in low:
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError):
                continue
    names = {f.name for f in font_manager.fontManager.ttflist}
    for want in PREFERRED:
        hit = sorted(n for n in names if n.startswith(want))
        if hit:
            return hit[0]
    warnings.warn("no CJK font found (install fonts-noto-cjk): Chinese text in the report charts will "
                  "render as empty boxes", RuntimeWarning, stacklevel=2)
    return None


def configure_matplotlib() -> str | None:
    """Use the CJK font for every chart; SVG text becomes paths so it renders anywhere."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    font = find_cjk_font()
    plt.rcParams.update({
        "font.family": "sans-serif",
        "font.sans-serif": ([font] if font else []) + ["DejaVu Sans"],
        "axes.unicode_minus": False,
        "svg.fonttype": "path",
        "svg.hashsalt": "fanxing-report",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": 11,
        "axes.labelsize": 9,
        "xtick.labelsize": 8,
        "ytick.labelsize": 8,
        "legend.fontsize": 8,
        "figure.dpi": 100,
    })
    return font
