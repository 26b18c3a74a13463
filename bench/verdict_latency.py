"""How long after an upload completes its verdict (result.json) is there, in the service.

    python bench/verdict_latency.py [--reps 9] [--resolution 1080] [--runs 2]

Starts `hingecheck serve` (the embedded worker: one worker on this machine's cores, SQLite,
the local store) with the precision ``HINGECHECK_INFERENCE_PRECISION`` names, analyses one
short warm-up clip (the model loaded and compiled, as on a worker that has run before),
then uploads a generated `synth mixed` clip (``--reps`` 9 at 30 fps: about 30 s) ``--runs``
times, one after the other, and prints for each, from the moment the upload's 202 arrives:
when the job succeeded with its verdict (result.json answerable) and when its annotated clip,
poster and chart were stored (``outputs_ready``). The job is polled every 0.1 s.
The output starts with the CPU and its instruction sets and the load average. Numbers, not
assertions: this is not a test.
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from hingecheck.synth.generate import generate_clip
from hingecheck.synth.truth import ClipParams
from hingecheck.video import probe
from precision import cpu_description, load_average

HINGECHECK = str(Path(sys.executable).with_name("hingecheck"))
POLL_S = 0.1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def upload_and_time(base: str, auth: dict[str, str], clip: Path) -> dict[str, float]:
    """Seconds from the upload's 202 to the verdict and to the drawings."""
    with clip.open("rb") as f:
        sent = httpx.post(f"{base}/v1/videos", headers=auth, timeout=300,
                          files={"file": (clip.name, f, "video/mp4")}, data={"exercise": "rdl"})
    accepted = time.monotonic()
    sent.raise_for_status()
    job_id = sent.json()["id"]
    figures: dict[str, float] = {}
    deadline = accepted + 900
    while time.monotonic() < deadline:
        job = httpx.get(f"{base}/v1/jobs/{job_id}", headers=auth, timeout=30).json()
        if job["status"] in ("failed", "rejected"):
            raise SystemExit(f"job {job_id} {job['status']}: {job['error']}")
        if job["status"] == "succeeded":
            figures.setdefault("verdict_s", time.monotonic() - accepted)
            if job["outputs_ready"]:
                figures["drawn_s"] = time.monotonic() - accepted
                return figures
        time.sleep(POLL_S)
    raise SystemExit(f"job {job_id} did not end within 900 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=9)
    parser.add_argument("--resolution", type=int, default=1080, choices=(480, 720, 1080))
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    print(f"machine: {cpu_description()} ({platform.machine()})")
    print(f"load average at start: {load_average()}")
    print(f"precision: {os.environ.get('HINGECHECK_INFERENCE_PRECISION', 'f32 (default)')}")
    with tempfile.TemporaryDirectory(prefix="hingecheck-latency-") as tmp_name:
        tmp = Path(tmp_name)
        clip = tmp / "session_rdl.mp4"
        generate_clip(ClipParams(scenario="mixed", reps=args.reps, seed=1,
                                 resolution=args.resolution), clip)
        warm = tmp / "warm_rdl.mp4"
        generate_clip(ClipParams(scenario="good_hinge", reps=1, seed=2, resolution=480), warm)
        env = {**os.environ, "HINGECHECK_DATA_DIR": str(tmp / "data")}
        key = subprocess.run([HINGECHECK, "keys", "bench"], env=env, capture_output=True,
                             text=True, check=True).stdout.split(":")[-1].strip()
        port = free_port()
        serve = subprocess.Popen([HINGECHECK, "serve", "--port", str(port)], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base, auth = f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {key}"}
            for _ in range(300):
                try:
                    httpx.get(f"{base}/healthz", timeout=1.0)
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            upload_and_time(base, auth, warm)
            size_mb = clip.stat().st_size / 1e6
            length_s = probe(clip).duration_s
            for run in range(args.runs):
                f = upload_and_time(base, auth, clip)
                print(f"run {run + 1}: {clip.name} ({args.resolution}p, {length_s:.1f} s, "
                      f"{size_mb:.0f} MB): verdict {f['verdict_s']:.1f} s after the upload, "
                      f"drawings {f['drawn_s']:.1f} s", flush=True)
        finally:
            serve.terminate()
            serve.wait(timeout=60)
    print(f"load average at end: {load_average()}")


if __name__ == "__main__":
    main()
