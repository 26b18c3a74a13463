"""The API against anonymous and hostile clients: no key, no memory; no slow client, no
outage; no 500s. Real parts: the app over ASGI (TestClient) and a real uvicorn server over
loopback HTTP for the socket-level cases; SQLite job records, a local folder store, and
moto's S3 server over HTTP where the store matters."""

from __future__ import annotations

import concurrent.futures
import contextlib
import socket
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from hingecheck.jobs import store as jobs
from hingecheck.jobs.models import Job
from hingecheck.settings import Settings

from services.api import gate, health
from services.api.app import create_app
from tests.servers import CutProxy, free_port, moto_s3, serving

JSON_ROUTES = [("POST", "/v1/batches"), ("POST", "/v1/shares"), ("POST", "/v1/keys"),
               ("POST", "/v1/uploads"), ("POST", "/v1/uploads/u1/complete"),
               ("POST", "/v1/jobs/j1/notes"), ("POST", "/v1/jobs/j1/reanalyse")]


def _service(tmp: Path, **extra: Any) -> tuple[Settings, Any, str]:
    s = Settings(data_dir=tmp, **extra)
    db = jobs.connect(s.database())
    _, key = jobs.create_key(db, "team-a")
    return s, db, key


class _Body:
    """An ASGI request body of ``size`` bytes in 64 KiB messages, counting what the app
    pulls; records the answer."""

    def __init__(self, size: int) -> None:
        self.size, self.read, self.status, self.body = size, 0, 0, b""

    async def receive(self) -> dict[str, Any]:
        n = min(64 * 1024, self.size - self.read)
        self.read += n
        return {"type": "http.request", "body": b"{" * n, "more_body": self.read < self.size}

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")


def _call(client: TestClient, app: Any, method: str, path: str, body: _Body,
          headers: dict[str, str]) -> None:
    raw = [(k.lower().encode(), v.encode()) for k, v in
           {"content-type": "application/json", **headers}.items()]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": method, "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": raw, "scheme": "http", "root_path": "",
             "server": ("testserver", 80), "client": ("127.0.0.1", 5000)}
    client.portal.call(app, scope, body.receive, body.send)  # type: ignore[union-attr]


def test_no_body_is_read_without_a_key_and_every_body_has_a_cap(tmp_path: Path) -> None:
    s, db, key = _service(tmp_path)
    app = create_app(s, db=db, worker=False)
    with TestClient(app) as client:
        for method, path in JSON_ROUTES:
            for headers in ({}, {"authorization": "Bearer hc_wrong.key"}):
                body = _Body(300 * 1024 * 1024)  # 300 MB declared: none of it is read
                _call(client, app, method, path, body,
                      {"content-length": str(body.size), **headers})
                assert (body.status, body.read) == (401, 0), (path, headers, body.body)
            # With a key: a declared length over the cap is refused unread, a chunked
            # body is cut off at the cap.
            auth = {"authorization": f"Bearer {key}"}
            declared = _Body(10 * 1024 * 1024)
            _call(client, app, method, path, declared,
                  {"content-length": str(declared.size), **auth})
            assert (declared.status, declared.read) == (413, 0), path
            assert b"body-too-large" in declared.body
            chunked = _Body(10 * 1024 * 1024)
            _call(client, app, method, path, chunked, auth)
            # (POST /v1/keys takes no body: it reads none of it)
            assert chunked.status == 413 or chunked.read == 0, (path, chunked.body)
            assert chunked.read <= gate.COMPLETE_CAP + 64 * 1024


def _slow_sockets(base: str, path: str, n: int, headers: str = "") -> list[socket.socket]:
    """``n`` connections that send their headers and a promise of a body never sent."""
    host, port = base.removeprefix("http://").split(":")
    sockets = []
    for _ in range(n):
        sock = socket.create_connection((host, int(port)))
        sock.sendall((f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                      f"\r\nContent-Length: 50000\r\n{headers}\r\n{{").encode())
        sockets.append(sock)
    return sockets


