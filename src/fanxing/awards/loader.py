"""Reads the awards inputs (or the published awards.json) from a build directory, for the CLI.

Kept apart from the selection logic, which takes frames and does no I/O.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from fanxing.awards.config import AwardsConfig
from fanxing.errors import BuildError, NotFoundError


def published(build: Path) -> dict | None:
    """The content of ``build/awards.json``, or None when the build has none."""
    path = Path(build) / "awards.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def _csv(path: Path) -> pd.DataFrame | None:
    return pd.read_csv(path, dtype={"drama_id": str}, keep_default_na=True) if path.is_file() else None


def inputs_from_build(build: Path) -> dict:
    """Keyword arguments for ``select_awards`` from a published build directory.

    Uses rankings/annual.csv, catalogue.csv, indicators/annual.csv, anomalies.csv, daily.parquet
    (per-platform plays, integrity-adjusted when `plays_adj` exists), an optional jury.csv,
    the `awards:` section of methodology.yaml and the season of manifest.json.
    """
    build = Path(build)
    if (build / "dramas.csv").is_file() and not (build / "rankings").is_dir():
        raise BuildError(f"{build} is a season directory: build it first with `fanxing build {build} --out DIR`, "
                         "then run `fanxing awards DIR`")
    annual = _csv(build / "rankings" / "annual.csv")
    if annual is None:
        raise NotFoundError(f"{build}: no rankings/annual.csv — not a Fanxing build directory")
    dramas = _csv(build / "catalogue.csv")
    if dramas is None:
        dramas = annual[["drama_id", "title"]].copy()
    indicators = _csv(build / "indicators" / "annual.csv")
    if indicators is not None:
        indicators = indicators.drop(columns=[c for c in indicators.columns if c.endswith("_raw") or c == "period"])
    per_platform = None
    daily = build / "daily.parquet"
    if daily.is_file():
        d = pd.read_parquet(daily)
        col = "plays_adj" if "plays_adj" in d else "plays"
        per_platform = d.groupby(["platform", "drama_id"], as_index=False)[col].sum().rename(columns={col: "plays"})
        per_platform["eq_plays"] = per_platform["plays"]
    config = AwardsConfig.from_yaml(build / "methodology.yaml") if (build / "methodology.yaml").is_file() \
        else AwardsConfig()
    start = end = None
    manifest = build / "manifest.json"
    if manifest.is_file():
        season = json.loads(manifest.read_text(encoding="utf-8")).get("season") or {}
        start, end = season.get("start"), season.get("end")
    return {"annual": annual, "dramas": dramas, "config": config, "indicators": indicators,
            "per_platform": per_platform, "jury": _csv(build / "jury.csv"),
            "anomalies": _csv(build / "anomalies.csv"), "season_start": start, "season_end": end}
