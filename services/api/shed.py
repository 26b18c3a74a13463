"""Load shedding: at most ``limit`` requests in flight per API process
(HINGECHECK_API_MAX_IN_FLIGHT, 32); the rest are answered 503 at once (problem+json,
``Retry-After: 1``) instead of queueing until every client times out. ``/healthz`` is never
shed: liveness is not load."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from services.api.problems import Problem, answer_unread

EXEMPT = ("/healthz",)


class Shed:
    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit, self.in_flight = app, limit, 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            await answer_unread(scope, send, Problem(
                503, "overloaded", "Overloaded",
                f"the server is answering {self.limit} requests already; try again",
                headers={"Retry-After": "1"}))
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
