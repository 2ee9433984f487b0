"""Benchmark of fanxing.index: 20,000 units × 40 indicators × 4 levels, every stage on; median of 5 runs.

    .venv/bin/python bench/bench_engine.py [--units N] [--runs R]

Prints machine info, the command and the median; writes a markdown snippet to bench/out/engine.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from fanxing.index import compute, parse_methodology

N_INDICATORS = 40
N_PILLARS = 10
N_DIMENSIONS = 3


def make_case(n_units: int, seed: int = 20240601) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Seeded synthetic data (skewed, 5 % missing), denominators and a 4-level methodology."""
    rng = np.random.default_rng(seed)
    codes = [f"i{j:02d}" for j in range(N_INDICATORS)]
    x = rng.lognormal(mean=1.0, sigma=rng.uniform(0.3, 1.5, N_INDICATORS), size=(n_units, N_INDICATORS))
    x[rng.random(x.shape) < 0.05] = np.nan
    units = pd.Index([f"u{i:06d}" for i in range(n_units)], name="unit")
    data = pd.DataFrame(x, index=units, columns=codes)
    data["group"] = rng.choice(["A", "B", "C", "D"], n_units)
    dens = pd.DataFrame({"pop": rng.uniform(1, 100, n_units), "gdp": rng.uniform(10, 1000, n_units)}, index=units)
    indicators = []
    for j, c in enumerate(codes):
        spec = {"code": c, "parent": f"p{j % N_PILLARS}", "direction": -1 if j % 7 == 0 else 1,
                "weight": 1 + (j % 3)}
        if j % 5 == 0:
            spec["denominator"] = "pop" if j % 2 else "gdp"
        indicators.append(spec)
    aggregates = [{"code": f"p{p}", "parent": f"d{p % N_DIMENSIONS}"} for p in range(N_PILLARS)]
    aggregates += [{"code": f"d{d}", "parent": "index"} for d in range(N_DIMENSIONS)]
    aggregates += [{"code": "index", "parent": None}]
    methodology = {
        "name": "bench", "version": "1", "indicators": indicators, "aggregates": aggregates,
        "coverage": {"min_unit_share": 0.8},
        "impute": {"method": "group_median", "group_column": "group"},
        "treat": {"method": "skew_kurtosis", "winmax": 10},
        "normalise": {"method": "minmax", "range": [0, 100]},
        "aggregate": {"method": "arithmetic", "min_share": 0.5},
        "explain": True,
    }
    return data, dens, methodology


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--units", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    data, dens, spec = make_case(args.units)
    m = parse_methodology(spec)
    compute(data, m, dens)  # warm-up (imports, caches)
    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        result = compute(data, m, dens)
        times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    machine = (f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPU(s), Python {platform.python_version()}, "
               f"numpy {np.__version__}, pandas {pd.__version__}")
    command = "python " + " ".join(["bench/bench_engine.py", *sys.argv[1:]])
    print(f"machine: {machine}")
    print(f"command: {command}")
    print(f"case: {args.units} units × {N_INDICATORS} indicators × 4 levels; stages: denominate, coverage, "
          "group-median impute, skew/kurtosis treatment, min-max, arithmetic aggregation, explanations")
    print(f"runs: {', '.join(f'{t:.3f}' for t in times)} s")
    print(f"median: {median:.3f} s (goal < 1 s); units kept {len(result.scores)}, "
          f"excluded {len(result.excluded_units)}")
    out = Path(__file__).resolve().parent / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "engine.md").write_text(
        "### Index engine (`bench/bench_engine.py`)\n\n"
        f"- machine: {machine} (shared machine; median of {args.runs} runs)\n"
        f"- command: `{command}`\n"
        f"- case: {args.units:,} units × {N_INDICATORS} indicators × 4 levels, every stage on "
        "(denominate, coverage, group-median imputation, skew/kurtosis winsorisation, min-max, "
        "arithmetic aggregation, explanations)\n"
        f"- runs (s): {', '.join(f'{t:.3f}' for t in times)}\n"
        f"- **median: {median:.3f} s** (goal < 1 s)\n", encoding="utf-8")


if __name__ == "__main__":
    main()
