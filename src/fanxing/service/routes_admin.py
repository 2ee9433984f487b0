"""The admin API: upload season files, build in the background, publish a build (bearer token)."""

from __future__ import annotations

import hashlib
import hmac
import os
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.responses import Response

from fanxing.service.errors import ApiError
from fanxing.service.export import FastJSON
from fanxing.service.schemas import BuildStart, ErrorResponse
from fanxing.service.state import ServiceState
from fanxing.service.uploads import SUBDIRS, check_content, check_season_name, safe_relpath

bearer = HTTPBearer(auto_error=False, description="FANXING_ADMIN_TOKEN")
MAX_FILES = 50


def require_admin(request: Request, cred: HTTPAuthorizationCredentials | None = Depends(bearer)) -> ServiceState:
    """401 without a bearer token, 403 with a wrong one (constant-time comparison)."""
    state: ServiceState = request.app.state.fx
    if not state.admin_token:
        raise ApiError(403, "the admin API is disabled: start the server with FANXING_ADMIN_TOKEN set",
                       code="admin_disabled")
    if cred is None or not cred.credentials:
        raise ApiError(401, "admin token required: send 'Authorization: Bearer <FANXING_ADMIN_TOKEN>'",
                       code="unauthorized", headers={"WWW-Authenticate": "Bearer"})
    if not hmac.compare_digest(cred.credentials.encode("utf-8"), state.admin_token.encode("utf-8")):
        raise ApiError(403, "the admin token is wrong", code="forbidden")
    return state


router = APIRouter(prefix="/api/v1/admin", tags=["admin"], responses={
    401: {"model": ErrorResponse, "description": "no token"},
    403: {"model": ErrorResponse, "description": "wrong token or admin disabled"},
    404: {"model": ErrorResponse, "description": "not found"},
    409: {"model": ErrorResponse, "description": "conflict"},
    413: {"model": ErrorResponse, "description": "upload too large"},
    422: {"model": ErrorResponse, "description": "invalid request or file"},
})

UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["files"],
    "properties": {
        "files": {"type": "array", "items": {"type": "string", "format": "binary"},
                  "description": "season files; a part's filename may start with metrics/, surveys/ or mappings/"},
        "dir": {"type": "string", "enum": list(SUBDIRS), "description": "sub-directory for every file of the request"},
    }}}}}}


def _season_dir(state: ServiceState, name: str) -> Path:
    return state.seasons_dir / check_season_name(name)


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".upload-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@router.post("/seasons/{name}/files", status_code=201, openapi_extra=UPLOAD_BODY,
             summary="Upload season files (multipart, field 'files'); names sanitised, content checked")
async def upload_files(name: str, request: Request, state: ServiceState = Depends(require_admin)) -> Response:
    season = _season_dir(state, name)
    ctype = request.headers.get("content-type", "")
    if not ctype.startswith("multipart/form-data"):
        raise ApiError(415, "send the files as multipart/form-data (field 'files')", code="unsupported_media_type")
    form = await request.form(max_files=MAX_FILES, max_fields=MAX_FILES + 10)
    subdir = form.get("dir")
    if subdir is not None and (not isinstance(subdir, str) or subdir not in SUBDIRS):
        raise ApiError(422, f"'dir' must be one of {', '.join(SUBDIRS)}", code="invalid_request")
    uploads = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
    if not uploads:
        raise ApiError(422, "no files in the request: send one or more multipart parts named 'files'",
                       code="invalid_request")
    staged: list[tuple[str, bytes]] = []
    for up in uploads:  # check every file before writing any
        rel = safe_relpath(f"{subdir}/{up.filename}" if subdir and up.filename else up.filename)
        data = await up.read()
        if len(data) > state.max_upload_bytes:
            raise ApiError(413, f"{rel} is larger than the upload limit of {state.max_upload_bytes} bytes",
                           code="payload_too_large", details={"limit": state.max_upload_bytes})
        check_content(rel, data)
        staged.append((rel, data))
    written = []
    for rel, data in staged:
        _write_atomic(season / rel, data)
        written.append({"path": rel, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()})
    return FastJSON({"season": name, "files": written}, status_code=201)


@router.get("/seasons/{name}", summary="Files of an uploaded season")
async def season_files(name: str, state: ServiceState = Depends(require_admin)) -> dict[str, Any]:
    season = _season_dir(state, name)
    if not season.is_dir():
        raise ApiError(404, f"no uploaded season {name!r}", code="not_found")
    files = sorted(p.relative_to(season).as_posix() for p in season.rglob("*") if p.is_file()
                   and not p.name.startswith("."))
    return {"season": name, "files": files}


BUILD_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["season"], "additionalProperties": False,
    "properties": {"season": {"type": "string", "minLength": 1, "maxLength": 64}}}}}}}


@router.post("/builds", status_code=202, openapi_extra=BUILD_BODY, summary="Start `fanxing build` for an uploaded season in the background")
async def start_build(request: Request, state: ServiceState = Depends(require_admin)) -> Response:
    try:
        body = BuildStart.model_validate_json(await request.body())
    except ValidationError as exc:
        raise ApiError(422, "body must be JSON like {\"season\": \"2024\"}", code="invalid_request",
                       details={"errors": [{"loc": [str(x) for x in e["loc"]], "msg": e["msg"]}
                                           for e in exc.errors()]}) from exc
    season = _season_dir(state, body.season)
    if not (season / "dramas.csv").is_file():
        raise ApiError(422 if season.is_dir() else 404,
                       f"season {body.season!r} has no dramas.csv; upload the season files first",
                       code="season_incomplete" if season.is_dir() else "not_found")
    job = state.runner.start(body.season, season)
    return FastJSON(job.to_dict(), status_code=202, headers={"Location": f"/api/v1/admin/builds/{job.id}"})


@router.get("/builds", summary="All builds started since the server started")
async def list_builds(state: ServiceState = Depends(require_admin)) -> dict[str, Any]:
    return {"builds": [j.to_dict() for j in state.runner.jobs.values()],
            "serving": state.build.build_id}


@router.get("/builds/{build_id}", summary="Status and log of one build")
async def build_status(build_id: str, state: ServiceState = Depends(require_admin)) -> Response:
    return FastJSON(state.runner.get(build_id).to_dict(with_log=True))


@router.post("/builds/{build_id}/publish", summary="Serve a succeeded build (atomic swap on disk and in memory)")
def publish(build_id: str, state: ServiceState = Depends(require_admin)) -> Response:
    job = state.runner.get(build_id)
    new = state.publish(job)
    return FastJSON({**job.to_dict(), "serving": new.build_id})
