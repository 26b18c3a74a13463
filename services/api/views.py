"""Job views with the coach's rules applied (hingecheck.triage): which job each clip is
counted under, and "most urgent first"."""

from __future__ import annotations

from collections.abc import Sequence

from hingecheck.jobs.models import Job
from hingecheck.schemas.api import JobView
from hingecheck.triage import Clip, counted_under, urgency_key
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

NAMES_PER_QUERY = 500


def _clip(job: Job) -> Clip:
    view_athlete = JobView.from_job(job).athlete  # the uploaded or the guessed one
    return Clip(id=job.id, athlete=view_athlete, source_name=job.source_name,
                status=job.status, created_at=job.created_at)


def superseded(db: sessionmaker[Session], tenant_id: str, rows: Sequence[Job]
               ) -> dict[str, str]:
    """For the jobs in ``rows``: each one not counted → the job it is counted under,
    judged against every job of the team with the same file name (not only those in
    ``rows``: a page of a list still knows a clip's newer upload)."""
    names = sorted({j.source_name for j in rows})
    related: dict[str, Job] = {j.id: j for j in rows}
    with db() as s:
        for i in range(0, len(names), NAMES_PER_QUERY):
            part = names[i:i + NAMES_PER_QUERY]
            related.update({j.id: j for j in s.scalars(select(Job).where(
                Job.tenant_id == tenant_id, Job.source_name.in_(part)))})
    under = counted_under(_clip(j) for j in related.values())
    return {j.id: under[j.id] for j in rows if j.id in under}


def job_views(db: sessionmaker[Session], tenant_id: str, rows: Sequence[Job]
              ) -> list[JobView]:
    under = superseded(db, tenant_id, rows)
    return [JobView.from_job(j, superseded_by=under.get(j.id)) for j in rows]


def job_view(db: sessionmaker[Session], job: Job) -> JobView:
    return job_views(db, job.tenant_id, [job])[0]


def most_urgent_first(views: list[JobView]) -> list[JobView]:
    """Urgency descending, then score ascending; clips not judged last (stable)."""
    return sorted(views, key=lambda v: urgency_key(v.urgency, v.score))
