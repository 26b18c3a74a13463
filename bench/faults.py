"""Jobs under SIGKILL: N trials of a Celery worker (or its child) killed mid-job.

    python bench/faults.py [--trials 50] [--lease 6] [--sweep 2] [--redis redis://127.0.0.1:6379/14]

Ctrl-C (SIGINT) ends the run after the trial under way and still reports.

One `hingecheck worker` (prefork, one child) runs under a supervisor loop here that starts
it again whenever it exits, as systemd or compose would; nothing else restarts anything.
Each trial submits a generated 2-rep clip (as the API does: the source in the local store,
the job row with a callback URL, a Celery message), waits until the analysis is under way,
sleeps a random 0–1 s and SIGKILLs, by turns: the worker's child; the whole worker; the
child, then the respawned child once it has taken the job again (two kills). Then it waits
for the job to end and checks it: lost (never ended), stuck past lease + sweep interval +
one run, ended other than succeeded (and whether by the attempt cap), duplicated outputs
(more than one set), result.json identical to an uninterrupted run's (timings aside), and
its webhook delivered exactly once. At the end: working folders left in the workers' temp
folder and stored objects no job owns.

Short leases (--lease, --sweep) keep the run short; the recovery logic is the same as
with the defaults (60 s, 20 s). Numbers, not assertions: this is not a test.
"""

from __future__ import annotations

import argparse
import collections
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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from hingecheck.jobs import rendering
from hingecheck.jobs import store as jobs
from hingecheck.jobs.models import Job
from hingecheck.settings import Settings
from hingecheck.storage import job_key
from hingecheck.storage.local import LocalStore
from hingecheck.synth.generate import generate_clip
from hingecheck.synth.truth import ClipParams
from hingecheck.vocab import DEFAULT_EXERCISE, JobStatus, OutputKind

ROOT = Path(__file__).resolve().parents[1]