def test_slow_keyless_bodies_never_crowd_out_keyed_reads(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gate, "JSON_BODY_S", 1.0)
    s, db, key = _service(tmp_path, api_max_in_flight=4)
    auth = {"Authorization": f"Bearer {key}"}
    with serving(create_app(s, db=db, worker=False)) as base:
        keyless = _slow_sockets(base, "/v1/batches", 40)
        try:
            answers = [httpx.get(f"{base}/v1/jobs", headers=auth, timeout=10).status_code
                       for _ in range(30)]
            assert answers == [200] * 30
            for sock in keyless:  # each was answered 401 at its headers
                assert sock.recv(200).startswith(b"HTTP/1.1 401")
            # A keyed client that stalls its body is cut off in time (408), and holds a
            # slot only until then.
            keyed = _slow_sockets(base, "/v1/batches", 2, f"Authorization: Bearer {key}\r\n")
            t0 = time.monotonic()
            for sock in keyed:
                sock.settimeout(10)
                assert sock.recv(200).startswith(b"HTTP/1.1 408")
            assert time.monotonic() - t0 < 5
        finally:
            for sock in keyless:
                sock.close()


def test_a_share_names_one_athlete_and_never_lists_another(tmp_path: Path) -> None:
    s, db, key = _service(tmp_path)
    tenant = jobs.find_tenant(db, "team-a")
    assert tenant is not None
    for athlete in ("Anna", "Ben", None):
        jobs.add_job(db, Job(id=jobs.new_job_id(), tenant_id=tenant.id, exercise="rdl",
                             athlete=athlete, source_name=f"{athlete}.mp4", source_key="k",
                             status="succeeded", score=80.0))
    team = {"Authorization": f"Bearer {key}"}
    with TestClient(create_app(s, db=db, worker=False)) as c:
        for blank in ("", "   ", "\t\n", "\u202e", "\u200b \u2066"):
            r = c.post("/v1/shares", headers=team, json={"athlete": blank})
            assert r.status_code == 422, (blank, r.text)
        assert c.post("/v1/shares", headers=team, json={"athlete": "A\x00"}).status_code == 422
        assert c.post("/v1/shares", headers=team,
                      json={"athlete": "Anna", "extra": 1}).status_code == 422
        made = c.post("/v1/shares", headers=team, json={"athlete": "  Anna  "})
        assert made.status_code == 201 and made.json()["athlete"] == "Anna"
        seen = c.get("/v1/shared", headers={"Authorization": f"Bearer {made.json()['token']}"})
        assert {j["athlete"] for j in seen.json()["jobs"]} == {"Anna"}


def test_bad_input_is_a_4xx_before_the_database_or_the_store(tmp_path: Path) -> None:
    s, db, key = _service(tmp_path)
    auth = {"Authorization": f"Bearer {key}"}
    clip = b"not looked at"
    with TestClient(create_app(s, db=db, worker=False), raise_server_exceptions=False) as c:
        answers = {
            "nul batch": c.post("/v1/batches", headers=auth, json={"name": "a\x00b"}),
            "nul note": c.post("/v1/jobs/j1/notes", headers=auth, json={"text": "a\x00"}),
            "nul athlete": c.post("/v1/videos", headers=auth, data={"athlete": "A\x00"},
                                  files={"file": ("a.mp4", clip, "video/mp4")}),
            "port": c.post("/v1/videos", headers=auth,
                           data={"callback_url": "http://example.com:99999/"},
                           files={"file": ("a.mp4", clip, "video/mp4")}),
            "bracket": c.post("/v1/videos", headers=auth, data={"callback_url": "http://[::1/"},
                              files={"file": ("a.mp4", clip, "video/mp4")}),
            "latin-1": c.post("/v1/uploads", headers=auth, json={
                "filename": "a.mp4", "size_bytes": 10, "content_type": "video/mp4\u2603"}),
            "exercise": c.post("/v1/videos", headers=auth, data={"exercise": "squat"},
                               files={"file": ("a.mp4", clip, "video/mp4")}),
        }
        for bad_url in ("http://[::7f00:1]/hook", "http://[::127.0.0.1]/hook",
                        "http://[64:ff9b::7f00:1]/hook", "http://[64:ff9b::a9fe:a9fe]/hook",
                        "http://[64:ff9b:1::a9fe:a9fe]/hook", "http://[::ffff:10.0.0.1]/",
                        "http://[2002:a9fe:a9fe::1]/", "http://169.254.169.254/"):
            answers[bad_url] = c.post("/v1/videos", headers=auth,
                                      data={"callback_url": bad_url},
                                      files={"file": ("a.mp4", clip, "video/mp4")})
    for case, r in answers.items():
        assert r.status_code == 422, (case, r.status_code, r.text)
        assert r.headers["content-type"] == "application/problem+json", case
    for case in ("port", "bracket", "http://[::7f00:1]/hook", "http://[64:ff9b::7f00:1]/hook"):
        assert answers[case].json()["type"].endswith("/bad-callback-url"), case
    with db() as session:
        assert session.query(Job).count() == 0
    assert not list((tmp_path / "objects").rglob("source*")) if (tmp_path / "objects").exists() \
        else True


