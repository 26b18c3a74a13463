"""The API's contract under abuse: the upload gate, problem+json for every error, the
bearer scheme. Real parts: the app over ASGI (TestClient) and, for the event-loop test, a
real uvicorn server over loopback HTTP; SQLite job records, a local folder store."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from hingecheck.jobs import store as jobs
from hingecheck.settings import Settings

from services.api.app import create_app
from services.api.gate import FORM_SLACK
from tests.servers import api_process, assert_loop_stayed_free

MIB = 1024 * 1024
BOUNDARY = "hingecheckboundary"


def _service(tmp: Path, **extra: Any) -> tuple[Settings, Any, str]:
    s = Settings(data_dir=tmp, **extra)
    db = jobs.connect(s.database())
    _, key = jobs.create_key(db, "team-a")
    return s, db, key


def _multipart_head(name: str = "lift.mp4") -> bytes:
    return (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{name}\"\r\nContent-Type: video/mp4\r\n\r\n").encode()


class _Body:
    """An ASGI multipart request body of ``size`` bytes (a file part of zeros) in 64 KiB
    messages, counting what the app pulls, and the response the app sends."""

    def __init__(self, size: int) -> None:
        self.size, self.read, self.status = size, 0, 0
        self.headers: dict[str, str] = {}
        self.body = b""

    async def receive(self) -> dict[str, Any]:
        data = _multipart_head() if self.read == 0 else b""
        data += b"\0" * (min(64 * 1024, self.size - self.read) - len(data))
        self.read += len(data)
        return {"type": "http.request", "body": data, "more_body": self.read < self.size}

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = {k.decode(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")


def _post_upload(client: TestClient, app: Any, body: _Body, headers: dict[str, str]) -> None:
    raw = [(k.lower().encode(), v.encode()) for k, v in
           {"content-type": f"multipart/form-data; boundary={BOUNDARY}", **headers}.items()]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "path": "/v1/videos", "raw_path": b"/v1/videos",
             "query_string": b"", "headers": raw, "scheme": "http", "root_path": "",
             "server": ("testserver", 80), "client": ("127.0.0.1", 5000)}
    client.portal.call(app, scope, body.receive, body.send)  # type: ignore[union-attr]


@pytest.fixture
def own_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every temporary file the app makes lands here, so a test can see what was left."""
    spool = tmp_path / "tmp"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    yield spool


def test_a_keyless_upload_is_refused_before_its_body_is_read(tmp_path: Path,
                                                              own_tmp: Path) -> None:
    s, db, key = _service(tmp_path)
    app = create_app(s, db=db, worker=False)
    with TestClient(app) as client:
        for headers in ({}, {"authorization": "Bearer hc_wrong.key"},
                        {"authorization": key}):  # a raw key without its scheme: refused
            body = _Body(20 * MIB)
            _post_upload(client, app, body, {"content-length": str(body.size), **headers})
            assert body.status == 401 and body.read == 0, headers
            assert body.headers["content-type"] == "application/problem+json"
            assert body.headers["www-authenticate"].startswith("Bearer")
    assert list(own_tmp.iterdir()) == []


def test_an_oversized_upload_is_refused_before_1_mb_is_read(tmp_path: Path,
                                                             own_tmp: Path) -> None:
    s, db, key = _service(tmp_path, max_upload_bytes=2 * MIB)
    app = create_app(s, db=db, worker=False)
    auth = {"authorization": f"Bearer {key}"}
    with TestClient(app) as client:
        declared = _Body(50 * MIB)  # the length says so: nothing is read
        _post_upload(client, app, declared, {"content-length": str(declared.size), **auth})
        assert declared.status == 413 and declared.read == 0
        assert b"video-too-large" in declared.body
        chunked = _Body(50 * MIB)  # no length: counted as it arrives, cut at the limit
        _post_upload(client, app, chunked, auth)
        assert chunked.status == 413 and b"video-too-large" in chunked.body
        assert chunked.read <= 2 * MIB + FORM_SLACK + 64 * 1024
    assert list(own_tmp.iterdir()) == []  # the spooled part went with the request
    with db() as session:
        from hingecheck.jobs.models import Job
        assert session.query(Job).count() == 0


