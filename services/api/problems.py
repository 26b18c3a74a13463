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
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import Message, Scope, Send

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
    if exc.kind.endswith("-unavailable"):
        # A dependency failed a real request: readiness probes it afresh next time rather
        # than repeat the answer it kept from before.
        watch = getattr(request.app.state, "watch", None) if "app" in request.scope else None
        if watch is not None:
            watch.forget(exc.kind.removesuffix("-unavailable"))
    return JSONResponse(body, status_code=exc.status, media_type=PROBLEM_MEDIA,
                        headers=exc.headers)


_FIELD_KINDS = {"exercise": ("unknown-exercise", "Unknown exercise"),
                "callback_url": ("bad-callback-url", "Callback URL refused")}


def _invalid(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = [{"field": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")}
              for e in exc.errors()]
    detail = "; ".join(f"{f['field']}: {f['message']}" for f in fields[:5]) or "invalid request"
    for name, (kind, title) in _FIELD_KINDS.items():
        if fields and all(f["field"].endswith("." + name) for f in fields):
            # A field with its own stable type keeps it when the schema refuses it.
            return problem_response(request, Problem(422, kind, title, detail, errors=fields))
    return problem_response(request, Problem(422, "invalid-request", "Invalid request",
                                             detail, errors=fields))


_HTTP_KINDS = {404: ("not-found", "Not found"), 405: ("method-not-allowed", "Method not allowed")}


def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    kind, title = _HTTP_KINDS.get(exc.status_code, ("bad-request", "Bad request"))
    detail = f"{request.method} {request.url.path}: {exc.detail}"
    headers = dict(exc.headers or {})
    if exc.status_code == 405:  # every method of the path, not only the first route's
        headers["Allow"] = ", ".join(_methods_of(request))
    return problem_response(request, Problem(exc.status_code, kind, title, detail,
                                             headers=headers))


def _methods_of(request: Request) -> list[str]:
    methods: set[str] = set()
    for route in request.app.routes:
        match, _ = route.matches({**request.scope, "method": "GET"})
        if match != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


# A dependency that is down: the client is told to come back, not that it failed.
RETRY_AFTER_S = 5
OUTAGES = (OperationalError, InterfaceError, SQLAlchemyTimeout)


def unavailable(what: str, detail: str) -> Problem:
    """503 with Retry-After: ``what`` (database, storage, …) is down for now."""
    return Problem(503, f"{what}-unavailable", f"{what.capitalize()} unavailable", detail,
                   headers={"Retry-After": str(RETRY_AFTER_S)})


def _outage(request: Request, exc: Exception) -> JSONResponse:
    log.warning("database unreachable on %s %s: %s", request.method, request.url.path,
                type(exc).__name__)
    return problem_response(request, unavailable(
        "database", "the job database cannot be reached; nothing was changed, try again"))


def _internal(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path,
                  exc_info=exc)
    return problem_response(request, Problem(
        500, "internal-error", "Internal error",
        "the server failed to answer this request; it has been logged"))


def install(app: FastAPI) -> None:
    """Answer every error of ``app`` as problem+json, and say so in its OpenAPI."""
    app.add_exception_handler(Problem, problem_response)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(StarletteHTTPException, _http)
    for outage in OUTAGES:
        app.add_exception_handler(outage, _outage)
    app.add_exception_handler(Exception, _internal)
    plain_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _problems_in_spec(plain_openapi())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _problems_in_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """Every error answer of every operation as problem+json (FastAPI writes its own
    validation error shape and the plain JSON media type), and a 500 on each."""
    problem = {PROBLEM_MEDIA: {"schema": {"$ref": "#/components/schemas/ProblemBody"}}}
    for operations in spec.get("paths", {}).values():
        for op in operations.values():
            responses = op.setdefault("responses", {})
            if op.get("parameters") or op.get("requestBody"):
                responses.setdefault("422", {"description": "Invalid request"})
            if op.get("requestBody"):
                responses.setdefault("400", {"description": "The body could not be parsed"})
            responses["500"] = {"description": "A bug, logged; no internals are shown"}
            readiness = op.get("operationId") == "readyz"  # its 503 is a Readiness body
            for status, response in responses.items():
                if status[0] in "45" and not (readiness and status == "503"):
                    response["content"] = problem
                    if response.get("description") == "Validation Error":
                        response["description"] = "Invalid request (the fields at fault)"
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    schemas.setdefault("ProblemBody", ProblemBody.model_json_schema())
    return spec


async def answer_unread(scope: Scope, send: Send, problem: Problem, *,
                        close: bool = False) -> None:
    """Answer ``problem`` from ASGI middleware without reading the request's body;
    ``close``: say the connection closes (a body is left unread on it)."""
    response = problem_response(Request(scope), problem)
    if close:
        response.headers["Connection"] = "close"

    async def nothing() -> Message:
        return {"type": "http.disconnect"}

    await response(scope, nothing, send)


def not_found(what: str) -> Problem:
    return Problem(404, "not-found", "Not found", f"{what} does not exist")


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the error answers an operation can give."""
    meaning = {400: "Bad request", 401: "No or bad API key", 404: "Not found (or another "
               "tenant's)", 409: "Conflict: not ready, or not possible on this server",
               413: "Upload too large", 422: "Invalid request or a file that cannot be "
               "analysed", 502: "The object store refused", 503: "A dependency is down; "
               "try again later"}
    return {s: {"model": ProblemBody, "description": meaning.get(s, "Error")}
            for s in statuses}