def _clip(tmp: Path) -> bytes:
    import numpy as np
    from hingecheck.video.encode import write_h264

    path = tmp / "Anna_rdl_2026-03-04.mp4"
    write_h264(path, [np.full((64, 96, 3), 90, np.uint8)] * 60, fps=30)
    return path.read_bytes()


def test_concurrent_retries_with_one_idempotency_key_get_one_job(tmp_path: Path) -> None:
    s, db, key = _service(tmp_path)
    data = _clip(tmp_path)
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": "retry-1"}
    with serving(create_app(s, db=db, worker=False)) as base:
        def post(_: int) -> httpx.Response:
            return httpx.post(f"{base}/v1/videos", headers=headers, timeout=60,
                              files={"file": ("Anna_rdl_2026-03-04.mp4", data, "video/mp4")})

        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(post, range(6)))
    assert [r.status_code for r in answers] == [202] * 6, [r.text for r in answers]
    ids = {r.json()["id"] for r in answers}
    assert len(ids) == 1
    with db() as session:
        assert session.query(Job).count() == 1
    sources = [p for p in tmp_path.rglob("source*") if p.is_file()]
    assert len(sources) == 1 and ids.pop() in str(sources[0])  # no orphan copy left


def test_the_api_starts_with_its_store_and_database_down_and_serves_once_back(
        tmp_path: Path) -> None:
    port = free_port()
    s = Settings(data_dir=tmp_path, storage="s3",
                 s3_endpoint=f"127.0.0.1:{port}", s3_access_key="test",
                 s3_secret_key="testtest", s3_bucket="hc-down")
    db = jobs.connect(s.database())
    _, key = jobs.create_key(db, "team-a")
    auth = {"Authorization": f"Bearer {key}"}
    with TestClient(create_app(s, db=db, worker=False)) as c:  # the start does not fail
        t0 = time.monotonic()
        ready = c.get("/readyz")
        assert ready.status_code == 503 and ready.json()["storage"].startswith("down")
        assert time.monotonic() - t0 < 2.5
        assert c.get("/v1/jobs", headers=auth).status_code == 200  # needs no store
        assert c.post("/v1/uploads", headers=auth, json={"filename": "a.mp4",
                      "size_bytes": 10}).json()["type"].endswith("/storage-unavailable")

    down_db = Settings(data_dir=tmp_path,
                       database_url=f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/x")
    with TestClient(create_app(down_db, worker=False)) as c:
        r = c.get("/v1/jobs", headers=auth)
        assert r.status_code == 503 and r.json()["type"].endswith("/database-unavailable")
        assert c.get("/readyz").json()["database"].startswith("down")


class _HangingProxy(CutProxy):
    """A proxy to the S3 server that, once ``hang()`` is called, accepts connections and
    never answers them (a store that is hung, not down)."""

    def __init__(self, target_port: int) -> None:
        super().__init__(target_port)
        self.hung = False
        self.held: list[socket.socket] = []

    def hang(self) -> None:
        self.hung = True
        with self._lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            self._open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            if self.hung:
                self.held.append(client)
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target_port), 5)
            with self._lock:
                self._open.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()


