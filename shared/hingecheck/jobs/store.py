"""Every change to a job goes through here: create, claim (with a lease), progress,
finish, fail or retry. Claims are atomic updates, so two workers never run one job."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import uuid
import weakref
from datetime import UTC, datetime, timedelta
from typing import Final

from sqlalchemy import ColumnElement, create_engine, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from hingecheck.jobs.models import ApiKey, Batch, Job, Note, Share, Tenant, now
from hingecheck.vocab import JobStatus

KEY_PREFIX = "hc_"
SHARE_PREFIX = "hcs_"  # share tokens: never accepted where an API key is asked for
# Who wrote a note: the team (API key), or the athlete (a reply through a share link).
COACH: Final = "coach"
ATHLETE: Final = "athlete"


def _aware(t: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every time here is UTC."""
    return t.replace(tzinfo=UTC) if t is not None and t.tzinfo is None else t


# Every engine connect() made in this process: a forked child forgets their pools.
_ENGINES: weakref.WeakSet[Engine] = weakref.WeakSet()


def _forget_inherited_pools() -> None:
    """In a forked child (a Celery child replacing a killed one): drop the pooled
    connections inherited from the parent without closing them (they are the parent's
    sessions), so that this process opens its own on first use."""
    for engine in list(_ENGINES):
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_forget_inherited_pools)


def connect(url: str) -> sessionmaker[Session]:
    """A session factory for ``url``, its schema migrated to the newest (Alembic). The
    factory is fork-safe: a child process never uses a connection its parent opened."""
    if url.startswith("sqlite:///"):
        from pathlib import Path

        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    from hingecheck.jobs.migrate import upgrade

    upgrade(url)
    engine: Engine = create_engine(url, pool_pre_ping=True)
    _ENGINES.add(engine)
    return sessionmaker(engine, expire_on_commit=False)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(db: sessionmaker[Session], tenant_name: str) -> tuple[str, str]:
    """A new tenant (or the named one) and an API key for it: (tenant id, the key).
    The key is shown once; only its hash is kept."""
    with db.begin() as s:
        tenant = s.scalar(select(Tenant).where(Tenant.name == tenant_name))
        if tenant is None:
            tenant = Tenant(id=uuid.uuid4().hex[:12], name=tenant_name,
                            webhook_secret="whsec_" + base64.b64encode(
                                secrets.token_bytes(24)).decode())
            s.add(tenant)
            s.flush()
        prefix = KEY_PREFIX + secrets.token_hex(4)
        secret = secrets.token_urlsafe(24)
        s.add(ApiKey(prefix=prefix, secret_hash=_hash(f"{prefix}.{secret}"),
                     tenant_id=tenant.id))
        return tenant.id, f"{prefix}.{secret}"


def find_tenant(db: sessionmaker[Session], name_or_id: str) -> Tenant | None:
    with db() as s:
        return s.scalar(select(Tenant).where(
            (Tenant.name == name_or_id) | (Tenant.id == name_or_id)))


def list_keys(db: sessionmaker[Session], tenant_id: str) -> list[ApiKey]:
    """The tenant's keys (their prefixes and dates; the secrets are not kept)."""
    with db() as s:
        return list(s.scalars(select(ApiKey).where(ApiKey.tenant_id == tenant_id)
                              .order_by(ApiKey.created_at)))


def revoke_key(db: sessionmaker[Session], tenant_id: str, prefix: str) -> bool:
    """Revoke one of the tenant's keys at once; False if it has no such key."""
    with db.begin() as s:
        row = s.get(ApiKey, prefix)
        if row is None or row.tenant_id != tenant_id:
            return False
        s.delete(row)
        return True


def authenticate(db: sessionmaker[Session], key: str) -> str | None:
    """The tenant id behind ``key``, or None."""
    prefix = key.split(".", 1)[0]
    with db() as s:
        row = s.get(ApiKey, prefix)
        if row is None or not secrets.compare_digest(row.secret_hash, _hash(key)):
            return None
        return row.tenant_id


def new_job_id() -> str:
    return uuid.uuid4().hex


def add_job(db: sessionmaker[Session], job: Job) -> Job:
    with db.begin() as s:
        s.add(job)
    return job


def find_idempotent(db: sessionmaker[Session], tenant: str, key: str) -> Job | None:
    with db() as s:
        return s.scalar(select(Job).where(Job.tenant_id == tenant, Job.idempotency_key == key))


def get_job(db: sessionmaker[Session], tenant: str, job_id: str) -> Job | None:
    """The job if it belongs to ``tenant`` (another tenant's job does not exist for you)."""
    with db() as s:
        job = s.get(Job, job_id)
        return job if job is not None and job.tenant_id == tenant else None


