"""What the API's route modules share: the database, the store, the settings and the
dispatcher as dependencies; the caller's tenant and the job it names; common checks."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request, Security
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from hingecheck.jobs import rendering
from hingecheck.jobs import store as jobs
from hingecheck.jobs.models import Job
from hingecheck.netcheck import is_inner_text
from hingecheck.schemas.api import JobView
from hingecheck.settings import Settings
from hingecheck.storage import ObjectStore, StorageUnavailable
from hingecheck.vocab import JobStatus
from sqlalchemy.orm import Session, sessionmaker

from services.api.problems import Problem, not_found, unavailable

VIDEO_SUFFIXES = {".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi"}
# A callback URL's form, spelt with explicit characters (no \s: Python and ECMA regexes
# disagree on what it matches): http(s), an ASCII host (a name, IDNA in its xn-- form, or
# an IPv6 literal in brackets), a port 0–65535, then no space or control character.
_URL_CHAR = r"[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
_CALLBACK = (r"https?://([A-Za-z0-9._~!$&'()*+,;=%:-]*@)?"
             r"([A-Za-z0-9._~!$&'()*+,;=%-]+|\[[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*\])"
             r"(:([0-5]?[0-9]{1,4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?"
             rf"([/?#]{_URL_CHAR}*)?")
CALLBACK_URL = rf"^{_CALLBACK}$"
CALLBACK_URL_OR_EMPTY = rf"^({_CALLBACK})?$"  # a form field: empty is none
# What no pattern can state: where the host leads.
CALLBACK_RULE = ("hingecheck POSTs the job's end here. Its host must resolve, and only to "
                 "public addresses (a literal too: no loopback, private, link-local, "
                 "unspecified or reserved address, nor an IPv6 form that carries one); a "
                 "host that does not resolve, an IPv6 literal that is not an address, or "
                 "a non-public address is a 422 bad-callback-url")
MEDIA_TYPE = r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+/[!#$%&'*+.^_`|~0-9A-Za-z-]+( *;[ -~]*)?$"


# async: they only read app.state, and FastAPI would run a plain def in its thread pool
# (a thread hop per dependency per request).
async def get_db(request: Request) -> sessionmaker[Session]:
    return request.app.state.db  # type: ignore[no-any-return]


def get_store(request: Request) -> ObjectStore:
    """The object store, once it answers (probed at most every few seconds, briefly):
    503 at once while it is down, instead of a request that hangs on it."""
    state = request.app.state
    status = state.watch.status(("storage",)).get("storage", "down")
    try:
        if status != "ok":
            raise StorageUnavailable(status.removeprefix("down: "))
        return state.store.get()  # type: ignore[no-any-return]
    except StorageUnavailable as exc:
        raise unavailable("storage", f"the object store cannot be reached; try again ({exc})"
                          ) from None


async def get_config(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def get_dispatch(request: Request) -> Callable[[str], None]:
    return request.app.state.dispatch  # type: ignore[no-any-return]


# What a route asks for; create_app's lifespan puts them on app.state.
Db = Annotated[sessionmaker[Session], Depends(get_db)]
Store = Annotated[ObjectStore, Depends(get_store)]
Config = Annotated[Settings, Depends(get_config)]
Dispatch = Annotated[Callable[[str], None], Depends(get_dispatch)]
JobId = Annotated[str, PathParam(max_length=64, description="a job's id")]


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
    """The tenant of the API key in ``Authorization: Bearer`` (the gate has looked it up);
    401 otherwise."""
    found: str | None = getattr(request.state, "tenant_id", None)
    if found is None and credentials:
        found = tenant_of(request, request.headers.get("authorization"))
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


def owned(db: sessionmaker[Session], tenant_id: str, job_id: str) -> Job:
    """The caller's job; 404 for another tenant's or none. Routes with a body call this
    themselves, so that a bad body is a 422 whatever the job."""
    job = jobs.get_job(db, tenant_id, job_id)
    if job is None:
        raise not_found(f"job {job_id}")
    return job


def owned_job(job_id: JobId, tenant_id: TenantId, db: Db) -> Job:
    """The caller's job named in the path (OwnedJob)."""
    return owned(db, tenant_id, job_id)