def test_a_hung_store_leaves_job_reads_alone_and_readiness_quick(tmp_path: Path) -> None:
    with moto_s3() as (_, endpoint):
        proxy = _HangingProxy(int(endpoint.rsplit(":", 1)[1]))
        proxy.restore()
        s = Settings(data_dir=tmp_path, storage="s3",
                     s3_endpoint=f"127.0.0.1:{proxy.port}", s3_access_key="test",
                     s3_secret_key="testtest", s3_bucket="hc-hung")
        db = jobs.connect(s.database())
        tenant, key = jobs.create_key(db, "team-a")
        done = jobs.add_job(db, Job(id=jobs.new_job_id(), tenant_id=tenant, exercise="rdl",
                                    athlete="Anna", source_name="a.mp4", source_key="k",
                                    status="succeeded", score=90.0))
        auth = {"Authorization": f"Bearer {key}"}
        with TestClient(create_app(s, db=db, worker=False)) as c:
            assert c.get("/readyz").status_code == 200
            assert c.get(f"/v1/jobs/{done.id}/result", headers=auth,
                         follow_redirects=False).status_code == 307
            proxy.hang()
            time.sleep(health.CACHE_S + 0.1)  # the last probe's answer expires

            def read(_: int) -> tuple[int, float]:
                t0 = time.monotonic()
                r = c.get("/readyz")
                return r.status_code, time.monotonic() - t0

            with concurrent.futures.ThreadPoolExecutor(8) as pool:
                probes = list(pool.map(read, range(16)))
            assert all(code == 503 and took < 2.5 for code, took in probes), probes
            t0 = time.monotonic()
            assert c.get(f"/v1/jobs/{done.id}", headers=auth).status_code == 200
            assert time.monotonic() - t0 < 1.0
            # The store is down: no redirect to it, a 503.
            r = c.get(f"/v1/jobs/{done.id}/result", headers=auth, follow_redirects=False)
            assert r.status_code == 503 and r.json()["type"].endswith("/storage-unavailable")
        proxy.cut()
        for sock in proxy.held:
            sock.close()


def test_job_views_carry_the_coachs_rules_and_batches_count_each_clip_once(
        tmp_path: Path) -> None:
    import json
    from datetime import timedelta

    from hingecheck.jobs.models import now

    s, db, key = _service(tmp_path)
    tenant = jobs.find_tenant(db, "team-a")
    assert tenant is not None
    batch = jobs.add_batch(db, tenant.id, "week 1")
    t = now()

    def add(name: str, athlete: str | None, status: str, score: float | None,
            faults: list[dict[str, Any]], minutes: int) -> str:
        return jobs.add_job(db, Job(
            id=jobs.new_job_id(), tenant_id=tenant.id, exercise="rdl", athlete=athlete,
            source_name=name, source_key="k", status=status, score=score, batch=batch.id,
            faults=json.dumps(faults), created_at=t + timedelta(minutes=minutes))).id

    old = add("anna_2026-03-04.mp4", "Anna", "succeeded", 90.0, [], 0)
    new = add("anna_2026-03-04.mp4", "Anna", "succeeded", 50.0,
              [{"name": "lumbar_rounding", "worst_severity": 0.8}], 1)
    mild = add("ben_set.mp4", "Ben", "succeeded", 80.0,
               [{"name": "locked_knees", "worst_severity": 0.2}], 2)
    unjudged = add("IMG_0001.MOV", None, "succeeded", None, [], 3)
    guessed = add("cara_set.mp4", None, "failed", None, [], 4)
    auth = {"Authorization": f"Bearer {key}"}
    with TestClient(create_app(s, db=db, worker=False)) as c:
        view = c.get(f"/v1/jobs/{old}", headers=auth).json()
        assert view["superseded_by"] == new and view["filmed_on"] == "2026-03-04"
        assert view["urgency"] == 0.0 and view["athlete_guessed"] is False
        assert c.get(f"/v1/jobs/{unjudged}", headers=auth).json()["urgency"] is None
        cara = c.get(f"/v1/jobs/{guessed}", headers=auth).json()
        assert cara["athlete"] == "Cara" and cara["athlete_guessed"] is True
        counted = c.get("/v1/jobs?counted_only=true&order=urgency", headers=auth).json()
        summary = c.get(f"/v1/batches/{batch.id}", headers=auth).json()
    # the two with no urgency stay newest first
    assert [j["id"] for j in counted["jobs"]] == [new, mild, guessed, unjudged]
    assert [j["id"] for j in summary["jobs"]][:3] == [new, mild, old]
    assert summary["counts"] == {"succeeded": 2, "not_judged": 1, "failed": 1}
