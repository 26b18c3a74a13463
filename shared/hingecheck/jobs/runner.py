"""Run one job: fetch the source, analyse, render, store the outputs, record the outcome.

The same ``run_job`` serves the embedded worker thread (``EmbeddedWorker``) and, at scale,
a queue consumer. Outputs go to deterministic keys, so a job run twice (a worker died
half way) overwrites its own files instead of leaving two sets. Every way a job ends
(succeeded, rejected, failed, failed at its attempt cap) sends its webhook once.

With ``Settings.render_after_verdict`` the verdict comes first: result.json is stored, the
job recorded as succeeded and its webhook sent as soon as the clip is judged, and the
annotated clip, poster and chart are drawn after, from the source already fetched
(``render_job``; a rendering whose worker died is drawn again by ``render_pending``, the
verdict untouched: ``jobs/rendering.py``). While other clips wait to be judged the drawing
waits too (a coach's batch gets every verdict first), at most ``render_defer_max_s``.
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
from typing import TYPE_CHECKING

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from hingecheck.errors import HingecheckError, JobTimedOut
from hingecheck.jobs import housekeeping, outcomes, rendering
from hingecheck.jobs import store as jobs
from hingecheck.jobs.models import Job
from hingecheck.logs import current_job
from hingecheck.settings import Settings
from hingecheck.storage import ObjectMissing, ObjectStore, StorageUnavailable, job_key
from hingecheck.vocab import ENDED_STATUSES, RENDERED_OUTPUTS, JobStatus, OutputKind

if TYPE_CHECKING:
    from hingecheck.schemas.result import AnalysisResult

log = logging.getLogger("hingecheck.worker")
# How often the embedded worker removes what dead processes and rejections left behind.
HOUSEKEEPING_S = 300.0


class Released(Exception):
    """The worker is stopping: the job goes back to the queue for another worker."""


def take(db: sessionmaker[Session], job_id: str, settings: Settings) -> Job | None:
    """Claim ``job_id``; a job whose attempts are used up is failed here instead, and its
    webhook sent (None either way when there is nothing to run)."""
    if outcomes.fail_exhausted(db, job_id, settings.job_lease_s, settings.max_attempts):
        log.warning("job %s: failed, its attempts used up", job_id)
        notify(db, job_id, settings.webhook_hosts())
        return None
    return jobs.claim(db, job_id, settings.job_lease_s, settings.max_attempts)


def run_job(job: Job, db: sessionmaker[Session], objects: ObjectStore, settings: Settings,
            *, stop: threading.Event | None = None,
            timeouts: tuple[type[BaseException], ...] = ()) -> str:
    """Process a claimed job, renewing its lease as it runs; returns its final (or
    re-queued) status. ``stop`` set mid-job releases the job (status queued) within a
    moment; ``timeouts`` are the exceptions that mean its time ran out. With
    ``render_after_verdict`` the job has succeeded (and its webhook is sent) before its
    rendered outputs are drawn, here, after."""
    token = current_job.set(job.id)
    stop = stop or threading.Event()
    try:
        with tempfile.TemporaryDirectory(prefix=housekeeping.work_folder_prefix()) as tmp:
            work = Path(tmp)
            judged: list[AnalysisResult] = []
            with LeaseKeeper(db, job.id, settings.job_lease_s / 3):
                try:
                    status = _run(job, db, objects, settings, stop, timeouts, work, judged)
                except Released:
                    outcomes.release(db, job.id)
                    log.info("job %s: released (the worker is stopping)", job.id)
                    return JobStatus.QUEUED
            log.info("job %s: %s (attempt %d)", job.id, status, job.attempts)
            if status == JobStatus.REJECTED and settings.rejected_source_keep_s <= 0:
                with contextlib.suppress(StorageUnavailable, OperationalError):
                    housekeeping.remove_rejected_sources(db, objects, 0.0)
            drawing = status == JobStatus.SUCCEEDED and settings.render_after_verdict
            if status in ENDED_STATUSES:
                # The drawing's lease (taken with the verdict) is kept while the webhook
                # is sent: a slow receiver must not let another worker take the drawing.
                with (LeaseKeeper(db, job.id, settings.job_lease_s / 3,
                                  renew=rendering.renew) if drawing
                      else contextlib.nullcontext()):
                    notify(db, job.id, settings.webhook_hosts())
            if drawing and judged:
                if _others_waiting(db, job.id, settings):
                    # Drawn once no clip waits to be judged (render_pending), or once
                    # overdue (settings.render_defer_max_s).
                    rendering.release(db, job.id)
                    log.info("job %s: drawing deferred: other clips wait to be judged",
                             job.id)
                else:
                    _render_stored(job, db, objects, settings, stop, work, judged[0])
        return status
    finally:
        current_job.reset(token)
        release_freed_memory()


def _others_waiting(db: sessionmaker[Session], job_id: str, settings: Settings) -> bool:
    """Whether another clip waits to be judged (its verdict comes before this drawing)."""
    if settings.render_defer_max_s <= 0:
        return False
    return any(other != job_id for other in jobs.claimable(db, settings.job_lease_s, 2))


def render_pending(db: sessionmaker[Session], objects: ObjectStore, settings: Settings,
                   *, stop: threading.Event | None = None,
                   overdue_only: bool = False) -> str | None:
    """Draw one succeeded job's rendered outputs where nobody is drawing them (deferred
    while other clips waited, or a worker died or stopped while it drew); the job's id,
    or None when none is pending. ``overdue_only``: only one deferred past
    ``settings.render_defer_max_s``."""
    lease_s = settings.job_lease_s
    for job_id in (rendering.overdue(db, lease_s, settings.render_defer_max_s) if overdue_only
                   else rendering.pending(db, lease_s)):
        job = rendering.claim(db, job_id, settings.job_lease_s, settings.max_attempts)
        if job is not None:
            render_job(job, db, objects, settings, stop=stop)
            return job.id
    return None


def render_job(job: Job, db: sessionmaker[Session], objects: ObjectStore, settings: Settings,
               *, stop: threading.Event | None = None) -> bool:
    """Fetch a succeeded job's source and result.json, draw its rendered outputs and store
    them; whether they are stored (False: given back, for another try)."""
    from hingecheck.schemas.result import AnalysisResult

    token = current_job.set(job.id)
    try:
        with tempfile.TemporaryDirectory(prefix=housekeeping.work_folder_prefix()) as tmp:
            work = Path(tmp)
            source = work / ("source" + Path(job.source_key).suffix)
            stored = work / OutputKind.RESULT.file_name
            try:
                _through_outage(lambda: objects.get_file(job.source_key, source),
                                f"job {job.id}: fetching the clip", settings)
                _through_outage(lambda: objects.get_file(job_key(
                    job.tenant_id, job.id, OutputKind.RESULT.file_name), stored),
                    f"job {job.id}: fetching result.json", settings)
                result = AnalysisResult.model_validate_json(stored.read_text())
            except Exception:
                log.exception("job %s: its rendering could not start", job.id)
                rendering.release(db, job.id)
                return False
            return _render_stored(job, db, objects, settings, stop or threading.Event(),
                                  work, result)
    finally:
        current_job.reset(token)
        release_freed_memory()


def _render_stored(job: Job, db: sessionmaker[Session], objects: ObjectStore,
                   settings: Settings, stop: threading.Event, work: Path,
                   result: AnalysisResult) -> bool:
    """Draw the rendered outputs from ``work``'s source and store them, holding the
    rendering's lease; whether they are stored."""
    source = work / ("source" + Path(job.source_key).suffix)
    try:
        with LeaseKeeper(db, job.id, settings.job_lease_s / 3, renew=rendering.renew):
            _draw(source, result, work, settings, stop)
            _store(job, objects, settings, work, RENDERED_OUTPUTS)
    except Released:
        rendering.release(db, job.id)
        log.info("job %s: rendering given back (the worker is stopping)", job.id)
        return False
    except Exception:
        # The verdict stands; the outputs are drawn again by a later try.
        log.exception("job %s: rendering failed", job.id)
        rendering.release(db, job.id)
        return False
    _through_outage(lambda: rendering.mark_rendered(db, job.id),
                    f"job {job.id}: recording the rendered outputs", settings,
                    down=(OperationalError,))
    log.info("job %s: rendered outputs stored", job.id)
    return True


