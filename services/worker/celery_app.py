"""Celery app and the analysis task (distributed mode: Redis wakes workers).

The job database is the truth; a message only says "look at job X". A task claims the job
atomically, so a message delivered twice (a worker lost mid-job) runs the job at most once
at a time, and a finished job is never run again. Outputs go to deterministic keys.

    HINGECHECK_BROKER_URL=redis://127.0.0.1:6379/0 celery -A services.worker.celery_app worker
    (or: hingecheck worker)
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery
from celery.signals import worker_process_init, worker_ready
from hingecheck.jobs import store as jobs
from hingecheck.jobs.runner import run_job
from hingecheck.settings import get_settings

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
    worker_hijack_root_logger=False,   # keep hingecheck's JSON log lines
)
_process: dict[str, Any] = {}


@worker_process_init.connect
def _load(**_: object) -> None:
    """Once per worker process: the model (warmed up), the database and the store."""
    from hingecheck.pose.model import get_pose_model
    from hingecheck.storage import open_store

    _process["db"] = jobs.connect(settings.database())
    _process["objects"] = open_store(settings)
    get_pose_model(settings)


def _resources() -> tuple[Any, Any]:
    if "db" not in _process:  # the solo pool has no child processes
        _load()
    return _process["db"], _process["objects"]


@app.task(name="hingecheck.analyse", bind=True, max_retries=None)
def analyse(self: Any, job_id: str) -> str:
    db, objects = _resources()
    job = jobs.claim(db, job_id, settings.job_lease_s)
    if job is None:
        return "not claimable (done, or another worker has it)"
    status = run_job(job, db, objects, settings)
    if status == "queued":  # a retryable failure: try again later, backing off
        raise self.retry(countdown=min(300, 5 * 2 ** job.attempts))
    return status


def sweep() -> int:
    """Dispatch every job left queued, or running past its lease; returns how many."""
    db = _process.get("db") or jobs.connect(settings.database())
    ids = jobs.claimable(db, settings.job_lease_s, limit=1000)
    for job_id in ids:
        analyse.apply_async(args=[job_id], queue=settings.queue)
    return len(ids)


@worker_ready.connect
def _sweep_on_start(**_: object) -> None:
    log.info("start-up sweep: %d job(s) dispatched", sweep())
