"""Responses for lists: paginated JSON, or CSV (UTF-8 with BOM, so spreadsheet programs read Chinese)."""

from __future__ import annotations

import csv
import io
import json
import re
from enum import StrEnum
from typing import Any

from starlette.responses import Response


class Format(StrEnum):
    json = "json"
    csv = "csv"


DEFAULT_LIMIT = 50
MAX_LIMIT = 10000


def dumps(content: Any) -> bytes:
    """JSON with Chinese text kept readable (no \\u escapes), compact separators, strict numbers."""
    return json.dumps(content, ensure_ascii=False, separators=(",", ":"), allow_nan=False,
                      default=str).encode("utf-8")


class FastJSON(Response):
    """JSON with Chinese text kept readable (no \\u escapes), compact separators, strict numbers.

    ``bytes`` content is taken as an already serialised body (see :func:`dumps`)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        if isinstance(content, bytes):
            return content
        return dumps(content)


def _cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, list | tuple):
        return "|".join(str(x) for x in v)
    if isinstance(v, dict):
        return json.dumps(v, ensure_ascii=False, sort_keys=True, default=str)
    return v


def to_csv(items: list[dict[str, Any]], columns: list[str] | None = None) -> bytes:
    """Rows as CSV text (lists `|`-joined, nested objects as JSON), UTF-8 with BOM."""
    if columns is None:
        columns = []
        seen: set[str] = set()
        for r in items:
            for k in r:
                if k not in seen:
                    seen.add(k)
                    columns.append(k)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in items:
        w.writerow([_cell(r.get(c)) for c in columns])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def safe_filename(*parts: object) -> str:
    name = "-".join(str(p) for p in parts if p not in (None, ""))
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:120] or "export"


def list_response(items: list[dict[str, Any]], *, fmt: Format, limit: int | None, offset: int,
                  name: str, meta: dict[str, Any] | None = None) -> Response:
    """One list endpoint's response: JSON page ``{items, total, limit, offset, ...meta}`` or a CSV file.

    CSV holds every matching row unless ``limit`` is given, so an export is complete by default.
    """
    total = len(items)
    if fmt == Format.csv:
        rows = items[offset:offset + limit] if limit is not None else items[offset:]
        return Response(to_csv(rows), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{safe_filename(name)}.csv"'})
    lim = DEFAULT_LIMIT if limit is None else limit
    body = {**(meta or {}), "total": total, "limit": lim, "offset": offset, "items": items[offset:offset + lim]}
    return FastJSON(body)
