"""Errors as RFC 9457 problem details (``application/problem+json``) with stable types.

Every error the API answers is one of these, whoever raised it: a route (``Problem``), the
request's validation (``invalid-request``, with the fields at fault), the router (a path
or method that does not exist) or a bug (``internal-error``, with no internals shown).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_BASE = "https://hingecheck.dev/problems/"
PROBLEM_MEDIA = "application/problem+json"
log = logging.getLogger("hingecheck.api")


class Problem(Exception):
    def __init__(self, status: int, kind: str, title: str, detail: str,
                 headers: dict[str, str] | None = None,
                 errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.status, self.kind, self.title, self.detail = status, kind, title, detail
        self.headers = headers or {}
        self.errors = errors


class ProblemBody(BaseModel):
    """The body of every error answer (RFC 9457)."""

    type: str = Field(examples=[PROBLEM_BASE + "not-found"],
                      description=f"{PROBLEM_BASE}<kind>: a stable name to branch on")
    title: str
    status: int
    detail: str
    instance: str
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="invalid-request only: each field at fault and why")


def problem_response(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    body: dict[str, Any] = {"type": PROBLEM_BASE + exc.kind, "title": exc.title,
                            "status": exc.status, "detail": exc.detail,
                            "instance": request.url.path}
    if exc.errors is not None:
        body["errors"] = exc.errors
    return JSONResponse(body, status_code=exc.status, media_type=PROBLEM_MEDIA,
                        headers=exc.headers)


def _invalid(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = [{"field": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")}
              for e in exc.errors()]
    detail = "; ".join(f"{f['field']}: {f['message']}" for f in fields[:5]) or "invalid request"
    return problem_response(request, Problem(422, "invalid-request", "Invalid request",
                                             detail, errors=fields))


_HTTP_KINDS = {404: ("not-found", "Not found"), 405: ("method-not-allowed", "Method not allowed")}


def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    kind, title = _HTTP_KINDS.get(exc.status_code, ("bad-request", "Bad request"))
    detail = f"{request.method} {request.url.path}: {exc.detail}"
    return problem_response(request, Problem(exc.status_code, kind, title, detail,
                                             headers=dict(exc.headers or {})))


def _internal(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path,
                  exc_info=exc)
    return problem_response(request, Problem(
        500, "internal-error", "Internal error",
        "the server failed to answer this request; it has been logged"))


def install(app: FastAPI) -> None:
    """Answer every error of ``app`` as problem+json."""
    app.add_exception_handler(Problem, problem_response)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _internal)


def not_found(what: str) -> Problem:
    return Problem(404, "not-found", "Not found", f"{what} does not exist")


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the error answers an operation can give."""
    meaning = {400: "Bad request", 401: "No or bad API key", 404: "Not found (or another "
               "tenant's)", 409: "Conflict: not ready, or not possible on this server",
               413: "Upload too large", 422: "Invalid request or a file that cannot be "
               "analysed", 502: "The object store refused", 503: "A dependency is down; "
               "try again later"}
    return {s: {"model": ProblemBody, "description": meaning.get(s, "Error"),
                "content": {PROBLEM_MEDIA: {}}} for s in statuses}
