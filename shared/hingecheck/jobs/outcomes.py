"""How a job ends when it does not end by itself: failed at its attempt cap, released by a
worker that is stopping, and the one delivery of its webhook.

Every function here is one atomic update, so of several workers doing the same thing at
the same moment exactly one gets ``True`` (and sends the webhook, or dispatches the job).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from hingecheck.jobs.models import Job, now
from hingecheck.vocab import ENDED_STATUSES, JobStatus


def attempts_story(attempts: int, errors: int, timeouts: int) -> str:
    """What became of a job's attempts, in words: "3 attempts: 2 interrupted (…), 1 …"."""
    interrupted = max(attempts - errors - timeouts, 0)
    parts = [f"{n} {what}" for n, what in (
        (interrupted, "interrupted (its worker stopped or lost the database mid-job)"),
        (errors, "ended in an error"), (timeouts, "ran out of time")) if n]
    return f"{attempts} attempt{'s' if attempts != 1 else ''}: {', '.join(parts)}"


def fail_exhausted(db: sessionmaker[Session], job_id: str, lease_s: float,
                   max_attempts: int) -> bool:
    """Fail a claimable job whose attempts are used up; True if this call failed it."""
    from hingecheck.jobs.store import _claimable

    with db.begin() as s:
        row = s.execute(select(Job.attempts, Job.error_attempts, Job.timeout_attempts)
                        .where(Job.id == job_id)).one_or_none()
        if row is None or row.attempts < max_attempts:
            return False
        story = attempts_story(row.attempts, row.error_attempts or 0, row.timeout_attempts or 0)
        ended = s.execute(update(Job).where(
            Job.id == job_id, _claimable(lease_s), Job.attempts >= max_attempts).values(
            status=JobStatus.FAILED, finished_at=now(), error_code="interrupted",
            error_message=f"the job was not finished after {story}; not tried again"))
        return bool(ended.rowcount == 1)  # type: ignore[attr-defined]


def release(db: sessionmaker[Session], job_id: str) -> bool:
    """Give a running job back to the queue, its attempt not counted (the worker is stopping,
    the clip is not at fault), for another worker to take at once."""
    with db.begin() as s:
        released = s.execute(update(Job).where(
            Job.id == job_id, Job.status == JobStatus.RUNNING).values(
            status=JobStatus.QUEUED, started_at=None, retry_at=None, dispatched_at=None,
            progress=0.0, attempts=Job.attempts - 1))
        return bool(released.rowcount == 1)  # type: ignore[attr-defined]


def take_webhook(db: sessionmaker[Session], job_id: str) -> Job | None:
    """The ended job, if it has a callback and its webhook was not yet taken; taken now."""
    with db.begin() as s:
        taken = s.execute(update(Job).where(
            Job.id == job_id, Job.status.in_(ENDED_STATUSES), Job.callback_url.is_not(None),
            Job.webhook_at.is_(None)).values(webhook_at=now()))
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return s.get(Job, job_id)


def webhooks_due(db: sessionmaker[Session], older_than_s: float,
                 limit: int = 100) -> list[str]:
    """Ended jobs whose webhook nobody took within ``older_than_s`` of their end (the worker
    died, or lost the database, between recording the end and sending it)."""
    cutoff = now() - timedelta(seconds=older_than_s)
    with db() as s:
        return list(s.scalars(select(Job.id).where(
            Job.status.in_(ENDED_STATUSES), Job.callback_url.is_not(None),
            Job.webhook_at.is_(None), Job.finished_at < cutoff)
            .order_by(Job.finished_at).limit(limit)).all())
