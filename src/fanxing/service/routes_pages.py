"""The server-rendered dashboard (Jinja2): Chinese first, English with ?lang=en (remembered in a cookie)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse, Response

from fanxing.service import charts, hot, queries
from fanxing.service.data import PERIOD_KINDS, Build, methodology_hash
from fanxing.service.errors import ApiError
from fanxing.service.i18n import PLATFORM_NAMES, STRINGS, language, translator
from fanxing.service.routes_api import current_build
from fanxing.service.schemas import PeriodKind
from fanxing.service.whatif import rerank

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
ASSET_VERSION = "1"

B = Annotated[Build, Depends(current_build)]
Text = Annotated[str | None, Query(max_length=200)]

NUMERIC = {"rank", "score", "dramas", "plays", "plays_adj", "flagged_days", "revenue_cny", "best_rank", "n_works",
           "quality", "excellence", "breadth", "n_top", "n_genres", "n_platforms", "n_hits", "n_exclusives",
           "reach"}
LABELS = {"plays_adj": "plays_adj", "revenue_cny": "revenue", "name": "name", "platform": "platform",
          "producer": "producer", "components": "components", "dramas": "dramas", "flagged_days": "flagged_days"}


def _evidence_for(t: Any, dim_name: Any, platform_name: Any) -> Any:
    """Renders an award entry's evidence: its reason, blended components, index rank, jury, integrity,
    top works; or a generic ``evidence`` field, whatever its shape."""

    def render(entry: dict[str, Any]) -> Markup:
        parts: list[str] = []
        if entry.get("reason"):
            parts.append(f'<p class="reason">{escape(entry["reason"])}</p>')
        rows: list[tuple[str, str]] = []
        comps = entry.get("components")
        if isinstance(comps, dict) and comps:
            rows.append((t("components"), "、".join(f"{dim_name(k)} {_plain(v)}" for k, v in comps.items())))
        idx = entry.get("index")
        if isinstance(idx, dict) and idx.get("rank") is not None:
            interval = (f"（{t('interval')} {_plain(idx.get('rank_low'))}–{_plain(idx.get('rank_high'))}）"
                        if idx.get("rank_low") is not None else "")
            rows.append((t("rank"), f"#{_plain(idx['rank'])}{interval}"))
        jury = entry.get("jury")
        if isinstance(jury, dict) and jury.get("used", True) and jury.get("trimmed_mean") is not None:
            rows.append((t("jury_mean"), f"{_plain(jury['trimmed_mean'])}（{_plain(jury.get('n_jurors'))} "
                                         f"{t('jurors')}）"))
        integ = entry.get("integrity")
        if isinstance(integ, dict) and (integ.get("anomalies") or integ.get("flagged")):
            rows.append((t("flagged"), f"{_plain(integ.get('anomalies'))} · {_plain(integ.get('max_severity'))}"))
        facts = entry.get("facts")
        if isinstance(facts, dict):
            rows += [(t(k), _plain(v)) for k, v in facts.items()]
        if rows:
            parts.append('<dl class="evidence">' + "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>"
                                                         for k, v in rows) + "</dl>")
        top = entry.get("top_works")
        if isinstance(top, list) and top:
            links = "、".join(f'<a href="/dramas/{escape(w.get("drama_id"))}">《{escape(w.get("title"))}》</a>'
                             for w in top[:5] if isinstance(w, dict) and w.get("drama_id"))
            parts.append(f'<p class="top-works">{escape(t("top_works"))}：{links}</p>')
        ev = entry.get("evidence")
        if isinstance(ev, dict):
            parts.append('<dl class="evidence">' + "".join(f"<dt>{escape(k)}</dt><dd>{escape(_plain(v))}</dd>"
                                                         for k, v in ev.items()) + "</dl>")
        elif isinstance(ev, list):
            parts.append("<ul>" + "".join(f"<li>{escape(_plain(v))}</li>" for v in ev) + "</ul>")
        elif ev is not None:
            parts.append(f'<p class="evidence">{escape(ev)}</p>')
        return Markup("".join(parts))

    return render


def _plain(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, dict):
        return "；".join(f"{k}: {_plain(x)}" for k, x in v.items())
    if isinstance(v, list):
        return "、".join(_plain(x) for x in v)
    return str(v)


def _change(n: Any) -> Markup:
    if n is None:
        return Markup('<span class="same">—</span>')
    if n > 0:
        return Markup(f'<span class="up">▲{int(n)}</span>')
    if n < 0:
        return Markup(f'<span class="down">▼{-int(n)}</span>')
    return Markup('<span class="same">–</span>')


def platform_label(b: Build, platform: Any, lang: str) -> str:
    """A platform's display name: the build's registry in Chinese, else the built-in names, else its id."""
    if platform is None:
        return "—"
    p = str(platform)
    if lang == "zh" and p in b.platform_names:
        return b.platform_names[p]
    return PLATFORM_NAMES[lang].get(p) or b.platform_names.get(p, p)


def render(request: Request, b: Build, name: str, active: str, status: int = 200, **ctx: Any) -> Response:
    lang = language(request)
    t = translator(lang)
    params = dict(request.query_params)
    params["lang"] = "en" if lang == "zh" else "zh"
    dim_names = b.dimension_names()

    def dim_name(code: str) -> str:
        return t(code) if code in STRINGS and (lang == "en" or code not in dim_names) else dim_names.get(code, code)

    context = {
        "request": request, "t": t, "lang": lang, "build": b, "active": active, "asset_version": ASSET_VERSION,
        "lang_url": f"{request.url.path}?{urlencode(params)}", "whisker": charts.whisker, "num": charts.fmt_num,
        "colour": charts.colour_for, "dim_name": dim_name, "change": _change,
        "evidence": _evidence_for(t, dim_name, lambda p: platform_label(b, p, lang)),
        "platform_name": lambda p: platform_label(b, p, lang),
        "label": lambda c: t(LABELS.get(c, c)), **ctx,
    }
    resp = templates.TemplateResponse(request, name, context, status_code=status)
    hot.remember_language(request, resp)
    return resp


async def cached_page(request: Request, b: Build, make: Callable[[], Response]) -> Response:
    """A hot page: rendered in the threadpool (a few ms to tens of ms of Jinja and SVG), then kept
    as bytes under :func:`hot.page_key`, so the next request for it is answered before routing."""
    resp = await run_in_threadpool(make)
    if resp.status_code == 200:
        b.responses.put(hot.page_key(request, b), bytes(resp.body))
    return resp


@router.get("/")
async def leaderboard(request: Request, b: B, period: PeriodKind = PeriodKind.annual,
                      period_id: Annotated[str | None, Query(max_length=64)] = None,
                      platform: Text = None, genre: Text = None, region: Text = None, producer: Text = None,
                      page: Annotated[int, Query(ge=1, le=100000)] = 1) -> Response:
    return await cached_page(request, b, lambda: _leaderboard(request, b, period, period_id, platform, genre,
                                                              region, producer, page))


def _leaderboard(request: Request, b: Build, period: PeriodKind, period_id: str | None, platform: str | None,
                 genre: str | None, region: str | None, producer: str | None, page: int) -> Response:
    kind = period.value
    if kind not in b.periods:
        kind = "annual"
    sl = b.ranking_slice(kind, period_id or None)
    filters = {"platform": platform or "", "genre": genre or "", "region": region or "", "producer": producer or ""}
    items = queries.filter_ranking(sl, platform=platform or None, genre=genre or None, region=region or None,
                                   producer=producer or None)
    pg = queries.paginate(items, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    base = {"period": kind, "period_id": sl.period, **{k: v for k, v in filters.items() if v}}

    def url(**extra: Any) -> str:
        return "/?" + urlencode({**base, **extra})

    api = "/api/v1/rankings?" + urlencode(base)
    return render(request, b, "rankings.html", "nav_rankings", kind=kind, kinds=PERIOD_KINDS, period_id=sl.period,
                  page=pg, n=len(sl.records), filters=filters, options=queries.filter_options(b, kind),
                  prev_url=url(page=page - 1) if page > 1 else None,
                  next_url=url(page=page + 1) if pg.offset + PAGE_SIZE < pg.total else None,
                  export_csv=api + "&format=csv", export_json=api)


@router.get("/dramas/{drama_id}")
async def drama_page(request: Request, b: B, drama_id: str) -> Response:
    return await cached_page(request, b, lambda: _drama_page(request, b, drama_id))


def _drama_page(request: Request, b: Build, drama_id: str) -> Response:
    d = queries.drama_detail(b, drama_id)
    lang = language(request)
    t = translator(lang)
    dim_names = b.dimension_names()
    dim_chart = None
    if d.get("dimensions"):
        rows = [((t(k) if lang == "en" else dim_names.get(k, t(k))), float(v), charts.colour_for(k), k)
                for k, v in d["dimensions"].items() if v is not None]
        dim_chart = charts.hbars(rows, width=460, label_w=90) if rows else None
    contrib_chart = None
    if d.get("explanation"):
        ex = sorted((e for e in d["explanation"] if e.get("contribution") is not None),
                    key=lambda e: -abs(float(e["contribution"])))
        rows = [(str(e.get("name") or e.get("indicator")), float(e["contribution"]),
                 charts.colour_for(str(e.get("dimension"))),
                 f"{e.get('indicator')} · value {charts.fmt_num(e.get('value'), 3)} · "
                 f"normalised {charts.fmt_num(e.get('normalised'), 2)}") for e in ex]
        contrib_chart = charts.hbars(rows, width=820, label_w=130) if rows else None
    series = [{**s, "name": platform_label(b, s["platform"], lang)} for s in d.get("trend") or []]
    trend_chart = charts.trend(series, d.get("anomalies")) if series else None
    period_rows = []
    for kind in PERIOD_KINDS:
        v = d["rankings"].get(kind)
        rows = v if isinstance(v, list) else [v] if v else []
        if rows:
            period_rows.append((kind, rows))
    return render(request, b, "drama.html", "nav_rankings", d=d, dim_chart=dim_chart, contrib_chart=contrib_chart,
                  trend_chart=trend_chart, period_rows=period_rows)


@router.get("/awards")
def awards_page(request: Request, b: B) -> Response:
    return render(request, b, "awards.html", "nav_awards", awards=b.awards or [])


def _table_page(request: Request, b: B, rows: list[dict[str, Any]] | None, name: str, active: str,
                preferred: list[str]) -> Response:
    columns: list[str] = []
    if rows:
        present = {k for r in rows for k in r}
        columns = [c for c in preferred if c in present]
    return render(request, b, name, active, rows=rows, columns=columns, numeric=NUMERIC)


@router.get("/platforms")
def platforms_page(request: Request, b: B) -> Response:
    return _table_page(request, b, queries.platforms(b), "platforms.html", "nav_platforms",
                       ["rank", "name", "score", "components", "n_works", "quality", "n_hits", "n_exclusives",
                        "dramas", "plays", "plays_adj", "flagged_days", "revenue_cny"])


@router.get("/producers")
def producers_page(request: Request, b: B) -> Response:
    return _table_page(request, b, queries.producers(b), "producers.html", "nav_producers",
                       ["rank", "producer", "score", "components", "n_works", "quality", "excellence", "breadth",
                        "n_top", "n_genres", "n_platforms", "dramas"])


@router.get("/anomalies")
def anomalies_page(request: Request, b: B) -> Response:
    rows = queries.table_records(b.anomalies)
    for r in rows or []:
        r["title"] = b.title_of(str(r.get("drama_id")))
    q = queries.table_records(b.quarantine)
    return render(request, b, "anomalies.html", "nav_anomalies", rows=rows, quarantine=(q or [])[:200],
                  quarantine_total=len(q or []))


@router.get("/methodology")
def methodology_page(request: Request, b: B) -> Response:
    meth = b.methodology or {}
    by_dim = b.indicators_by_dimension()
    weights = b.default_weights()
    wi = rerank(b, weights, limit=50) if b.dimensions else {"items": []}
    return render(request, b, "methodology.html", "nav_methodology", meth=methodology_hash(b),
                  description=meth.get("description"), weights=weights, indicators_by_dim=by_dim, whatif=wi)


@router.get("/search")
def search_page(request: Request, b: B, q: Annotated[str, Query(max_length=100)] = "") -> Response:
    results = queries.search(b, q)[:200] if q.strip() else []
    return render(request, b, "search.html", "", q=q, results=results)


@router.get("/docs")
def docs_page(request: Request, b: B) -> Response:
    spec = request.app.openapi()
    groups: dict[str, list[dict[str, Any]]] = {}
    for path, item in spec.get("paths", {}).items():
        for method, op in item.items():
            params = []
            for p in op.get("parameters", []):
                schema = p.get("schema", {})
                typ = schema.get("type") or "|".join(s.get("type", "") for s in schema.get("anyOf", []) if s.get("type"))
                if "enum" in schema:
                    typ = " | ".join(map(str, schema["enum"]))
                params.append({"name": p["name"], "in": p["in"], "type": typ, "required": p.get("required", False),
                               "description": p.get("description") or schema.get("description", "")})
            body = op.get("requestBody", {}).get("content", {})
            groups.setdefault((op.get("tags") or ["other"])[0], []).append({
                "id": op.get("operationId"), "method": method, "path": path, "summary": op.get("summary", ""),
                "params": params, "body": ", ".join(body), "security": bool(op.get("security"))})
    return render(request, b, "docs.html", "nav_api", spec=spec, groups=list(groups.items()))


@router.get("/report/{path:path}")
async def report(b: B, path: str = "") -> Response:
    base = (b.root / "report").resolve()
    target = (base / (path or "index.html")).resolve()
    if target.is_dir():
        target = target / "index.html"
    if not target.is_relative_to(base) or not target.is_file():
        raise ApiError(404, "no such report file" if b.has_report else "this build has no report yet",
                       code="not_found")
    return FileResponse(target)


@router.get("/favicon.ico")
async def favicon() -> Response:
    return FileResponse(HERE / "static" / "favicon.svg", media_type="image/svg+xml",
                        headers={"Cache-Control": "public, max-age=86400"})