# Streams a 1 GiB multipart upload of zeros to the API; prints the answer's status.
SENDER = """
import sys, httpx
base, key, boundary = sys.argv[1:4]
def body():
    yield (f"--{boundary}\\r\\nContent-Disposition: form-data; name=\\"file\\"; "
           f"filename=\\"lift.mp4\\"\\r\\nContent-Type: video/mp4\\r\\n\\r\\n").encode()
    block = bytes(1024 * 1024)
    for _ in range(1024):
        yield block
    yield f"\\r\\n--{boundary}--\\r\\n".encode()
with httpx.Client(timeout=300) as c:
    print(c.post(f"{base}/v1/videos", content=body(), headers={
        "authorization": f"Bearer {key}",
        "content-type": f"multipart/form-data; boundary={boundary}"}).status_code)
"""


def test_healthz_answers_quickly_during_a_1_gb_upload(tmp_path: Path) -> None:
    """`hingecheck api` in a process of its own, the upload sent from another: only the
    server's event loop is measured, not this process's threads."""
    _, _, key = _service(tmp_path)
    with api_process({"HINGECHECK_DATA_DIR": str(tmp_path)}) as base:
        sender = subprocess.Popen([sys.executable, "-c", SENDER, base, key, BOUNDARY],
                                  stdout=subprocess.PIPE, text=True)
        latencies = []
        with httpx.Client(timeout=10) as c:
            while sender.poll() is None:
                t0 = time.perf_counter()
                assert c.get(f"{base}/healthz").status_code == 200
                latencies.append(time.perf_counter() - t0)
                time.sleep(0.05)
        out, _ = sender.communicate(timeout=60)
    # Zeros are not a video: refused once the whole file is in, and the loop stayed free.
    assert out.strip() == "422", out
    assert len(latencies) >= 10, "the upload ended too soon to measure anything"
    assert_loop_stayed_free(latencies)


def test_every_error_is_problem_json(tmp_path: Path) -> None:
    s, db, key = _service(tmp_path)
    auth = {"Authorization": f"Bearer {key}"}
    with TestClient(create_app(s, db=db, worker=False), raise_server_exceptions=False) as c:
        cases = {
            "bad-cursor": c.get("/v1/jobs?cursor=yesterday", headers=auth),
            "invalid-request": c.post("/v1/batches", headers={**auth,
                                      "content-type": "application/json"}, content=b"{junk"),
            "not-found": c.get("/v1/nowhere", headers=auth),
            "method-not-allowed": c.delete("/v1/scoring"),
        }
        long_name = c.post("/v1/batches", headers=auth, json={"name": "x" * 5000})
        # A misspelt filter would otherwise list everything; a wrong type is refused.
        misspelt = c.get("/v1/jobs?athelete=Anna", headers=auth)
        bad_limit = c.get("/v1/jobs?limit=many", headers=auth)
        bad_note = c.post("/v1/jobs/x/notes", headers=auth, json={"rep": "first", "text": 5})
        # The scheme's name is case-insensitive (RFC 9110).
        lower = c.get("/v1/jobs", headers={"Authorization": f"bearer {key}"})
    for kind, r in cases.items():
        assert r.headers["content-type"] == "application/problem+json", (kind, r.text)
        assert r.json()["type"].endswith("/" + kind), (kind, r.json())
        assert 400 <= r.status_code < 500
    assert long_name.status_code == 422
    assert misspelt.status_code == 422 and "athelete" in misspelt.text
    assert bad_limit.status_code == 422 and bad_note.status_code == 422
    assert long_name.json()["errors"][0]["field"] == "body.name"
    assert lower.status_code == 200


