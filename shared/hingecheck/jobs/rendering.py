"""A succeeded job's rendered outputs (annotated clip, poster, chart), drawn after its
verdict is recorded and its webhook sent.

While they are drawn the job is ``succeeded`` with its verdict, result.json stored, and a
progress below 1 (``RENDERING_PROGRESS``): the rendered outputs are not all stored yet.
Progress 1 means they are. The rendering holds a lease as an analysis does (``started_at``,
renewed while it runs), so a rendering whose worker died is found by ``pending`` once its
lease is past and drawn again, to the same deterministic keys; the verdict stays.

Every function here is one atomic update or query, so of several workers exactly one takes
a pending rendering.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session, sessionmaker

from hingecheck.jobs import store
from hingecheck.jobs.models import Job, now
from hingecheck.vocab import JobStatus

# A succeeded job's progress while its rendered outputs are drawn (1.0 once stored).
RENDERING_PROGRESS = 0.9
# A rendering that keeps failing (its worker killed each time, an error) is given up after
# this many attempts of the job in all (analysis and renderings): the verdict stays, the
# job is marked NOT_DRAWN (its error, on a succeeded job) and the outputs answer 404.
MAX_ATTEMPTS_FACTOR = 2
NOT_DRAWN = "not-drawn"


def outputs_ready(job: Job) -> bool:
    """Whether the job's rendered outputs are stored (what the job view can show)."""
    return job.status == JobStatus.SUCCEEDED and job.progress >= 1.0


def given_up(job: Job) -> bool:
    """Whether the job's rendered outputs will never be drawn (their attempts ran out)."""
    return (job.status == JobStatus.SUCCEEDED and job.progress < 1.0
            and job.error_code == NOT_DRAWN)


def _waiting() -> ColumnElement[bool]:
    """Succeeded, its drawings not stored, not given up."""
    return ((Job.status == JobStatus.SUCCEEDED) & (Job.progress < 1.0)
            & Job.error_code.is_(None))


def _pending(lease_s: float) -> ColumnElement[bool]:
    stale = now() - timedelta(seconds=lease_s)
    return _waiting() & (Job.started_at.is_(None) | (Job.started_at < stale))


def held(db: sessionmaker[Session], job_ids: Iterable[str], lease_s: float) -> list[str]:
    """Those of ``job_ids`` whose outputs a worker is drawing now (a fresh lease)."""
    stale = now() - timedelta(seconds=lease_s)
    ids, found = sorted(set(job_ids)), list[str]()
    with db() as s:
        for i in range(0, len(ids), 500):
            found += s.scalars(select(Job.id).where(Job.id.in_(ids[i:i + 500]), _waiting(),
                                                    Job.started_at >= stale)).all()
    return sorted(found)


def renew(db: sessionmaker[Session], job_id: str) -> None:
    """Renew a rendering's lease."""
    with db.begin() as s:
        s.execute(update(Job).where(Job.id == job_id, Job.status == JobStatus.SUCCEEDED,
                                    Job.progress < 1.0).values(started_at=now()))


def mark_rendered(db: sessionmaker[Session], job_id: str) -> None:
    """Every rendered output is stored."""
    with db.begin() as s:
        s.execute(update(Job).where(Job.id == job_id, Job.status == JobStatus.SUCCEEDED)
                  .values(progress=1.0))


def release(db: sessionmaker[Session], job_id: str) -> None:
    """Give a rendering up for now (the worker stops, or it failed): another worker (or
    this one, later) may take it at once."""
    with db.begin() as s:
        s.execute(update(Job).where(Job.id == job_id, Job.status == JobStatus.SUCCEEDED,
                                    Job.progress < 1.0).values(started_at=None))


def is_pending(db: sessionmaker[Session], job_id: str, lease_s: float) -> bool:
    """Whether ``job_id``'s rendering waits for a worker (deferred, or its worker died)."""
    with db() as s:
        return s.scalar(select(Job.id).where(Job.id == job_id, _pending(lease_s))) is not None


def overdue(db: sessionmaker[Session], lease_s: float, after_s: float) -> list[str]:
    """Pending renderings whose verdict is older than ``after_s``: drawn before the next
    analysis, so that a steady stream of uploads never keeps a clip undrawn for long."""
    old = now() - timedelta(seconds=after_s)
    with db() as s:
        return list(s.scalars(select(Job.id).where(_pending(lease_s), Job.finished_at < old)
                              .order_by(Job.finished_at).limit(5)).all())


def due_for_dispatch(db: sessionmaker[Session], lease_s: float) -> list[str]:
    """Pending renderings with no message for a lease (distributed mode: the sweep sends
    each a render message, once, as ``store.due_for_dispatch`` does for analyses)."""
    return store.due_for_dispatch(db, lease_s, limit=100, waiting=_pending(lease_s))


def pending(db: sessionmaker[Session], lease_s: float, limit: int = 5) -> list[str]:
    """Succeeded jobs whose rendering nobody holds (its worker died or gave it up)."""
    with db() as s:
        return list(s.scalars(select(Job.id).where(_pending(lease_s))
                              .order_by(Job.finished_at).limit(limit)).all())


def claim(db: sessionmaker[Session], job_id: str, lease_s: float,
          max_attempts: int) -> Job | None:
    """Take ``job_id``'s pending rendering (one attempt more); None if it is not pending,
    another worker has it, or its attempts are used up (then it is marked NOT_DRAWN)."""
    with db.begin() as s:
        cap = MAX_ATTEMPTS_FACTOR * max_attempts
        taken = s.execute(update(Job).where(
            Job.id == job_id, _pending(lease_s), Job.attempts < cap).values(
            started_at=now(), attempts=Job.attempts + 1))
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            # Pending with its attempts used up: given up, once and for all.
            s.execute(update(Job).where(Job.id == job_id, _pending(lease_s),
                                        Job.attempts >= cap).values(
                error_code=NOT_DRAWN,
                error_message=f"the annotated clip, poster and chart could not be drawn "
                              f"({cap} attempts in all); the verdict stands"))
            return None
        return s.get(Job, job_id)
