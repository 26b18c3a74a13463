"""Load shedding: at most ``limit`` requests in flight per API process
(HINGECHECK_API_MAX_IN_FLIGHT, 32) for keyed clients, and a separate, smaller pool for
everything that needs no key (readiness, the scoring table, share links, the page); the
rest are answered 503 at once (problem+json, ``Retry-After: 1``) instead of queueing until
every client times out. The gate (gate.py) takes a slot only once a key has been checked,
so clients without a key can never fill the keyed pool. ``/healthz`` is never shed:
liveness is not load; nor is a read of the page's own files (``/``, ``/static/…``, the
OpenAPI): they carry no body, are answered from disk at once, and one page load asks for
a dozen of them together, which a small keyless pool would turn into a blank page."""

from __future__ import annotations

from services.api.problems import Problem

EXEMPT = ("/healthz",)
# Served by the API and counted in a pool: everything under /v1/, readiness and metrics.
_POOLED_PREFIX = "/v1/"
_POOLED = ("/readyz", "/metrics")


def never_shed(method: str, path: str) -> bool:
    """Whether a request is served without taking a slot of either pool."""
    if path in EXEMPT:
        return True
    return method in ("GET", "HEAD") and not path.startswith(_POOLED_PREFIX) \
        and path not in _POOLED


class Limiter:
    """A count of requests in flight against a limit (one event loop: no lock needed)."""

    def __init__(self, name: str, limit: int) -> None:
        self.name, self.limit, self.in_flight = name, limit, 0

    def enter(self) -> bool:
        """Take a slot; False when all are taken."""
        if self.in_flight >= self.limit:
            return False
        self.in_flight += 1
        return True

    def leave(self) -> None:
        self.in_flight -= 1

    def overloaded(self) -> Problem:
        return Problem(503, "overloaded", "Overloaded",
                       f"the server is answering {self.limit} {self.name} requests already; "
                       "try again", headers={"Retry-After": "1"})


def public_limit(keyed_limit: int) -> int:
    """The pool for requests without a key: a quarter of the keyed one, at least 4."""
    return max(4, keyed_limit // 4)
