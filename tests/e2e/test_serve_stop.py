"""`hingecheck serve` stops within seconds of SIGTERM even mid-job, and the job it was
analysing goes back to the queue for the next worker: a real server process, the real
model, a generated clip over HTTP."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from hingecheck.jobs import store as jobs
from hingecheck.settings import Settings
from hingecheck.synth.generate import generate_clip
from hingecheck.synth.truth import ClipParams
from hingecheck.vocab import JobStatus

from tests.servers import free_port, wait_for_port

pytestmark = pytest.mark.model
ROOT = Path(__file__).resolve().parents[2]


def test_serve_stops_within_seconds_mid_job_and_releases_the_job(tmp_path: Path,
                                                                  settings: Settings) -> None:
    clip = tmp_path / "long.mp4"
    generate_clip(ClipParams(scenario="good_hinge", reps=10, seed=5, resolution=480), clip)
    port = free_port()
    env = {**os.environ, "HINGECHECK_DATA_DIR": str(tmp_path / "data"),
           "HINGECHECK_MODEL_DIR": str(settings.model_dir), "TMPDIR": str(tmp_path)}
    log = tmp_path / "serve.log"
    server = subprocess.Popen([sys.executable, "-m", "services.cli", "serve", "--port",
                               str(port)], env=env, stdout=log.open("wb"),
                              stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True)
    try:
        wait_for_port(port, timeout_s=120, what="hingecheck serve")
        key = re.search(r"hc_[0-9a-f]+\.\S+", log.read_text())
        assert key is not None, log.read_text()
        base, auth = f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {key.group(0)}"}
        with clip.open("rb") as f:
            sent = httpx.post(f"{base}/v1/videos", headers=auth, timeout=60,
                              files={"file": ("long.mp4", f, "video/mp4")})
        assert sent.status_code == 202, sent.text
        job_id = sent.json()["id"]
        deadline = time.monotonic() + 120
        while (body := httpx.get(f"{base}/v1/jobs/{job_id}", headers=auth).json())[
                "progress"] < 0.05:
            assert body["status"] in ("queued", "running"), body
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.1)
        assert body["status"] == "running" and body["progress"] < 0.6, body  # mid-job
        stopped_at = time.monotonic()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        took = time.monotonic() - stopped_at
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(10)
    assert took < 5.0, (took, log.read_text()[-3000:])
    db = jobs.connect(Settings(data_dir=tmp_path / "data").database())
    with db() as s:
        from hingecheck.jobs.models import Job

        job = s.get(Job, job_id)
    assert job is not None and job.status == JobStatus.QUEUED and job.attempts == 0
    assert jobs.claimable(db, 60.0) == [job_id]  # the next worker takes it at once
    assert not list(tmp_path.glob("hingecheck-job-*"))  # its working folder went too
