"""Hostile input: property-based requests generated from the OpenAPI document (schemathesis) never
cause a 500, and every error they provoke has the one error shape. Bounded to stay short."""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode

from fanxing.service import routes_admin, routes_api

OPERATIONS = sorted((m, r.path) for router in (routes_api.router, routes_admin.router) for r in router.routes
                    if isinstance(r, APIRoute) for m in r.methods if m in ("GET", "POST"))


@pytest.fixture(scope="module")
def api_schema(app):
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def error_shape(ctx, response, case) -> None:
    """Every 4xx/5xx body is {"error": {"code", "message", "details"}}."""
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error"}, body
        assert set(body["error"]) == {"code", "message", "details"}, body


def test_every_route_is_in_the_schema(api_schema):
    documented = {(op.ok().method.upper(), op.ok().path) for op in api_schema.get_all_operations()}
    assert set(OPERATIONS) <= documented


def _fuzz(operation, mode: GenerationMode, headers: dict | None = None, n: int = 15) -> None:
    @given(case=operation.as_strategy(generation_mode=mode, headers=headers))
    @settings(max_examples=n, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def run(case):
        case.call_and_validate(checks=[not_a_server_error, error_shape], headers=headers)

    try:
        run()
    except Unsatisfiable:
        if mode != GenerationMode.NEGATIVE:
            raise
        # nothing in this operation's schema can be violated (no parameters, or free text only)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("method, path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_server_error_and_one_error_shape(api_schema, method, path, mode):
    _fuzz(api_schema[path][method], mode)


# with the admin token, except the operations that would start or publish real builds
ADMIN_SAFE = [(m, p) for m, p in OPERATIONS if p.startswith("/api/v1/admin/") and "builds" not in p]


@pytest.mark.parametrize("method, path", ADMIN_SAFE, ids=[f"{m} {p}" for m, p in ADMIN_SAFE])
def test_admin_with_token_no_server_error(api_schema, method, path):
    _fuzz(api_schema[path][method], GenerationMode.POSITIVE,
          headers={"Authorization": "Bearer test-admin-token-0123456789"}, n=20)
