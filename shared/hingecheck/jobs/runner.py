"""Run one job: fetch the source, analyse, render, store the outputs, record the outcome.

The same ``run_job`` serves the embedded worker thread (``EmbeddedWorker``) and, at scale,
a queue consumer. Outputs go to deterministic keys, so a job run twice (a worker died
half way) overwrites its own files instead of leaving two sets.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from hingecheck import errors
from hingecheck.errors import HingecheckError
from hingecheck.jobs import store as jobs
from hingecheck.jobs.models import Job
from hingecheck.logs import current_job
from hingecheck.settings import Settings
from hingecheck.storage import ObjectMissing, ObjectStore, StorageUnavailable, job_key

log = logging.getLogger("hingecheck.worker")
CONTENT_TYPES = {"result.json": "application/json", "annotated.mp4": "video/mp4",
                 "poster.jpg": "image/jpeg", "angles.png": "image/png"}


def run_job(job: Job, db: sessionmaker[Session], objects: ObjectStore,
            settings: Settings) -> str:
    """Process a claimed job, renewing its lease as it runs; returns its final (or
    re-queued) status."""
    token = current_job.set(job.id)
    try:
        with LeaseKeeper(db, job.id, settings.job_lease_s / 3):
            status = _run(job, db, objects, settings)
        log.info("job %s: %s (attempt %d)", job.id, status, job.attempts)
        if status in ("succeeded", "failed", "rejected"):
            notify(db, job.id, settings.webhook_hosts())
        return status
    finally:
        current_job.reset(token)
        release_freed_memory()


class LeaseKeeper:
    """Renews a running job's lease every ``period_s`` from a thread, so that the lease can
    be short (a dead worker's job is taken again within a lease) however long the analysis
    or the rendering takes between progress updates."""

    def __init__(self, db: sessionmaker[Session], job_id: str, period_s: float) -> None:
        self.db, self.job_id, self.period_s = db, job_id, period_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"lease-{job_id}",
                                        daemon=True)

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(5.0)

    def _loop(self) -> None:
        while not self._stop.wait(self.period_s):
            try:
                jobs.renew(self.db, self.job_id)
            except Exception:  # the database is away: the next renewal may reach it
                log.warning("job %s: lease not renewed (database unreachable)", self.job_id)


def _through_outage(action: Callable[[], None], what: str, settings: Settings,
                    down: tuple[type[Exception], ...] = (StorageUnavailable,)) -> None:
    """Run a store (or database) call, waiting out an outage for up to ``store_wait_s``
    (backing off 1, 2, 4 … 30 s): a short outage delays a job, it does not fail it."""
    deadline = time.monotonic() + settings.store_wait_s
    delay = 1.0
    while True:
        try:
            action()
            return
        except down as exc:
            if time.monotonic() + delay > deadline:
                raise
            log.warning("%s: %s unavailable, trying again in %.0f s", what,
                        "store" if isinstance(exc, StorageUnavailable) else "database", delay)
            time.sleep(delay)
            delay = min(30.0, delay * 2)


def _record_progress(db: sessionmaker[Session], job_id: str, fraction: float) -> None:
    """Progress is advisory: with the database away the analysis goes on without it."""
    try:
        jobs.set_progress(db, job_id, fraction)
    except OperationalError:
        log.warning("job %s: progress not recorded (database unreachable)", job_id)


def release_freed_memory() -> None:
    """Hand the heap a finished job freed (decoded frames, the encoder's buffers) back to
    the system, so that an idle worker does not keep its busiest moment's footprint.
    glibc keeps freed blocks in its arenas otherwise; elsewhere this does nothing."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _run(job: Job, db: sessionmaker[Session], objects: ObjectStore,
         settings: Settings) -> str:
    from hingecheck.pipeline import analyze_video
    from hingecheck.render import render_chart, render_clip, render_poster

    log.info("job %s: attempt %d", job.id, job.attempts)
    with tempfile.TemporaryDirectory(prefix="hingecheck-job-") as tmp:
        work = Path(tmp)
        source = work / ("source" + Path(job.source_key).suffix)
        try:
            _through_outage(lambda: objects.get_file(job.source_key, source),
                            f"job {job.id}: fetching the clip", settings)
            last = [0.0]

            def progress(done: int, expected: int) -> None:
                # Analysis is about 80 % of the work, rendering the rest.
                fraction = 0.8 * done / max(expected, 1)
                if fraction - last[0] >= 0.05:
                    last[0] = fraction
                    _record_progress(db, job.id, fraction)

            result = analyze_video(source, settings, exercise=job.exercise, progress=progress)
            result = result.model_copy(update={"source_name": job.source_name})
            (work / "result.json").write_text(result.model_dump_json())
            render_clip(source, result, work / "annotated.mp4", settings)
            render_poster(source, result, work / "poster.jpg", settings)
            render_chart(result, work / "angles.png")
            _record_progress(db, job.id, 0.95)
            for name, kind in CONTENT_TYPES.items():
                _through_outage(lambda name=name, kind=kind: objects.put_file(  # type: ignore[misc]
                    job_key(job.tenant_id, job.id, name), work / name, kind),
                    f"job {job.id}: storing {name}", settings)
        except errors.ModelError as exc:
            # This machine's model is missing or broken: another attempt may run elsewhere.
            return jobs.fail(db, job.id, exc.code, str(exc), retry=True,
                             max_attempts=settings.max_attempts,
                             backoff_s=settings.retry_backoff_s)
        except ObjectMissing:
            # The stored clip is gone (deleted, or never completed): nothing to retry.
            return jobs.fail(db, job.id, "source-missing",
                             "the uploaded clip is no longer in storage; upload it again",
                             retry=False, max_attempts=settings.max_attempts)
        except HingecheckError as exc:
            # The clip itself is the problem: retrying cannot help.
            return jobs.fail(db, job.id, exc.code, str(exc), retry=False,
                             max_attempts=settings.max_attempts,
                             backoff_s=settings.retry_backoff_s)
        except StorageUnavailable as exc:
            return jobs.fail(db, job.id, "storage_unavailable", str(exc), retry=True,
                             max_attempts=settings.max_attempts,
                             backoff_s=settings.retry_backoff_s)
        except Exception as exc:  # a bug or a crash in a library: retry, then give up
            # The client sees that it failed, not the server's internals (the log has them).
            log.exception("job %s failed: %s", job.id, type(exc).__name__)
            return jobs.fail(db, job.id, "internal_error",
                             f"the analysis failed unexpectedly; the error is logged under "
                             f"job {job.id}", retry=True, max_attempts=settings.max_attempts,
                             backoff_s=settings.retry_backoff_s)
    faults: list[dict[str, object]] = [{"name": f.name, "worst_severity": f.worst_severity}
                                       for f in result.summary.faults]
    # The outputs are stored: a database outage now delays the record, it does not cost a
    # second run of the whole analysis.
    _through_outage(lambda: jobs.finish(
        db, job.id, score=result.summary.score, model=result.model.name, faults=faults,
        rep_count=result.summary.rep_count, analysis_s=result.timings.total_s,
        frames_per_second=result.timings.frames_per_second,
        exercise_found=result.exercise.name, unscored_reason=result.summary.reason,
        reps=[{"index": r.index, "start_s": r.start_s, "end_s": r.end_s, "score": r.score,
               "faults": [f.name for f in r.faults]} for r in result.reps]),
        f"job {job.id}: recording the outcome", settings, down=(OperationalError,))
    return "succeeded"


def notify(db: sessionmaker[Session], job_id: str, allow_hosts: set[str]) -> None:
    """Tell the job's callback URL (if any) that it ended."""
    from hingecheck.jobs.webhooks import deliver

    with db() as s:
        job = s.get(Job, job_id)
        if job is None or not job.callback_url or job.status not in ("succeeded", "failed",
                                                                     "rejected"):
            return
        tenant = jobs.get_tenant(db, job.tenant_id)
    if tenant is None:
        return
    event = "job.succeeded" if job.status == "succeeded" else "job.failed"
    deliver(job.callback_url, tenant.webhook_secret, event,
            {"id": job.id, "status": job.status, "score": job.score,
             "error": job.error_code, "result": f"/v1/jobs/{job.id}/result"}, allow_hosts)


class EmbeddedWorker:
    """A thread in the API process that takes queued jobs from the database (no broker)."""

    def __init__(self, db: sessionmaker[Session], objects: ObjectStore, settings: Settings,
                 poll_s: float = 0.5) -> None:
        self.db, self.objects, self.settings, self.poll_s = db, objects, settings, poll_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="hingecheck-worker",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def run_once(self) -> str | None:
        job = jobs.claim_next(self.db, self.settings.job_lease_s, self.settings.max_attempts)
        return None if job is None else run_job(job, self.db, self.objects, self.settings)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                if self.run_once() is None:
                    self._stop.wait(self.poll_s)
            except Exception:  # the database went away: keep the thread, try again
                log.exception("worker loop")
                time.sleep(2.0)
