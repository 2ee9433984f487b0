"""A lower bound for robust detection on this machine: the parts of the compiled detectors that no
implementation of the same statistics can skip, timed against the bare group-by of bench_integrity.

    .venv/bin/python bench/floor_integrity.py [--db bench/out/integrity_bench.duckdb] [--runs 5]

Measured, each as the median of ``--runs`` (in one process, after a warm-up):

- the bare group-by (``SELECT drama_id, platform, sum(plays), count(*) FROM facts GROUP BY 1, 2``);
- reading the six columns the statistics need (plays, four engagement counts, completion rate) in
  (series, day) order — the order every per-series median, difference and fit needs — with DuckDB
  sorting them (``ORDER BY drama_id, platform, date``), fetched as Arrow (no copy to numpy);
- the logarithms the model is defined on: ln(1 + plays), ln(1 + age), ln(1 + series age), four
  log engagement ratios and the completion logit — eight per row, in compiled code on every core;
- the exact per-series medians the detectors take: thirteen (pass-1 |residual|, pass-1 |difference|,
  pass-2 |residual|, and a level and a MAD for each of the five ratio lines), by quickselect over
  contiguous series, in compiled code on every core.

The sum of these is what any implementation of these detectors pays at least, before any fit,
day effect, candidate scan or flag; its ratio to the bare group-by is printed, and again with the
columns read in storage order (what a warehouse that kept the facts clustered by series and day
would cost instead of the sort).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import duckdb
import numpy as np
from numba import njit, prange

import fanxing.integrity.compiled as C

BARE = "SELECT drama_id, platform, sum(plays), count(*) FROM facts GROUP BY 1, 2"
SORTED = ("SELECT plays::DOUBLE AS plays, likes::DOUBLE AS likes, comments::DOUBLE AS comments, "
          "shares::DOUBLE AS shares, favorites::DOUBLE AS favorites, completion_rate, "
          "(drama_id, platform) IS DISTINCT FROM lag((drama_id, platform)) OVER () AS new_series "
          "FROM (SELECT * FROM facts ORDER BY drama_id, platform, date)")
STORED = ("SELECT plays::DOUBLE AS plays, likes::DOUBLE AS likes, comments::DOUBLE AS comments, "
          "shares::DOUBLE AS shares, favorites::DOUBLE AS favorites, completion_rate FROM facts")
SORTED_NO_SERIES = ("SELECT plays::DOUBLE AS plays, likes::DOUBLE AS likes, comments::DOUBLE AS comments, "
                    "shares::DOUBLE AS shares, favorites::DOUBLE AS favorites, completion_rate "
                    "FROM facts ORDER BY drama_id, platform, date")


@njit(cache=True, parallel=True)
def _eight_logs(plays, likes, comments, shares, favorites, completion):
    n = len(plays)
    out = np.empty(n)
    for i in prange(n):
        p = plays[i] + 1.0
        a = float(i % 365)
        acc = np.log(p) + np.log(a + 1.0) + np.log(a + 2.0)
        acc += np.log((likes[i] + 1.0) / p) + np.log((comments[i] + 1.0) / p)
        acc += np.log((shares[i] + 1.0) / p) + np.log((favorites[i] + 1.0) / p)
        c = min(max(completion[i], 0.001), 0.999)
        out[i] = acc + np.log(c / (1.0 - c))
    return out


def median_of(f, runs: int) -> float:
    f()
    ts = []
    for _ in range(runs):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=Path(__file__).parent / "out" / "integrity_bench.duckdb")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    con = duckdb.connect(str(args.db), read_only=True)
    bare = median_of(lambda: con.execute(BARE).fetchall(), args.runs)
    fetch = median_of(lambda: con.sql(SORTED_NO_SERIES).to_arrow_table(), args.runs)
    stored = median_of(lambda: con.sql(STORED).to_arrow_table(), args.runs)
    cols = con.execute(SORTED).fetchnumpy()
    arrays = [np.asarray(np.ma.filled(cols[c], np.nan), dtype=float)
              for c in ("plays", "likes", "comments", "shares", "favorites", "completion_rate")]
    new = np.asarray(np.ma.filled(cols["new_series"], True), dtype=bool)
    starts = np.append(np.flatnonzero(new), len(new)).astype(np.int64)
    logs = median_of(lambda: _eight_logs(*arrays), args.runs)
    medians = median_of(lambda: [C._segment_quantile(starts, arrays[k % 6], 0.5, True) for k in range(13)],
                        args.runs)
    floor = fetch + logs + medians
    print(f"rows {len(arrays[0]):,}, series {len(starts) - 1:,}")
    print(f"bare group-by            {bare:.3f} s")
    print(f"sorted fetch (6 columns) {fetch:.3f} s  ({fetch / bare:.1f}x)")
    print(f"eight logs per row       {logs:.3f} s  ({logs / bare:.1f}x)")
    print(f"13 per-series medians    {medians:.3f} s  ({medians / bare:.1f}x)")
    print(f"floor                    {floor:.3f} s  ({floor / bare:.1f}x the bare group-by; goal 5x)")
    ideal = stored + logs + medians
    print(f"same, were the facts stored in series order (fetch {stored:.3f} s, {stored / bare:.1f}x): "
          f"{ideal:.3f} s ({ideal / bare:.1f}x)")
    print(f"the logs and medians alone: {logs + medians:.3f} s ({(logs + medians) / bare:.1f}x)")


if __name__ == "__main__":
    main()
