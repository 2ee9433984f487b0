"""The engine stays pure: importing fanxing.index pulls in no I/O or service library."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "src" / "fanxing" / "index"


def test_import_pulls_no_io_library():
    code = ("import sys, fanxing.index; "
            "print(','.join(m for m in ('duckdb', 'ibis', 'fastapi', 'pyspark', 'openpyxl', 'yaml') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"fanxing.index imported {out}"


def test_only_the_loader_touches_files():
    for path in ENGINE.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for word in ("open(", "read_csv", "read_parquet", "to_csv", "import duckdb", "import ibis"):
            if word in text:
                assert path.name == "methodology.py" and word == "open(", f"{path.name} uses {word}"
