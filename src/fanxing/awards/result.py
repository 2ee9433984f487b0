"""The outcome of the awards step: per category winners and shortlist with evidence, genre rankings;
as a JSON-ready dict (awards.json) and as a flat frame (awards.csv, one row per category × case)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from fanxing.awards.config import DIMENSIONS, AwardsConfig

DECIMALS = 4
FRAME_COLUMNS = [
    "category", "category_name", "status", "category_rank", "unit_kind", "unit_id", "name", "blended",
    "score", "rank", "rank_low", "rank_high", *DIMENSIONS, "novelty", "jury_n", "jury_recused",
    "jury_trimmed_mean", "jury_sd", "anomalies", "max_severity", "flagged", "components", "reason",
]


def clean(value: object) -> object:
    """JSON-safe, deterministic values: NaN → None, numpy → Python, floats rounded to 4 decimals."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [clean(v) for v in value]
    if isinstance(value, (pd.Timestamp,)):
        return None if pd.isna(value) else value.date().isoformat()
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return None if math.isnan(f) or math.isinf(f) else round(f, DECIMALS) + 0.0
    if value is pd.NaT or value is None:
        return None
    return value


@dataclass(frozen=True)
class CategoryResult:
    """One award category: its rules as applied, winners, shortlist and the whole candidate ranking."""

    id: str
    name_zh: str
    name_en: str
    kind: str  # drama | platform | producer
    weights: dict[str, float]  # declared weights normalised to 1
    winners: list[dict]
    shortlist: list[dict]
    n_entrants: int
    n_candidates: int
    excluded: dict[str, int]
    agreement: dict | None = None
    ranking: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def to_json_dict(self) -> dict:
        return clean({
            "id": self.id, "name_zh": self.name_zh, "name_en": self.name_en, "kind": self.kind,
            "weights": self.weights, "n_entrants": self.n_entrants, "n_candidates": self.n_candidates,
            "excluded": self.excluded, "jury_agreement": self.agreement,
            "winners": self.winners, "shortlist": self.shortlist,
        })


@dataclass(frozen=True)
class AwardsResult:
    """Everything `select_awards` decided, with the evidence behind it."""

    season: dict
    config: AwardsConfig
    categories: dict[str, CategoryResult]
    genre_rankings: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def to_json_dict(self) -> dict:
        """The content of awards.json (deterministic: same inputs → same dict)."""
        return clean({
            "season": self.season,
            "rules": self.config.model_dump(mode="json"),
            "categories": {k: c.to_json_dict() for k, c in self.categories.items()},
            "genre_rankings": self.genre_rankings.to_dict(orient="records"),
            "notes": list(self.notes),
        })

    def to_json(self) -> str:
        return json.dumps(self.to_json_dict(), ensure_ascii=False, indent=2)

    def to_frame(self) -> pd.DataFrame:
        """awards.csv: one row per category × case (winners first, then the shortlist)."""
        rows = []
        for cat in self.categories.values():
            for case in cat.winners + cat.shortlist:
                rows.append(_flat(cat, case))
        return pd.DataFrame(rows, columns=FRAME_COLUMNS)

    def ranking(self, category: str) -> pd.DataFrame:
        """All ranked candidates of a category with their components (platforms.csv, producers.csv)."""
        return self.categories[category].ranking.copy()


def _flat(cat: CategoryResult, case: dict) -> dict:
    idx, dims = case.get("index", {}), case.get("dimensions", {})
    jury, integ, comps = case.get("jury", {}), case.get("integrity", {}), case.get("components", {})
    return clean({
        "category": cat.id, "category_name": cat.name_zh, "status": case["status"],
        "category_rank": case["category_rank"], "unit_kind": cat.kind, "unit_id": case["unit_id"],
        "name": case["name"], "blended": case["blended"], "score": idx.get("score"), "rank": idx.get("rank"),
        "rank_low": idx.get("rank_low"), "rank_high": idx.get("rank_high"),
        **{d: dims.get(d) for d in DIMENSIONS}, "novelty": comps.get("novelty"),
        "jury_n": jury.get("n_jurors"), "jury_recused": jury.get("n_recused"),
        "jury_trimmed_mean": jury.get("trimmed_mean"), "jury_sd": jury.get("sd"),
        "anomalies": integ.get("anomalies"), "max_severity": integ.get("max_severity"),
        "flagged": integ.get("flagged"),
        "components": json.dumps(clean(comps), ensure_ascii=False, sort_keys=True),
        "reason": case["reason"],
    })
