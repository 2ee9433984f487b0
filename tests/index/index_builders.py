"""Builders for the index-engine tests: a small methodology and a seeded data table."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd

BASE = {
    "name": "toy",
    "version": "1",
    "indicators": [
        {"code": "a", "parent": "P1", "weight": 1},
        {"code": "b", "parent": "P1", "weight": 3, "direction": -1},
        {"code": "c", "parent": "P2", "weight": 1},
        {"code": "d", "parent": "P2", "weight": 1},
    ],
    "aggregates": [
        {"code": "P1", "parent": "Index", "weight": 1},
        {"code": "P2", "parent": "Index", "weight": 1},
        {"code": "Index", "parent": None},
    ],
}


def spec(**overrides) -> dict:
    """A deep copy of the toy methodology with top-level keys replaced."""
    out = copy.deepcopy(BASE)
    out.update(copy.deepcopy(overrides))
    return out


def toy_data(n: int = 12, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rng.uniform(1, 10, size=(n, 4)), columns=list("abcd"),
                      index=pd.Index([f"u{i:02d}" for i in range(n)], name="unit"))
    df["grp"] = ["x", "y"] * (n // 2) + ["x"] * (n % 2)
    return df
