"""Fixtures for the season tests (helpers live in season_helpers.py)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from fanxing.season import ingest_season
from fanxing.warehouse import Warehouse


@pytest.fixture
def load(tmp_path):
    """load(season) → (report, warehouse): ingest into an in-memory warehouse closed after the test."""
    opened = []

    def _load(season: Path, wh: Warehouse | None = None):
        wh = wh or Warehouse.connect(None)
        opened.append(wh)
        return ingest_season(season, wh), wh

    yield _load
    for wh in opened:
        with contextlib.suppress(Exception):
            wh.close()
