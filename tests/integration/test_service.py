"""The HTTP service with real parts: FastAPI over HTTP (TestClient), SQLite and
PostgreSQL job records, a local folder and an S3 server (moto's, over real HTTP: a MinIO
server cannot be installed on these machines), the real model in the worker."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import httpx
import pytest
from fastapi.testclient import TestClient
from hingecheck.jobs import store as jobs
from hingecheck.jobs.models import Job
from hingecheck.jobs.runner import EmbeddedWorker
from hingecheck.schemas import AnalysisResult
from hingecheck.settings import Settings
from hingecheck.storage import StorageUnavailable, job_key
from hingecheck.storage.local import LocalStore
from hingecheck.synth.generate import generate_clip
from hingecheck.synth.truth import ClipParams
from sqlalchemy.orm import Session, sessionmaker

from services.api.app import create_app
from tests.servers import moto_s3, scratch_postgres

METRICS_TOKEN = "operator-token-0123456789"
METRICS = {"Authorization": f"Bearer {METRICS_TOKEN}"}


FILMED = "2026-11-20T08:30:00.000000Z"


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated rep, its container tagged with when it was filmed, as a phone tags it."""
    folder = tmp_path_factory.mktemp("svc")
    plain, path = folder / "plain.mp4", folder / "anna_rdl.mp4"
    generate_clip(ClipParams(scenario="squat_substitution", reps=1, seed=4, resolution=480),
                  plain)
    with av.open(str(plain)) as source, av.open(str(path), "w", format="mp4") as tagged:
        tagged.metadata["creation_time"] = FILMED
        stream = tagged.add_stream_from_template(source.streams.video[0])
        for packet in source.demux(source.streams.video[0]):
            if packet.dts is not None:
                packet.stream = stream
                tagged.mux(packet)
    return path


def _settings(tmp: Path, **extra: object) -> Settings:
    return Settings(data_dir=tmp, **extra)  # type: ignore[arg-type]


def _upload(client: TestClient, key: str, clip: Path, **headers: str) -> httpx.Response:
    with clip.open("rb") as f:
        return client.post("/v1/videos", headers={"Authorization": f"Bearer {key}", **headers},
                           files={"file": (clip.name, f, "video/mp4")},
                           data={"exercise": "rdl", "athlete": "Anna", "batch": "team-a"})


def _wait(client: TestClient, key: str, job_id: str,
          timeout_s: float = 180) -> dict:  # type: ignore[type-arg]
    deadline = time.monotonic() + timeout_s
    seen_progress = set()
    while time.monotonic() < deadline:
        body = client.get(f"/v1/jobs/{job_id}", headers={"Authorization": f"Bearer {key}"}).json()
        seen_progress.add(body["progress"])
        # The verdict comes first: a succeeded job's drawings follow (outputs_ready).
        if body["status"] not in ("queued", "running") and (
                body["status"] != "succeeded" or body["outputs_ready"]):
            body["seen_progress"] = sorted(seen_progress)
            return body  # type: ignore[no-any-return]
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} did not finish in {timeout_s} s")


