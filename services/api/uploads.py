"""Large files: the client uploads parts straight to S3/MinIO with presigned URLs.

    POST /v1/uploads                 {filename, size_bytes, exercise, athlete, batch,
                                      callback_url} → part URLs (valid 15 minutes)
    POST /v1/uploads/{id}/complete   {etags: [...]} → 202 and the job

Parts are 8–64 MiB (S3 allows at most 10,000). The bucket aborts uploads left unfinished
for a day. The clip is not probed here (it is not on this machine): a file that is not a
video is rejected by the worker with the same problem type.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from hingecheck.jobs import store as jobs
from hingecheck.jobs.models import Job, Upload
from hingecheck.schemas.api import JobView
from hingecheck.storage import MultipartStore, StorageUnavailable, UploadRefused, job_key
from pydantic import BaseModel, Field

from services.api.deps import (
    Config,
    Db,
    Dispatch,
    Store,
    TenantId,
    accepted,
    check_fields,
    suffix,
    too_large,
)
from services.api.problems import Problem, documented, not_found, unavailable

MIB = 1024 * 1024
MIN_PART, MAX_PART, MAX_PARTS = 8 * MIB, 64 * MIB, 10_000

router = APIRouter()


class UploadIn(BaseModel):
    filename: str = Field(min_length=1, max_length=300)
    size_bytes: int = Field(gt=0)
    content_type: str = "video/mp4"
    exercise: str = "rdl"
    athlete: str | None = Field(default=None, max_length=200)
    batch: str | None = Field(default=None, max_length=100)
    callback_url: str | None = Field(default=None, max_length=500)


class CompleteIn(BaseModel):
    etags: list[str] = Field(min_length=1, max_length=MAX_PARTS)


def part_size(size: int) -> int:
    """The smallest part of 8–64 MiB (whole MiB) that keeps the count within 10,000."""
    return max(MIN_PART, min(MAX_PART, math.ceil(size / MAX_PARTS / MIB) * MIB))


class PartUrl(BaseModel):
    part_number: int
    url: str = Field(description="PUT the part's bytes here; keep the ETag it answers")


class UploadPlan(BaseModel):
    id: str
    part_size: int = Field(description="bytes per part (the last may be shorter)")
    expires_at: str
    parts: list[PartUrl]
    complete: str = Field(description="POST {etags: [...]} here once every part is up")


@router.post("/v1/uploads", status_code=201, operation_id="start_upload",
             response_model=UploadPlan, responses=documented(401, 409, 413, 503))
def start_upload(body: UploadIn, tenant_id: TenantId, db: Db, objects: Store,
                 settings: Config) -> dict[str, Any]:
    if not isinstance(objects, MultipartStore):
        raise Problem(409, "multipart-unavailable", "Multipart uploads need S3 storage",
                      "this server keeps files locally: upload with POST /v1/videos")
    if body.size_bytes > settings.max_upload_bytes:
        raise too_large(settings.max_upload_bytes)
    check_fields(settings, body.exercise, body.callback_url)
    size = part_size(body.size_bytes)
    parts = math.ceil(body.size_bytes / size)
    job_id = jobs.new_job_id()
    key = job_key(tenant_id, job_id, "source" + suffix(body.filename))
    try:
        upload_id = objects.start_multipart(key, body.content_type)
    except StorageUnavailable as exc:
        raise unavailable("storage", f"the upload was not started; try again ({exc})") from None
    upload = Upload(id=jobs.new_job_id(), tenant_id=tenant_id, key=key, upload_id=upload_id,
                    job_id=job_id, fields=body.model_dump_json())
    with db.begin() as s:
        s.add(upload)
    ttl = settings.presign_ttl_s
    return {"id": upload.id, "part_size": size,
            "expires_at": (datetime.now(UTC) + timedelta(seconds=ttl)).isoformat(),
            "parts": [{"part_number": n, "url": url} for n, url in
                      enumerate(objects.part_urls(key, upload_id, parts, ttl), start=1)],
            "complete": f"/v1/uploads/{upload.id}/complete"}


@router.post("/v1/uploads/{upload_id}/complete", status_code=202,
             operation_id="complete_upload", response_model=JobView,
             responses=documented(401, 404, 413, 503))
def complete_upload(upload_id: str, body: CompleteIn, tenant_id: TenantId, db: Db,
                    objects: Store, settings: Config, dispatch: Dispatch) -> JSONResponse:
    with db() as s:
        upload = s.get(Upload, upload_id)
    if upload is None or upload.tenant_id != tenant_id:
        raise not_found(f"upload {upload_id}")
    if not upload.completed:  # completing twice (a retried request) returns the same job
        fields = UploadIn.model_validate(json.loads(upload.fields))
        assert isinstance(objects, MultipartStore)  # an upload exists only on one
        try:
            stored = objects.complete_multipart(upload.key, upload.upload_id, body.etags)
        except UploadRefused as exc:
            raise Problem(422, "upload-incomplete", "The upload could not be completed",
                          str(exc)) from None
        except StorageUnavailable:
            raise unavailable("storage", "the upload could not be completed; try again "
                              "(the parts stay for a day)") from None
        limit = min(fields.size_bytes, settings.max_upload_bytes)
        if stored > limit:  # bounded by what was stored, not by what was declared
            objects.remove(upload.key)
            with db.begin() as s:
                s.delete(s.get(Upload, upload_id))
            raise Problem(413, "video-too-large", "Upload too large",
                          f"{stored} bytes were uploaded for {fields.size_bytes} declared "
                          f"(the limit is {settings.max_upload_bytes // MIB} MiB); "
                          "nothing was kept — start again with the true size")
        with db.begin() as s:
            s.add(Job(id=upload.job_id, tenant_id=tenant_id, exercise=fields.exercise,
                      athlete=fields.athlete, batch=fields.batch, source_name=fields.filename,
                      source_key=upload.key, callback_url=fields.callback_url))
            row = s.get(Upload, upload_id)
            if row is not None:
                row.completed = True
        dispatch(upload.job_id)
    job = jobs.get_job(db, tenant_id, upload.job_id)
    if job is None:
        raise not_found(f"job {upload.job_id}")
    return accepted(job)
