"""Benchmark: fake-traffic detection over ~5,000,000 daily fact rows in a DuckDB file.

Each measurement runs in its own subprocess (wall time, in-process query time and peak RSS from
os.wait4). Detection is compared with a bare DuckDB group-by of the same facts; the median of
``--runs`` interleaved runs is reported and a markdown snippet written to bench/out/integrity.md.

    .venv/bin/python bench/bench_integrity.py [--rows 5000000] [--runs 3] [--db PATH] [--ibis] [--screened]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchlib import cpu_model, memory_gib

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
BARE_SQL = "SELECT drama_id, platform, sum(plays), count(*) FROM facts GROUP BY 1, 2"


def generate(db: Path, rows: int, seed: int = 0) -> int:
    """Write facts and dramas with planted anomalies to a fresh DuckDB file; return the row count."""
    import duckdb

    from fanxing.integrity.synthetic import make_facts

    n_days = 365
    n_dramas = max(int(rows / (n_days * 0.6 * 3.4)), 10)  # ~60 % of days after release, ~3.4 platforms
    facts, dramas, truth = make_facts(n_dramas=n_dramas, n_days=n_days, seed=seed,
                                      platforms=("douyin", "kuaishou", "hongguo", "wechat_channels"),
                                      anomaly_share=0.05)
    db.parent.mkdir(parents=True, exist_ok=True)
    if db.exists():
        db.unlink()
    con = duckdb.connect(str(db))
    con.register("f", facts)
    con.register("d", dramas)
    con.register("t", truth)
    con.execute("CREATE TABLE facts AS SELECT * FROM f ORDER BY drama_id, platform, date")
    con.execute("CREATE TABLE dramas AS SELECT * FROM d")
    con.execute("CREATE TABLE truth AS SELECT * FROM t")
    n = con.execute("SELECT count(*) FROM facts").fetchone()[0]
    con.close()
    return n


def child(mode: str, db: str) -> None:
    """Run one measurement in this process and print a JSON line."""
    t0 = time.perf_counter()
    if mode == "bare":
        import duckdb

        con = duckdb.connect(db)
        t1 = time.perf_counter()
        n = len(con.execute(BARE_SQL).fetchall())
    else:
        import ibis

        import fanxing.integrity.compiled  # noqa: F401  (imports are outside the measured time)
        from fanxing.integrity import IntegrityConfig, detect

        con = ibis.duckdb.connect(db)
        t1 = time.perf_counter()
        config = IntegrityConfig(screen=True) if mode == "screened" else IntegrityConfig()
        method = "compiled" if mode == "detect" else "ibis"
        n = len(detect(con.table("facts"), con.table("dramas"), config, method=method))
    t2 = time.perf_counter()
    screen = dict(sys.modules["fanxing.integrity.detect"].LAST_SCREEN) if mode == "screened" else {}
    print(json.dumps({"mode": mode, "query_s": t2 - t1, "in_process_s": t2 - t0, "result_rows": n,
                      "screen": screen}))


def measure(mode: str, db: Path) -> dict:
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, "--child", mode, "--db", str(db)],
                            stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{mode} run failed with exit code {proc.returncode}")
    res = json.loads(out.strip().splitlines()[-1])
    res["wall_s"] = time.perf_counter() - t0
    res["peak_rss_mb"] = usage.ru_maxrss / 1024
    res["cpu_s"] = usage.ru_utime + usage.ru_stime  # all threads: less sensitive to a busy machine
    return res


def machine() -> str:
    import duckdb
    import ibis

    cpu = cpu_model()
    mem = memory_gib()
    return (f"{cpu}, {os.cpu_count()} CPUs, {mem:.0f} GiB RAM, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, DuckDB {duckdb.__version__}, Ibis {ibis.__version__}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--db", default=str(OUT / "integrity_bench.duckdb"))
    ap.add_argument("--regenerate", action="store_true")
    ap.add_argument("--child", choices=["bare", "detect", "ibis", "screened"])
    ap.add_argument("--ibis", action="store_true",
                    help="also measure the Ibis detectors (the Spark path) on DuckDB, interleaved")
    ap.add_argument("--screened", action="store_true",
                    help="also measure two-stage detection (IntegrityConfig(screen=True)), interleaved")
    args = ap.parse_args()
    if args.child:
        child(args.child, args.db)
        return
    db = Path(args.db)
    if args.regenerate or not db.exists():
        t = time.perf_counter()
        n = generate(db, args.rows)
        print(f"generated {n:,} rows in {time.perf_counter() - t:.1f} s → {db}")
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    n = con.execute("SELECT count(*) FROM facts").fetchone()[0]
    series = con.execute("SELECT count(*) FROM (SELECT DISTINCT drama_id, platform FROM facts)").fetchone()[0]
    con.close()
    modes = ("bare", "detect", *(("ibis",) if args.ibis else ()), *(("screened",) if args.screened else ()))
    runs = {m: [] for m in modes}
    for i in range(args.runs):  # interleaved
        for mode in modes:
            r = measure(mode, db)
            runs[mode].append(r)
            print(f"run {i + 1} {mode:6s} query {r['query_s']:.3f} s  wall {r['wall_s']:.2f} s  "
                  f"cpu {r['cpu_s']:.1f} s  peak RSS {r['peak_rss_mb']:.0f} MB  ({r['result_rows']} result rows)")
    med = {m: {k: statistics.median(r[k] for r in rs) for k in ("query_s", "wall_s", "peak_rss_mb", "cpu_s")}
           for m, rs in runs.items()}
    ratio = med["detect"]["query_s"] / med["bare"]["query_s"]
    ratio_wall = med["detect"]["wall_s"] / med["bare"]["wall_s"]
    screened = ""
    if "ibis" in med:
        m = med["ibis"]
        screened += f"""
