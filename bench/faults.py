"""Jobs under SIGKILL: N trials of a Celery worker (or its child) killed mid-job.

    python bench/faults.py [--trials 100] [--lease 6] [--sweep 2] [--redis redis://127.0.0.1:6379/14]

One `hingecheck worker` (prefork, one child) runs under a supervisor loop here that starts
it again whenever it exits, as systemd or compose would; nothing else restarts anything.
Each trial submits a generated 2-rep clip (as the API does: the job row, the source in the
local store, a Celery message), waits until the analysis is under way, sleeps a random
0–1 s and SIGKILLs the worker's child (even trials) or the whole worker (odd trials). Then
it waits for the job to end and checks it: lost (never ended), stuck past lease + sweep
interval + one run, ended other than succeeded, duplicated outputs (more than one set),
and result.json identical to an uninterrupted run's (timings aside).

Short leases (--lease, --sweep) keep the run short; the recovery logic is the same as
with the defaults (60 s, 20 s). Numbers, not assertions: this is not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from hingecheck.jobs import store as jobs
from hingecheck.jobs.models import Job
from hingecheck.settings import Settings
from hingecheck.storage import job_key
from hingecheck.storage.local import LocalStore
from hingecheck.synth.generate import generate_clip
from hingecheck.synth.truth import ClipParams

ROOT = Path(__file__).resolve().parents[1]


class Supervisor:
    """Keeps one worker running: starts it again whenever it exits."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.proc: subprocess.Popen[bytes] | None = None
        self.restarts = -1
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            if self.proc is None or self.proc.poll() is not None:
                self.restarts += 1
                self.proc = subprocess.Popen(
                    [sys.executable, "-m", "services.cli", "worker", "--concurrency", "1",
                     "--without-heartbeat", "--without-mingle", "--without-gossip"],
                    env=self.env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
                    cwd=ROOT, start_new_session=True)
            time.sleep(0.2)

    def child(self) -> int | None:
        """The pool's child process (the one running the job), if there is one."""
        if self.proc is None:
            return None
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            if int(fields[1]) == self.proc.pid:
                return int(stat.parent.name)
        return None

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)


def comparable(result_json: bytes) -> dict:  # type: ignore[type-arg]
    result = json.loads(result_json)
    result.pop("timings", None)
    result.pop("created_at", None)
    return result  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--lease", type=float, default=6.0)
    parser.add_argument("--sweep", type=float, default=2.0)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()

    from celery import Celery

    tmp = Path(tempfile.mkdtemp(prefix="hingecheck-faults-"))
    queue = f"faults-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "HINGECHECK_DATA_DIR": str(tmp / "data"),
           "HINGECHECK_BROKER_URL": args.redis, "HINGECHECK_QUEUE": queue,
           "HINGECHECK_JOB_LEASE_S": str(args.lease),
           "HINGECHECK_SWEEP_INTERVAL_S": str(args.sweep), "HINGECHECK_RETRY_BACKOFF_S": "0"}
    s = Settings(data_dir=tmp / "data", broker_url=args.redis, queue=queue,  # type: ignore[arg-type]
                 job_lease_s=args.lease)
    db = jobs.connect(s.database())
    tenant, _ = jobs.create_key(db, "faults")
    store = LocalStore(s.objects_dir())
    clip = tmp / "lift.mp4"
    generate_clip(ClipParams(scenario="good_hinge", reps=2, seed=11, resolution=480), clip)
    sender = Celery("faults", broker=args.redis)

    def submit() -> str:
        job = Job(id=jobs.new_job_id(), tenant_id=tenant, exercise="rdl",
                  source_name="lift.mp4", source_key="")
        job.source_key = job_key(tenant, job.id, "source.mp4")
        store.put_file(job.source_key, clip, "video/mp4")
        jobs.add_job(db, job)
        sender.send_task("hingecheck.analyse", args=[job.id], queue=queue)
        jobs.mark_dispatched(db, job.id)
        return job.id

    def wait_end(job_id: str, limit_s: float) -> Job | None:
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            job = jobs.get_job(db, tenant, job_id)
            if job is not None and job.status not in ("queued", "running"):
                return job
            time.sleep(0.2)
        return None

    supervisor = Supervisor(env, tmp / "worker.log")
    supervisor.start()
    rng = random.Random(0)
    counts = {"trials": 0, "killed mid-job": 0, "lost": 0, "stuck": 0, "not succeeded": 0,
              "duplicates": 0, "identical": 0}
    recoveries: list[float] = []
    try:
        reference_id = submit()  # an uninterrupted run (also warms the worker)
        ref = wait_end(reference_id, 300)
        assert ref is not None and ref.status == "succeeded", "the reference run failed"
        reference = comparable((s.objects_dir() / job_key(tenant, reference_id, "result.json"))
                               .read_bytes())
        one_run = (ref.finished_at - ref.created_at).total_seconds() if ref.finished_at \
            and ref.created_at else 30.0
        for trial in range(args.trials):
            counts["trials"] += 1
            job_id = submit()
            deadline = time.monotonic() + 120
            while (job := jobs.get_job(db, tenant, job_id)) is not None and \
                    (job.status != "running" or job.progress <= 0.0):
                if job.status not in ("queued", "running") or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            time.sleep(rng.uniform(0.0, 1.0))
            whole = trial % 2 == 1
            target = supervisor.proc.pid if whole and supervisor.proc else supervisor.child()
            job = jobs.get_job(db, tenant, job_id)
            if target and job is not None and job.status == "running":
                counts["killed mid-job"] += 1
                (os.killpg if whole else os.kill)(target, signal.SIGKILL)
            killed_at = time.monotonic()
            # Lease + sweep + a whole run + the worker's start (model load).
            bound = args.lease + args.sweep + one_run + 15.0
            ended = wait_end(job_id, bound + 120)
            if ended is None:
                counts["lost"] += 1
                continue
            took = time.monotonic() - killed_at
            recoveries.append(took)
            counts["stuck"] += took > bound
            if ended.status != "succeeded":
                counts["not succeeded"] += 1
                continue
            names = sorted(p.name for p in (s.objects_dir() / "tenants" / tenant / "jobs"
                                            / job_id).iterdir())
            counts["duplicates"] += names != ["angles.png", "annotated.mp4", "poster.jpg",
                                              "result.json", "source.mp4"]
            result = (s.objects_dir() / job_key(tenant, job_id, "result.json")).read_bytes()
            counts["identical"] += comparable(result) == reference
            print(f"trial {trial + 1}: {'worker' if whole else 'child'} killed, "
                  f"{ended.status} after {took:.1f} s, attempts {ended.attempts}", flush=True)
    finally:
        supervisor.stop()
    print(f"\n{counts['trials']} trials, lease {args.lease:g} s, sweep {args.sweep:g} s, "
          f"worker restarted by the supervisor {supervisor.restarts} times")
    for name, value in counts.items():
        print(f"  {name}: {value}")
    if recoveries:
        recoveries.sort()
        print(f"  kill to end: median {recoveries[len(recoveries) // 2]:.1f} s, "
              f"max {recoveries[-1]:.1f} s")


if __name__ == "__main__":
    main()