class Hooks:
    """A webhook receiver on loopback: how many deliveries each job got."""

    def __init__(self) -> None:
        self.per_job: collections.Counter[str] = collections.Counter()
        per_job = self.per_job

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                per_job[body["data"]["id"]] += 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


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
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--lease", type=float, default=6.0)
    parser.add_argument("--sweep", type=float, default=2.0)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()

    from celery import Celery

    tmp = Path(tempfile.mkdtemp(prefix="hingecheck-faults-"))
    work = tmp / "work"  # the workers' temp folder: their working folders land here
    work.mkdir()
    hooks = Hooks()
    queue = f"faults-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "HINGECHECK_DATA_DIR": str(tmp / "data"), "TMPDIR": str(work),
           "HINGECHECK_WEBHOOK_ALLOW_HOSTS": "127.0.0.1",
           "HINGECHECK_BROKER_URL": args.redis, "HINGECHECK_QUEUE": queue,
           "HINGECHECK_JOB_LEASE_S": str(args.lease),
           "HINGECHECK_SWEEP_INTERVAL_S": str(args.sweep), "HINGECHECK_RETRY_BACKOFF_S": "0"}
    s = Settings(data_dir=tmp / "data", broker_url=args.redis, queue=queue,
                 job_lease_s=args.lease)
    db = jobs.connect(s.database())
    tenant, _ = jobs.create_key(db, "faults")
    store = LocalStore(s.objects_dir())
    clip = tmp / "lift.mp4"
    generate_clip(ClipParams(scenario="good_hinge", reps=2, seed=11, resolution=480), clip)
    sender = Celery("faults", broker=args.redis)

    def submit() -> str:
        job = Job(id=jobs.new_job_id(), tenant_id=tenant, exercise=DEFAULT_EXERCISE,
                  source_name="lift.mp4", source_key="", callback_url=hooks.url)
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
            # Ended, and (the verdict comes first) a success's drawings stored.
            if job is not None and JobStatus(job.status).ended and (
                    job.status != JobStatus.SUCCEEDED or rendering.outputs_ready(job)):
                return job
            time.sleep(0.2)
        return None

    stopping = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    supervisor = Supervisor(env, tmp / "worker.log")
    supervisor.start()
    rng = random.Random(0)
    counts = {"trials": 0, "kills": 0, "children killed": 0, "workers killed": 0,
              "respawned children killed": 0, "lost": 0, "stuck": 0, "not succeeded": 0,
              "failed at the attempt cap": 0, "duplicates": 0, "identical": 0}
    ended_ids: list[str] = []
    recoveries: list[float] = []
    try:
        reference_id = submit()  # an uninterrupted run (also warms the worker)
        ref = wait_end(reference_id, 300)
        assert ref is not None and ref.status == "succeeded", "the reference run failed"
        reference = comparable((s.objects_dir() / job_key(
            tenant, reference_id, OutputKind.RESULT.file_name)).read_bytes())
        one_run = (ref.finished_at - ref.created_at).total_seconds() if ref.finished_at \
            and ref.created_at else 30.0
        for trial in range(args.trials):
            if stopping.is_set():  # Ctrl-C: end after the trial under way, then report
                break
            counts["trials"] += 1
            job_id = submit()
            deadline = time.monotonic() + 120
            while (job := jobs.get_job(db, tenant, job_id)) is not None and \
                    (job.status != JobStatus.RUNNING or job.progress <= 0.0):
                if JobStatus(job.status).ended or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            time.sleep(rng.uniform(0.0, 1.0))
            mode = ("child", "worker", "respawned child")[trial % 3]
            whole = mode == "worker"
            target = supervisor.proc.pid if whole and supervisor.proc else supervisor.child()
            job = jobs.get_job(db, tenant, job_id)
            if target and job is not None and job.status == JobStatus.RUNNING:
                counts["kills"] += 1
                counts["workers killed" if whole else "children killed"] += 1
                (os.killpg if whole else os.kill)(target, signal.SIGKILL)
                if mode == "respawned child":  # the replacement, once it runs the job again
                    deadline = time.monotonic() + args.lease + args.sweep + 120
                    while time.monotonic() < deadline:
                        job = jobs.get_job(db, tenant, job_id)
                        if job is None or JobStatus(job.status).ended or (
                                job.status == JobStatus.RUNNING and job.attempts >= 2
                                and job.progress > 0.0):
                            break
                        time.sleep(0.05)
                    again = supervisor.child()
                    if again and again != target and job is not None \
                            and job.status == JobStatus.RUNNING:
                        time.sleep(rng.uniform(0.0, 1.0))
                        os.kill(again, signal.SIGKILL)
                        counts["kills"] += 1
                        counts["respawned children killed"] += 1
            killed_at = time.monotonic()
            # Lease + sweep + a whole run + the worker's start (model load).
            bound = args.lease + args.sweep + one_run + 15.0
            ended = wait_end(job_id, 2 * bound + 120)
            if ended is None:
                counts["lost"] += 1
                continue
            ended_ids.append(job_id)
            took = time.monotonic() - killed_at
            recoveries.append(took)
            counts["stuck"] += took > bound
            if ended.status != JobStatus.SUCCEEDED:
                counts["not succeeded"] += 1
                counts["failed at the attempt cap"] += ended.error_code == "interrupted"
                print(f"trial {trial + 1}: {ended.status} {ended.error_code}: "
                      f"{ended.error_message}", flush=True)
                continue
            names = sorted(p.name for p in (s.objects_dir() / "tenants" / tenant / "jobs"
                                            / job_id).iterdir())
            counts["duplicates"] += names != sorted(
                [*(kind.file_name for kind in OutputKind), "source.mp4"])
            result = (s.objects_dir() / job_key(tenant, job_id,
                                                OutputKind.RESULT.file_name)).read_bytes()
            counts["identical"] += comparable(result) == reference
            print(f"trial {trial + 1}: {mode} killed, "
                  f"{ended.status} after {took:.1f} s, attempts {ended.attempts}", flush=True)
        time.sleep(2.0)  # the last webhooks in flight
        leftovers = sorted(p.name for p in work.glob("hingecheck-job-*"))
        owned = {key for job_id in [reference_id, *ended_ids]
                 for key in [job_key(tenant, job_id, "")]}
        orphans = [item.key for item in store.objects("tenants/")
                   if not any(item.key.startswith(prefix) for prefix in owned)]
    finally:
        supervisor.stop()
    ended_all = [reference_id, *ended_ids]
    counts["webhooks delivered once"] = sum(hooks.per_job[j] == 1 for j in ended_all)
    counts["webhooks missing"] = sum(hooks.per_job[j] == 0 for j in ended_all)
    counts["webhooks duplicated"] = sum(hooks.per_job[j] > 1 for j in ended_all)
    counts["working folders left"] = len(leftovers)
    counts["orphan objects"] = len(orphans)
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
