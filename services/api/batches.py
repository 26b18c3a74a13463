"""A team's batches.

    POST /v1/batches                 {name} → the batch
    GET  /v1/batches                 the caller's batches
    GET  /v1/batches/{id}            counts by status, a line per athlete, the clips worst first
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from hingecheck.jobs import store as jobs
from hingecheck.jobs.models import Job
from hingecheck.schemas.api import BatchList, BatchRef, BatchSummary
from pydantic import BaseModel, Field

from services.api.deps import Db, TenantId, job_view
from services.api.problems import documented, not_found

router = APIRouter(tags=["batches"])


class BatchIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)


@router.post("/v1/batches", status_code=201, operation_id="create_batch",
             response_model=BatchRef, responses=documented(401, 422))
def create_batch(tenant_id: TenantId, db: Db, body: BatchIn) -> dict[str, Any]:
    batch = jobs.add_batch(db, tenant_id, body.name)
    return {"id": batch.id, "name": batch.name}


@router.get("/v1/batches", operation_id="list_batches", response_model=BatchList,
            responses=documented(401))
def list_batches(tenant_id: TenantId, db: Db) -> dict[str, Any]:
    return {"batches": [{"id": b.id, "name": b.name, "created_at": b.created_at.isoformat()}
                        for b in jobs.list_batches(db, tenant_id)]}


@router.get("/v1/batches/{batch_id}", operation_id="get_batch", response_model=BatchSummary,
            responses=documented(401, 404))
def get_batch(batch_id: str, tenant_id: TenantId, db: Db) -> dict[str, Any]:
    batch = jobs.get_batch(db, tenant_id, batch_id)
    if batch is None:
        raise not_found(f"batch {batch_id}")
    rows = jobs.list_jobs(db, tenant_id, batch=batch_id, limit=10_000)
    return {"id": batch.id, "name": batch.name, **batch_summary(rows)}


def batch_summary(rows: list[Job]) -> dict[str, Any]:
    """Counts by status, a line per athlete, and the clips with the worst faults first."""
    counts: dict[str, int] = {}
    athletes: dict[str, dict[str, Any]] = {}
    for job in rows:
        counts[job.status] = counts.get(job.status, 0) + 1
        a = athletes.setdefault(job.athlete or "unknown",
                                {"athlete": job.athlete, "clips": 0, "scores": []})
        a["clips"] += 1
        if job.score is not None:
            a["scores"].append(job.score)
    per_athlete = [{"athlete": a["athlete"], "clips": a["clips"],
                    "mean_score": round(sum(a["scores"]) / len(a["scores"]), 1)
                    if a["scores"] else None} for a in athletes.values()]
    worst = sorted(rows, key=lambda j: (-(j.worst_severity or 0.0), j.score or 100.0))
    return {"counts": counts, "athletes": per_athlete,
            "jobs": [job_view(j) for j in worst]}
