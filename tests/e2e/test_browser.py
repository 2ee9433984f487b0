"""The dashboard in headless Chromium over the real server and a real demo build.

Every test fails on a console error, an uncaught page error, a failed request or any response with
status >= 400 (the favicon included). Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


class Guard:
    """Collects everything that would mean a broken page."""

    def __init__(self, page):
        self.problems: list[str] = []
        page.on("console", lambda m: self.problems.append(f"console {m.type}: {m.text}")
                if m.type == "error" else None)
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: self.problems.append(f"request failed: {r.url} {r.failure}"))
        page.on("response", lambda r: self.problems.append(f"HTTP {r.status}: {r.url}")
                if r.status >= 400 else None)

    def check(self) -> None:
        assert self.problems == [], "\n".join(self.problems)


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    guard = Guard(pg)
    yield pg
    context.close()
    guard.check()


@pytest.fixture(scope="module")
def api(server_url):
    with httpx.Client(base_url=server_url, timeout=10) as c:
        yield c


def visit(page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")


def test_every_page_loads_cleanly(page, server_url, api, artifacts):
    top = api.get("/api/v1/rankings?limit=1").json()["items"][0]
    anomalies = api.get("/api/v1/anomalies?limit=1").json()["items"]
    flagged = anomalies[0]["drama_id"] if anomalies else top["drama_id"]
    pages = {
        "leaderboard": ("/", "年度榜单"),
        "leaderboard-monthly": ("/?period=monthly", "月度榜单"),
        "leaderboard-weekly": ("/?period=weekly", "周度榜单"),
        "leaderboard-launch7": ("/?period=launch7", "首播7日榜单"),
        "leaderboard-launch30": ("/?period=launch30", "首播30日榜单"),
        "drama": (f"/dramas/{top['drama_id']}", f"《{top['title']}》"),
        "drama-anomaly": (f"/dramas/{flagged}", "异常流量记录"),
        "awards": ("/awards", "奖项"),
        "platforms": ("/platforms", "平台"),
        "producers": ("/producers", "创作机构"),
        "methodology": ("/methodology", "权重推演"),
        "anomalies": ("/anomalies", "异常流量"),
        "search": ("/search?q=" + top["title"][:2], "搜索结果"),
        "docs": ("/docs", "API 文档"),
        "leaderboard-en": ("/?lang=en", "Annual rankings"),
    }
    for name, (url, expected) in pages.items():
        visit(page, server_url + url)
        assert expected in page.content(), name
        assert page.locator("header .brand").is_visible()
        page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    visit(page, server_url + "/?lang=zh")  # leave the language as it was


def test_leaderboard_rows_and_whiskers(page, server_url, api):
    visit(page, server_url + "/")
    body = api.get("/api/v1/rankings?limit=50").json()
    rows = page.locator("table.rank-table tbody tr")
    assert rows.count() == len(body["items"])
    first = rows.nth(0)
    assert first.locator("td.rank").inner_text().strip() == "1"
    assert first.locator("td.title a").inner_text().strip() == body["items"][0]["title"]
    if body["items"][0].get("rank_low") is not None:
        assert first.locator("svg.whisker").count() == 1


def test_filter_auto_submits(page, server_url, api):
    visit(page, server_url + "/")
    select = page.locator("select[name=platform]")
    options = select.locator("option").all()
    value = options[1].get_attribute("value")
    with page.expect_navigation():
        select.select_option(value)
    page.wait_for_load_state("networkidle")
    assert f"platform={value}" in page.url
    expected = api.get("/api/v1/rankings", params={"platform": value, "limit": 50}).json()
    assert page.locator("table.rank-table tbody tr").count() == len(expected["items"])


def test_search_a_title_and_open_it(page, server_url, api):
    item = api.get("/api/v1/rankings?limit=3").json()["items"][2]
    visit(page, server_url + "/")
    page.fill("header input[name=q]", item["title"][1:])
    with page.expect_navigation():
        page.press("header input[name=q]", "Enter")
    page.wait_for_load_state("networkidle")
    assert "/search" in page.url
    link = page.locator(f'ul.results a[href="/dramas/{item["drama_id"]}"]')
    assert link.count() == 1
    with page.expect_navigation():
        link.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == f"《{item['title']}》"
    assert page.locator("svg.chart").count() >= 1


def test_whatif_reranks_on_the_server(page, server_url, api, artifacts):
    visit(page, server_url + "/methodology")
    dims = api.get("/api/v1/methodology").json()["dimensions"]
    assert "reach" in dims
    for d in dims:  # reach only
        page.locator(f'#whatif-form input[name="{d}"]').evaluate(
            "(el, v) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true})); }",
            100 if d == "reach" else 0)
    assert page.locator('output[for="reach"]').inner_text() == "100"
    with page.expect_response(lambda r: r.url.endswith("/api/v1/whatif") and r.request.method == "POST") as resp:
        page.click("#whatif-run")
    assert resp.value.status == 200
    expect(page.locator("#whatif-status")).to_contain_text("部剧目排名变化")  # (no eval: the CSP forbids it)
    expected = api.post("/api/v1/whatif", json={"weights": {"reach": 1}, "limit": 50}).json()
    rows = page.locator("#whatif-table tbody tr")
    assert rows.count() == len(expected["items"])
    assert rows.nth(0).locator("a").inner_text() == expected["items"][0]["title"]
    status = page.locator("#whatif-status").inner_text()
    assert re.search(rf"\b{expected['moved']}\b", status)
    page.screenshot(path=str(artifacts / "whatif-reach-only.png"), full_page=True)
    # back to the published weights: nothing moves
    with page.expect_response(lambda r: r.url.endswith("/api/v1/whatif")):
        page.click("#whatif-reset")
    expect(page.locator("#whatif-status")).to_have_text(re.compile(r"^0 "))


def test_language_switch(page, server_url):
    visit(page, server_url + "/awards")
    with page.expect_navigation():
        page.click("header a.lang")
    page.wait_for_load_state("networkidle")
    assert page.locator("nav.nav a.active").inner_text() == "Awards"
    visit(page, server_url + "/platforms")
    assert page.locator("nav.nav a.active").inner_text() == "Platforms"  # cookie remembered
    with page.expect_navigation():
        page.click("header a.lang")
    assert page.locator("nav.nav a.active").inner_text() == "平台"
