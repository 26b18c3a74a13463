"""The upload gate: a direct upload's key and size are checked before its body is read.

FastAPI parses a multipart body (spooling the file to disk) before any dependency runs, so
the key and the size limit, checked in the route, would come after a stranger had already
filled the disk. This ASGI middleware sits in front of ``POST /v1/videos``:

- no valid key → 401 before one byte of the body is read;
- a ``Content-Length`` over the limit → 413 before one byte is read;
- a body without a length (chunked) is counted as it arrives and cut off at the limit
  (413; what was spooled is deleted with the request).

The limit is ``max_upload_bytes`` plus ``FORM_SLACK`` for the form's other fields and
boundaries; the route checks the file's own size exactly.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.api.deps import tenant_of, too_large, unauthorized
from services.api.problems import OUTAGES, Problem, answer_unread, unavailable

FORM_SLACK = 1024 * 1024
GATED = ("POST", "/v1/videos")


class UploadGate:
    def __init__(self, app: ASGIApp, max_upload_bytes: int) -> None:
        self.app, self.max_upload_bytes = app, max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (scope["method"], scope["path"]) != GATED:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        limit = self.max_upload_bytes + FORM_SLACK
        refusal: Problem | None = None
        try:
            tenant = await run_in_threadpool(tenant_of, request,
                                             request.headers.get("authorization"))
        except OUTAGES:
            tenant, refusal = None, unavailable(
                "database", "the job database cannot be reached; nothing was stored, try again")
        declared = request.headers.get("content-length")
        if refusal is not None:
            pass
        elif tenant is None:
            refusal = unauthorized()
        elif declared is not None and (not declared.isdigit() or int(declared) > limit):
            refusal = too_large(self.max_upload_bytes)
        if refusal is not None:
            await self._refuse(scope, send, refusal)
            return

        received, over = 0, False

        async def counted() -> Message:
            nonlocal received, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True  # the app sees the client leave; its spool is deleted
                    return {"type": "http.disconnect"}
            return message

        async def unless_over(message: Message) -> None:
            if not over:
                await send(message)

        try:
            await self.app(scope, counted, unless_over)
        except Exception:
            if not over:
                raise
        if over:
            await self._refuse(scope, send, too_large(self.max_upload_bytes))

    @staticmethod
    async def _refuse(scope: Scope, send: Send, problem: Problem) -> None:
        await answer_unread(scope, send, problem, close=True)  # the body is not read
