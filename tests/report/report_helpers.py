"""Helpers of the report tests: the real CLI in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

DEMO_ARGS = ("--dramas", "80", "--days", "60", "--seed", "7")


def fanxing_cmd() -> list[str]:
    script = Path(sys.executable).with_name("fanxing")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from fanxing.cli import main; main()"]


def run(cmd: list[str], timeout: float = 900, env: dict | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "COLUMNS": "120", **(env or {})})
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")
    return proc