OwnedJob = Annotated[Job, Depends(owned_job)]


def finished_job(job: OwnedJob) -> Job:
    """The caller's job, once it has succeeded; 409 before."""
    if job.status != JobStatus.SUCCEEDED:
        raise Problem(409, "not-ready", "Not ready",
                      f"job {job.id} is {job.status}; outputs exist once it succeeds")
    return job


FinishedJob = Annotated[Job, Depends(finished_job)]

# How long a client is told to wait before asking again for an output being drawn.
RENDERING_RETRY_S = 2


def being_drawn(job: Job) -> Problem:
    """409 ``rendering``: the verdict is ready, the annotated clip, poster and chart are
    still being drawn (the verdict comes first: jobs/rendering.py)."""
    return Problem(409, "rendering", "Being drawn",
                   f"job {job.id}'s verdict is ready (its result); its annotated clip, "
                   "poster and chart are being drawn: ask again shortly",
                   headers={"Retry-After": str(RENDERING_RETRY_S)})


def not_drawn(job: Job) -> Problem:
    """404 ``not-drawn``: the drawing was given up (its attempts ran out); the verdict
    stands and nothing will be drawn."""
    return Problem(404, rendering.NOT_DRAWN, "Not drawn", job.error_message or
                   f"job {job.id}'s annotated clip, poster and chart could not be drawn")


def drawn_or_problem(job: Job) -> None:
    """Nothing where the job's rendered outputs are stored; else the problem to answer."""
    if rendering.given_up(job):
        raise not_drawn(job)
    if not rendering.outputs_ready(job):
        raise being_drawn(job)


def rendered_job(job: FinishedJob) -> Job:
    """The caller's job, once its rendered outputs are stored; 409 before (``not-ready``
    while it is analysed, ``rendering`` while they are drawn), 404 ``not-drawn`` where
    their drawing was given up."""
    drawn_or_problem(job)
    return job


RenderedJob = Annotated[Job, Depends(rendered_job)]


def accepted(view: JobView) -> JSONResponse:
    return JSONResponse(view.model_dump(mode="json"), status_code=202,
                        headers={"Location": f"/v1/jobs/{view.id}"})


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


def check_callback(settings: Settings, callback_url: str | None) -> None:
    """422 for a callback URL hingecheck will not call: not http(s), malformed, a port out
    of range, a host that does not resolve, or any address that is not public (through
    every IPv6 form that carries an IPv4 one: hingecheck.netcheck)."""
    if not callback_url:
        return
    try:
        parts = urlsplit(callback_url)
        host, port = parts.hostname, parts.port  # .port raises for 99999 or "x"
        if parts.scheme not in ("http", "https") or not host:
            raise ValueError("the callback URL must be http(s)://host/...")
    except ValueError as exc:
        if re.match(CALLBACK_URL, callback_url):  # the form is right; the literal is not one
            raise Problem(422, "bad-callback-url", "Callback URL refused",
                          f"the callback host is not an IP address: {exc}") from None
        raise Problem(422, "bad-callback-url", "Callback URL refused",
                      f"not a usable URL: {exc}") from None
    if host in settings.webhook_hosts():
        return
    try:
        found = {str(info[4][0]) for info in socket.getaddrinfo(host, port or None)}
    except (OSError, UnicodeError):
        raise Problem(422, "bad-callback-url", "Callback URL refused",
                      f"the callback host {host!r} does not resolve") from None
    inner = sorted(a for a in found if is_inner_text(a))
    if inner:
        raise Problem(422, "bad-callback-url", "Callback URL refused",
                      f"the callback host {host!r} is not a public address ({inner[0]})")
