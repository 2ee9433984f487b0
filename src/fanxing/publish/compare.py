"""Compare two published builds: are they the same results? (``fanxing compare A B``)

Used to check that a season built on two engines (DuckDB, Spark), two machines or two runs gives
the same published results: every CSV table and JSON document is compared — ranks, periods, ids
and texts exactly, numbers within a tolerance (relative for large values such as plays). What
names the engine or the moment is ignored: timings, build id, creation time, engine, versions and
the output hashes of the manifest (files that embed those).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

#: manifest keys that say when, where and with what a build ran, not what it found
VOLATILE_MANIFEST_KEYS = ("build_id", "created_at", "engine", "versions", "timings", "peak_rss_mib", "cpu_seconds",
                         "outputs")


def files(d: Path) -> list[str]:
    return sorted(p.relative_to(d).as_posix() for p in Path(d).rglob("*") if p.is_file())


def compare_frames(name: str, a: pd.DataFrame, b: pd.DataFrame, tol: float = 1e-9) -> list[str]:
    """Differences between two tables: rank columns exactly, other numbers within ``tol``."""
    if list(a.columns) != list(b.columns) or len(a) != len(b):
        return [f"{name}: shape {a.shape} vs {b.shape}, columns {list(a.columns)} vs {list(b.columns)}"]
    problems = []
    for c in a.columns:
        x, y = a[c], b[c]
        numeric = all(pd.api.types.is_numeric_dtype(v) and not pd.api.types.is_bool_dtype(v) for v in (x, y))
        if numeric:
            xv, yv = x.to_numpy(float, na_value=np.nan), y.to_numpy(float, na_value=np.nan)
            if c.startswith("rank"):
                ok = (xv == yv) | (np.isnan(xv) & np.isnan(yv))
            else:
                ok = np.isclose(xv, yv, rtol=tol, atol=tol, equal_nan=True)
            if not ok.all():
                i = int(np.flatnonzero(~ok)[0])
                problems.append(f"{name}:{c}: {int((~ok).sum())} values differ, e.g. row {i}: {xv[i]!r} vs {yv[i]!r}")
        else:
            xs, ys = (v.astype("string").fillna("<NA>").to_numpy() for v in (x, y))
            if (xs != ys).any():
                i = int(np.flatnonzero(xs != ys)[0])
                problems.append(f"{name}:{c}: texts differ, e.g. row {i}: {xs[i]!r} vs {ys[i]!r}")
    return problems


def compare_json(a, b, path: str = "", tol: float = 1e-9) -> list[str]:
    """Differences between two JSON documents (``timings`` anywhere ignored)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return [f"{path}: keys {sorted(set(a) ^ set(b))}"]
        return [p for k in a if k != "timings" for p in compare_json(a[k], b[k], f"{path}.{k}", tol)]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} vs {len(b)} items"]
        return [p for i, (x, y) in enumerate(zip(a, b, strict=True)) for p in compare_json(x, y, f"{path}[{i}]", tol)]
    if isinstance(a, float) or isinstance(b, float):
        ok = a is not None and b is not None and bool(np.isclose(float(a), float(b), rtol=tol, atol=tol,
                                                                 equal_nan=True))
        return [] if ok else [f"{path}: {a!r} vs {b!r}"]
    return [] if a == b else [f"{path}: {a!r} vs {b!r}"]


def compare_builds(a: str | Path, b: str | Path, tol: float = 1e-9) -> list[str]:
    """Every difference in results between two build directories (empty: the same results)."""
    a, b = Path(a), Path(b)
    fa, fb = files(a), files(b)
    problems = [f"only in {a}: {f}" for f in sorted(set(fa) - set(fb))]
    problems += [f"only in {b}: {f}" for f in sorted(set(fb) - set(fa))]
    for rel in sorted(set(fa) & set(fb)):
        if rel.endswith(".csv"):
            x = pd.read_csv(a / rel, dtype_backend="numpy_nullable")
            y = pd.read_csv(b / rel, dtype_backend="numpy_nullable")
            problems += compare_frames(rel, x, y, tol)
        elif rel.endswith(".json"):
            x, y = (json.loads((d / rel).read_text(encoding="utf-8")) for d in (a, b))
            if rel == "manifest.json":
                for key in VOLATILE_MANIFEST_KEYS:
                    x.pop(key, None), y.pop(key, None)
                x.get("season", {}).pop("dir", None), y.get("season", {}).pop("dir", None)
            problems += [f"{rel}{p}" for p in compare_json(x, y, tol=tol)]
    return problems
