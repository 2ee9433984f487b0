"""An early build may lack awards, anomalies, report, daily facts, explanations, periods and rank
intervals: every page and endpoint still answers, saying 暂无 where a part is missing."""

from __future__ import annotations

import warnings

import pytest

PAGES = ["/", "/?period=monthly", "/awards", "/platforms", "/producers", "/methodology", "/anomalies",
         "/search?q=的", "/docs", "/favicon.ico"]


@pytest.fixture(scope="module")
def mclient(minimal_build, tmp_path_factory):
    from fanxing.service import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from fastapi.testclient import TestClient
    with TestClient(create_app(minimal_build, work_dir=tmp_path_factory.mktemp("mwork")),
                    raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize("url", PAGES)
def test_pages_render_without_optional_parts(mclient, url):
    r = mclient.get(url, headers={"accept": "text/html"})
    assert r.status_code == 200, r.text[:500]


def test_missing_parts_say_so(mclient):
    assert "暂无" in mclient.get("/awards").text
    assert "暂无" in mclient.get("/anomalies").text
    did = mclient.get("/api/v1/rankings?limit=1").json()["items"][0]["drama_id"]
    page = mclient.get(f"/dramas/{did}").text
    assert page.count("暂无") >= 3  # contributions, trend, anomalies
    assert "暂无" in mclient.get("/").text  # rank intervals and the missing period tabs
    assert "年度报告" not in mclient.get("/").text  # no report link without a report


def test_api_without_optional_parts(mclient):
    assert mclient.get("/api/v1/awards").json() == {"available": False, "total": 0, "categories": []}
    an = mclient.get("/api/v1/anomalies").json()
    assert an["available"] is False and an["total"] == 0
    assert mclient.get("/api/v1/anomalies?format=csv").status_code == 200
    did = mclient.get("/api/v1/rankings?limit=1").json()["items"][0]["drama_id"]
    d = mclient.get(f"/api/v1/dramas/{did}").json()
    assert d["trend"] is None and d["explanation"] is None and d["anomalies"] is None
    assert d["rank_interval"] is None and d["annual"]["rank"] >= 1
    r = mclient.get("/api/v1/rankings?period=monthly")
    assert r.status_code == 404 and r.json()["error"]["code"] == "ranking_missing"
    assert mclient.get("/api/v1/build").json()["parts"]["report"] is False
    assert mclient.get("/report/").status_code == 404
    assert mclient.get("/api/v1/platforms").status_code == 200
    assert mclient.post("/api/v1/whatif", json={"weights": {"reach": 1}}).status_code == 200


def test_report_is_served_when_present(real_build, tmp_path):
    import shutil

    from fanxing.service import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from fastapi.testclient import TestClient
    build = tmp_path / "b"
    shutil.copytree(real_build, build)
    if not (build / "report").is_dir():
        (build / "report").mkdir()
        (build / "report" / "index.html").write_text("<h1>年度报告</h1>", encoding="utf-8")
    c = TestClient(create_app(build, work_dir=tmp_path / "w"))
    assert c.get("/report/").status_code == 200
    assert "年度报告" in c.get("/").text
    for bad in ("/report/..%2fmanifest.json", "/report/../manifest.json", "/report/%2e%2e/manifest.json"):
        r = c.get(bad)
        assert r.status_code == 404 or "build_id" not in r.text, bad


def test_not_a_build(tmp_path):
    from fanxing.errors import BuildError
    from fanxing.service import create_app

    with pytest.raises(BuildError, match="missing"):
        create_app(tmp_path)
    with pytest.raises(BuildError, match="does not exist"):
        create_app(tmp_path / "nope")
