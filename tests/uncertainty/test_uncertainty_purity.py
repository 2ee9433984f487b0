"""The uncertainty subpackage stays inside the engine's rules: no I/O or optional library on import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "fanxing" / "index" / "uncertainty"


def test_import_pulls_no_io_or_optional_library():
    mods = ("duckdb", "ibis", "fastapi", "pyspark", "openpyxl", "yaml", "SALib")
    code = ("import sys, fanxing.index.uncertainty; "
            f"print(','.join(m for m in {mods!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"fanxing.index.uncertainty imported {out}"


def test_no_file_access_outside_the_loader():
    for path in PACKAGE.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for word in ("open(", "read_csv", "read_parquet", "to_csv", "import duckdb", "import ibis"):
            assert word not in text, f"{path.name} uses {word}"
