"""A team's batches.

    POST /v1/batches                 {name} → the batch
    GET  /v1/batches                 the caller's batches
    GET  /v1/batches/{id}            counts (each clip once), a line per athlete, the clips
                                     most urgent first
    DELETE /v1/batches/{id}          the batch, its clips (every judgement of each), their
                                     notes and stored files
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response
from hingecheck.jobs import clips
from hingecheck.jobs import store as jobs
from hingecheck.schemas.api import (
    AthleteLine,
    BatchIn,
    BatchItem,
    BatchList,
    BatchRef,
    BatchSummary,
    JobView,
)
from hingecheck.vocab import JobStatus

from services.api.clips import remove_clips
from services.api.deps import Config, Db, Store, TenantId
from services.api.problems import documented, not_found
from services.api.views import job_views, most_urgent_first

router = APIRouter(tags=["batches"])
NOT_JUDGED = "not_judged"


@router.post("/v1/batches", status_code=201, operation_id="create_batch",
             response_model=BatchRef, responses=documented(401, 413, 422))
def create_batch(tenant_id: TenantId, db: Db, body: BatchIn) -> BatchRef:
    batch = jobs.add_batch(db, tenant_id, body.name)
    return BatchRef(id=batch.id, name=batch.name)


@router.get("/v1/batches", operation_id="list_batches", response_model=BatchList,
            responses=documented(401))
def list_batches(tenant_id: TenantId, db: Db) -> BatchList:
    return BatchList(batches=[BatchItem(id=b.id, name=b.name, created_at=b.created_at)
                              for b in jobs.list_batches(db, tenant_id)])


@router.get("/v1/batches/{batch_id}", operation_id="get_batch", response_model=BatchSummary,
            responses=documented(401, 404))
def get_batch(batch_id: Annotated[str, Path(max_length=64)], tenant_id: TenantId,
              db: Db) -> BatchSummary:
    batch = jobs.get_batch(db, tenant_id, batch_id)
    if batch is None:
        raise not_found(f"batch {batch_id}")
    views = job_views(db, tenant_id, jobs.list_jobs(db, tenant_id, batch=batch_id,
                                                    limit=10_000))
    counts, athletes = batch_counts(views)
    return BatchSummary(id=batch.id, name=batch.name, counts=counts, athletes=athletes,
                        jobs=most_urgent_first(views))


@router.delete("/v1/batches/{batch_id}", status_code=204, operation_id="delete_batch",
               responses=documented(401, 404, 409, 503))
def delete_batch(batch_id: Annotated[str, Path(max_length=64)], tenant_id: TenantId,
                 db: Db, objects: Store, settings: Config) -> Response:
    if jobs.get_batch(db, tenant_id, batch_id) is None:
        raise not_found(f"batch {batch_id}")
    remove_clips(db, objects, tenant_id, jobs.list_jobs(db, tenant_id, batch=batch_id,
                                                         limit=100_000), settings.job_lease_s)
    clips.delete_batch(db, tenant_id, batch_id)
    return Response(status_code=204)


def batch_counts(views: list[JobView]) -> tuple[dict[str, int], list[AthleteLine]]:
    """Counts by status and a line per athlete, each clip once (the job it is counted
    under); a succeeded clip with no score counts as not judged."""
    counts: dict[str, int] = {}
    athletes: dict[str | None, list[float]] = {}
    clips: dict[str | None, int] = {}
    for view in views:
        if view.superseded_by is not None:
            continue
        status = str(view.status)
        if view.status == JobStatus.SUCCEEDED and view.score is None:
            status = NOT_JUDGED
        counts[status] = counts.get(status, 0) + 1
        clips[view.athlete] = clips.get(view.athlete, 0) + 1
        scores = athletes.setdefault(view.athlete, [])
        if view.score is not None:
            scores.append(view.score)
    lines = [AthleteLine(athlete=name, clips=clips[name],
                         mean_score=round(sum(s) / len(s), 1) if s else None)
             for name, s in athletes.items()]
    return counts, lines
