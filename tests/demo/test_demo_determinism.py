"""Same seed → byte-identical season and truth; another seed → different data."""

from __future__ import annotations

import hashlib

from demo_reading import SMALL

from fanxing.demo import generate_season


def digest(root):
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_gives_identical_bytes(tmp_path, small_season):
    out, _ = small_season
    again = tmp_path / "again"
    generate_season(again, **SMALL)
    assert digest(again) == digest(out)
    assert digest(tmp_path / "again-truth") == digest(out.parent / (out.name + "-truth"))
    assert any(k.endswith(".xlsx") for k in digest(out)) and any(k.endswith(".parquet") for k in digest(out))


def test_other_seed_differs(tmp_path, small_season):
    out, _ = small_season
    other = tmp_path / "other"
    generate_season(other, **{**SMALL, "seed": SMALL["seed"] + 1})
    a, b = digest(out), digest(other)
    assert a["dramas.csv"] != b["dramas.csv"]
    assert a["market.csv"] == b["market.csv"]


def test_scale_mode_is_deterministic(tmp_path):
    for name in ("a", "b"):
        generate_season(tmp_path / name, rows=60_000, fmt="parquet", partitioned=True, seed=3)
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
