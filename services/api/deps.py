"""What the API's route modules share: the database, the store, the settings and the
dispatcher as dependencies; the caller's tenant; job views; common checks."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from hingecheck.analysis.profiles import EXERCISES
from hingecheck.jobs import store as jobs
from hingecheck.jobs.models import Job
from hingecheck.jobs.webhooks import CallbackRefused, check_callback_url
from hingecheck.settings import Settings
from hingecheck.storage import ObjectStore
from sqlalchemy.orm import Session, sessionmaker

from services.api.problems import Problem

VIDEO_SUFFIXES = {".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi"}


# async: they only read app.state, and FastAPI would run a plain def in its thread pool
# (a thread hop per dependency per request).
async def get_db(request: Request) -> sessionmaker[Session]:
    return request.app.state.db  # type: ignore[no-any-return]


async def get_store(request: Request) -> ObjectStore:
    return request.app.state.objects  # type: ignore[no-any-return]


async def get_config(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def get_dispatch(request: Request) -> Callable[[str], None]:
    return request.app.state.dispatch  # type: ignore[no-any-return]


# What a route asks for; create_app's lifespan puts them on app.state.
Db = Annotated[sessionmaker[Session], Depends(get_db)]
Store = Annotated[ObjectStore, Depends(get_store)]
Config = Annotated[Settings, Depends(get_config)]
Dispatch = Annotated[Callable[[str], None], Depends(get_dispatch)]


# The OpenAPI security scheme; it parses ``Authorization: Bearer <key>`` (the scheme's
# name in any case, RFC 9110) and leaves the answer to current_tenant.
bearer = HTTPBearer(auto_error=False, scheme_name="apiKey",
                    description="an API key from `hingecheck keys TEAM`")


def unauthorized() -> Problem:
    return Problem(401, "bad-key", "Unauthorized",
                   "send 'Authorization: Bearer <API key>' with a valid key",
                   headers={"WWW-Authenticate": 'Bearer realm="hingecheck"'})


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` value (the scheme's name in any
    case, RFC 9110), or None."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def tenant_of(request: Request, authorization: str | None) -> str | None:
    """The tenant of the key in an ``Authorization`` header's value, or None."""
    key = bearer_token(authorization)
    return jobs.authenticate(request.app.state.db, key) if key else None


def current_tenant(request: Request, credentials: Annotated[
        HTTPAuthorizationCredentials | None, Security(bearer)] = None) -> str:
    """The tenant of the API key in ``Authorization: Bearer``; 401 otherwise."""
    found = tenant_of(request, request.headers.get("authorization")) if credentials else None
    if found is None:
        raise unauthorized()
    return found


TenantId = Annotated[str, Depends(current_tenant)]


async def known_query(request: Request) -> None:
    """422 for a query parameter the operation does not take (a misspelt filter would
    otherwise be ignored silently and return everything)."""
    route = request.scope.get("route")
    path = getattr(route, "path_format", None)
    if path is None or not request.query_params:
        return
    operation = request.app.openapi().get("paths", {}).get(path, {}).get(
        request.method.lower(), {})
    known = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise Problem(422, "invalid-request", "Invalid request",
                      f"unknown query parameter(s): {', '.join(map(repr, unknown))}; "
                      f"this operation takes {', '.join(sorted(known)) or 'none'}",
                      errors=[{"field": f"query.{name}", "message": "not a parameter of "
                               "this operation"} for name in unknown])


def job_view(job: Job) -> dict[str, Any]:
    return {
        "id": job.id, "status": job.status, "progress": job.progress,
        "attempts": job.attempts, "exercise": job.exercise, "athlete": job.athlete,
        "exercise_found": job.exercise_found, "reanalysis_of": job.reanalysis_of,
        "batch": job.batch, "source_name": job.source_name, "score": job.score,
        "unscored_reason": job.unscored_reason,
        "rep_scores": json.loads(job.rep_summary) if job.rep_summary else [],
        "reps": job.rep_count, "faults": json.loads(job.faults) if job.faults else [],
        "error": None if job.error_code is None else {"code": job.error_code,
                                                      "message": job.error_message},
        "created_at": job.created_at.isoformat() if job.created_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "links": {"self": f"/v1/jobs/{job.id}", "result": f"/v1/jobs/{job.id}/result",
                  "video": f"/v1/jobs/{job.id}/video", "poster": f"/v1/jobs/{job.id}/poster"},
    }


def accepted(job: Job) -> JSONResponse:
    return JSONResponse(job_view(job), status_code=202,
                        headers={"Location": f"/v1/jobs/{job.id}"})


def too_large(max_upload_bytes: int) -> Problem:
    return Problem(413, "video-too-large", "Upload too large",
                   f"uploads are limited to {max_upload_bytes // 1024**2} MiB")


def suffix(filename: str | None) -> str:
    """The stored file's extension: the client's if it is a video's, else .mp4."""
    ext = Path(filename or "").suffix.lower()
    return ext if ext in VIDEO_SUFFIXES else ".mp4"


def display_name(filename: str | None, ext: str) -> str:
    """A safe local file name that reads as the client's: its last part, plain
    characters only, at most 100 long, ending in ``ext``."""
    stem = Path(filename or "upload").stem
    stem = re.sub(r"[^A-Za-z0-9._ -]+", "_", stem).strip(" .")[:100] or "upload"
    return stem + ext


def check_fields(settings: Settings, exercise: str, callback_url: str | None) -> None:
    """422 for an unknown exercise or a callback URL hingecheck will not call."""
    if exercise != "auto" and exercise not in EXERCISES:
        raise Problem(422, "unknown-exercise", "Unknown exercise",
                      f"{exercise!r}; choose one of {', '.join(EXERCISES)} or auto")
    if callback_url:
        try:
            check_callback_url(callback_url, settings.webhook_hosts())
        except CallbackRefused as exc:
            raise Problem(422, "bad-callback-url", "Callback URL refused", str(exc)) from None
