"""The public API over a real demo build: rankings, dramas, search, lists, exports, methodology, what-if."""

from __future__ import annotations

import csv
import hashlib
import io
import math

import pandas as pd
import pytest

LIST_ENDPOINTS = [
    "/api/v1/rankings", "/api/v1/rankings?period=monthly", "/api/v1/rankings?period=weekly",
    "/api/v1/rankings?period=launch7", "/api/v1/rankings?period=launch30", "/api/v1/search?q=的",
    "/api/v1/platforms", "/api/v1/producers", "/api/v1/anomalies", "/api/v1/quarantine", "/api/v1/awards",
]


def test_health_and_build(client, real_build):
    import json

    manifest = json.loads((real_build / "manifest.json").read_text(encoding="utf-8"))
    r = client.get("/api/v1/health")
    assert r.status_code == 200 and r.json() == {"status": "ok", "build_id": manifest["build_id"]}
    b = client.get("/api/v1/build").json()
    assert b["manifest"]["build_id"] == manifest["build_id"]
    assert set(b["periods"]) >= {"annual"}
    assert r.headers["x-fanxing-build"] == manifest["build_id"]


def test_annual_ranking_matches_file(client, real_build):
    df = pd.read_csv(real_build / "rankings" / "annual.csv", dtype={"drama_id": str})
    r = client.get("/api/v1/rankings", params={"limit": 1000})
    body = r.json()
    assert r.status_code == 200
    assert body["total"] == len(df) and body["period"] == "annual"
    assert [i["drama_id"] for i in body["items"]] == df.sort_values("rank")["drama_id"].tolist()
    first = body["items"][0]
    assert first["rank"] == 1 and isinstance(first["platforms"], list) and isinstance(first["genres"], list)
    assert set(body["dimensions"]) <= set(first)


def test_pagination(client):
    all_ids = [i["drama_id"] for i in client.get("/api/v1/rankings?limit=1000").json()["items"]]
    page = client.get("/api/v1/rankings?limit=7&offset=5").json()
    assert page["limit"] == 7 and page["offset"] == 5 and page["total"] == len(all_ids)
    assert [i["drama_id"] for i in page["items"]] == all_ids[5:12]
    assert client.get("/api/v1/rankings?offset=100000").json()["items"] == []


@pytest.mark.parametrize("field", ["platform", "genre", "region", "producer"])
def test_filters(client, field):
    items = client.get("/api/v1/rankings?limit=1000").json()["items"]
    values = [i[field + "s"][0] if field in ("platform", "genre") else i[field] for i in items
              if (i.get(field + "s") if field in ("platform", "genre") else i.get(field))]
    value = values[0]
    if field == "region":
        value = value.split("/")[0]
    got = client.get("/api/v1/rankings", params={field: value, "limit": 1000}).json()
    assert 0 < got["total"] <= len(items)
    for it in got["items"]:
        if field in ("platform", "genre"):
            assert value in it[field + "s"]
        elif field == "region":
            assert it["region"].split("/")[0] == value
        else:
            assert it["producer"] == value
    assert client.get("/api/v1/rankings", params={field: "不存在的值"}).json()["total"] == 0


def test_period_ids(client, real_build):
    monthly = pd.read_csv(real_build / "rankings" / "monthly.csv", dtype={"period": str, "drama_id": str})
    body = client.get("/api/v1/rankings?period=monthly").json()
    assert body["periods"] == sorted(monthly["period"].unique())
    assert body["period_id"] == body["periods"][-1]  # latest by default
    first = body["periods"][0]
    got = client.get("/api/v1/rankings", params={"period": "monthly", "period_id": first, "limit": 1000}).json()
    assert got["total"] == int((monthly["period"] == first).sum())
    bad = client.get("/api/v1/rankings", params={"period": "monthly", "period_id": "1999-01"})
    assert bad.status_code == 404 and bad.json()["error"]["code"] == "unknown_period_id"
    assert first in bad.json()["error"]["details"]["available"]


