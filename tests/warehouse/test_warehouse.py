"""The Warehouse: connect (memory or file), tables as in docs/architecture.md, engines."""

from __future__ import annotations

import pytest

from fanxing.errors import NotFoundError, WarehouseError
from fanxing.warehouse import TABLES, Warehouse

EXPECTED = {
    "dramas": ["drama_id", "title", "aliases", "producer", "release_date", "episodes", "episode_minutes", "genres",
               "ip_source", "brand_partner", "industry_tags", "region", "dialect", "synopsis"],
    "facts": ["date", "platform", "drama_id", "plays", "likes", "comments", "shares", "favorites", "completion_rate",
              "watch_minutes", "revenue_cny", "rating", "source_file", "source_line"],
    "platforms": ["platform", "name"],
    "jury": ["drama_id", "category", "juror", "score", "institution"],
    "surveys": ["survey", "respondent_id", "weight", "variable", "value"],
    "survey_questions": ["survey", "question_id", "text", "type"],
    "market": ["year", "market_size_cny_100m", "kind", "source"],
    "quarantine": ["load_id", "file", "line", "column", "value", "reason", "detail"],
    "load_log": ["load_id", "file", "sha256", "kind", "format", "encoding", "rows_read", "rows_loaded", "rows_merged",
                 "rows_quarantined", "loaded_at"],
    "season": ["name", "start", "end"],
}


def test_tables_match_the_architecture_doc():
    with Warehouse.connect() as wh:
        assert wh.tables() == sorted(EXPECTED)
        for name, cols in EXPECTED.items():
            got = list(wh.table(name).columns)
            assert got[: len(cols)] == cols, name  # columns may be added after, never renamed
        s = wh.table("facts").schema()
        assert str(s["date"]) == "date" and str(s["plays"]) == "int64" and str(s["rating"]) == "float64"
        assert str(wh.table("dramas").schema()["aliases"]) == "array<string>"
        assert set(TABLES) == set(EXPECTED)


def test_file_warehouse_persists(tmp_path):
    path = tmp_path / "sub" / "w.duckdb"
    with Warehouse.connect(path) as wh:
        wh.con.insert("season", [{"name": "x", "start": None, "end": None}])
    with Warehouse.connect(str(path)) as wh:
        assert wh.table("season").execute().name.tolist() == ["x"]
        assert wh.engine == "duckdb" and "w.duckdb" in repr(wh)


def test_errors():
    with pytest.raises(WarehouseError, match="duckdb"):
        Warehouse.connect(engine="duckdbb")
    with Warehouse.connect() as wh, pytest.raises(NotFoundError, match="facts"):
        wh.table("fact")