def list_jobs(db: sessionmaker[Session], tenant: str, *, athlete: str | None = None,
              batch: str | None = None, status: str | None = None,
              before: datetime | None = None, since: datetime | None = None,
              limit: int = 50) -> list[Job]:
    """Newest first; ``before`` (a created_at) is the cursor for the next page; ``since``
    keeps jobs created at or after that time."""
    q = select(Job).where(Job.tenant_id == tenant)
    if athlete:
        q = q.where(Job.athlete == athlete)
    if batch:
        q = q.where(Job.batch == batch)
    if status:
        q = q.where(Job.status == status)
    if before is not None:
        q = q.where(Job.created_at < before)
    if since is not None:
        q = q.where(Job.created_at >= since)
    with db() as s:
        return list(s.scalars(q.order_by(Job.created_at.desc()).limit(limit)))


def _claimable(lease_s: float):  # type: ignore[no-untyped-def]
    """Queued and past any retry backoff, or running past its lease (a dead worker; a
    live one renews its lease as it goes)."""
    t = now()
    stale = t - timedelta(seconds=lease_s)
    return (((Job.status == JobStatus.QUEUED)
             & (Job.retry_at.is_(None) | (Job.retry_at <= t)))
            | ((Job.status == JobStatus.RUNNING) & (Job.started_at < stale)))


def claimable(db: sessionmaker[Session], lease_s: float, limit: int = 5) -> list[str]:
    """Jobs a worker may take now, oldest first."""
    with db() as s:
        return list(s.scalars(select(Job.id).where(_claimable(lease_s))
                              .order_by(Job.created_at).limit(limit)).all())


def due_for_dispatch(db: sessionmaker[Session], lease_s: float, limit: int = 1000,
                     waiting: ColumnElement[bool] | None = None) -> list[str]:
    """Claimable jobs (or those ``waiting`` selects: a condition on Job) whose last message
    is older than the lease (or was never sent): the message was lost, dropped, or waits
    out a broker's visibility timeout. Each is marked as dispatched now, once: of several
    sweepers at the same moment only one gets it."""
    stale = now() - timedelta(seconds=lease_s)
    waiting = _claimable(lease_s) if waiting is None else waiting
    due = (Job.dispatched_at.is_(None) | (Job.dispatched_at < stale)) & waiting
    with db() as s:
        ids = list(s.scalars(select(Job.id).where(due).order_by(Job.created_at)
                             .limit(limit)).all())
    marked = []
    for job_id in ids:
        with db.begin() as s:
            if s.execute(update(Job).where(Job.id == job_id, due)  # type: ignore[attr-defined]
                         .values(dispatched_at=now())).rowcount == 1:
                marked.append(job_id)
    return marked


def mark_dispatched(db: sessionmaker[Session], job_id: str) -> None:
    with db.begin() as s:
        s.execute(update(Job).where(Job.id == job_id).values(dispatched_at=now()))


def renew(db: sessionmaker[Session], job_id: str) -> None:
    """Renew a running job's lease."""
    with db.begin() as s:
        s.execute(update(Job).where(Job.id == job_id, Job.status == JobStatus.RUNNING)
                  .values(started_at=now()))


def claim_next(db: sessionmaker[Session], lease_s: float,
               max_attempts: int | None = None) -> Job | None:
    """Take the oldest claimable job."""
    for job_id in claimable(db, lease_s):
        job = claim(db, job_id, lease_s, max_attempts)
        if job is not None:
            return job
    return None


def claim(db: sessionmaker[Session], job_id: str, lease_s: float,
          max_attempts: int | None = None) -> Job | None:
    """Take ``job_id`` if it is claimable; None if it is done, waits out a backoff, or
    another worker has it. A job whose attempts are used up (its workers kept dying
    mid-job) is failed instead of run again (``outcomes.fail_exhausted``, which says
    whether this call failed it: the caller sends its webhook)."""
    from hingecheck.jobs.outcomes import fail_exhausted

    if max_attempts and fail_exhausted(db, job_id, lease_s, max_attempts):
        return None
    with db.begin() as s:
        # Atomic: only one worker's update matches the row it saw.
        allowed = Job.attempts < (max_attempts or 1_000_000)
        taken = s.execute(
            update(Job).where(Job.id == job_id, _claimable(lease_s), allowed)
            .values(status=JobStatus.RUNNING, started_at=now(), attempts=Job.attempts + 1,
                    progress=0.0, retry_at=None))
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            return None
        job = s.get(Job, job_id)
        if job is not None:
            job.started_at = _aware(job.started_at)
        return job