@pytest.mark.model
def test_upload_to_result_end_to_end_in_one_process(tmp_path: Path, clip: Path,
                                                    settings: Settings) -> None:
    s = _settings(tmp_path, model_dir=settings.model_dir)
    db = jobs.connect(s.database())
    _, key = jobs.create_key(db, "team-a")
    with TestClient(create_app(s, db=db)) as client:
        sent = _upload(client, key, clip)
        assert sent.status_code == 202, sent.text
        job_id = sent.json()["id"]
        assert sent.headers["location"] == f"/v1/jobs/{job_id}"
        done = _wait(client, key, job_id)
        assert done["status"] == "succeeded", done
        assert done["athlete"] == "Anna" and done["score"] is not None
        auth = {"Authorization": f"Bearer {key}"}
        result = AnalysisResult.model_validate(client.get(f"/v1/jobs/{job_id}/result",
                                                          headers=auth).json())
        assert result.source_name == "anna_rdl.mp4" and result.summary.rep_count == 1
        # When it was filmed: from the container's tag, into result.json and the job.
        assert result.video.created_at is not None
        assert result.video.created_at.isoformat().startswith("2026-11-20T08:30:00")
        filmed = client.get(f"/v1/jobs/{job_id}", headers=auth).json()
        assert filmed["filmed_at"].startswith("2026-11-20T08:30:00")
        assert filmed["filmed_on"] == "2026-11-20"
        video = client.get(f"/v1/jobs/{job_id}/video", headers=auth)
        assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
        assert video.content[4:8] == b"ftyp"
        part = client.get(f"/v1/jobs/{job_id}/video", headers={**auth, "Range": "bytes=0-99"})
        assert part.status_code == 206 and len(part.content) == 100
        assert client.get(f"/v1/jobs/{job_id}/poster", headers=auth).content[:2] == b"\xff\xd8"
        listed = client.get("/v1/jobs?athlete=Anna", headers=auth).json()["jobs"]
        assert [j["id"] for j in listed] == [job_id]
        assert done["exercise_found"] == "rdl" and done["reanalysis_of"] is None

        # Judged again as another exercise: a new job on the same stored clip, linked to
        # the first, which stays as it was.
        url = f"/v1/jobs/{job_id}/reanalyse"
        odd = client.post(url, headers=auth, json={"exercise": "bench_press"})
        assert odd.status_code == 422 and odd.json()["type"].endswith("/unknown-exercise")
        again = client.post(url, headers=auth, json={"exercise": "deadlift"})
        assert again.status_code == 202 and again.json()["reanalysis_of"] == job_id
        busy = client.post(f"/v1/jobs/{again.json()['id']}/reanalyse", headers=auth,
                           json={"exercise": "rdl"})
        assert busy.status_code == 409 and busy.json()["type"].endswith("/not-finished")
        redo = _wait(client, key, again.json()["id"])
        assert redo["status"] == "succeeded" and redo["exercise_found"] == "deadlift"
        redone = client.get(f"/v1/jobs/{redo['id']}/result", headers=auth).json()
        assert redone["exercise"]["name"] == "deadlift" and redone["source_name"] == "anna_rdl.mp4"
        first = client.get(f"/v1/jobs/{job_id}", headers=auth).json()
        assert first["exercise_found"] == "rdl" and first["score"] == done["score"]
    # Outputs sit under the job's deterministic keys.
    store = LocalStore(s.objects_dir())
    for name in ("result.json", "annotated.mp4", "poster.jpg", "angles.png"):
        assert store.exists(job_key(done["links"]["self"] and _tenant(db, key), job_id, name))


def _tenant(db: sessionmaker[Session], key: str) -> str:
    tenant = jobs.authenticate(db, key)
    assert tenant
    return tenant


def _jobs_in(db: sessionmaker[Session]) -> int:
    from sqlalchemy import func, select

    with db() as s:
        return int(s.scalar(select(func.count()).select_from(Job)) or 0)


def test_bad_uploads_get_problem_details_and_leave_no_job(tmp_path: Path, clip: Path) -> None:
    s = _settings(tmp_path, max_upload_bytes=clip.stat().st_size - 1)
    db = jobs.connect(s.database())
    _, key = jobs.create_key(db, "team-a")
    bogus = tmp_path / "lift.mp4"
    bogus.write_bytes(b"definitely not a video" * 100)
    with TestClient(create_app(s, db=db, worker=False)) as client:
        no_key = client.get("/v1/jobs")
        assert no_key.status_code == 401
        assert no_key.headers["content-type"] == "application/problem+json"
        assert no_key.json()["type"].endswith("/bad-key")
        assert client.get("/v1/jobs", headers={"Authorization": "Bearer hc_nope.x"}
                          ).status_code == 401
        not_video = _upload(client, key, bogus)
        assert not_video.status_code == 422
        assert not_video.json()["type"].endswith("/not-a-video")
        too_big = _upload(client, key, clip)
        assert too_big.status_code == 413 and too_big.json()["type"].endswith("/video-too-large")
        with clip.open("rb") as f:
            wrong = client.post("/v1/videos", headers={"Authorization": f"Bearer {key}"},
                                files={"file": ("a.mp4", f, "video/mp4")},
                                data={"exercise": "bench_press"})
        assert wrong.status_code == 422 and wrong.json()["type"].endswith("/unknown-exercise")
    assert _jobs_in(db) == 0


