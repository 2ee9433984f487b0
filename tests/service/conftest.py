"""Fixtures for the service tests: one real demo build per session (fanxing demo + fanxing build).

Set FANXING_TEST_BUILD=/path/to/build to reuse an existing published build instead (faster when
iterating); the tests never modify it (admin tests work on a copy).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

DEMO_ARGS = ("--dramas", "80", "--days", "60", "--seed", "7")
OPTIONAL_PARTS = ("awards.json", "awards.csv", "anomalies.csv", "report", "daily.parquet", "explanations",
                  "quarantine.csv", "stages", "rankings/monthly.csv", "rankings/weekly.csv",
                  "rankings/launch7.csv", "rankings/launch30.csv", "rankings/platforms.csv",
                  "rankings/producers.csv", "indicators")
ADMIN_TOKEN = "test-admin-token-0123456789"


def fanxing_cmd() -> list[str]:
    """The real CLI of this environment (the venv's `fanxing` script, else through the interpreter)."""
    script = Path(sys.executable).with_name("fanxing")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from fanxing.cli import main; main()"]


def run_cli(*args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    proc = subprocess.run([*fanxing_cmd(), *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "COLUMNS": "120"})
    if proc.returncode != 0:
        raise RuntimeError(f"fanxing {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n"
                           f"{proc.stderr[-5000:]}")
    return proc


def make_real_build(root: Path) -> Path:
    """`fanxing demo ROOT/season …` then `fanxing build ROOT/season --out ROOT/build`; reused if done."""
    env_build = os.environ.get("FANXING_TEST_BUILD")
    if env_build:
        return Path(env_build).resolve()
    build = root / "build"
    if (build / "manifest.json").is_file():
        return build
    root.mkdir(parents=True, exist_ok=True)
    season = root / "season"
    if not (season / "dramas.csv").is_file():
        run_cli("demo", str(season), *DEMO_ARGS, "--force")
    try:
        run_cli("build", str(season), "--out", str(build))
    except RuntimeError:
        # a CLI that publishes and then fails while printing its summary still leaves a complete build
        if not (build / "manifest.json").is_file():
            raise
    return build


def strip_optional(src: Path, dst: Path) -> Path:
    """A copy of a build without any optional part (what an early build may look like)."""
    shutil.copytree(src, dst)
    for part in OPTIONAL_PARTS:
        p = dst / part
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()
    import pandas as pd

    annual = pd.read_csv(dst / "rankings" / "annual.csv")
    annual.drop(columns=[c for c in ("rank_low", "rank_high", "p_top10") if c in annual], errors="ignore") \
        .to_csv(dst / "rankings" / "annual.csv", index=False)
    return dst


@pytest.fixture(scope="session")
def real_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_real_build(tmp_path_factory.getbasetemp() / "fanxing-demo")


@pytest.fixture(scope="session")
def minimal_build(real_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return strip_optional(real_build, tmp_path_factory.mktemp("minimal") / "build")


@pytest.fixture(scope="session")
def app(real_build: Path, tmp_path_factory: pytest.TempPathFactory):
    from fanxing.service import create_app

    return create_app(real_build, admin_token=ADMIN_TOKEN, work_dir=tmp_path_factory.mktemp("work"),
                      max_upload_bytes=64 * 1024)


@pytest.fixture(scope="session")
def client(app):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from fastapi.testclient import TestClient
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="session")
def build_data(app):
    """The loaded Build the app serves (for cross-checking API answers against the files)."""
    return app.state.fx.build
