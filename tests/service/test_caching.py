"""Hot responses are computed once per build and then served as bytes: same content as uncached.

The drama details are serialised for every drama when the build is loaded (one vectorised pass);
these tests check them against the build's files for every drama of the demo build, and that a
cached page or list is byte-identical to the first (rendered) answer."""

from __future__ import annotations

import math
import shutil
import warnings

import pandas as pd
import pytest

from fanxing.service.cache import BodyCache


def _client(app):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from fastapi.testclient import TestClient
    return TestClient(app, raise_server_exceptions=False)


def test_every_drama_detail_matches_the_build_files(client, build_data, real_build):
    """Trend, explanation and anomalies of each drama's (pre-serialised) detail, against the files."""
    daily = pd.read_parquet(real_build / "daily.parquet")
    daily["date"] = pd.to_datetime(daily["date"]).dt.strftime("%Y-%m-%d")
    ex = pd.read_csv(real_build / "explanations" / "annual.csv", dtype={"drama_id": str})
    an = pd.read_csv(real_build / "anomalies.csv", dtype={"drama_id": str})
    for did in build_data.catalogue_records:
        r = client.get(f"/api/v1/dramas/{did}")
        assert r.status_code == 200 and r.headers["content-type"] == "application/json"
        d = r.json()
        assert d["drama"]["drama_id"] == did and d["build_id"] == build_data.build_id
        mine = daily[daily["drama_id"] == did]
        if mine.empty:
            assert d["trend"] is None
        else:
            assert [s["platform"] for s in d["trend"]] == sorted(mine["platform"].dropna().unique())
            for s in d["trend"]:
                rows = mine[mine["platform"] == s["platform"]].sort_values("date")
                assert s["dates"] == rows["date"].tolist()
                assert s["plays"] == rows["plays"].tolist()
                assert s["flagged"] == [bool(f) for f in rows["flagged"]]
        mine_ex = ex[ex["drama_id"] == did]
        if mine_ex.empty:
            assert d["explanation"] is None
        else:
            assert [e["indicator"] for e in d["explanation"]] == mine_ex["indicator"].tolist()
            assert math.isclose(sum(e["contribution"] for e in d["explanation"]), mine_ex["contribution"].sum(),
                                rel_tol=1e-9, abs_tol=1e-9)
        assert len(d["anomalies"]) == int((an["drama_id"] == did).sum())


@pytest.mark.parametrize("url", [
    "/api/v1/rankings", "/api/v1/rankings?format=json&limit=3", "/api/v1/rankings?limit=3&format=json", "/api/v1/rankings?period=weekly&limit=7&offset=3", "/api/v1/rankings?period=monthly&flagged=false",
    "/", "/?period=weekly&page=2", "/?lang=en", "/?platform=douyin&lang=zh",
])
def test_cached_answer_is_the_rendered_one(client, url):
    first, second = client.get(url), client.get(url)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert first.headers.multi_items() == second.headers.multi_items()  # same headers, in the same order


def test_cached_drama_page_per_language(client, build_data):
    did = list(build_data.catalogue_records)[-1]
    zh = client.get(f"/dramas/{did}?lang=zh")
    en = client.get(f"/dramas/{did}?lang=en")
    assert "fanxing_lang=en" in en.headers["set-cookie"] and '<html lang="en">' in en.text
    again = client.get(f"/dramas/{did}?lang=en")
    assert again.content == en.content and again.headers.multi_items() == en.headers.multi_items()
    client.cookies.set("fanxing_lang", "zh")
    assert client.get(f"/dramas/{did}?lang=zh").content == zh.content
    by_cookie = client.get(f"/dramas/{did}")  # no ?lang=: the cookie decides, and no cookie is set
    assert '<html lang="zh-CN">' in by_cookie.text and "set-cookie" not in by_cookie.headers
    client.cookies.clear()


def test_report_written_into_the_served_build_shows_on_cached_pages(real_build, tmp_path):
    """`fanxing report` may add report/ to the build being served: cached pages must notice."""
    from fanxing.service import create_app

    build = tmp_path / "build"
    shutil.copytree(real_build, build)
    shutil.rmtree(build / "report", ignore_errors=True)
    c = _client(create_app(build, work_dir=tmp_path / "work"))
    assert 'href="/report/"' not in c.get("/").text
    (build / "report").mkdir()
    (build / "report" / "index.html").write_text("<html>report</html>", encoding="utf-8")
    assert 'href="/report/"' in c.get("/").text
    assert c.get("/report/").text == "<html>report</html>"


def test_failures_are_never_kept(client):
    for _ in range(2):
        assert client.get("/dramas/NOPE-404").status_code == 404
        assert client.get("/api/v1/dramas/NOPE-404").status_code == 404
        assert client.get("/api/v1/rankings?limit=0").status_code == 422
        assert client.get("/?page=0").status_code == 422
        assert client.get("/api/v1/rankings?period=monthly&period_id=1999-01").status_code == 404


def test_drama_detail_ignores_the_query_and_other_methods(client, build_data):
    did = next(iter(build_data.catalogue_records))
    plain = client.get(f"/api/v1/dramas/{did}")
    assert client.get(f"/api/v1/dramas/{did}?x=1").content == plain.content
    assert client.post(f"/api/v1/dramas/{did}").status_code == 405
    assert client.get(f"/api/v1/dramas/{did}/daily").json()["drama_id"] == did


def test_body_cache_is_bounded_lru():
    c = BodyCache(max_bytes=800, max_entries=3)
    for k in "abc":
        c.put(k, b"x" * 50)
    assert c.get("a") == b"x" * 50  # a is now the most recently used
    c.put("d", b"y" * 50)  # over 3 entries: the least recently used (b) goes
    assert c.get("b") is None and c.get("a") is not None and len(c) == 3
    c.put("e", b"z" * 100)  # exactly max_bytes // 8: kept
    c.put("big", b"z" * 101)  # over max_bytes // 8: never stored, nothing evicted for it
    assert c.get("big") is None and c.get("e") is not None
    c2 = BodyCache(max_bytes=800, max_entries=100)
    for i in range(10):
        c2.put(i, b"q" * 100)
    assert c2.size <= 800 and c2.get(0) is None and c2.get(9) is not None
    c2.put(9, b"r")  # replacing keeps the size accounting right
    assert c2.size == sum(len(c2.get(k) or b"") for k in range(10))
