"""Reading a published build directory (docs/architecture.md) into plain frames for the report."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


def _csv(path: Path, **kw) -> pd.DataFrame | None:
    if not path.exists():
        return None
    return pd.read_csv(path, dtype={"drama_id": str, "period": str, "respondent_id": str}, **kw)


@dataclass
class BuildData:
    build_dir: Path
    manifest: dict
    annual: pd.DataFrame
    catalogue: pd.DataFrame
    monthly: pd.DataFrame | None = None
    platforms: pd.DataFrame | None = None
    producers: pd.DataFrame | None = None
    genres: pd.DataFrame | None = None
    anomalies: pd.DataFrame | None = None
    awards: dict = field(default_factory=dict)
    indicators_monthly: pd.DataFrame | None = None
    sensitivity: pd.DataFrame | None = None
    uncertainty: dict = field(default_factory=dict)
    methodology: dict = field(default_factory=dict)

    @property
    def season(self) -> dict:
        return self.manifest.get("season", {})

    @property
    def is_demo(self) -> bool:
        name = str(self.season.get("name", "")).lower()
        return "演示" in name or "demo" in name or "generated" in name


def load_build(build_dir: str | Path) -> BuildData:
    import yaml

    b = Path(build_dir)
    annual = _csv(b / "rankings" / "annual.csv")
    catalogue = _csv(b / "catalogue.csv", keep_default_na=False, na_values=[""])
    if annual is None or catalogue is None:
        raise FileNotFoundError(f"{b}: not a published build (rankings/annual.csv and catalogue.csv are required)")
    manifest = json.loads((b / "manifest.json").read_text(encoding="utf-8")) if (b / "manifest.json").exists() else {}
    awards = json.loads((b / "awards.json").read_text(encoding="utf-8")) if (b / "awards.json").exists() else {}
    unc = b / "uncertainty" / "summary.json"
    meth = b / "methodology.yaml"
    return BuildData(
        build_dir=b, manifest=manifest, annual=annual, catalogue=catalogue,
        monthly=_csv(b / "rankings" / "monthly.csv"), platforms=_csv(b / "rankings" / "platforms.csv"),
        producers=_csv(b / "rankings" / "producers.csv"), genres=_csv(b / "rankings" / "genres.csv"),
        anomalies=_csv(b / "anomalies.csv"), awards=awards,
        indicators_monthly=_csv(b / "indicators" / "monthly.csv"),
        sensitivity=_csv(b / "uncertainty" / "sensitivity.csv"),
        uncertainty=json.loads(unc.read_text(encoding="utf-8")) if unc.exists() else {},
        methodology=(yaml.safe_load(meth.read_text(encoding="utf-8")) or {}) if meth.exists() else {},
    )