def _draw(source: Path, result: AnalysisResult, work: Path, settings: Settings,
          stop: threading.Event) -> None:
    """The annotated clip and its poster (one decoding pass), and the chart, into ``work``."""
    from hingecheck.render import render_chart, render_clip

    def go_on(*_: int) -> None:
        if stop.is_set():
            raise Released

    render_clip(source, result, work / OutputKind.VIDEO.file_name, settings, progress=go_on,
                poster=work / OutputKind.POSTER.file_name)
    go_on()
    render_chart(result, work / OutputKind.CHART.file_name)


def _store(job: Job, objects: ObjectStore, settings: Settings, work: Path,
           kinds: tuple[OutputKind, ...]) -> None:
    for kind in kinds:
        _through_outage(lambda kind=kind: objects.put_file(  # type: ignore[misc]
            job_key(job.tenant_id, job.id, kind.file_name), work / kind.file_name,
            kind.media_type), f"job {job.id}: storing {kind.file_name}", settings)


class LeaseKeeper:
    """Renews a running job's lease every ``period_s`` from a thread, so that the lease can
    be short (a dead worker's job is taken again within a lease) however long the analysis
    or the rendering takes between progress updates."""

    def __init__(self, db: sessionmaker[Session], job_id: str, period_s: float,
                 renew: Callable[[sessionmaker[Session], str], None] = jobs.renew) -> None:
        self.db, self.job_id, self.period_s, self._renew = db, job_id, period_s, renew
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
                self._renew(self.db, self.job_id)
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


