"""The gate's pools: a full keyless pool sheds keyless API calls, never the page's own files
(one page load asks for a dozen modules at once; shedding them leaves a blank page)."""

from __future__ import annotations

import asyncio

from starlette.types import Message, Receive, Scope, Send

from services.api.gate import Gate
from services.api.shed import never_shed


async def _ok(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def _status(gate: Gate, method: str, path: str) -> int:
    answer: dict[str, int] = {}

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]

    scope = {"type": "http", "method": method, "path": path, "headers": [],
             "query_string": b"", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "scheme": "http", "raw_path": path.encode(), "root_path": "",
             "server": ("testserver", 80), "client": ("127.0.0.1", 5000)}
    asyncio.run(gate(scope, receive, send))
    return answer["status"]


def test_a_full_keyless_pool_sheds_api_calls_but_never_the_page() -> None:
    gate = Gate(_ok, max_upload_bytes=1024, max_in_flight=4)
    gate.public.in_flight = gate.public.limit  # every keyless slot taken
    for path in ("/", "/static/main.js", "/static/app.css", "/static/icon.svg",
                 "/openapi.json", "/healthz"):
        assert _status(gate, "GET", path) == 200, path
    for path in ("/v1/scoring", "/readyz", "/metrics", "/v1/shared/token"):
        assert _status(gate, "GET", path) == 503, path
    assert gate.public.in_flight == gate.public.limit  # the page took no slot


def test_only_reads_of_the_page_pass_unpooled() -> None:
    assert never_shed("GET", "/static/clip.js") and never_shed("HEAD", "/")
    assert not never_shed("POST", "/static/clip.js")
    assert not never_shed("GET", "/v1/jobs") and not never_shed("GET", "/readyz")