def test_drama_detail(client, real_build):
    ann = pd.read_csv(real_build / "rankings" / "annual.csv", dtype={"drama_id": str})
    top = ann.sort_values("rank").iloc[0]
    d = client.get(f"/api/v1/dramas/{top['drama_id']}").json()
    assert d["drama"]["drama_id"] == top["drama_id"] and d["drama"]["title"] == top["title"]
    assert d["annual"]["rank"] == 1
    assert math.isclose(d["annual"]["score"], top["score"])
    assert set(d["dimensions"]) == {c for c in ("reach", "engagement", "reputation", "commercial", "longevity")
                                    if c in ann}
    assert d["rank_interval"]["low"] <= 1 <= d["rank_interval"]["high"]
    # contributions add up to the score (architecture contract)
    assert math.isclose(sum(e["contribution"] for e in d["explanation"]), top["score"], rel_tol=1e-6, abs_tol=1e-6)
    assert math.isclose(sum(d["contributions_by_dimension"].values()), top["score"], rel_tol=1e-6, abs_tol=1e-6)
    # daily trend per platform, from daily.parquet
    daily = pd.read_parquet(real_build / "daily.parquet")
    mine = daily[daily["drama_id"] == top["drama_id"]]
    assert sorted(s["platform"] for s in d["trend"]) == sorted(mine["platform"].unique())
    s0 = d["trend"][0]
    assert len(s0["dates"]) == len(s0["plays"]) == int((mine["platform"] == s0["platform"]).sum())
    assert sum(sum(s["plays"]) for s in d["trend"]) == int(mine["plays"].sum())
    assert isinstance(d["rankings"]["monthly"], list)


def test_drama_with_anomalies(client, real_build):
    an = pd.read_csv(real_build / "anomalies.csv", dtype={"drama_id": str})
    did = an["drama_id"].iloc[0]
    d = client.get(f"/api/v1/dramas/{did}").json()
    assert len(d["anomalies"]) == int((an["drama_id"] == did).sum())
    assert {"platform", "start", "end", "reason", "severity"} <= set(d["anomalies"][0])
    listed = client.get("/api/v1/anomalies", params={"drama_id": did}).json()
    assert listed["total"] == len(d["anomalies"]) and listed["items"][0]["title"] == d["drama"]["title"]


def test_drama_daily_export(client, build_data):
    did = next(iter(build_data.daily_index))
    r = client.get(f"/api/v1/dramas/{did}/daily?format=csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert len(rows) == len(build_data.daily_index[did]) and "plays" in rows[0]


def test_unknown_drama(client):
    r = client.get("/api/v1/dramas/NOPE-404")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_search_title_alias_and_normalisation(client, build_data):
    rec = build_data.catalogue_records[next(iter(build_data.catalogue_records))]
    title = rec["title"]
    part = title[1:4] if len(title) > 4 else title
    hits = client.get("/api/v1/search", params={"q": part}).json()
    assert rec["drama_id"] in [h["drama_id"] for h in hits["items"]] or hits["total"] > hits["limit"]
    exact = client.get("/api/v1/search", params={"q": f"《 {title} 》"}).json()
    assert exact["items"][0]["drama_id"] == rec["drama_id"]  # exact match first, 《》 and spaces ignored
    import unicodedata

    wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in title)
    if wide != title:
        assert client.get("/api/v1/search", params={"q": wide}).json()["items"][0]["drama_id"] == rec["drama_id"]
    assert unicodedata.normalize("NFKC", wide) == unicodedata.normalize("NFKC", title)
    with_alias = [r for r in build_data.catalogue_records.values() if r.get("aliases")]
    if with_alias:
        r0 = with_alias[0]
        got = client.get("/api/v1/search", params={"q": r0["aliases"][0]}).json()["items"]
        assert r0["drama_id"] in [g["drama_id"] for g in got]
    assert client.get("/api/v1/search", params={"q": "绝对不会出现的剧名ZZZ"}).json()["total"] == 0
    assert client.get("/api/v1/search", params={"q": rec["drama_id"]}).json()["items"][0]["drama_id"] == rec["drama_id"]


