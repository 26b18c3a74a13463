"""Distributed mode with real parts: the API over HTTP (TestClient), Redis as the Celery
broker, Celery worker processes running the real model, SQLite job records shared
between them, a local object store. A worker is killed with SIGKILL mid-job; a drawing's
worker "dies" (an exception nothing catches, raised in this process) and another draws it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hingecheck.jobs import store as jobs
from hingecheck.jobs.models import Job
from hingecheck.settings import Settings
from hingecheck.storage import job_key
from hingecheck.storage.local import LocalStore
from hingecheck.synth.generate import generate_clip
from hingecheck.synth.truth import ClipParams

from services.api.app import create_app
from tests.integration.test_verdict_first import killed_while_drawing

pytestmark = pytest.mark.model
REDIS = "redis://127.0.0.1:6379/15"


@pytest.fixture(scope="module")
def redis_up() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        if os.environ.get("HINGECHECK_REQUIRE_SERVICES") == "1":
            pytest.fail(f"Redis required (HINGECHECK_REQUIRE_SERVICES=1) but: {exc}")
        pytest.skip(f"Redis not reachable at 127.0.0.1:6379: {exc}")


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "services.cli", "worker", "--pool", "solo", "--concurrency", "1",
         "--without-heartbeat", "--without-mingle", "--without-gossip"],
        env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
        cwd=Path(__file__).resolve().parents[2])


def _status(client: TestClient, key: str, job_id: str) -> dict:  # type: ignore[type-arg]
    return client.get(f"/v1/jobs/{job_id}",  # type: ignore[no-any-return]
                      headers={"Authorization": f"Bearer {key}"}).json()


def test_worker_killed_mid_job_the_job_still_succeeds_once(redis_up: None, tmp_path: Path,
                                                           settings: Settings) -> None:
    clip = tmp_path / "lift.mp4"
    generate_clip(ClipParams(scenario="good_hinge", reps=3, seed=9), clip)
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "HINGECHECK_DATA_DIR": str(tmp_path / "data"),
           "HINGECHECK_MODEL_DIR": str(settings.model_dir), "HINGECHECK_BROKER_URL": REDIS,
           "HINGECHECK_QUEUE": queue, "HINGECHECK_JOB_LEASE_S": "4"}
    s = Settings(data_dir=tmp_path / "data", broker_url=REDIS, queue=queue, job_lease_s=4)
    db = jobs.connect(s.database())
    _, key = jobs.create_key(db, "team-a")
    log = tmp_path / "worker.log"
    first = _worker(env, log)
    try:
        with TestClient(create_app(s, db=db)) as client, clip.open("rb") as f:
            sent = client.post("/v1/videos", headers={"Authorization": f"Bearer {key}"},
                               files={"file": ("lift.mp4", f, "video/mp4")})
            assert sent.status_code == 202
            job_id = sent.json()["id"]
            deadline = time.monotonic() + 120
            while _status(client, key, job_id)["progress"] < 0.1:
                assert time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.2)
            os.killpg(first.pid, signal.SIGKILL)  # the worker dies mid-job
            first.wait(10)
            killed = _status(client, key, job_id)
            assert killed["status"] == "running" and killed["attempts"] == 1
            time.sleep(4.5)  # its lease runs out
            second = _worker(env, log)
            try:
                deadline = time.monotonic() + 180
                # Until it has ended and (the verdict comes first) its drawings are stored.
                while (body := _status(client, key, job_id))["status"] in (
                        "queued", "running") or (body["status"] == "succeeded"
                                                 and not body["outputs_ready"]):
                    assert time.monotonic() < deadline, log.read_text()[-3000:]
                    time.sleep(0.5)
            finally:
                os.killpg(second.pid, signal.SIGKILL)
                second.wait(10)
            assert body["status"] == "succeeded", body
            assert body["attempts"] == 2
            result = client.get(f"/v1/jobs/{job_id}/result",
                                headers={"Authorization": f"Bearer {key}"})
            assert result.status_code == 200 and result.json()["summary"]["rep_count"] == 3
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    # One set of outputs: the retry wrote over the same keys.
    job_dir = next((tmp_path / "data" / "objects").glob(f"tenants/*/jobs/{job_id}"))
    assert sorted(p.name for p in job_dir.iterdir()) == [
        "angles.png", "annotated.mp4", "poster.jpg", "result.json", "source.mp4"]


def test_drawings_wait_behind_verdicts_and_a_dead_drawing_is_redrawn(
        redis_up: None, tmp_path: Path, settings: Settings,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The verdict first, in distributed mode: of two clips uploaded together, the first's
    drawing waits behind the second's analysis (a render message queued behind it), and a
    job whose drawing's worker died is found by the sweep and drawn by another worker."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "HINGECHECK_DATA_DIR": str(tmp_path / "data"),
           "HINGECHECK_BROKER_URL": REDIS, "HINGECHECK_QUEUE": queue,
           "HINGECHECK_JOB_LEASE_S": "3", "HINGECHECK_SWEEP_INTERVAL_S": "1"}
    s = Settings(data_dir=tmp_path / "data", broker_url=REDIS, queue=queue, job_lease_s=3,
                 model_dir=settings.model_dir)
    db = jobs.connect(s.database())
    tenant, key = jobs.create_key(db, "team-a")
    store = LocalStore(s.objects_dir())
    clips = []
    for name, seed in (("dead.mp4", 3), ("first.mp4", 4), ("second.mp4", 5)):
        clips.append(tmp_path / name)
        generate_clip(ClipParams(scenario="good_hinge", reps=1, seed=seed, resolution=480),
                      clips[-1])
    # A job judged here whose drawing's worker "died": succeeded, drawing held, no worker.
    dead = Job(id=jobs.new_job_id(), tenant_id=tenant, exercise="rdl", source_name="dead.mp4",
               source_key="")
    dead.source_key = job_key(tenant, dead.id, "source.mp4")
    store.put_file(dead.source_key, clips[0], "video/mp4")
    jobs.add_job(db, dead)
    killed_while_drawing(db, store, s, dead.id, monkeypatch)
    log = tmp_path / "worker.log"
    worker = _worker(env, log)
    seen: dict[str, dict[str, float]] = {}
    try:
        with TestClient(create_app(s, db=db)) as client:
            ids = [dead.id]
            for path in clips[1:]:
                with path.open("rb") as f:
                    sent = client.post("/v1/videos", headers={"Authorization": f"Bearer {key}"},
                                       files={"file": (path.name, f, "video/mp4")})
                assert sent.status_code == 202, sent.text
                ids.append(sent.json()["id"])
            deadline = time.monotonic() + 240
            while len(seen) < 3 or any("drawn" not in t for t in seen.values()):
                assert time.monotonic() < deadline, (seen, log.read_text()[-3000:])
                for job_id in ids:
                    body = _status(client, key, job_id)
                    assert body["status"] not in ("failed", "rejected"), body
                    times = seen.setdefault(job_id, {}) if body["status"] == "succeeded" \
                        else {}
                    times.setdefault("verdict", time.monotonic())
                    if body["outputs_ready"]:
                        times.setdefault("drawn", time.monotonic())
                time.sleep(0.1)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
    _, first, second = ids
    assert seen[first]["drawn"] > seen[second]["verdict"], seen  # the verdicts came first
    for job_id in ids:
        job_dir = next((tmp_path / "data" / "objects").glob(f"tenants/*/jobs/{job_id}"))
        assert sorted(p.name for p in job_dir.iterdir()) == [
            "angles.png", "annotated.mp4", "poster.jpg", "result.json", "source.mp4"]
    text = log.read_text()
    assert "drawing deferred" in text