def test_tenants_cannot_see_each_other_and_retries_are_idempotent(tmp_path: Path,
                                                                  clip: Path) -> None:
    s = _settings(tmp_path)
    db = jobs.connect(s.database())
    _, key_a = jobs.create_key(db, "team-a")
    _, key_b = jobs.create_key(db, "team-b")
    with TestClient(create_app(s, db=db, worker=False)) as client:
        first = _upload(client, key_a, clip, **{"Idempotency-Key": "upload-1"})
        again = _upload(client, key_a, clip, **{"Idempotency-Key": "upload-1"})
        assert first.status_code == again.status_code == 202
        assert first.json()["id"] == again.json()["id"]
        assert _jobs_in(db) == 1
        job_id = first.json()["id"]
        other = {"Authorization": f"Bearer {key_b}"}
        for path in ("", "/result", "/video", "/poster"):
            seen = client.get(f"/v1/jobs/{job_id}{path}", headers=other)
            assert seen.status_code == 404, path
        assert client.get("/v1/jobs", headers=other).json()["jobs"] == []
        mine = client.get(f"/v1/jobs/{job_id}/result", headers={"Authorization":
                                                                 f"Bearer {key_a}"})
        assert mine.status_code == 409  # queued: no result yet, and it says so


def test_a_clip_that_breaks_the_analysis_is_rejected_once(tmp_path: Path) -> None:
    s = _settings(tmp_path)
    db = jobs.connect(s.database())
    tenant, _ = jobs.create_key(db, "team-a")
    store = LocalStore(s.objects_dir())
    poison = tmp_path / "poison.mp4"
    poison.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 5000)  # a header, no video
    job = Job(id=jobs.new_job_id(), tenant_id=tenant, exercise="rdl", source_name="p.mp4",
              source_key=job_key(tenant, "p", "source.mp4"))
    store.put_file(job.source_key, poison, "video/mp4")
    jobs.add_job(db, job)
    worker = EmbeddedWorker(db, store, s)
    assert worker.run_once() == "rejected"
    assert worker.run_once() is None  # nothing left: the bad clip is not retried forever
    stored = jobs.get_job(db, tenant, job.id)
    assert stored is not None and stored.attempts == 1 and stored.error_code


def test_a_failing_job_is_tried_three_times_then_failed(tmp_path: Path, clip: Path) -> None:
    # This machine's model is missing (an empty model folder): another attempt may run on
    # a machine that has it, so the job is retried, three times in all.
    s = _settings(tmp_path, retry_backoff_s=0, model_dir=tmp_path / "no-model")
    db = jobs.connect(s.database())
    tenant, _ = jobs.create_key(db, "team-a")
    store = LocalStore(s.objects_dir())

    def stored_job(name: str) -> Job:
        job = Job(id=jobs.new_job_id(), tenant_id=tenant, exercise="rdl", source_name=name,
                  source_key=job_key(tenant, name, "source.mp4"))
        store.put_file(job.source_key, clip, "video/mp4")
        return jobs.add_job(db, job)

    job = stored_job("x")
    worker = EmbeddedWorker(db, store, s)
    assert [worker.run_once() for _ in range(4)] == ["queued", "queued", "failed", None]
    stored = jobs.get_job(db, tenant, job.id)
    assert stored is not None and stored.attempts == 3 and stored.status == "failed"
    assert stored.error_code == "model-unavailable" and stored.error_message
    # With a backoff, a failed attempt waits before the next one.
    backing = stored_job("y")
    patient = EmbeddedWorker(db, store, _settings(tmp_path, retry_backoff_s=30,
                                                  model_dir=tmp_path / "no-model"))
    assert patient.run_once() == "queued" and patient.run_once() is None
    waiting = jobs.get_job(db, tenant, backing.id)
    assert waiting is not None and waiting.retry_at is not None
    # A job whose clip is gone from storage is rejected at once: retrying cannot help.
    gone = jobs.add_job(db, Job(id=jobs.new_job_id(), tenant_id=tenant, exercise="rdl",
                                source_name="z.mp4", source_key=job_key(tenant, "z", "s.mp4")))
    assert EmbeddedWorker(db, store, s).run_once() == "rejected"
    rejected = jobs.get_job(db, tenant, gone.id)
    assert rejected is not None and rejected.error_code == "source-missing"
    assert rejected.attempts == 1


