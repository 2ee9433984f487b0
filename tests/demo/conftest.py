"""A small demo season shared by the demo tests (60 dramas × 60 days)."""

from __future__ import annotations

import pytest
from demo_reading import SMALL

from fanxing.demo import generate_season


@pytest.fixture(scope="session")
def small_season(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "season"
    summary = generate_season(out, **SMALL)
    return out, summary
