"""The gate: every request's key, size and pace are checked before its body is read.

FastAPI reads a request's body (parsing JSON, spooling a multipart file to disk) before
any dependency runs, so a key checked in the route would come after a stranger had
already filled the memory or the disk. This ASGI middleware sits in front of every route:

- a route that needs a key (every ``/v1/…`` one but the scoring table and the share
  links): no valid key → 401 before one byte of the body is read, and such a request
  never takes a slot of the keyed pool (shed.py);
- a ``Content-Length`` over the route's cap → 413 before one byte is read; a body without
  a length (chunked) is counted as it arrives and cut off at the cap (413; what was
  spooled is deleted with the request). Caps: an upload ``max_upload_bytes`` plus
  ``FORM_SLACK`` for the form's other fields (the route checks the file's own size
  exactly); a multipart completion ``COMPLETE_CAP``; any other body ``JSON_CAP``;
- a body that does not arrive in time → 408: a JSON body must be in within
  ``JSON_BODY_S``, an upload may not stall for ``UPLOAD_STALL_S``.

The tenant found here is handed to the route (``scope["state"]["tenant_id"]``), so the key
is looked up once per request.
"""

from __future__ import annotations

import asyncio
import threading

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.api.deps import tenant_of, too_large, unauthorized
from services.api.problems import OUTAGES, Problem, answer_unread, unavailable
from services.api.shed import Limiter, never_shed, public_limit

FORM_SLACK = 1024 * 1024
JSON_CAP = 64 * 1024            # every JSON body but a completion is well under 10 KiB
COMPLETE_CAP = 2 * 1024 * 1024  # 10,000 ETags of ~36 characters, quoted, with commas
JSON_BODY_S = 10.0
UPLOAD_STALL_S = 30.0
UPLOAD = ("POST", "/v1/videos")
# Routes with no key: their own token (metrics, share links) or none at all.
PUBLIC = frozenset({"/v1/scoring", "/healthz", "/readyz", "/metrics"})


def needs_key(path: str) -> bool:
    return path.startswith("/v1/") and path not in PUBLIC and not (
        path == "/v1/shared" or path.startswith("/v1/shared/"))


def body_cap(method: str, path: str, max_upload_bytes: int) -> int:
    if (method, path) == UPLOAD:
        return max_upload_bytes + FORM_SLACK
    if path.startswith("/v1/uploads/") and path.endswith("/complete"):
        return COMPLETE_CAP
    return JSON_CAP


def body_too_large(cap: int) -> Problem:
    return Problem(413, "body-too-large", "Request body too large",
                   f"this operation takes a body of at most {cap // 1024} KiB")


def body_too_slow(seconds: float) -> Problem:
    return Problem(408, "body-timeout", "Request body too slow",
                   f"the request's body did not arrive in time ({seconds:g} s); send it "
                   "again at once", headers={"Retry-After": "1"})


class Gate:
    def __init__(self, app: ASGIApp, max_upload_bytes: int, max_in_flight: int,
                 database_ready: threading.Event | None = None) -> None:
        self.app, self.max_upload_bytes = app, max_upload_bytes
        self.keyed = Limiter("keyed", max_in_flight)
        self.public = Limiter("keyless", public_limit(max_in_flight))
        self.database_ready = database_ready

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or never_shed(scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        upload = (method, path) == UPLOAD
        refusal: Problem | None = None
        pool = self.public
        if needs_key(path):
            pool = self.keyed
            refusal = await self._admit(scope)
        cap = body_cap(method, path, self.max_upload_bytes)
        declared = Request(scope).headers.get("content-length")
        if refusal is None and declared is not None and (
                not declared.isdigit() or int(declared) > cap):
            refusal = too_large(self.max_upload_bytes) if upload else body_too_large(cap)
        if refusal is None and not pool.enter():
            refusal = pool.overloaded()
        elif refusal is None:
            try:
                await self._serve(scope, receive, send, cap, upload)
            finally:
                pool.leave()
            return
        headers = Request(scope).headers
        has_body = declared not in (None, "0") or "transfer-encoding" in headers
        await answer_unread(scope, send, refusal, close=has_body)  # the body is not read

    async def _admit(self, scope: Scope) -> Problem | None:
        """None once the key names a tenant (put in the scope's state); the refusal else."""
        if self.database_ready is not None and not self.database_ready.is_set():
            return unavailable("database", "the job database is not reachable yet; try again")
        request = Request(scope)
        try:
            tenant = await run_in_threadpool(tenant_of, request,
                                             request.headers.get("authorization"))
        except OUTAGES:
            return unavailable("database", "the job database cannot be reached; nothing "
                               "was stored, try again")
        if tenant is None:
            return unauthorized()
        scope.setdefault("state", {})["tenant_id"] = tenant
        return None

    async def _serve(self, scope: Scope, receive: Receive, send: Send, cap: int,
                     upload: bool) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + JSON_BODY_S
        received, body_done = 0, False
        cut: Problem | None = None

        async def counted() -> Message:
            nonlocal received, body_done, cut
            if cut is not None:
                return {"type": "http.disconnect"}
            if body_done:  # only the client leaving is left to wait for
                return await receive()
            wait = UPLOAD_STALL_S if upload else max(0.0, deadline - loop.time())
            try:
                async with asyncio.timeout(wait):  # no task per message, as wait_for makes
                    message = await receive()
            except TimeoutError:
                cut = body_too_slow(UPLOAD_STALL_S if upload else JSON_BODY_S)
                return {"type": "http.disconnect"}  # the app sees the client leave
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                body_done = not message.get("more_body", False)
                if received > cap:
                    cut = too_large(self.max_upload_bytes) if upload else body_too_large(cap)
                    return {"type": "http.disconnect"}  # its spool is deleted with it
            return message

        started = False

        async def unless_cut(message: Message) -> None:
            nonlocal started
            if cut is None:
                started = True
                await send(message)

        try:
            await self.app(scope, counted, unless_cut)
        except Exception:
            if cut is None:
                raise
        if cut is not None and not started:
            await answer_unread(scope, send, cut, close=True)
