"""The server-rendered dashboard over a real build: content, language switch, local assets only."""

from __future__ import annotations

import re

import pytest

PAGES = ["/", "/?period=monthly", "/?period=weekly", "/?period=launch7", "/?period=launch30", "/awards",
         "/platforms", "/producers", "/methodology", "/anomalies", "/search?q=的", "/docs"]


@pytest.mark.parametrize("url", PAGES)
def test_page_renders_with_local_assets_only(client, url):
    r = client.get(url)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert '<html lang="zh-CN">' in html and "繁星指数" in html
    # no asset from another origin: every src/href is local (links to other sites would be fine,
    # but the dashboard has none)
    for attr in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not re.match(r"^(https?:)?//", attr), attr
    assert "default-src 'self'" in r.headers["content-security-policy"]


def test_leaderboard_lists_the_annual_ranking(client, build_data):
    html = client.get("/").text
    top = build_data.slices[("annual", build_data.periods["annual"][0])].records[0]
    assert top["title"] in html and f'/dramas/{top["drama_id"]}' in html
    assert 'class="whisker"' in html  # rank-interval whiskers
    assert "导出 CSV" in html


def test_leaderboard_filters_and_pages(client, build_data):
    recs = build_data.slices[("annual", build_data.periods["annual"][0])].records
    producer = recs[0]["producer"]
    html = client.get("/", params={"producer": producer}).text
    titles = {r["title"] for r in recs if r["producer"] == producer}
    others = {r["title"] for r in recs if r["producer"] != producer} - titles
    assert all(t in html for t in titles)
    assert not any(f">{t}</a>" in html for t in others)
    if len(recs) > 50:
        p2 = client.get("/?page=2").text
        assert recs[50]["title"] in p2 and "上一页" in p2


def test_drama_page_has_charts(client, build_data):
    did = build_data.anomalies["drama_id"].iloc[0] if build_data.anomalies is not None else \
        next(iter(build_data.catalogue_records))
    html = client.get(f"/dramas/{did}").text
    assert build_data.catalogue_records[did]["title"] in html
    assert 'class="chart hbars"' in html  # dimension and contribution bars
    assert 'class="chart trend"' in html  # per-platform trend
    if build_data.anomalies is not None:
        assert 'class="band"' in html  # anomaly marked on the trend


def test_methodology_page_shows_weights_and_whatif(client, build_data):
    html = client.get("/methodology").text
    assert 'id="whatif-form"' in html and 'type="range"' in html
    for d in build_data.dimensions:
        assert f'name="{d}"' in html
    assert "✓" in html  # the hash matches the manifest


def test_english_switch_and_cookie(client):
    r = client.get("/?lang=en")
    assert '<html lang="en">' in r.text and "Rankings" in r.text
    assert "fanxing_lang=en" in r.headers["set-cookie"]
    assert '<html lang="en">' in client.get("/awards").text  # remembered by the cookie
    client.get("/?lang=zh")
    assert '<html lang="zh-CN">' in client.get("/awards").text


def test_search_page(client, build_data):
    rec = next(iter(build_data.catalogue_records.values()))
    html = client.get("/search", params={"q": rec["title"]}).text
    assert f'/dramas/{rec["drama_id"]}' in html
    assert "没有找到" in client.get("/search", params={"q": "不存在的剧名XYZ"}).text


def test_docs_page_lists_every_endpoint(client):
    html = client.get("/docs").text
    spec = client.get("/openapi.json").json()
    for path in spec["paths"]:
        assert path in html


def test_static_and_favicon(client):
    assert client.get("/favicon.ico").status_code == 200
    assert client.get("/static/style.css").status_code == 200
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/static/../data.py").status_code == 404
