"""Builders for the uncertainty tests: a 3-level methodology, seeded data, the ASEM case."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
ASEM_YAML = REPO / "src" / "fanxing" / "methodologies" / "coinr-asem.yaml"

# 6 indicators → 3 pillars (P3 has a single child) → 2 dimensions → index; D2 mixes an
# indicator child with an aggregate child.
BASE = {
    "name": "toy3",
    "version": "1",
    "indicators": [
        {"code": "a", "parent": "P1", "weight": 1},
        {"code": "b", "parent": "P1", "weight": 2, "direction": -1},
        {"code": "c", "parent": "P2", "weight": 1},
        {"code": "d", "parent": "P2", "weight": 1},
        {"code": "e", "parent": "P3", "weight": 1},
        {"code": "f", "parent": "D2", "weight": 1},
    ],
    "aggregates": [
        {"code": "P1", "parent": "D1", "weight": 1},
        {"code": "P2", "parent": "D1", "weight": 2},
        {"code": "P3", "parent": "D2", "weight": 1},
        {"code": "D1", "parent": "Index", "weight": 3},
        {"code": "D2", "parent": "Index", "weight": 2},
        {"code": "Index", "parent": None},
    ],
}


def methodology(**overrides) -> dict:
    out = copy.deepcopy(BASE)
    out.update(copy.deepcopy(overrides))
    return out


def data(n: int = 40, seed: int = 7, missing: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.lognormal(1.0, 0.6, size=(n, 6))
    if missing:
        x[rng.random(x.shape) < missing] = np.nan
    df = pd.DataFrame(x, columns=list("abcdef"), index=pd.Index([f"u{i:03d}" for i in range(n)], name="unit"))
    df["grp"] = rng.choice(["x", "y"], n)
    return df


def asem_case() -> tuple[pd.DataFrame, pd.DataFrame]:
    shared = Path(os.environ["FANXING_SHARED"]) if os.environ.get("FANXING_SHARED") else REPO.parent / "shared"
    case = shared / "conformance" / "coinr-asem"
    if not (case / "raw.csv").is_file():
        pytest.skip(f"ASEM conformance data not found at {case}; set FANXING_SHARED")
    raw = pd.read_csv(case / "raw.csv", index_col="UnitCode")
    den = pd.read_csv(case / "denominators.csv", index_col="UnitCode")
    return raw, den
