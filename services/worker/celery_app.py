"""Celery app and the analysis task (distributed mode: Redis wakes workers).

The job database is the truth; a message only says "look at job X". A task claims the job
atomically, so a message delivered twice (a worker lost mid-job) runs the job at most once
at a time, and a finished job is never run again. Outputs go to deterministic keys.

Messages can be lost (a broker restart, a dispatch while the broker was down, a message
dropped as "not claimable" while a dead worker's lease ran out, one waiting out Redis'
visibility timeout). So every worker sweeps the database every ``sweep_interval_s``: a
job that is claimable and has had no message for a lease gets one (once, whichever worker
sweeps first). A running job renews its lease every third of it (runner.LeaseKeeper), so a
dead worker's job is taken again within lease + sweep interval.

    HINGECHECK_BROKER_URL=redis://127.0.0.1:6379/0 celery -A services.worker.celery_app worker
    (or: hingecheck worker)
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from celery import Celery
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_init, worker_ready
from hingecheck.jobs import housekeeping, rendering
from hingecheck.jobs import store as jobs
from hingecheck.jobs.runner import render_job, run_job, send_due_webhooks, take
from hingecheck.settings import get_settings
from hingecheck.vocab import JobStatus
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger("hingecheck.worker")
settings = get_settings()
app = Celery("hingecheck", broker=settings.broker_url or "redis://127.0.0.1:6379/0")
app.conf.update(
    task_acks_late=True,               # a message is done when the job is, not when taken
    task_reject_on_worker_lost=True,   # a killed child puts its message back
    worker_prefetch_multiplier=1,      # one clip at a time per process
    task_soft_time_limit=settings.job_soft_limit_s,
    task_time_limit=settings.job_hard_limit_s,
    # Above twice the hard limit: Redis must not redeliver a message still being worked.
    broker_transport_options={"visibility_timeout": 2 * settings.job_hard_limit_s + 60},
    task_default_queue=settings.queue,
    broker_connection_retry_on_startup=True,
    broker_connection_max_retries=None,  # a broker down at start is waited for
    worker_hijack_root_logger=False,   # keep hingecheck's JSON log lines
    # A respawned child loads and warms the model before it reports alive (seconds on a
    # loaded machine); Celery's 4 s default killed such children in a loop.
    worker_proc_alive_timeout=120.0,
)
_process: dict[str, Any] = {}
# The sweep thread and the task both open the resources: opened once per process, not
# twice at once (the migrations the first open runs are serialised in jobs/migrate.py too).
_process_lock = threading.Lock()


def _fresh_after_fork() -> None:
    """In a forked child (every pool child, and each one that replaces a killed, timed-out
    or OOM-killed child): open the database and the store again, in this process. The
    parent's sweep thread opened them before the fork; their sockets are the parent's.
    The lock is new too: the sweep thread may have held it at the fork."""
    global _process_lock
    _process_lock = threading.Lock()
    _process.clear()


os.register_at_fork(after_in_child=_fresh_after_fork)


@worker_process_init.connect
def _load(**_: object) -> None:
    """Once per worker process: the pose model (warmed up) and, where the back's outline
    is traced on it, the person mask model. The database and the store are opened on first
    use, so a worker started while either is down waits and then works."""
    from hingecheck.pose.model import get_pose_model
    from hingecheck.pose.personmask import get_masker

    # A child replacing a killed one: the dead one's working folder goes first.
    housekeeping.sweep_folders()
    get_pose_model(settings)
    if settings.back_outline != "background":
        get_masker(settings)


def _resources() -> tuple[Any, Any]:
    """The database and the store, waiting (backing off to 30 s) while either is down."""
    from hingecheck.storage import StorageUnavailable, open_store

    delay = 1.0
    while "objects" not in _process:
        with _process_lock:
            try:
                if "db" not in _process:
                    _process["db"] = jobs.connect(settings.database())
                if "objects" not in _process:
                    _process["objects"] = open_store(settings)
                break
            except (StorageUnavailable, OSError, SQLAlchemyError) as exc:
                log.warning("waiting for the database and the store: %s", exc)
        time.sleep(delay)
        delay = min(30.0, delay * 2)
    return _process["db"], _process["objects"]


@app.task(name="hingecheck.analyse", bind=True, max_retries=None)
def analyse(self: Any, job_id: str) -> str:
    db, objects = _resources()
    job = take(db, job_id, settings)
    if job is None:
        # Done, waiting out a backoff, or held by a live (or not yet expired) lease: the
        # sweep sends a new message once it is claimable again, so nothing is lost here.
        return "not claimable now (done, backing off, or another worker has it)"
    status = run_job(job, db, objects, settings, timeouts=(SoftTimeLimitExceeded,))
    if status == JobStatus.QUEUED:  # a retryable failure: try again once its backoff is over
        jobs.mark_dispatched(db, job_id)
        raise self.retry(countdown=jobs.retry_wait_s(job.attempts, settings.retry_backoff_s)
                         + 0.5)
    if status == JobStatus.SUCCEEDED and rendering.is_pending(db, job_id, settings.job_lease_s):
        # Its drawing was deferred (other clips wait): queued behind their analyses.
        jobs.mark_dispatched(db, job_id)
        render.apply_async(args=[job_id], queue=settings.queue)
    return status


@app.task(name="hingecheck.render")
def render(job_id: str) -> str:
    """Draw a succeeded job's annotated clip, poster and chart (deferred, or its worker
    died while drawing)."""
    db, objects = _resources()
    job = rendering.claim(db, job_id, settings.job_lease_s, settings.max_attempts)
    if job is None:
        return "not pending (drawn, being drawn, or given up)"
    return "drawn" if render_job(job, db, objects, settings) else "given back"


def sweep() -> int:
    """Send a message for every claimable job, and every pending rendering, that has had
    none for a lease; how many."""
    db, _ = _resources()
    ids = jobs.due_for_dispatch(db, settings.job_lease_s)
    for job_id in ids:
        analyse.apply_async(args=[job_id], queue=settings.queue)
    drawings = rendering.due_for_dispatch(db, settings.job_lease_s)
    for job_id in drawings:
        render.apply_async(args=[job_id], queue=settings.queue)
    return len(ids) + len(drawings)


# Housekeeping (dead processes' folders, rejected sources, orphan objects) lists the whole
# store: at most this often.
HOUSEKEEPING_S = 300.0


def _sweep_forever() -> None:
    housekept = -HOUSEKEEPING_S
    while True:
        try:
            sent = sweep()
            if sent:
                log.info("sweep: %d job(s) dispatched", sent)
            db, objects = _resources()
            send_due_webhooks(db, settings)
            if time.monotonic() - housekept >= HOUSEKEEPING_S:
                housekept = time.monotonic()
                housekeeping.housekeeping(db, objects, settings.rejected_source_keep_s,
                                          settings.orphan_grace_s)
        except Exception:  # the broker or the database is away: the next sweep tries again
            log.warning("sweep failed; trying again in %.0f s", settings.sweep_interval_s,
                        exc_info=True)
        time.sleep(settings.sweep_interval_s)


@worker_ready.connect
def _start_sweeping(**_: object) -> None:
    """In the worker's main process: sweep now and every sweep_interval_s."""
    threading.Thread(target=_sweep_forever, name="hingecheck-sweep", daemon=True).start()