The Ibis detectors (the Spark path, `detect(..., method="ibis")`) on the same DuckDB file, interleaved:

| measurement | query time (s) | process wall (s) | process CPU (s) | peak RSS (MB) |
|---|---|---|---|---|
| `detect`, Ibis detectors | {m['query_s']:.3f} | {m['wall_s']:.2f} | {m['cpu_s']:.2f} | {m['peak_rss_mb']:.0f} |

Ratio ÷ bare group-by: **{m['query_s'] / med['bare']['query_s']:.1f}×**; compiled ÷ Ibis: {med['detect']['query_s'] / m['query_s']:.2f}
on query time, {med['detect']['peak_rss_mb'] / m['peak_rss_mb']:.2f} on peak RSS. Episodes: {runs['detect'][-1]['result_rows']:,}
(compiled) and {runs['ibis'][-1]['result_rows']:,} (Ibis).
"""
    if "screened" in med:
        m, sc = med["screened"], runs["screened"][-1]["screen"]
        screened += f"""
Two-stage detection (`IntegrityConfig(screen=True)`, see docs/integrity.md), interleaved with the above:

| measurement | query time (s) | process wall (s) | process CPU (s) | peak RSS (MB) |
|---|---|---|---|---|
| `detect`, screened | {m['query_s']:.3f} | {m['wall_s']:.2f} | {m['cpu_s']:.2f} | {m['peak_rss_mb']:.0f} |

Ratio ÷ bare group-by: **{m['query_s'] / med['bare']['query_s']:.1f}×** (unscreened {ratio:.1f}×); screened ÷ unscreened:
{m['query_s'] / med['detect']['query_s']:.2f} on query time, {m['cpu_s'] / med['detect']['cpu_s']:.2f} on CPU time.
Stage 2 scored {sc.get('stage2_series', 0):,} of {sc.get('series', 0):,} series ({sc.get('candidates', 0):,} the screen
could not clear, the rest the reference sample): {sc.get('stage2_rows', 0):,} of {sc.get('rows', 0):,} rows
({100 * sc.get('stage2_rows', 0) / max(sc.get('rows', 1), 1):.0f} %).
"""

    md = f"""## Integrity detection benchmark

- machine: {machine()}
- data: {n:,} daily fact rows, {series:,} drama × platform series (synthetic, `fanxing.integrity.synthetic`)
- command: `.venv/bin/python bench/bench_integrity.py --rows {args.rows} --runs {args.runs}{' --ibis' if args.ibis else ''}{' --screened' if args.screened else ''}`
- bare query: `{BARE_SQL}`
- median of {args.runs} interleaved runs, each in a fresh subprocess

| measurement | query time (s) | process wall (s) | process CPU (s) | peak RSS (MB) |
|---|---|---|---|---|
| bare DuckDB group-by | {med['bare']['query_s']:.3f} | {med['bare']['wall_s']:.2f} | {med['bare']['cpu_s']:.2f} | {med['bare']['peak_rss_mb']:.0f} |
| `fanxing.integrity.detect` (compiled, the DuckDB default) | {med['detect']['query_s']:.3f} | {med['detect']['wall_s']:.2f} | {med['detect']['cpu_s']:.2f} | {med['detect']['peak_rss_mb']:.0f} |

Ratio detection ÷ bare group-by: **{ratio:.1f}×** on query time (goal ≤ 5×), {ratio_wall:.1f}× on process wall time,
{med['detect']['cpu_s'] / med['bare']['cpu_s']:.1f}× on process CPU time.
{screened}"""
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "integrity.md").write_text(md, encoding="utf-8")
    print(md)


if __name__ == "__main__":
    main()