def _bad_media(tmp: Path) -> dict[str, tuple[str, bytes]]:
    """What a careless or hostile client sends, by the problem type each must get."""
    import cv2
    import numpy as np
    from hingecheck.video.encode import write_h264

    frames = [np.full((64, 96, 3), 90, np.uint8)] * 30
    whole, cut = tmp / "whole.mp4", tmp / "cut.mp4"
    write_h264(whole, frames, fps=30)
    write_h264(cut, frames, fps=30, faststart=False)  # a phone's layout: index last
    one = tmp / "one.mp4"
    write_h264(one, frames[:1], fps=30)
    png = cv2.imencode(".png", frames[0])[1].tobytes()
    jpg = cv2.imencode(".jpg", frames[0])[1].tobytes()
    return {
        "one frame": ("video-too-short", one.read_bytes()),
        "png renamed": ("not-a-video", png),
        "jpeg renamed": ("not-a-video", jpg),
        "jpeg + mp4": ("not-a-video", jpg + whole.read_bytes()),
        "recording cut short": ("truncated-video", cut.read_bytes()[: cut.stat().st_size // 2]),
    }


def test_what_is_not_a_lift_video_gets_422_and_no_job(tmp_path: Path) -> None:
    from hingecheck.jobs.models import Job

    s, db, key = _service(tmp_path)
    with TestClient(create_app(s, db=db, worker=False)) as c:
        for case, (kind, data) in _bad_media(tmp_path).items():
            r = c.post("/v1/videos", headers={"Authorization": f"Bearer {key}"},
                       files={"file": ("Anna's set 3.mp4", data, "video/mp4")})
            assert r.status_code == 422, (case, r.text)
            problem = r.json()
            assert problem["type"].endswith("/" + kind), (case, problem)
            assert "Anna" in problem["detail"], (case, problem)  # the user's own name
            assert str(tmp_path) not in problem["detail"] and "/tmp" not in problem["detail"]
    with db() as session:
        assert session.query(Job).count() == 0


def test_a_tenant_rotates_its_key_and_reads_its_webhook_secret(tmp_path: Path) -> None:
    s, db, old = _service(tmp_path)
    _, other = jobs.create_key(db, "team-b")
    old_auth = {"Authorization": f"Bearer {old}"}
    with TestClient(create_app(s, db=db, worker=False)) as c:
        old_prefix = old.split(".")[0]
        assert [k["prefix"] for k in c.get("/v1/keys", headers=old_auth).json()["keys"]] \
            == [old_prefix]
        assert c.delete(f"/v1/keys/{old_prefix}", headers=old_auth).json()["type"] \
            .endswith("/last-key")
        new = c.post("/v1/keys", headers=old_auth)
        assert new.status_code == 201
        new_auth = {"Authorization": f"Bearer {new.json()['key']}"}
        # Another tenant cannot see or revoke this tenant's keys.
        other_auth = {"Authorization": f"Bearer {other}"}
        assert c.delete(f"/v1/keys/{old_prefix}", headers=other_auth).status_code == 404
        assert c.delete(f"/v1/keys/{old_prefix}", headers=new_auth).status_code == 204
        assert c.get("/v1/jobs", headers=old_auth).status_code == 401  # revoked at once
        assert c.get("/v1/jobs", headers=new_auth).status_code == 200
        secret = c.get("/v1/webhook-secret", headers=new_auth).json()["secret"]
    tenant = jobs.find_tenant(db, "team-a")
    assert tenant is not None and secret == tenant.webhook_secret


def _admits(openapi: dict[str, Any], schema: dict[str, Any], value: Any) -> bool:
    """Whether ``schema`` (refs into the OpenAPI's components) admits ``value``."""
    from jsonschema import Draft202012Validator

    return bool(Draft202012Validator({**schema, "components": openapi["components"]}
                                     ).is_valid(value))


def test_the_openapi_states_what_the_code_refuses(tmp_path: Path) -> None:
    """What a generated client may build from the OpenAPI is what the server takes: the
    cursor's form is a date-time that parses, a required name has a visible character, a
    callback URL's form, the output kinds in the path; and what the schema refuses (a
    boolean for a number) the server refuses too."""
    import re
    from datetime import datetime

    from hingecheck.schemas.api import clean_name

    from services.api.deps import CALLBACK_URL, check_callback
    from services.api.problems import Problem
    from services.api.videos import CURSOR

    s, db, key = _service(tmp_path)
    auth = {"Authorization": f"Bearer {key}"}
    with TestClient(create_app(s, db=db, worker=False), raise_server_exceptions=False) as c:
        openapi = c.get("/openapi.json").json()
        # the cursor: every pattern-admitted value parses; what does not parse is refused
        for value in ("2026-04-30T23:59:59+23:59", "2024-02-29T00:00:00.5Z",
                      "2000-02-29T00:00:00", "0001-01-01T00:00:00"):
            assert re.match(CURSOR, value) and datetime.fromisoformat(value), value
            assert c.get("/v1/jobs", params={"cursor": value}, headers=auth
                         ).status_code == 200, value
        for value in ("2026-04-31T00:00:00Z", "2023-02-29T00:00:00Z", "1900-02-29T00:00:00",
                      "0000-01-01T00:00:00", "2026-13-01T00:00:00", "2026-01-01T24:00:00",
                      "2026-01-01T00:60:00", "2026-01-01T00:00:00+24:00", "2026-01-01"):
            assert not re.match(CURSOR, value), value
            r = c.get("/v1/jobs", params={"cursor": value}, headers=auth)
            assert r.status_code == 422 and r.json()["type"].endswith("/bad-cursor"), value
        # a required name: what the pattern admits is never cleaned away to nothing
        athlete = openapi["components"]["schemas"]["ShareIn"]["properties"]["athlete"]
        for name in ("\x01\x02", " \x85\u200b\ufeff\u3000", "\u202e\u2066 \t"):
            assert not _admits(openapi, athlete, name) and not clean_name(name), repr(name)
            r = c.post("/v1/shares", headers=auth, json={"athlete": name})
            assert r.status_code == 422, repr(name)
        for name in ("Anna", " \x01 B", "\u0627"):
            assert _admits(openapi, athlete, name) and clean_name(name), repr(name)
        # a boolean is not a number
        assert c.post("/v1/uploads", headers=auth, json={"filename": "a.mp4",
                                                         "size_bytes": True}).status_code == 422
        # the callback URL's form: no \s (Python and ECMA differ); port within range
        for url in ("http://h\x85/", "http://h/\x85", "http://example.com:99999/",
                    "http://[::1/", "ftp://example.com/", "http://exa mple.com/"):
            assert not re.match(CALLBACK_URL, url), repr(url)
        for url in ("https://hooks.example.com:8443/a?b=c#d", "http://[2001:db8::1]/",
                    "http://u:p@example.com"):
            assert re.match(CALLBACK_URL, url), url
        # ... and what no pattern states, the code still refuses, naming the rule
        for url, says in (("http://0", "not a public address"),
                          ("http://[1::2::3]/", "not an IP address"),
                          ("http://nowhere.invalid/", "does not resolve"),
                          ("http://example.com:99999/", "not a usable URL")):
            try:
                check_callback(s, url)
                raise AssertionError(url)
            except Problem as refused:
                assert refused.status == 422 and says in refused.detail, url
        # a multipart field has no null: empty is none, and "null" is no URL
        form = openapi["components"]["schemas"]["Body_upload_video"]["properties"]
        assert form["callback_url"]["type"] == "string" and form["callback_url"]["default"] == ""
        assert _admits(openapi, form["callback_url"], "")
        assert not _admits(openapi, form["callback_url"], "null")
        # a word that is no output kind is not that route's: 405 where another method
        # has the path, 404 where nothing has it
        batch = c.post("/v1/batches", headers=auth, json={"name": "b"})
        assert c.get("/v1/jobs/j1/reanalyse", headers=auth).status_code == 405
        assert c.get("/v1/jobs/j1/nothing", headers=auth).status_code == 404
        kind = next(p for p in openapi["paths"]["/v1/jobs/{job_id}/{kind}"]["get"][
            "parameters"] if p["name"] == "kind")
        assert kind["schema"]["enum"] == ["video", "poster", "chart"]
        # SQLite keeps naive times; the answers carry UTC's offset
        listed = c.get("/v1/batches", headers=auth).json()["batches"]
        assert [b["id"] for b in listed] == [batch.json()["id"]]
        assert datetime.fromisoformat(listed[0]["created_at"]).utcoffset() is not None
