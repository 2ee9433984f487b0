"""Number formatting, HTML tables from frames, and the writer of charts and figure data."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


def _bad(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT


def num(v, digits: int = 1) -> str:
    if _bad(v):
        return "–"
    try:
        return f"{float(v):,.{digits}f}"
    except (TypeError, ValueError):
        return str(v)


def integer(v) -> str:
    return "–" if _bad(v) else f"{int(round(float(v))):,}"


def pct(v, digits: int = 1) -> str:
    return "–" if _bad(v) else f"{float(v) * 100:.{digits}f}%"


def signed_pct(v, digits: int = 1) -> str:
    return "–" if _bad(v) else f"{float(v) * 100:+.{digits}f}%"


def signed(v, digits: int = 1) -> str:
    return "–" if _bad(v) else f"{float(v):+.{digits}f}"


def wan(v) -> str:
    """Plays in 万/亿 the way Chinese reports write them."""
    if _bad(v):
        return "–"
    v = float(v)
    if abs(v) >= 1e8:
        return f"{v / 1e8:.2f}亿"
    if abs(v) >= 1e4:
        return f"{v / 1e4:,.1f}万"
    return f"{v:,.0f}"


def text(v) -> str:
    return "" if _bad(v) else str(v)


def table(df: pd.DataFrame, columns: list[tuple[str, str, Callable | None]], *, align: dict | None = None) -> dict:
    """{"headers": [...], "rows": [[...]], "numeric": [bool]} from (column, header, formatter) triples."""
    rows = []
    for _, r in df.iterrows():
        rows.append([(f or text)(r.get(c)) for c, _, f in columns])
    numeric = [f in (num, integer, pct, signed_pct, signed, wan) or (align or {}).get(c) == "r" for c, _, f in columns]
    return {"headers": [h for _, h, _ in columns], "rows": rows, "numeric": numeric}


@dataclass
class Writer:
    """Writes report/charts/*.svg and report/data/*.csv and remembers every figure."""

    out: Path
    figures: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def __post_init__(self):
        (self.out / "charts").mkdir(parents=True, exist_ok=True)
        (self.out / "data").mkdir(parents=True, exist_ok=True)

    def data(self, name: str, df: pd.DataFrame) -> str:
        rel = f"data/{name}.csv"
        df.to_csv(self.out / rel, index=False, encoding="utf-8-sig")
        return rel

    def chart(self, name: str, title: str, draw: Callable[..., Path], *args, data: pd.DataFrame | None = None,
              note: str = "", **kw) -> dict:
        """Draw ``name``.svg (a failure becomes a recorded problem, not a failed report) and save its data."""
        rel = f"charts/{name}.svg"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                draw(*args, self.out / rel, **kw)
        except Exception as exc:  # noqa: BLE001 - one broken chart must not lose the whole report
            self.problems.append(f"chart {name}: {type(exc).__name__}: {exc}")
            rel = None
        data_rel = self.data(name, data) if data is not None else None
        fig = {"name": name, "title": title, "src": rel, "data": data_rel, "note": note,
               "number": len(self.figures) + 1}
        self.figures.append(fig)
        return fig