def set_progress(db: sessionmaker[Session], job_id: str, progress: float) -> None:
    with db.begin() as s:
        s.execute(update(Job).where(Job.id == job_id).values(progress=round(progress, 3),
                                                             started_at=now()))


def finish(db: sessionmaker[Session], job_id: str, *, score: float | None, model: str,
           faults: list[dict[str, object]] | None = None, rep_count: int | None = None,
           analysis_s: float | None = None, frames_per_second: float | None = None,
           exercise_found: str | None = None, unscored_reason: str | None = None,
           reps: list[dict[str, object]] | None = None,
           video_created_at: datetime | None = None, progress: float = 1.0) -> None:
    """Record a succeeded job's outcome; ``video_created_at`` is result.json's
    ``video.created_at`` (when the clip was filmed; None where the file has none).
    ``progress`` below 1: its drawings are still to come, by this worker, whose lease
    (``started_at``) starts now, in the same write (jobs/rendering.py)."""
    worst = max((float(f["worst_severity"]) for f in faults or []),  # type: ignore[arg-type]
                default=None)
    with db.begin() as s:
        s.execute(update(Job).where(Job.id == job_id).values(
            status=JobStatus.SUCCEEDED, progress=progress, started_at=now(), score=score,
            model=model, finished_at=now(),
            error_code=None, error_message=None, faults=json.dumps(faults or []),
            worst_severity=worst, rep_count=rep_count, analysis_s=analysis_s,
            frames_per_second=frames_per_second, exercise_found=exercise_found,
            unscored_reason=unscored_reason if score is None else None,
            rep_summary=json.dumps(reps or []), video_created_at=video_created_at))


def get_tenant(db: sessionmaker[Session], tenant_id: str) -> Tenant | None:
    with db() as s:
        return s.get(Tenant, tenant_id)


def add_batch(db: sessionmaker[Session], tenant: str, name: str) -> Batch:
    batch = Batch(id=uuid.uuid4().hex[:16], tenant_id=tenant, name=name)
    with db.begin() as s:
        s.add(batch)
    return batch


def list_batches(db: sessionmaker[Session], tenant: str) -> list[Batch]:
    with db() as s:
        return list(s.scalars(select(Batch).where(Batch.tenant_id == tenant)
                              .order_by(Batch.created_at.desc())))


def get_batch(db: sessionmaker[Session], tenant: str, batch_id: str) -> Batch | None:
    with db() as s:
        batch = s.get(Batch, batch_id)
        return batch if batch is not None and batch.tenant_id == tenant else None


def add_note(db: sessionmaker[Session], tenant: str, job_id: str, rep: int | None,
             text: str, *, at_s: float | None = None, shared: bool = False,
             drawing: str | None = None) -> Note:
    """A coach's note; ``drawing`` is the shapes' JSON, already checked."""
    note = Note(id=uuid.uuid4().hex[:16], tenant_id=tenant, job_id=job_id, rep=rep, text=text,
                at_s=at_s, shared=shared, drawing=drawing, author=COACH, created_at=now())
    with db.begin() as s:
        s.add(note)
    return note


def add_reply(db: sessionmaker[Session], share: Share, job_id: str, text: str,
              reply_to: str | None) -> Note:
    """The athlete's reply on ``job_id`` through ``share``: seen by the coach with the
    job's notes, and by the athlete on the link."""
    note = Note(id=uuid.uuid4().hex[:16], tenant_id=share.tenant_id, job_id=job_id, rep=None,
                text=text, shared=True, author=ATHLETE, reply_to=reply_to,
                share_prefix=share.prefix, created_at=now())
    with db.begin() as s:
        s.add(note)
    return note


def replies_since(db: sessionmaker[Session], share_prefix: str, since: datetime) -> int:
    """How many replies came through one share link since ``since``."""
    from sqlalchemy import func

    with db() as s:
        return int(s.scalar(select(func.count(Note.id)).where(
            Note.share_prefix == share_prefix, Note.created_at >= since)) or 0)


def list_notes(db: sessionmaker[Session], tenant: str, job_id: str, *,
               shared_only: bool = False) -> list[Note]:
    """A job's notes and replies, oldest first; ``shared_only``: those the athlete sees."""
    q = select(Note).where(Note.tenant_id == tenant, Note.job_id == job_id)
    if shared_only:
        q = q.where(Note.shared.is_(True))
    with db() as s:
        return list(s.scalars(q.order_by(Note.created_at, Note.id)))


