"""The broker lost mid-backlog, with real parts: a Redis server started here for this test
(the machine's own is not touched), killed while jobs wait and run, and started again
empty (every message it held is gone); the API over HTTP (TestClient), a Celery worker
process with the real model, SQLite job records, a local store."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hingecheck.jobs import store as jobs
from hingecheck.settings import Settings
from hingecheck.synth.generate import generate_clip
from hingecheck.synth.truth import ClipParams

from services.api.app import create_app
from tests.servers import free_port

pytestmark = pytest.mark.model
OUTAGE_S = 15.0  # bounded for the suite; bench-scale outages are an operator's drill


def _redis(port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        time.sleep(0.05)
    raise AssertionError("redis-server did not start")


def test_jobs_survive_the_broker_going_away_and_coming_back_empty(tmp_path: Path,
                                                                  settings) -> None:  # type: ignore[no-untyped-def]
    if shutil.which("redis-server") is None:
        if os.environ.get("HINGECHECK_REQUIRE_SERVICES") == "1":
            pytest.fail("redis-server required (HINGECHECK_REQUIRE_SERVICES=1)")
        pytest.skip("no redis-server binary to start a broker of our own")
    port = free_port()
    broker = f"redis://127.0.0.1:{port}/0"
    redis = _redis(port)
    env = {**os.environ, "HINGECHECK_DATA_DIR": str(tmp_path / "data"),
           "HINGECHECK_MODEL_DIR": str(settings.model_dir), "HINGECHECK_BROKER_URL": broker,
           "HINGECHECK_JOB_LEASE_S": "6", "HINGECHECK_SWEEP_INTERVAL_S": "2"}
    s = Settings(data_dir=tmp_path / "data", broker_url=broker, job_lease_s=6)  # type: ignore[arg-type]
    db = jobs.connect(s.database())
    tenant, key = jobs.create_key(db, "team-a")
    auth = {"Authorization": f"Bearer {key}"}
    clips = []
    for seed in range(4):
        clip = tmp_path / f"lift{seed}.mp4"
        generate_clip(ClipParams(scenario="good_hinge", reps=1, seed=seed, resolution=480), clip)
        clips.append(clip)
    worker = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "worker", "--pool", "solo", "--without-heartbeat",
         "--without-mingle", "--without-gossip"], env=env, start_new_session=True,
        stdout=(tmp_path / "worker.log").open("wb"), stderr=subprocess.STDOUT,
        cwd=Path(__file__).resolve().parents[2])

    def send(clip: Path) -> str:
        t0 = time.perf_counter()
        r = client.post("/v1/videos", headers=auth,
                        files={"file": (clip.name, clip.read_bytes(), "video/mp4")})
        assert r.status_code == 202 and time.perf_counter() - t0 < 1.0, r.text
        return str(r.json()["id"])

    try:
        with TestClient(create_app(s, db=db, worker=False)) as client:
            backlog = [send(c) for c in clips[:3]]
            deadline = time.monotonic() + 120
            while (first := jobs.get_job(db, tenant, backlog[0])) is not None and \
                    first.status == "queued":  # wait until the worker is at it
                assert time.monotonic() < deadline, (tmp_path / "worker.log").read_text()[-2000:]
                time.sleep(0.2)
            redis.send_signal(signal.SIGKILL)  # the broker dies with its messages
            redis.wait(5)
            during = send(clips[3])  # uploads are still taken, at once
            assert client.get("/readyz").json()["broker"].startswith("down")
            time.sleep(OUTAGE_S)
            redis = _redis(port)  # back, empty
            came_back = time.monotonic()
            ids = [*backlog, during]
            while True:
                statuses = [client.get(f"/v1/jobs/{i}", headers=auth).json()["status"]
                            for i in ids]
                if all(st == "succeeded" for st in statuses):
                    break
                assert time.monotonic() - came_back < 60, (statuses, (tmp_path / "worker.log")
                                                            .read_text()[-3000:])
                time.sleep(0.5)
            assert client.get("/readyz").json()["broker"] == "ok"
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        redis.send_signal(signal.SIGKILL)
        redis.wait(5)