def test_a_job_left_running_by_a_dead_worker_is_taken_again(tmp_path: Path) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    s = _settings(tmp_path)
    db = jobs.connect(s.database())
    tenant, _ = jobs.create_key(db, "team-a")
    job = jobs.add_job(db, Job(id=jobs.new_job_id(), tenant_id=tenant, exercise="rdl",
                               source_name="x.mp4", source_key="k"))
    assert jobs.claim_next(db, lease_s=60) is not None
    assert jobs.claim_next(db, lease_s=60) is None  # running, lease not yet over
    with db.begin() as session:  # the worker died ten minutes ago
        session.execute(update(Job).values(started_at=Job.started_at - timedelta(minutes=10)))
    again = jobs.claim_next(db, lease_s=60)
    assert again is not None and again.id == job.id and again.attempts == 2


@pytest.fixture
def s3_server() -> Iterator[tuple[Any, str]]:
    """moto's S3 server on a local port, over real HTTP (stands in for MinIO here)."""
    with moto_s3() as served:
        yield served


def test_s3_store_over_http_and_storage_down_gives_503_with_no_job(tmp_path: Path, clip: Path,
                                                                   s3_server: tuple[Any,
                                                                   str]) -> None:
    from hingecheck.storage.s3 import S3Store

    server, endpoint = s3_server
    s = _settings(tmp_path, storage="s3", s3_endpoint=endpoint, s3_access_key="test",
                  s3_secret_key="testtest", s3_bucket=f"hc-{uuid.uuid4().hex[:8]}")
    store = S3Store(s)  # creates the bucket
    store.put_file("tenants/t/jobs/j/source.mp4", clip, "video/mp4")
    assert store.exists("tenants/t/jobs/j/source.mp4")
    assert not store.exists("tenants/t/jobs/j/missing.mp4")
    back = tmp_path / "back.mp4"
    store.get_file("tenants/t/jobs/j/source.mp4", back)
    assert back.read_bytes() == clip.read_bytes()
    url = store.presigned_url("tenants/t/jobs/j/source.mp4", 900)
    assert url and "X-Amz-Expires=900" in url
    assert httpx.get(url).content == clip.read_bytes()

    db = jobs.connect(s.database())
    _, key = jobs.create_key(db, "team-a")
    with TestClient(create_app(s, db=db, objects=store, worker=False)) as client:
        server.stop()  # storage goes down
        down = _upload(client, key, clip)
        assert down.status_code == 503
        assert down.json()["type"].endswith("/storage-unavailable")
        assert client.get("/readyz").status_code == 503
    assert _jobs_in(db) == 0
    with pytest.raises(StorageUnavailable):
        store.check()
    server.start()  # the fixture stops it again


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database on 127.0.0.1, dropped afterwards."""
    with scratch_postgres() as (_, _, url):
        yield url


def test_job_records_on_postgresql(postgres_url: str) -> None:
    db = jobs.connect(postgres_url)
    tenant, key = jobs.create_key(db, "team-a")
    assert jobs.authenticate(db, key) == tenant
    assert jobs.authenticate(db, key + "x") is None
    for i in range(3):
        jobs.add_job(db, Job(id=jobs.new_job_id(), tenant_id=tenant, exercise="rdl",
                             source_name=f"{i}.mp4", source_key="k", athlete="Anna"))
    claimed = {jobs.claim_next(db, 60).id for _ in range(3)}  # type: ignore[union-attr]
    assert len(claimed) == 3 and jobs.claim_next(db, 60) is None
    job_id = claimed.pop()
    assert jobs.fail(db, job_id, "internal_error", "boom", retry=True, max_attempts=1) == "failed"
    page = jobs.list_jobs(db, tenant, limit=2)
    rest = jobs.list_jobs(db, tenant, before=page[-1].created_at, limit=2)
    assert len(page) == 2 and len(rest) == 1
    assert {j.id for j in page} | {rest[0].id} == {j.id for j in jobs.list_jobs(db, tenant)}


class _Receiver:
    """A real HTTP server on 127.0.0.1 that records what it is sent."""

    def __init__(self) -> None:
        import http.server
        import threading

        received: list[tuple[dict[str, str], bytes]] = []
        self.received = received

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.mark.model
def test_signed_webhook_batch_summary_and_metrics(tmp_path: Path, clip: Path,
                                                  settings: Settings) -> None:
    import base64
    import hashlib
    import hmac
    import json

    receiver = _Receiver()
    s = _settings(tmp_path, model_dir=settings.model_dir, webhook_allow_hosts="127.0.0.1",
                  metrics_token=METRICS_TOKEN)
    db = jobs.connect(s.database())
    tenant, key = jobs.create_key(db, "team-a")
    auth = {"Authorization": f"Bearer {key}"}
    try:
        with TestClient(create_app(s, db=db)) as client:
            batch = client.post("/v1/batches", headers=auth, json={"name": "Tuesday"}).json()
            with clip.open("rb") as f:
                sent = client.post("/v1/videos", headers=auth,
                                   files={"file": (clip.name, f, "video/mp4")},
                                   data={"exercise": "rdl", "athlete": "Anna",
                                         "batch": batch["id"], "callback_url": receiver.url})
            assert sent.status_code == 202, sent.text
            job_id = sent.json()["id"]
            assert _wait(client, key, job_id)["status"] == "succeeded"
            deadline = time.monotonic() + 30
            while not receiver.received:
                assert time.monotonic() < deadline, "no webhook arrived"
                time.sleep(0.2)
            summary = client.get(f"/v1/batches/{batch['id']}", headers=auth).json()
            assert summary["counts"] == {"succeeded": 1}
            assert summary["athletes"][0]["athlete"] == "Anna"
            assert summary["jobs"][0]["faults"][0]["name"] == "squat_substitution"
            metrics = client.get("/metrics", headers=METRICS).text
            assert 'hingecheck_jobs{status="succeeded"} 1' in metrics
            assert "hingecheck_queue_depth 0" in metrics
    finally:
        receiver.close()
    headers, body = receiver.received[0]
    event = json.loads(body)
    assert event["type"] == "job.succeeded" and event["data"]["id"] == job_id
    secret = jobs.get_tenant(db, tenant).webhook_secret  # type: ignore[union-attr]
    mac = hmac.new(base64.b64decode(secret.removeprefix("whsec_")),
                   f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body,
                   hashlib.sha256)
    assert headers["webhook-signature"] == "v1," + base64.b64encode(mac.digest()).decode()


def test_callbacks_to_private_addresses_are_refused(tmp_path: Path, clip: Path) -> None:
    s = _settings(tmp_path)
    db = jobs.connect(s.database())
    _, key = jobs.create_key(db, "team-a")
    with TestClient(create_app(s, db=db, worker=False)) as client:
        for url in ("http://127.0.0.1:9/hook", "http://10.0.0.5/hook", "ftp://example.com/x"):
            with clip.open("rb") as f:
                refused = client.post("/v1/videos", headers={"Authorization": f"Bearer {key}"},
                                      files={"file": (clip.name, f, "video/mp4")},
                                      data={"callback_url": url})
            assert refused.status_code == 422, url
            assert refused.json()["type"].endswith("/bad-callback-url")
    assert _jobs_in(db) == 0


@pytest.mark.model
def test_large_file_goes_up_in_presigned_parts_and_becomes_a_job(tmp_path: Path, clip: Path,
                                                                  s3_server: tuple[Any, str],
                                                                  settings: Settings) -> None:
    from hingecheck.storage.s3 import S3Store

    _, endpoint = s3_server
    s = _settings(tmp_path, storage="s3", s3_endpoint=endpoint, s3_access_key="test",
                  s3_secret_key="testtest", s3_bucket=f"hc-{uuid.uuid4().hex[:8]}",
                  model_dir=settings.model_dir)
    store = S3Store(s)
    db = jobs.connect(s.database())
    _, key = jobs.create_key(db, "team-a")
    auth = {"Authorization": f"Bearer {key}"}
    data = clip.read_bytes()
    with TestClient(create_app(s, db=db, objects=store, worker=False)) as client:
        started = client.post("/v1/uploads", headers=auth, json={
            "filename": "big_lift.mp4", "size_bytes": len(data), "athlete": "Ben"})
        assert started.status_code == 201, started.text
        plan = started.json()
        assert plan["part_size"] >= 8 * 1024 * 1024 and len(plan["parts"]) == 1
        assert "X-Amz-Expires=900" in plan["parts"][0]["url"]
        put = httpx.put(plan["parts"][0]["url"], content=data)  # straight to storage
        assert put.status_code == 200
        done = client.post(plan["complete"], headers=auth, json={"etags": [put.headers["etag"]]})
        again = client.post(plan["complete"], headers=auth, json={"etags": [put.headers["etag"]]})
        assert done.status_code == again.status_code == 202
        assert done.json()["id"] == again.json()["id"] and _jobs_in(db) == 1
        job_id = done.json()["id"]
        assert EmbeddedWorker(db, store, s).run_once() == "succeeded"
        video = client.get(f"/v1/jobs/{job_id}/video", headers=auth, follow_redirects=False)
        assert video.status_code == 307 and "X-Amz-Signature" in video.headers["location"]
        assert httpx.get(video.headers["location"]).content[4:8] == b"ftyp"
        other = jobs.create_key(db, "team-b")[1]
        assert client.post(plan["complete"], headers={"Authorization": f"Bearer {other}"},
                           json={"etags": ["x"]}).status_code == 404
    with TestClient(create_app(_settings(tmp_path / "local"), worker=False)) as local:
        local_key = jobs.create_key(jobs.connect(_settings(tmp_path / "local").database()),
                                    "t")[1]
        refused = local.post("/v1/uploads", headers={"Authorization": f"Bearer {local_key}"},
                             json={"filename": "a.mp4", "size_bytes": 10})
        assert refused.status_code == 409
        assert refused.json()["type"].endswith("/multipart-unavailable")


def test_a_multipart_upload_is_bounded_by_what_was_stored(tmp_path: Path, clip: Path,
                                                           s3_server: tuple[Any, str]) -> None:
    from hingecheck.storage.s3 import S3Store

    _, endpoint = s3_server
    s = _settings(tmp_path, storage="s3", s3_endpoint=endpoint, s3_access_key="test",
                  s3_secret_key="testtest", s3_bucket=f"hc-{uuid.uuid4().hex[:8]}")
    store = S3Store(s)
    db = jobs.connect(s.database())
    _, key = jobs.create_key(db, "team-a")
    auth = {"Authorization": f"Bearer {key}"}
    data = clip.read_bytes()
    with TestClient(create_app(s, db=db, objects=store, worker=False)) as client:
        def plan(size: int) -> dict:  # type: ignore[type-arg]
            started = client.post("/v1/uploads", headers=auth,
                                  json={"filename": "lift.mp4", "size_bytes": size})
            assert started.status_code == 201, started.text
            return started.json()  # type: ignore[no-any-return]

        small = plan(1000)  # declared 1 kB, then the whole clip is sent
        etag = httpx.put(small["parts"][0]["url"], content=data).headers["etag"]
        over = client.post(small["complete"], headers=auth, json={"etags": [etag]})
        assert over.status_code == 413 and over.json()["type"].endswith("/video-too-large")
        assert f"{len(data)} bytes were uploaded for 1000 declared" in over.json()["detail"]
        assert list(store.client.list_objects(s.s3_bucket, recursive=True)) == []  # not kept
        wrong = plan(len(data))
        httpx.put(wrong["parts"][0]["url"], content=data)
        bad = client.post(wrong["complete"], headers=auth, json={"etags": ['"0" * 32']})
        assert bad.status_code == 422 and bad.json()["type"].endswith("/upload-incomplete")
        assert "ETag" in bad.json()["detail"] and "S3Error" not in bad.json()["detail"]
    assert _jobs_in(db) == 0


def test_migrations_build_the_schema_the_models_describe(tmp_path: Path) -> None:
    """Alembic's history and the SQLAlchemy models agree (no change left to generate)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from hingecheck.jobs.migrate import upgrade
    from hingecheck.jobs.models import Base
    from sqlalchemy import create_engine

    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    upgrade(url)
    upgrade(url)  # running it again changes nothing
    with create_engine(url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_metrics_and_date_filter_without_jobs_done(tmp_path: Path, clip: Path) -> None:
    with TestClient(create_app(_settings(tmp_path / "off"), worker=False)) as client:
        off = client.get("/metrics")  # no token set: no metrics at all
        assert off.status_code == 404 and off.json()["type"].endswith("/metrics-off")
    s = _settings(tmp_path, metrics_token=METRICS_TOKEN)
    db = jobs.connect(s.database())
    _, key = jobs.create_key(db, "team-a")
    auth = {"Authorization": f"Bearer {key}"}
    with TestClient(create_app(s, db=db, worker=False)) as client:
        assert _upload(client, key, clip).status_code == 202
        assert client.get("/metrics").status_code == 401  # not for tenants
        assert client.get("/metrics", headers=auth).status_code == 401
        metrics = client.get("/metrics", headers=METRICS).text
        assert "hingecheck_queue_depth 1" in metrics
        assert "hingecheck_analysis_seconds_count 0" in metrics
        assert len(client.get("/v1/jobs?since=2000-01-01T00:00:00", headers=auth)
                   .json()["jobs"]) == 1
        assert client.get("/v1/jobs?since=2999-01-01T00:00:00", headers=auth
                          ).json()["jobs"] == []


def test_scoring_table_is_public_and_is_the_one_the_analysis_uses(tmp_path: Path) -> None:
    from hingecheck.analysis.scoring import FAULT_WEIGHTS, grade
    s = _settings(tmp_path)
    with TestClient(create_app(s, db=jobs.connect(s.database()), worker=False)) as client:
        table = client.get("/v1/scoring").json()  # no key: the formula is public
    assert table["fault_weights"] == FAULT_WEIGHTS
    bands = table["grades"]
    assert [b["min_score"] for b in bands] == sorted((b["min_score"] for b in bands),
                                                      reverse=True)
    for score in (100.0, 90.0, 89.9, 75.0, 60.0, 59.9, 0.0):
        band = next(b for b in bands if score >= b["min_score"])
        assert band["grade"] == grade(score) and band["meaning"]
    # Each exercise's reference values are its profile's ramps, each number named.
    from hingecheck.analysis.profiles import PROFILES
    assert [e["name"] for e in table["exercises"]] == list(PROFILES)
    rdl = next(e for e in table["exercises"] if e["name"] == "rdl")
    knee = next(r for r in rdl["references"]
                if (r["fault"], r["evidence"]) == ("squat_substitution", "knee_flexion_deg"))
    assert (knee["ok"], knee["bad"]) == (PROFILES["rdl"].knee_flexion_deg.ok,
                                         PROFILES["rdl"].knee_flexion_deg.bad)
    assert all(r["evidence"] in table["evidence"] for e in table["exercises"]
               for r in e["references"])
    assert table["evidence"]["knee_flexion_deg"] == {"label": "knee bend at the bottom",
                                                     "unit": "°"}
