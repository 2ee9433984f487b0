"""Every error of the API has one shape: {"error": {"code", "message", "details"}} (pinned here)."""

from __future__ import annotations

import warnings

import pytest

ADMIN = {"Authorization": "Bearer test-admin-token-0123456789"}  # conftest.ADMIN_TOKEN


def assert_error_shape(r, status: int, code: str | None = None) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"error"}
    err = body["error"]
    assert set(err) == {"code", "message", "details"}
    assert isinstance(err["code"], str) and err["code"]
    assert isinstance(err["message"], str) and err["message"]
    assert isinstance(err["details"], dict)
    if code is not None:
        assert err["code"] == code, err
    return err


@pytest.mark.parametrize("method, url, status, code", [
    ("GET", "/api/v1/nothing-here", 404, "not_found"),
    ("GET", "/api/v1/dramas/NOPE", 404, "not_found"),
    ("GET", "/api/v1/dramas/..%2f..%2fetc%2fpasswd", 404, "not_found"),
    ("GET", "/api/v1/dramas/NOPE/daily", 404, "not_found"),
    ("GET", "/api/v1/rankings?period=yearly", 422, "invalid_request"),
    ("GET", "/api/v1/rankings?limit=0", 422, "invalid_request"),
    ("GET", "/api/v1/rankings?offset=-1", 422, "invalid_request"),
    ("GET", "/api/v1/rankings?format=xls", 422, "invalid_request"),
    ("GET", "/api/v1/rankings?flagged=perhaps", 422, "invalid_request"),
    ("GET", "/api/v1/rankings?period=weekly&period_id=1900-W01", 404, "unknown_period_id"),
    ("GET", "/api/v1/search", 422, "invalid_request"),
    ("GET", "/api/v1/search?q=" + "长" * 101, 422, "invalid_request"),
    ("DELETE", "/api/v1/rankings", 405, "method_not_allowed"),
    ("POST", "/api/v1/whatif", 422, "invalid_request"),
])
def test_public_errors(client, method, url, status, code):
    assert_error_shape(client.request(method, url), status, code)


def test_malformed_json_body(client):
    r = client.post("/api/v1/whatif", content=b"{not json", headers={"content-type": "application/json"})
    assert_error_shape(r, 422, "invalid_request")


def test_validation_details_name_the_field(client):
    err = assert_error_shape(client.get("/api/v1/rankings?period=yearly"), 422)
    assert err["details"]["errors"][0]["loc"] == ["query", "period"]


def test_unauthorised_and_forbidden(client):
    err = assert_error_shape(client.get("/api/v1/admin/builds"), 401, "unauthorized")
    assert "Bearer" in err["message"]
    assert client.get("/api/v1/admin/builds").headers["www-authenticate"] == "Bearer"
    assert_error_shape(client.get("/api/v1/admin/builds", headers={"Authorization": "Bearer wrong"}), 403,
                       "forbidden")
    assert_error_shape(client.get("/api/v1/admin/builds", headers={"Authorization": "Basic abc"}), 401)
    assert_error_shape(client.post("/api/v1/admin/builds/x/publish"), 401)
    assert client.get("/api/v1/admin/builds", headers=ADMIN).status_code == 200


def test_admin_disabled_without_token(real_build, tmp_path, monkeypatch):
    monkeypatch.delenv("FANXING_ADMIN_TOKEN", raising=False)
    from fanxing.service import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from fastapi.testclient import TestClient
    c = TestClient(create_app(real_build, work_dir=tmp_path))
    assert_error_shape(c.get("/api/v1/admin/builds", headers={"Authorization": "Bearer anything"}), 403,
                       "admin_disabled")


def test_payload_too_large(client):
    big = b"x" * (2 * 1024 * 1024)
    assert_error_shape(client.post("/api/v1/whatif", content=big, headers={"content-type": "application/json"}),
                       413, "payload_too_large")
    files = {"files": ("dramas.csv", b"drama_id,title\n" + b"D1,x\n" * 40000, "text/csv")}
    assert_error_shape(client.post("/api/v1/admin/seasons/s1/files", files=files, headers=ADMIN), 413,
                       "payload_too_large")


def test_payload_too_large_without_content_length(client):
    def chunks():
        for _ in range(40):
            yield b"y" * 65536

    r = client.post("/api/v1/whatif", content=chunks(), headers={"content-type": "application/json"})
    assert_error_shape(r, 413, "payload_too_large")


def test_internal_error_shape(real_build, tmp_path):
    from fanxing.service import create_app

    app = create_app(real_build, work_dir=tmp_path)

    @app.get("/api/v1/boom")
    async def boom():
        raise RuntimeError("kaboom")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from fastapi.testclient import TestClient
    c = TestClient(app, raise_server_exceptions=False)
    err = assert_error_shape(c.get("/api/v1/boom"), 500, "internal_error")
    assert "kaboom" not in err["message"]  # no internals leak to the client


def test_pages_get_html_errors_but_api_clients_get_json(client):
    r = client.get("/dramas/NOPE", headers={"accept": "text/html"})
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert_error_shape(client.get("/dramas/NOPE", headers={"accept": "application/json"}), 404)
    assert_error_shape(client.get("/api/v1/dramas/NOPE", headers={"accept": "text/html"}), 404)
