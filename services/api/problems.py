"""Errors as RFC 9457 problem details (``application/problem+json``) with stable types."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse

PROBLEM_BASE = "https://hingecheck.dev/problems/"


class Problem(Exception):
    def __init__(self, status: int, kind: str, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.kind, self.title, self.detail = status, kind, title, detail


def problem_response(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return JSONResponse(
        {"type": PROBLEM_BASE + exc.kind, "title": exc.title, "status": exc.status,
         "detail": exc.detail, "instance": request.url.path},
        status_code=exc.status, media_type="application/problem+json")


def not_found(what: str) -> Problem:
    return Problem(404, "not-found", "Not found", f"{what} does not exist")
