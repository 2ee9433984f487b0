"""Where the compiled detection's time goes: the steps of `fanxing.integrity.compiled` timed one by
one on the benchmark's DuckDB file (one chunk), in this process.

    .venv/bin/python bench/profile_integrity.py [--db bench/out/integrity_bench.duckdb] [--repeat 2]

Run bench/bench_integrity.py first (it writes the file). The first repetition includes loading the
compiled kernels from numba's cache and the first touch of every array.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import ibis
import numpy as np

import fanxing.integrity.compiled as C
from fanxing.integrity import IntegrityConfig
from fanxing.integrity.detect import finish_episodes
from fanxing.integrity.engine import materialize
from fanxing.integrity.episodes import merge_episodes
from fanxing.integrity.impossible import impossible_candidates, impossible_flags
from fanxing.integrity.prepare import prepare, series_frame


def profile(facts, dramas, config: IntegrityConfig) -> dict[str, float]:
    times: dict[str, float] = {}
    last = [time.perf_counter()]

    def lap(name: str) -> None:
        now = time.perf_counter()
        times[name] = now - last[0]
        last[0] = now

    frame = series_frame(facts, dramas)
    lap("series table")
    season = C._Season(facts, frame, config)
    f = season.fetch(0, len(frame))
    lap("fetch")
    r1 = C._pass1(f, season)
    lap("pass 1")
    _, stats, n_days, ubar = C.ratio_stats(f, config)
    lap("ratio lines")
    season.effects = C.market_tables(*C._day_keys(f, season), r1, season)
    season.norms = C.platform_norms(f.pid, C._levels(stats, ubar, config), n_days, season)
    lap("day effects, platform norms")
    p2 = C._pass2(f, season)
    lap("pass 2")
    season.launch = C.launch_tables(*C._young(f, p2, season), season)
    out = C._Flags()
    sc = C.plays_scores(f, season)
    lap("launch effects, z")
    x, stats, n_days, _ = C.ratio_stats(f, config)
    cand = C.plays_flags(f, sc, x, stats, config, out)
    lap("plays flags")
    plays_rows = np.concatenate([p["row"] for p in out.parts]) if out.parts else np.empty(0, np.int64)
    eng, comp = C.engagement_flags(f, x, stats, n_days, season.norms, config, out)
    C.corroborate(f, comp, np.concatenate([plays_rows, eng, cand]), config, out)
    flags = out.frame(f)
    lap("engagement, completion flags")
    series = ibis.memtable(frame)
    suspect = materialize(facts.filter(impossible_candidates(facts)))
    imp = impossible_flags(prepare(suspect, series), series)
    lap("impossible values")
    days = materialize(ibis.union(ibis.memtable(flags, schema=C.DAY_SCHEMA), *imp, distinct=False))
    finish_episodes(merge_episodes(days, config).to_pandas())
    lap("union, episodes")
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=Path(__file__).parent / "out" / "integrity_bench.duckdb")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    con = ibis.duckdb.connect(str(args.db), read_only=True)
    for i in range(args.repeat):
        t = profile(con.table("facts"), con.table("dramas"), IntegrityConfig())
        print(f"repetition {i + 1}: " + ", ".join(f"{k} {v:.2f}" for k, v in t.items())
              + f"; total {sum(t.values()):.2f} s")


if __name__ == "__main__":
    main()