def _failure(exc: Exception, job_id: str,
             timeouts: tuple[type[BaseException], ...]) -> tuple[str, str, bool]:
    """(code, message for the client, whether another attempt may help) for an error."""
    if timeouts and isinstance(exc, timeouts):
        exc = JobTimedOut("the job ran past its time limit")
    if isinstance(exc, HingecheckError | StorageUnavailable):
        return exc.code, str(exc), exc.retryable
    if isinstance(exc, ObjectMissing):
        return exc.code, exc.message, exc.retryable
    # A bug or a crash in a library: the client sees that it failed, not the server's
    # internals (the log has them).
    log.exception("job %s failed: %s", job_id, type(exc).__name__)
    return ("internal-error", f"the analysis failed unexpectedly; the error is logged under "
            f"job {job_id}", True)


def _run(job: Job, db: sessionmaker[Session], objects: ObjectStore, settings: Settings,
         stop: threading.Event, timeouts: tuple[type[BaseException], ...], work: Path,
         judged: list[AnalysisResult]) -> str:
    """Analyse (and, unless ``render_after_verdict``, render) into ``work``, store, and
    record the outcome; the result is appended to ``judged`` once it is stored."""
    from hingecheck.pipeline import analyze_video

    def go_on(*_: int) -> None:
        if stop.is_set():
            raise Released

    log.info("job %s: attempt %d", job.id, job.attempts)
    source = work / ("source" + Path(job.source_key).suffix)
    verdict_first = settings.render_after_verdict
    try:
        _through_outage(lambda: objects.get_file(job.source_key, source),
                        f"job {job.id}: fetching the clip", settings)
        last = [0.0]
        # The analysis is about 80 % of the work, rendering the rest; with the verdict
        # first, the analysis is the job until it succeeds.
        share = rendering.RENDERING_PROGRESS if verdict_first else 0.8

        def progress(done: int, expected: int) -> None:
            go_on()
            fraction = share * done / max(expected, 1)
            if fraction - last[0] >= 0.05:
                last[0] = fraction
                _record_progress(db, job.id, fraction)

        result = analyze_video(source, settings, exercise=job.exercise, progress=progress)
        result = result.model_copy(update={"source_name": job.source_name})
        (work / OutputKind.RESULT.file_name).write_text(result.model_dump_json())
        if verdict_first:
            go_on()
            _store(job, objects, settings, work, (OutputKind.RESULT,))
        else:
            _draw(source, result, work, settings, stop)
            _record_progress(db, job.id, 0.95)
            _store(job, objects, settings, work, tuple(OutputKind))
    except Released:
        raise
    except Exception as exc:
        code, message, retry = _failure(exc, job.id, timeouts)
        return jobs.fail(db, job.id, code, message, retry=retry,
                         max_attempts=settings.max_attempts,
                         backoff_s=settings.retry_backoff_s,
                         timed_out=code == JobTimedOut.code)
    faults: list[dict[str, object]] = [{"name": f.name, "worst_severity": f.worst_severity}
                                       for f in result.summary.faults]

    def record() -> None:
        jobs.finish(
            db, job.id, score=result.summary.score, model=result.model.name, faults=faults,
            rep_count=result.summary.rep_count, analysis_s=result.timings.total_s,
            frames_per_second=result.timings.frames_per_second,
            exercise_found=result.exercise.name, unscored_reason=result.summary.reason,
            reps=[{"index": r.index, "start_s": r.start_s, "end_s": r.end_s,
                   "score": r.score, "faults": [f.name for f in r.faults]}
                  for r in result.reps],
            video_created_at=result.video.created_at,
            progress=rendering.RENDERING_PROGRESS if verdict_first else 1.0)

    # The outputs are stored: a database outage now delays the record, it does not cost a
    # second run of the whole analysis.
    _through_outage(record, f"job {job.id}: recording the outcome", settings,
                    down=(OperationalError,))
    judged.append(result)
    return JobStatus.SUCCEEDED