@pytest.mark.parametrize("url", LIST_ENDPOINTS)
def test_every_list_exports_csv_and_json(client, url):
    js = client.get(url)
    assert js.status_code == 200 and js.headers["content-type"].startswith("application/json")
    sep = "&" if "?" in url else "?"
    r = client.get(f"{url}{sep}format=csv")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"].startswith("attachment;")
    assert r.content.startswith(b"\xef\xbb\xbf")  # BOM: spreadsheets read the Chinese text right
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    body = js.json()
    n = body.get("total", len(body.get("categories", [])))
    if "categories" not in body:
        assert len(rows) - 1 == n or (n == 0 and len(rows) <= 1)


def test_platforms_and_producers(client, build_data):
    plats = client.get("/api/v1/platforms").json()
    assert plats["total"] > 0
    daily_plats = set(build_data.daily["platform"].unique())
    assert {p["platform"] for p in plats["items"]} >= daily_plats
    prods = client.get("/api/v1/producers?limit=1000").json()
    cat_prods = set(build_data.catalogue["producer"].dropna())
    assert {p["producer"] for p in prods["items"]} == cat_prods
    assert sum(p["dramas"] for p in prods["items"]) == len(build_data.catalogue)


def test_awards_shape(client, real_build):
    body = client.get("/api/v1/awards").json()
    assert body["available"] == (real_build / "awards.json").is_file()
    for c in body["categories"]:
        assert {"category", "name", "winners", "shortlist"} <= set(c)


def test_methodology_and_hash(client, real_build):
    body = client.get("/api/v1/methodology").json()
    data = (real_build / "methodology.yaml").read_bytes()
    assert body["file_sha256"] == hashlib.sha256(data).hexdigest()
    assert body["matches_manifest"] is True
    assert body["text"] == data.decode("utf-8")
    assert math.isclose(sum(body["weights"].values()), 1.0)
    raw = client.get("/api/v1/methodology?format=yaml")
    assert raw.status_code == 200 and raw.content == data
    assert client.get("/api/v1/methodology?format=xml").status_code == 422


def test_whatif_published_weights_reproduce_the_ranking(client):
    weights = client.get("/api/v1/methodology").json()["weights"]
    for period in ("annual", "monthly", "launch7"):
        body = client.post("/api/v1/whatif", json={"weights": weights, "period": period, "limit": 10000}).json()
        assert body["moved"] == 0, period
        for it in body["items"]:
            assert it["rank"] == it["published_rank"] and it["rank_change"] == 0
            assert math.isclose(it["score"], it["published_score"], abs_tol=1e-3)


def test_whatif_single_dimension_ranks_by_that_dimension(client, real_build):
    ann = pd.read_csv(real_build / "rankings" / "annual.csv", dtype={"drama_id": str})
    body = client.post("/api/v1/whatif", json={"weights": {"reach": 5}, "limit": 10000}).json()
    assert body["weights"]["reach"] == 1.0 and body["weights"]["engagement"] == 0.0
    expected = ann.sort_values(["reach", "rank"], ascending=[False, True])["drama_id"].tolist()
    assert [i["drama_id"] for i in body["items"]] == expected
    for it in body["items"]:
        assert it["rank_change"] == it["published_rank"] - it["rank"]
    assert body["moved"] == sum(1 for it in body["items"] if it["rank_change"])


@pytest.mark.parametrize("payload, code", [
    ({"weights": {"rech": 1}}, "unknown_dimension"),
    ({"weights": {"reach": -1}}, "invalid_weights"),
    ({"weights": {"reach": 0, "engagement": 0}}, "invalid_weights"),
    ({"weights": {}}, "invalid_weights"),
    ({"weights": {"reach": "lots"}}, "invalid_request"),
    ({"weights": {"reach": 1}, "extra": 1}, "invalid_request"),
    ({"wieghts": {"reach": 1}}, "invalid_request"),
])
def test_whatif_refuses_bad_weights(client, payload, code):
    r = client.post("/api/v1/whatif", json=payload)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == code
    if code == "unknown_dimension":
        assert "did you mean 'reach'" in r.json()["error"]["message"]


def test_whatif_non_finite_weight(client):
    r = client.post("/api/v1/whatif", content=b'{"weights": {"reach": NaN}}',
                    headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["error"]["code"] in ("invalid_weights", "invalid_request")
