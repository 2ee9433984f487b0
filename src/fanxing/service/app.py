"""The FastAPI application factory: public API, admin API, dashboard, local static assets."""

from __future__ import annotations

import json
import os
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fanxing.service import routes_admin, routes_api, routes_pages
from fanxing.service.builds import BuildCommand
from fanxing.service.errors import error_body, install_error_handlers
from fanxing.service.hot import HotResponseMiddleware
from fanxing.service.state import ServiceState, settle_memory

HERE = Path(__file__).parent
DEFAULT_MAX_UPLOAD_BYTES = 256 * 1024 * 1024
PUBLIC_MAX_BODY_BYTES = 1024 * 1024
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")

DESCRIPTION = """繁星指数 Fanxing — the public, read-only API over the published build, and an admin API.

* Every error has one shape: `{"error": {"code": "...", "message": "...", "details": {...}}}`.
* Every list takes `?format=csv` (UTF-8 with BOM; all matching rows) or `json` (paginated, `limit`/`offset`).
* Admin endpoints need `Authorization: Bearer <FANXING_ADMIN_TOKEN>` (401 without, 403 wrong).
"""


class BodyLimitMiddleware:
    """Refuse request bodies over a per-path limit with 413 in the error shape (admin uploads get more)."""

    def __init__(self, app: ASGIApp, upload_limit: int, public_limit: int = PUBLIC_MAX_BODY_BYTES):
        self.app = app
        self.upload_limit = upload_limit
        self.public_limit = public_limit

    def limit_for(self, path: str) -> int:
        # a multipart envelope adds a little to the files themselves
        return self.upload_limit + 64 * 1024 if path.startswith("/api/v1/admin/") else self.public_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        length = None
        for k, v in scope.get("headers", []):
            if k == b"content-length":
                try:
                    length = int(v)
                except ValueError:
                    length = None
        if length is not None and length > limit:
            body = json.dumps(error_body("payload_too_large", f"request body of {length} bytes is over the "
                                         f"limit of {limit} bytes", {"limit": limit}), ensure_ascii=False).encode()
            await send({"type": "http.response.start", "status": 413,
                        "headers": [(b"content-type", b"application/json"), (b"connection", b"close"),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > limit:
                    raise StarletteHTTPException(413, f"request body is over the limit of {limit} bytes")
            return msg

        await self.app(scope, limited, send)


class HeadersMiddleware:
    """Security headers (a CSP that allows only this origin: no CDN can sneak in) and the build id."""

    def __init__(self, app: ASGIApp, state: ServiceState):
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        report = scope.get("path", "").startswith("/report/")

        async def send_with_headers(msg: Message) -> None:
            if msg["type"] == "http.response.start":
                headers = list(msg.get("headers", []))
                names = {k.lower() for k, _ in headers}
                extra = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
                         (b"x-fanxing-build", self.state.build.build_id.encode("ascii", "replace"))]
                if not report:
                    extra.append((b"content-security-policy", CSP.encode()))
                headers += [(k, v) for k, v in extra if k not in names]
                msg = {**msg, "headers": headers}
            await send(msg)

        await self.app(scope, receive, send_with_headers)


def create_app(build_dir: str | os.PathLike[str], *, admin_token: str | None = None,
               work_dir: str | os.PathLike[str] | None = None, max_upload_bytes: int | None = None,
               build_command: BuildCommand | None = None) -> FastAPI:
    """The app serving ``build_dir`` read-only; the build is loaded once, here.

    ``admin_token`` defaults to the FANXING_ADMIN_TOKEN environment variable (no token: admin disabled);
    uploads and build logs go to ``work_dir`` (default: ``.<build_dir>.admin`` beside the build);
    ``max_upload_bytes`` defaults to FANXING_MAX_UPLOAD_MB (256 MB).
    """
    token = admin_token if admin_token is not None else os.environ.get("FANXING_ADMIN_TOKEN")
    if max_upload_bytes is None:
        mb = os.environ.get("FANXING_MAX_UPLOAD_MB")
        max_upload_bytes = int(float(mb) * 1024 * 1024) if mb else DEFAULT_MAX_UPLOAD_BYTES
    state = ServiceState.open(Path(build_dir), admin_token=token, work_dir=Path(work_dir) if work_dir else None,
                              max_upload_bytes=max_upload_bytes, build_command=build_command)
    app = FastAPI(title="Fanxing 繁星指数 API", version="1", description=DESCRIPTION,
                  docs_url=None, redoc_url=None, openapi_url="/openapi.json",
                  telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False,
                             "auto_configure": False})
    app.state.fx = state
    install_error_handlers(app, _html_error_page)
    app.include_router(routes_api.router)
    app.include_router(routes_admin.router)
    app.include_router(routes_pages.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    app.add_middleware(HotResponseMiddleware, state=state)  # innermost: headers still added to its answers
    app.add_middleware(HeadersMiddleware, state=state)
    app.add_middleware(BodyLimitMiddleware, upload_limit=max_upload_bytes)
    settle_memory()
    return app


def _html_error_page(request: Request, status: int, code: str, message: str) -> Response | None:
    b = request.app.state.fx.build
    return routes_pages.render(request, b, "error.html", "", status=status, status_code=status, code=code,
                               message=message)
