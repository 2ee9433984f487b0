"""The hot requests (rankings, drama details, the leaderboard and drama pages) answered from bytes.

A response that is a pure function of the build and the request is rendered once, by its endpoint,
and kept in the build's :class:`~fanxing.service.cache.BodyCache` under :func:`api_key` or
:func:`page_key`; drama details are all serialised when the build is loaded. The middleware here
answers a repeat before routing, so a hit costs no route matching, parameter validation or
dependency solving. Only successful answers are ever kept, so a request that would fail (a bad
parameter, an unknown id) always reaches its endpoint.
"""

from __future__ import annotations

from collections.abc import Hashable

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from fanxing.service import queries
from fanxing.service.data import Build
from fanxing.service.export import FastJSON
from fanxing.service.i18n import COOKIE, LANGS, language

RANKINGS_API = "/api/v1/rankings"
DRAMA_API = "/api/v1/dramas/"
DRAMA_PAGE = "/dramas/"


def api_key(scope: Scope) -> Hashable:
    """A JSON answer depends on the path and the query string only."""
    return ("api", scope["path"], scope["query_string"])


def page_key(request: Request, b: Build) -> Hashable:
    """A page depends on the path, the query string (the language switch link repeats it), the
    language (?lang= or the cookie) and whether the build has a report yet (`fanxing report` may
    add one to the served build at any time)."""
    return ("page", request.scope["path"], request.scope["query_string"], language(request), b.has_report)


def remember_language(request: Request, resp: Response) -> None:
    """?lang= on a page sets the language cookie."""
    q = request.query_params.get("lang")
    if q in LANGS:
        resp.set_cookie(COOKIE, q, max_age=365 * 24 * 3600, samesite="lax")


def _segment(path: str, prefix: str) -> str | None:
    """The one path segment after ``prefix`` (what a ``{param}`` route would match), else None."""
    rest = path[len(prefix):] if path.startswith(prefix) else ""
    return rest if rest and "/" not in rest else None


def hot_response(scope: Scope, b: Build) -> Response | None:
    """The kept answer to this GET request, or None (then the endpoint answers, and may keep it)."""
    path = scope["path"]
    if path == RANKINGS_API:
        body = b.responses.get(api_key(scope))
        return None if body is None else FastJSON(body)
    if (drama_id := _segment(path, DRAMA_API)) is not None:
        body = queries.detail_bodies(b).get(drama_id)  # the endpoint takes no query parameters
        return None if body is None else FastJSON(body)
    if path == "/" or _segment(path, DRAMA_PAGE) is not None:
        request = Request(scope)
        body = b.responses.get(page_key(request, b))
        if body is None:
            return None
        resp = HTMLResponse(body)
        remember_language(request, resp)
        return resp
    return None


class HotResponseMiddleware:
    """Answers GET requests whose response is already kept, before FastAPI routes them."""

    def __init__(self, app: ASGIApp, state: object):
        self.app = app
        self.state = state  # ServiceState: the build is taken once per request, like current_build

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            resp = hot_response(scope, self.state.build)  # type: ignore[attr-defined]
            if resp is not None:
                await resp(scope, receive, send)
                return
        await self.app(scope, receive, send)
