"""Load shedding: at most ``limit`` requests in flight per API process
(HINGECHECK_API_MAX_IN_FLIGHT, 32); the rest are answered 503 at once (problem+json,
``Retry-After: 1``) instead of queueing until every client times out. ``/healthz`` is never
shed: liveness is not load."""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.api.problems import Problem, problem_response

EXEMPT = ("/healthz",)


class Shed:
    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit, self.in_flight = app, limit, 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            response = problem_response(Request(scope), Problem(
                503, "overloaded", "Overloaded",
                f"the server is answering {self.limit} requests already; try again",
                headers={"Retry-After": "1"}))

            async def nothing() -> Message:
                return {"type": "http.disconnect"}

            await response(scope, nothing, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
