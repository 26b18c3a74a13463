"""A clip changed after upload: renamed or moved (every judgement of it together),
removed with its notes, a batch removed, two athletes merged. The stored files are the
caller's to remove (services.api.clips), once the rows are gone."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from hingecheck.jobs.models import Batch, Job, Note, Share


def clip_jobs(db: sessionmaker[Session], tenant: str, job: Job) -> list[Job]:
    """Every job of ``tenant`` that judges the same stored upload as ``job`` (the job and
    its re-analyses, or the one it re-analyses): one clip, oldest first."""
    return clip_jobs_of(db, tenant, job.source_key)


def clip_jobs_of(db: sessionmaker[Session], tenant: str, source_key: str) -> list[Job]:
    """Every job of ``tenant`` that judges the upload stored at ``source_key``."""
    with db() as s:
        return list(s.scalars(select(Job).where(Job.tenant_id == tenant,
                                                Job.source_key == source_key)
                              .order_by(Job.created_at, Job.id)))


def move_clip(db: sessionmaker[Session], tenant: str, job: Job,
              changes: dict[str, str | None]) -> Job:
    """Set ``athlete`` and/or ``batch`` (the keys in ``changes``) on every job of
    ``job``'s clip, so that its judgements stay one clip; the job as it is now."""
    allowed = {k: v for k, v in changes.items() if k in ("athlete", "batch")}
    with db.begin() as s:
        if allowed:
            s.execute(update(Job).where(Job.tenant_id == tenant,
                                        Job.source_key == job.source_key).values(**allowed))
        fresh = s.get(Job, job.id)
        assert fresh is not None
        return fresh


def delete_jobs(db: sessionmaker[Session], tenant: str, job_ids: list[str]) -> list[str]:
    """Remove ``tenant``'s jobs in ``job_ids`` with their notes and replies; a job that
    re-analyses one of them no longer names it. The ids removed."""
    if not job_ids:
        return []
    with db.begin() as s:
        ids = list(s.scalars(select(Job.id).where(Job.tenant_id == tenant,
                                                  Job.id.in_(job_ids))))
        if ids:
            s.execute(delete(Note).where(Note.job_id.in_(ids)))
            s.execute(update(Job).where(Job.reanalysis_of.in_(ids)).values(reanalysis_of=None))
            s.execute(delete(Job).where(Job.id.in_(ids)))
        return ids


def delete_batch(db: sessionmaker[Session], tenant: str, batch_id: str) -> bool:
    """Remove the batch's row; False if ``tenant`` has no such batch (its jobs and their
    files are the caller's to remove first)."""
    with db.begin() as s:
        batch = s.get(Batch, batch_id)
        if batch is None or batch.tenant_id != tenant:
            return False
        s.delete(batch)
        return True


def merge_athlete(db: sessionmaker[Session], tenant: str, from_name: str, into: str,
                  guessed_ids: list[str]) -> int:
    """Every job of ``from_name`` (and the jobs in ``guessed_ids``, whose athlete was read
    from the file name) becomes ``into``'s, and so do the share links made for
    ``from_name``; how many jobs moved."""
    with db.begin() as s:
        moved = s.execute(update(Job).where(
            Job.tenant_id == tenant,
            (Job.athlete == from_name) | (Job.id.in_(guessed_ids) & Job.athlete.is_(None)))
            .values(athlete=into)).rowcount  # type: ignore[attr-defined]
        s.execute(update(Share).where(Share.tenant_id == tenant, Share.athlete == from_name)
                  .values(athlete=into))
        return int(moved or 0)


def unnamed_jobs(db: sessionmaker[Session], tenant: str) -> list[tuple[str, str]]:
    """(id, file name) of the tenant's jobs uploaded with no athlete."""
    with db() as s:
        return [(i, n) for i, n in s.execute(select(Job.id, Job.source_name).where(
            Job.tenant_id == tenant, Job.athlete.is_(None)))]
