"""A clip after upload: renamed, moved to another batch, judged as another exercise, or
removed with its stored files.

    PATCH  /v1/jobs/{id}     {athlete, batch, exercise} (any of them) → the job, and the
                             re-analysis a new exercise starts
    DELETE /v1/jobs/{id}     the clip: this job and every other judgement of the same
                             upload (re-analyses), their notes, replies and stored files

A clip's judgements share one stored upload; they are renamed, moved and removed
together, so that "counted once" (hingecheck.triage) still sees one clip.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from fastapi import APIRouter, Response
from hingecheck.jobs import clips, rendering
from hingecheck.jobs import store as jobs
from hingecheck.jobs.models import Job
from hingecheck.schemas.api import JobChange, JobPatch, clean_name
from hingecheck.storage import ObjectStore, StorageUnavailable, job_key
from hingecheck.vocab import JobStatus
from sqlalchemy.orm import Session, sessionmaker

from services.api.deps import Config, Db, Dispatch, JobId, OwnedJob, Store, TenantId, owned
from services.api.problems import Problem, documented
from services.api.videos import reanalysis
from services.api.views import job_view

router = APIRouter(tags=["jobs"])
log = logging.getLogger("hingecheck.api")


@router.patch("/v1/jobs/{job_id}", operation_id="change_job", response_model=JobChange,
              responses=documented(401, 404, 409, 413, 422))
def change_job(job_id: JobId, tenant_id: TenantId, db: Db, dispatch: Dispatch,
               body: JobPatch) -> JobChange:
    """Rename (athlete) or move (batch) the clip, all its judgements together; a new
    exercise judges it again (as POST /v1/jobs/{id}/reanalyse: a new job, this one kept)."""
    job = owned(db, tenant_id, job_id)
    given = body.model_fields_set
    changes: dict[str, str | None] = {}
    if "athlete" in given:
        changes["athlete"] = body.athlete or None
    if "batch" in given:
        batch = clean_name(body.batch or "") or None
        if batch is not None and jobs.get_batch(db, tenant_id, batch) is None:
            # The request's form is fine; what it names is not there.
            raise Problem(404, "no-such-batch", "No such batch",
                          f"there is no batch {batch} to move the clip to (POST /v1/batches "
                          "makes one)")
        changes["batch"] = batch
    rejudge = body.exercise is not None and body.exercise != job.exercise
    if rejudge and not JobStatus(job.status).ended:  # before anything changes
        raise Problem(409, "not-finished", "Not finished",
                      f"job {job.id} is {job.status}; change its exercise once it has ended")
    job = clips.move_clip(db, tenant_id, job, changes)
    again = reanalysis(db, dispatch, job, body.exercise) if rejudge and body.exercise \
        else None
    return JobChange(job=job_view(db, job),
                     reanalysis=job_view(db, again) if again is not None else None)


@router.delete("/v1/jobs/{job_id}", status_code=204, operation_id="delete_job",
               responses=documented(401, 404, 409, 503))
def delete_job(job: OwnedJob, db: Db, objects: Store, settings: Config) -> Response:
    remove_clips(db, objects, job.tenant_id, clips.clip_jobs(db, job.tenant_id, job),
                 settings.job_lease_s)
    return Response(status_code=204)


def remove_clips(db: sessionmaker[Session], objects: ObjectStore, tenant_id: str,
                 found: Iterable[Job], lease_s: float) -> list[str]:
    """Remove the jobs in ``found`` with every judgement of the same uploads, their notes
    and their stored files (sources and outputs); the ids removed. 409 if one is running or
    its drawing is (its worker would write outputs for a job that is gone; ``lease_s``
    tells a live drawing from a dead one's). The rows go first: a file the
    store cannot remove now has no job left, and the store's sweep of objects no job owns
    removes it."""
    family: dict[str, Job] = {}
    for key in sorted({j.source_key for j in found}):
        family.update({j.id: j for j in clips.clip_jobs_of(db, tenant_id, key)})
    running = sorted(j.id for j in family.values() if j.status == JobStatus.RUNNING)
    if running:
        raise Problem(409, "job-running", "Job running",
                      f"job {running[0]} is being analysed; remove it once it has ended")
    drawing = rendering.held(db, family, lease_s)
    if drawing:
        raise Problem(409, "job-running", "Job running",
                      f"job {drawing[0]}'s annotated clip is being drawn; remove it once "
                      "it is drawn (a few seconds)")
    removed = clips.delete_jobs(db, tenant_id, sorted(family))
    keys = {j.source_key for j in family.values() if j.id in removed}
    try:
        for job_id in removed:
            keys.update(o.key for o in objects.objects(job_key(tenant_id, job_id, "")))
        for key in sorted(keys):
            objects.remove(key)
    except StorageUnavailable as exc:
        log.warning("removed jobs %s; their files wait for the store's sweep (%s)",
                    ", ".join(removed), exc)
    return removed
