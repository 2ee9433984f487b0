"""One real demo season and build per session (the real `fanxing demo` and `fanxing build` CLIs in
subprocesses), and the report written on a copy of it.

Set FANXING_TEST_BUILD=/path/to/build to reuse a published build (its manifest names the season).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from report_helpers import DEMO_ARGS, fanxing_cmd, run


@pytest.fixture(scope="session")
def real_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(build_dir, season_dir) — never modified by the tests (they work on copies)."""
    env_build = os.environ.get("FANXING_TEST_BUILD")
    if env_build:
        build = Path(env_build).resolve()
        season = Path(json.loads((build / "manifest.json").read_text(encoding="utf-8"))["season"]["dir"])
        return build, season
    root = tmp_path_factory.mktemp("report-demo")
    season, build = root / "season", root / "build"
    run([*fanxing_cmd(), "demo", str(season), *DEMO_ARGS, "--force"])
    run([*fanxing_cmd(), "build", str(season), "--out", str(build)])
    return build, season


@pytest.fixture(scope="session")
def report(real_build: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> dict:
    """write_report (with PDF) on a copy of the real build, with the season's surveys and market."""
    from fanxing.report import load_season_inputs, write_report

    build, season = real_build
    copy = tmp_path_factory.mktemp("report-build") / "build"
    shutil.copytree(build, copy, ignore=shutil.ignore_patterns("report"))
    frames = load_season_inputs(season)
    paths = write_report(copy, **frames)
    return {"paths": paths, "build": copy, "season": season, "frames": frames}
