"""A team's athletes, as its clips name them.

    POST /v1/athletes/merge   {from, into} → every clip of ``from`` becomes ``into``'s
                              (those whose athlete was read from the file name too), and
                              so do the share links made for ``from``
"""

from __future__ import annotations

from fastapi import APIRouter
from hingecheck.jobs import clips
from hingecheck.schemas.api import Merged, MergeIn
from hingecheck.triage import athlete_from_file_name

from services.api.deps import Db, TenantId
from services.api.problems import Problem, documented, not_found

router = APIRouter(tags=["athletes"])


@router.post("/v1/athletes/merge", operation_id="merge_athletes", response_model=Merged,
             responses=documented(401, 404, 409, 413, 422))
def merge_athletes(tenant_id: TenantId, db: Db, body: MergeIn) -> Merged:
    if body.from_ == body.into:
        # Well formed, but there is nothing to merge: the names are one athlete.
        raise Problem(409, "same-athlete", "Same athlete",
                      f"{body.from_!r} is already {body.into!r}: nothing to merge")
    guessed = [job_id for job_id, name in clips.unnamed_jobs(db, tenant_id)
               if athlete_from_file_name(name) == body.from_]
    moved = clips.merge_athlete(db, tenant_id, body.from_, body.into, guessed)
    if not moved:
        raise not_found(f"athlete {body.from_!r}")
    return Merged.model_validate({"from": body.from_, "into": body.into, "jobs": moved})
