"""Collect the snippets the benchmarks write into bench/out/ into docs/benchmarks.md.

    python bench/collect.py
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = [
    ("ingest.md", "Issue 2 — season ingestion (5,000,000-row CSV)"),
    ("engine.md", "Issue 3 (a) — the index engine"),
    ("build.md", "Issue 3 (b) — `fanxing build` at 5,000,000 metric rows"),
    ("uncertainty.md", "Issue 4 — uncertainty and sensitivity"),
    ("integrity.md", "Issue 5 — integrity detection over 5,000,000 rows"),
    ("integrity_quality.md", "Issue 5 — detection quality on the demo season at three seeds"),
    ("service.md", "Issue 7 — API and dashboard under load"),
    ("engines.md", "Issue 8 — DuckDB and Spark on the demo season"),
    ("scale.md", "Issue 8 — a 50,000,000-row partitioned Parquet season"),
    ("scale_spark5m.md", "Issue 8 — Spark local[2] at 5,000,000 rows"),
    ("paired_ingest_parquet.md", "Issue 8 — ingest of typed Parquet, old vs new code"),
    ("paired_ingest_multifile.md", "Issue 3 (b) — ingest of a 108-file season, old vs new code"),
    ("paired_build_session15.md", "Issues 3 (b) and 8 — threads, background tokens and exact sums, old vs new code"),
    ("paired_build_session16.md", "Issues 3 (b) and 8 — indicators: adjusted sums as changes, harmonisation on the driver, old vs new code"),
    ("paired_build_session16_final.md", "Issues 3 (b) and 8 — the session of 2026-11-28 as a whole, old vs new code"),
    ("paired_build_session17.md", "Issues 3 (b) and 8 — publishing on threads, catalogue lookups, old vs new code"),
    ("paired_ingest_session17.md", "Issue 8 — ingest of the 5 M-row Parquet season: unordered read, old vs new code"),
    ("paired_ingest50_session17.md", "Issue 8 — ingest of the 50 M-row Parquet season: unordered read, old vs new code"),
    ("paired_build_session18.md", "Issues 3 (b) and 8 — loading two metrics files at a time, old vs new code"),
    ("paired_ingest50_session18.md", "Issue 8 — ingest of the 50 M-row Parquet season: two files at a time, old vs new code"),
]

HEADER = """# Benchmarks

Every figure here is written by a script in `bench/` (the command is given with each result) and
collected by `python bench/collect.py`. The machines are shared 2-core VMs whose load varies, so
each benchmark runs its baseline in the same session, interleaved with the measured job, and
reports medians and the ratio; absolute times from different sections are not comparable.
Timed assertions are never part of the test suite.
"""


def main() -> None:
    parts = [HEADER]
    for name, title in ORDER:
        p = HERE / "out" / name
        parts.append(f"\n## {title}\n")
        if p.exists():
            body = p.read_text(encoding="utf-8").strip().splitlines()
            # the snippets carry their own top heading: demote it below the section title
            body = [("#" + line) if line.startswith("#") else line for line in body]
            parts.append("\n".join(body) + "\n")
        else:
            parts.append(f"_not measured yet: run the script that writes `bench/out/{name}`._\n")
    out = HERE.parent / "docs" / "benchmarks.md"
    out.write_text("\n".join(parts), encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