def notify(db: sessionmaker[Session], job_id: str, allow_hosts: set[str]) -> None:
    """Tell the job's callback URL (if any) that it ended: once, whichever process gets
    here first (the webhook is taken in the database before it is sent)."""
    from hingecheck.jobs.webhooks import deliver

    job = outcomes.take_webhook(db, job_id)
    if job is None:
        return
    tenant = jobs.get_tenant(db, job.tenant_id)
    if tenant is None or job.callback_url is None:
        return
    event = "job.succeeded" if job.status == JobStatus.SUCCEEDED else "job.failed"
    deliver(job.callback_url, tenant.webhook_secret, event,
            {"id": job.id, "status": job.status, "score": job.score,
             "error": job.error_code, "message": job.error_message,
             "result": f"/v1/jobs/{job.id}/result"}, allow_hosts)


def send_due_webhooks(db: sessionmaker[Session], settings: Settings) -> int:
    """Send the webhooks of jobs that ended a lease ago with none sent (their worker died
    between recording the end and sending it); how many."""
    due = outcomes.webhooks_due(db, settings.job_lease_s)
    for job_id in due:
        notify(db, job_id, settings.webhook_hosts())
    return len(due)


class EmbeddedWorker:
    """A thread in the API process that takes queued jobs from the database (no broker).
    ``stop()`` releases a job under way, so the process ends within seconds."""

    def __init__(self, db: sessionmaker[Session], objects: ObjectStore, settings: Settings,
                 poll_s: float = 0.5) -> None:
        self.db, self.objects, self.settings, self.poll_s = db, objects, settings, poll_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="hingecheck-worker",
                                        daemon=True)
        self._housekept = 0.0

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def run_once(self) -> str | None:
        """Draw an overdue rendering; else run one claimable job; else draw one pending
        rendering (a drawing's job status is still succeeded); None when there was nothing
        to do. So a batch's verdicts all come before its drawings."""
        if render_pending(self.db, self.objects, self.settings, stop=self._stop,
                          overdue_only=True) is not None:
            return JobStatus.SUCCEEDED
        for job_id in jobs.claimable(self.db, self.settings.job_lease_s):
            job = take(self.db, job_id, self.settings)
            if job is not None:
                return run_job(job, self.db, self.objects, self.settings, stop=self._stop)
        if render_pending(self.db, self.objects, self.settings, stop=self._stop) is not None:
            return JobStatus.SUCCEEDED
        return None

    def _housekeeping(self) -> None:
        if time.monotonic() - self._housekept < HOUSEKEEPING_S:
            return
        self._housekept = time.monotonic()
        housekeeping.housekeeping(self.db, self.objects, self.settings.rejected_source_keep_s,
                                  self.settings.orphan_grace_s)
        send_due_webhooks(self.db, self.settings)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._housekeeping()
                if self.run_once() is None:
                    self._stop.wait(self.poll_s)
            except Exception:  # the database went away: keep the thread, try again
                log.exception("worker loop")
                self._stop.wait(2.0)
