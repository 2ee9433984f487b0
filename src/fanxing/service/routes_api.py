"""The public, read-only JSON API (``/api/v1``) over the published build; every list also exports CSV."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from fanxing.service import hot, queries
from fanxing.service.data import Build, methodology_hash
from fanxing.service.errors import ApiError
from fanxing.service.export import MAX_LIMIT, FastJSON, Format, list_response, safe_filename
from fanxing.service.schemas import (
    ERROR_RESPONSES,
    Page,
    PeriodKind,
    RankingsPage,
    WhatIfRequest,
    WhatIfResponse,
)
from fanxing.service.whatif import rerank

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)

# Endpoints that only look up or return pre-serialised bytes are ``async`` (no thread hop); the ones
# doing real work per request (pandas filters, CSV, whole-table JSON, file hashing) are plain ``def``
# so that FastAPI runs them in its threadpool and they never hold up the event loop.


async def current_build(request: Request) -> Build:
    """The build being served right now (taken once per request).

    ``async`` on purpose: FastAPI runs a plain ``def`` dependency in its threadpool, a thread hop
    (and a wait for the GIL) on every request for what is one attribute read."""
    return request.app.state.fx.build


B = Annotated[Build, Depends(current_build)]
Fmt = Annotated[Format, Query(alias="format", description="json (default, paginated) or csv (all rows)")]
Limit = Annotated[int | None, Query(ge=1, le=MAX_LIMIT, description="page size (JSON default 50; CSV: all)")]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
Text = Annotated[str | None, Query(max_length=200)]


@router.get("/health", tags=["build"], summary="Liveness and the id of the build being served")
async def health(b: B) -> dict[str, Any]:
    return {"status": "ok", "build_id": b.build_id}


@router.get("/build", tags=["build"], summary="The manifest of the build being served")
async def build_manifest(b: B) -> Response:
    return FastJSON({"manifest": b.manifest, "periods": b.periods, "dimensions": b.dimensions,
                     "parts": {"awards": b.awards is not None, "anomalies": b.anomalies is not None,
                               "daily": b.daily is not None, "explanations": b.explanations is not None,
                               "report": b.has_report, "quarantine": b.quarantine is not None}})


@router.get("/periods", tags=["rankings"], summary="Period ids published for each period kind")
async def periods(b: B) -> dict[str, list[str]]:
    return b.periods


@router.get("/rankings", tags=["rankings"], response_model=RankingsPage, response_class=FastJSON,
            summary="A ranking of dramas for one period, filtered and paginated")
async def rankings(
    request: Request,
    b: B,
    fmt: Fmt = Format.json,
    period: PeriodKind = PeriodKind.annual,
    period_id: Annotated[str | None, Query(max_length=64, description="e.g. 2024-03, 2024-W09; default latest")] = None,
    platform: Text = None,
    genre: Text = None,
    region: Annotated[str | None, Query(max_length=200, description="province or province/city, e.g. 四川")] = None,
    producer: Text = None,
    flagged: bool | None = None,
    limit: Limit = None,
    offset: Offset = 0,
) -> Response:
    sl = b.ranking_slice(period.value, period_id)
    items = queries.filter_ranking(sl, platform=platform, genre=genre, region=region, producer=producer,
                                   flagged=flagged)
    if fmt == Format.csv:  # a whole ranking as CSV takes tens of ms: not on the event loop
        return await run_in_threadpool(list_response, items, fmt=fmt, limit=limit, offset=offset,
                                       name=safe_filename("rankings", sl.kind, sl.period))
    resp = list_response(items, fmt=fmt, limit=limit, offset=offset,
                         name=safe_filename("rankings", sl.kind, sl.period),
                         meta={"period": sl.kind, "period_id": sl.period, "periods": b.periods.get(sl.kind, []),
                               "dimensions": b.dimensions})
    b.responses.put(hot.api_key(request.scope), resp.body)  # answered from bytes next time (see hot.py)
    return resp


@router.get("/dramas/{drama_id}", tags=["dramas"], response_class=FastJSON,
            summary="One drama: scores, rank interval, contributions, daily trend per platform, anomalies")
async def drama(b: B, drama_id: str) -> Response:
    return FastJSON(queries.drama_json(b, drama_id))  # serialised once per build


@router.get("/dramas/{drama_id}/daily", tags=["dramas"], response_model=Page, response_class=FastJSON,
            summary="One drama's daily facts per platform (from daily.parquet)")
def drama_daily(b: B, drama_id: str, fmt: Fmt = Format.json, platform: Text = None,
                limit: Limit = None, offset: Offset = 0) -> Response:
    b.drama(drama_id)
    df = b.daily_for(drama_id)
    items = queries.table_records(df.drop(columns=["drama_id"]), platform=platform) if df is not None else []
    return list_response(items or [], fmt=fmt, limit=limit, offset=offset, name=safe_filename("daily", drama_id),
                         meta={"drama_id": drama_id, "available": b.daily is not None})


@router.get("/search", tags=["dramas"], response_model=Page, response_class=FastJSON,
            summary="Dramas by title or alias (partial match; width, case, spaces and 《》 ignored)")
def search(b: B, q: Annotated[str, Query(min_length=1, max_length=100)], fmt: Fmt = Format.json,
           limit: Limit = None, offset: Offset = 0) -> Response:
    return list_response(queries.search(b, q), fmt=fmt, limit=limit, offset=offset, name="search",
                         meta={"q": q})


@router.get("/platforms", tags=["rankings"], response_model=Page, response_class=FastJSON,
            summary="The platform ranking and traffic totals per platform")
def platforms(b: B, fmt: Fmt = Format.json, limit: Limit = None, offset: Offset = 0) -> Response:
    items = queries.platforms(b)
    return list_response(items or [], fmt=fmt, limit=limit, offset=offset, name="platforms",
                         meta={"available": items is not None})


@router.get("/producers", tags=["rankings"], response_model=Page, response_class=FastJSON,
            summary="The production-institution ranking, with catalogue counts and best-ranked drama")
def producers(b: B, fmt: Fmt = Format.json, limit: Limit = None, offset: Offset = 0) -> Response:
    items = queries.producers(b)
    return list_response(items or [], fmt=fmt, limit=limit, offset=offset, name="producers",
                         meta={"available": items is not None})


@router.get("/awards", tags=["awards"], response_class=FastJSON,
            summary="Award categories with winners, shortlist and evidence (CSV: one row per entry)")
def awards(b: B, fmt: Fmt = Format.json) -> Response:
    cats = b.awards or []
    if fmt == Format.csv:
        return list_response(queries.awards_rows(cats), fmt=fmt, limit=None, offset=0, name="awards")
    return FastJSON({"available": b.awards is not None, "total": len(cats), "categories": cats})


@router.get("/anomalies", tags=["integrity"], response_model=Page, response_class=FastJSON,
            summary="Traffic anomalies found by the integrity checks")
def anomalies(b: B, fmt: Fmt = Format.json, drama_id: Text = None, platform: Text = None,
              severity: Text = None, limit: Limit = None, offset: Offset = 0) -> Response:
    items = queries.table_records(b.anomalies, drama_id=drama_id, platform=platform, severity=severity)
    if items is not None:
        for it in items:
            it.setdefault("title", b.title_of(str(it.get("drama_id"))))
    return list_response(items or [], fmt=fmt, limit=limit, offset=offset, name="anomalies",
                         meta={"available": items is not None})


@router.get("/quarantine", tags=["integrity"], response_model=Page, response_class=FastJSON,
            summary="Input rows set aside by the season loader, with the reason")
def quarantine(b: B, fmt: Fmt = Format.json, file: Text = None, reason: Text = None,
               limit: Limit = None, offset: Offset = 0) -> Response:
    items = queries.table_records(b.quarantine, file=file, reason=reason)
    return list_response(items or [], fmt=fmt, limit=limit, offset=offset, name="quarantine",
                         meta={"available": items is not None})


@router.get("/methodology", tags=["methodology"], response_class=FastJSON,
            summary="The methodology file of the build and its hash (format=yaml for the file itself)")
def methodology(b: B, fmt: Annotated[str, Query(alias="format", pattern="^(json|yaml)$")] = "json"
                ) -> Response:
    if b.methodology_text is None:
        raise ApiError(404, "this build has no methodology.yaml", code="not_found")
    if fmt == "yaml":
        return Response(b.methodology_text.encode("utf-8"), media_type="application/yaml; charset=utf-8",
                        headers={"Content-Disposition": 'inline; filename="methodology.yaml"'})
    meth = b.methodology or {}
    return FastJSON({**methodology_hash(b), "description": meth.get("description"),
                     "dimensions": b.dimensions, "dimension_names": b.dimension_names(),
                     "weights": b.default_weights(),
                     "indicators": json_records_safe(b.index_methodology().get("indicators")),
                     "text": b.methodology_text})


def json_records_safe(v: Any) -> list[Any]:
    return [x for x in v if isinstance(x, dict)] if isinstance(v, list) else []


@router.post("/whatif", tags=["methodology"], response_model=WhatIfResponse, response_class=FastJSON,
             summary="Re-rank with other dimension weights (weighted mean of the published dimension scores)")
def whatif(b: B, body: WhatIfRequest) -> Response:
    return FastJSON(rerank(b, body.weights, kind=body.period.value, period=body.period_id, limit=body.limit))


__all__ = ["router", "current_build"]