def shared_notes(db: sessionmaker[Session], tenant: str, job_ids: list[str]
                 ) -> dict[str, list[Note]]:
    """For each of ``job_ids``: the notes the athlete sees, oldest first."""
    found: dict[str, list[Note]] = {j: [] for j in job_ids}
    with db() as s:
        for note in s.scalars(select(Note).where(
                Note.tenant_id == tenant, Note.job_id.in_(job_ids), Note.shared.is_(True))
                .order_by(Note.created_at, Note.id)):
            found[note.job_id].append(note)
    return found


def delete_note(db: sessionmaker[Session], tenant: str, job_id: str, note_id: str) -> bool:
    """Remove one note (an athlete's reply too); replies to it stay, answering the clip."""
    with db.begin() as s:
        note = s.get(Note, note_id)
        if note is None or note.tenant_id != tenant or note.job_id != job_id:
            return False
        s.execute(update(Note).where(Note.reply_to == note_id).values(reply_to=None))
        s.delete(note)
        return True


def create_share(db: sessionmaker[Session], tenant: str, athlete: str,
                 days: int) -> tuple[Share, str]:
    """A read-only link to ``athlete``'s clips for ``days``: (the share, its token). The
    token is shown once; only its hash is kept."""
    prefix = SHARE_PREFIX + secrets.token_hex(4)
    token = f"{prefix}.{secrets.token_urlsafe(24)}"
    share = Share(prefix=prefix, secret_hash=_hash(token), tenant_id=tenant, athlete=athlete,
                  expires_at=now() + timedelta(days=days), created_at=now())
    with db.begin() as s:
        s.add(share)
    return share, token


def list_shares(db: sessionmaker[Session], tenant: str) -> list[Share]:
    with db() as s:
        return list(s.scalars(select(Share).where(Share.tenant_id == tenant)
                              .order_by(Share.created_at.desc())))


def revoke_share(db: sessionmaker[Session], tenant: str, prefix: str) -> bool:
    with db.begin() as s:
        share = s.get(Share, prefix)
        if share is None or share.tenant_id != tenant:
            return False
        s.delete(share)
        return True


def shared_scope(db: sessionmaker[Session], token: str) -> Share | None:
    """The live share behind ``token`` (not revoked, not expired), or None."""
    if not token.startswith(SHARE_PREFIX):
        return None
    with db() as s:
        share = s.get(Share, token.split(".", 1)[0])
        if share is None or not secrets.compare_digest(share.secret_hash, _hash(token)):
            return None
        expires = _aware(share.expires_at)
        return share if expires is not None and expires > now() else None


def analysis_totals(db: sessionmaker[Session]) -> tuple[int, float, float]:
    """Succeeded jobs: how many, their analysis seconds in all, mean frames per second."""
    from sqlalchemy import func

    with db() as s:
        n, total, fps = s.execute(select(func.count(Job.analysis_s), func.sum(Job.analysis_s),
                                         func.avg(Job.frames_per_second))
                                  .where(Job.status == JobStatus.SUCCEEDED)).one()
    return int(n or 0), float(total or 0.0), float(fps or 0.0)


def status_counts(db: sessionmaker[Session]) -> dict[str, int]:
    """Jobs by status, all tenants (for metrics)."""
    from sqlalchemy import func

    with db() as s:
        return {status: int(n) for status, n in
                s.execute(select(Job.status, func.count()).group_by(Job.status))}


def retry_wait_s(attempts: int, backoff_s: float) -> float:
    """How long a job waits before its next attempt after ``attempts`` failed ones:
    backoff_s × 3^(attempts − 1), at most 5 minutes."""
    return min(300.0, backoff_s * 3.0 ** max(attempts - 1, 0))


def fail(db: sessionmaker[Session], job_id: str, code: str, message: str, *,
         retry: bool, max_attempts: int, backoff_s: float = 10.0,
         timed_out: bool = False) -> str:
    """Record a failed attempt (an error, or ``timed_out``); a retryable one goes back to
    the queue until attempts run out, waiting backoff_s × 3^(attempt − 1) (at most 5
    minutes) before it may run again. Returns the job's new status."""
    with db.begin() as s:
        job = s.get(Job, job_id)
        if job is None:
            return "missing"
        if timed_out:
            job.timeout_attempts = (job.timeout_attempts or 0) + 1
        else:
            job.error_attempts = (job.error_attempts or 0) + 1
        if retry and job.attempts < max_attempts:
            job.status, job.started_at = JobStatus.QUEUED, None
            wait = retry_wait_s(job.attempts, backoff_s)
            job.retry_at = now() + timedelta(seconds=wait)
        else:
            job.status = JobStatus.FAILED if retry else JobStatus.REJECTED
            job.finished_at = now()
        job.error_code, job.error_message = code, message
        return job.status
