"""The one JSON error shape of the API, ``{"error": {"code", "message", "details"}}``, and its handlers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from fanxing.errors import FanxingError, NotFoundError

log = logging.getLogger("fanxing.service")

# Stable codes for the plain HTTP statuses the framework raises itself.
STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


class ApiError(FanxingError):
    """An error with an HTTP status; raised by routes, rendered in the one error shape."""

    code = "api_error"

    def __init__(self, status: int, message: str, *, code: str | None = None, details: dict | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message, code=code or STATUS_CODES.get(status, "error"), details=details)
        self.status = status
        self.headers = headers


def error_body(code: str, message: str, details: Any = None) -> dict:
    """The error shape every error response of the API uses."""
    return {"error": {"code": code, "message": message, "details": details if details is not None else {}}}


def error_response(status: int, code: str, message: str, details: Any = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(code, message, details), status_code=status, headers=headers)


def _clean_validation_errors(errors: list[dict]) -> list[dict]:
    """Pydantic's errors without the echoed input objects that may not be JSON-safe or may be large."""
    out = []
    for e in errors:
        item = {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
        if "input" in e and isinstance(e["input"], str | int | float | bool) and len(str(e["input"])) <= 200:
            item["input"] = e["input"]
        out.append(item)
    return out


HtmlRenderer = Callable[[Request, int, str, str], Response | None]


def _respond(request: Request, status: int, code: str, message: str, details: Any = None,
             headers: dict[str, str] | None = None) -> Response:
    """JSON error shape; a dashboard page asked for by a browser gets the same error as an HTML page."""
    renderer: HtmlRenderer | None = getattr(request.app.state, "html_error_renderer", None)
    path = request.url.path
    if renderer is not None and not path.startswith("/api/") and path != "/openapi.json" \
            and "text/html" in request.headers.get("accept", ""):
        try:
            page = renderer(request, status, code, message)
        except Exception:  # the error page itself must never fail: fall back to JSON
            log.exception("error page failed")
            page = None
        if page is not None:
            return page
    return error_response(status, code, message, details, headers)


async def _validation_handler(request: Request, exc: RequestValidationError) -> Response:
    errors = _clean_validation_errors(list(exc.errors()))
    where = ", ".join(".".join(e["loc"]) + ": " + e["msg"] for e in errors[:3])
    return _respond(request, 422, "invalid_request", f"invalid request: {where}", {"errors": errors})


async def _http_handler(request: Request, exc: StarletteHTTPException) -> Response:
    status = exc.status_code
    code = STATUS_CODES.get(status, "error")
    message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(status).phrase
    if status == 404 and message == "Not Found":
        message = f"no such resource: {request.url.path}"
    if status == 405:
        message = f"method {request.method} is not allowed on {request.url.path}"
    return _respond(request, status, code, message, headers=getattr(exc, "headers", None))


async def _api_error_handler(request: Request, exc: ApiError) -> Response:
    return _respond(request, exc.status, exc.code, exc.message, exc.details, headers=exc.headers)


async def _fanxing_handler(request: Request, exc: FanxingError) -> Response:
    status = 404 if isinstance(exc, NotFoundError) else 422 if isinstance(exc, ValueError) else 500
    return _respond(request, status, exc.code, exc.message, exc.details)


async def _unhandled_handler(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _respond(request, 500, "internal_error", "internal server error; the event has been logged",
                    {"type": type(exc).__name__})


def install_error_handlers(app: FastAPI, html_renderer: HtmlRenderer | None = None) -> None:
    """Route every error the app can raise to the one error shape (HTML for dashboard pages)."""
    app.state.html_error_renderer = html_renderer
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)
    app.add_exception_handler(ApiError, _api_error_handler)
    app.add_exception_handler(FanxingError, _fanxing_handler)
    app.add_exception_handler(Exception, _unhandled_handler)
