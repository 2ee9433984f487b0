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


def test_tables_match_the_architecture_doc(engine_name):
    with Warehouse.connect(engine=engine_name) as wh:
        assert wh.tables() == sorted(EXPECTED)
        for name, cols in EXPECTED.items():
            got = list(wh.table(name).columns)
            assert got[: len(cols)] == cols, name  # columns may be added after, never renamed
        s = wh.table("facts").schema()
        assert str(s["date"]) == "date" and str(s["plays"]) == "int64" and str(s["rating"]) == "float64"
        assert str(wh.table("dramas").schema()["aliases"]) == "array<string>"
        assert set(TABLES) == set(EXPECTED)


def test_file_warehouse_persists(tmp_path, engine_name):
    path = tmp_path / "sub" / ("w" if engine_name == "spark" else "w.duckdb")
    with Warehouse.connect(path, engine=engine_name) as wh:
        wh.backend.insert_rows(wh.con, "season", [{"name": "x", "start": None, "end": None}])
    with Warehouse.connect(str(path), engine=engine_name) as wh:
        assert wh.table("season").execute().name.tolist() == ["x"]
        assert wh.engine == engine_name and path.name in repr(wh)


@pytest.mark.spark
def test_spark_warehouse_is_a_directory_of_parquet_tables(tmp_path):
    path = tmp_path / "wh"
    with Warehouse.connect(path, engine="spark") as wh:
        wh.backend.insert_rows(wh.con, "platforms", [{"platform": "douyin", "name": "抖音"}])
        wh.backend.add_columns(wh.con, "platforms", {"mau_100m": "VARCHAR"})
        wh.backend.insert_rows(wh.con, "platforms", [{"platform": "iqiyi", "name": "爱奇艺", "mau_100m": "4.4"}])
    assert list((path / "platforms").glob("*.parquet"))
    # a new session re-registers the tables from their files, with the added column
    with Warehouse.connect(path, engine="spark") as wh:
        df = wh.table("platforms").execute().sort_values("platform")
        assert df.platform.tolist() == ["douyin", "iqiyi"] and df.mau_100m.tolist()[1] == "4.4"
    with pytest.raises(WarehouseError, match="directory"):
        (tmp_path / "file").write_text("x")
        Warehouse.connect(tmp_path / "file", engine="spark")


@pytest.mark.spark
def test_spark_transaction_undoes_the_appends_of_a_failed_block(tmp_path):
    with Warehouse.connect(tmp_path / "wh", engine="spark") as wh:
        b, con = wh.backend, wh.con
        b.insert_rows(con, "market", [{"year": 2023, "market_size_cny_100m": 373.9, "kind": "actual", "source": "a"}])
        with pytest.raises(RuntimeError, match="half-way"), b.transaction(con):
            b.insert_rows(con, "market", [{"year": 2024, "market_size_cny_100m": 504.4, "kind": "actual",
                                           "source": "b"}])
            b.insert_rows(con, "quarantine", [{"load_id": 1, "file": "f", "line": 2, "reason": "x"}])
            raise RuntimeError("failed half-way")
        assert wh.table("market").execute().year.tolist() == [2023]
        assert wh.table("quarantine").count().execute() == 0


def test_errors():
    with pytest.raises(WarehouseError, match="duckdb"):
        Warehouse.connect(engine="duckdbb")
    with Warehouse.connect() as wh, pytest.raises(NotFoundError, match="facts"):
        wh.table("fact")


def test_large_text_file_is_staged_with_its_line_numbers(tmp_path, engine_name):
    """Big enough that Spark gets it through a Parquet file in the scratch directory."""
    from fanxing.season import ingest_season

    season = tmp_path / "season"
    (season / "metrics").mkdir(parents=True)
    (season / "dramas.csv").write_text("drama_id,title,producer,release_date,episodes\n" + "".join(
        f"d{i},剧{i},甲影业,2024-01-01,60\n" for i in range(50)),
                                       encoding="utf-8")
    lines = ["date,platform,drama_id,plays,likes,comments,shares,favorites,completion_rate,rating"]
    for day in range(1, 29):
        for p in ("douyin", "kuaishou", "iqiyi"):
            for i in range(50):
                lines.append(f"2024-02-{day:02d},{p},d{i},{1000 + i},{i},{i},{i},{i},0.5,8.0")
    lines[777] = lines[777].replace(",0.5,", ",1.5,")  # line 778 of the file: a rate out of range
    (season / "metrics" / "feb.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    path = tmp_path / ("w" if engine_name == "spark" else "w.duckdb")
    with Warehouse.connect(path, engine=engine_name) as wh:
        report = ingest_season(season, wh)
        assert report.usable and [f.rows_read for f in report.files if f.kind == "metrics"] == [4200]
        q = wh.table("quarantine").execute()
        assert q[["line", "column", "reason"]].values.tolist() == [[778, "completion_rate", "rate_out_of_range"]]
        assert wh.table("facts").count().execute() == 4199


def test_duckdb_staged_file_columns_and_dropping_temporaries(tmp_path):
    """A staged CSV's columns come from the catalogue (no second sample of the file); drop_names
    drops views and tables, whether or not the backend made them."""
    p = tmp_path / "f.csv"
    p.write_text('date,"plays, total",日期,date\n2024-01-01,1,x,y\nbad line,with,too,many,fields\n', encoding="utf-8")
    with Warehouse.connect(None) as wh:
        b, raw = wh.backend, wh.con.con
        staged = b.stage_delimited(wh.con, p, delim=",", display="f.csv")
        described = [r[0] for r in raw.execute(f"DESCRIBE SELECT * FROM {staged.helpers[-1]}").fetchall()]
        assert staged.columns == described == list(staged.expr.columns)
        t = b.materialize(wh.con, staged.expr, "read")
        assert t.count().execute() == 1
        b.collect_rejects(wh.con, staged)
        assert [r[0] for r in staged.rejects] == [3]
        raw.execute("CREATE TEMP VIEW their_view AS SELECT 1 AS x")
        raw.execute("CREATE TEMP TABLE their_table AS SELECT 1 AS x")
        b.drop_names(wh.con, [t.get_name(), *staged.helpers, "their_view", "their_table"])
        left = raw.execute("SELECT table_name FROM duckdb_tables() WHERE temporary UNION ALL "
                           "SELECT view_name FROM duckdb_views() WHERE temporary AND NOT internal").fetchall()
        assert left == []
