"""Large files: the client uploads parts straight to S3/MinIO with presigned URLs.

    POST /v1/uploads                 {filename, size_bytes, exercise, athlete, batch,
                                      callback_url} → part URLs (valid 15 minutes)
    POST /v1/uploads/{id}/complete   {etags: [...]} → 202 and the job

Parts are 8–64 MiB (S3 allows at most 10,000). The bucket aborts uploads left unfinished
for a day. The clip is not probed here (it is not on this machine): a file that is not a
video is rejected by the worker with the same problem type.
"""

from __future__ import annotations

import contextlib
import json
import math
import time
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse
from hingecheck.jobs import store as jobs
from hingecheck.jobs.models import Job, Upload
from hingecheck.schemas.api import NO_NUL, Body, JobView, JsonInt, Name, clean_name
from hingecheck.storage import MultipartStore, StorageUnavailable, UploadRefused, job_key
from hingecheck.vocab import DEFAULT_EXERCISE, ExerciseChoice
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError

from services.api.deps import (
    CALLBACK_RULE,
    CALLBACK_URL,
    MEDIA_TYPE,
    Config,
    Db,
    Dispatch,
    Store,
    TenantId,
    accepted,
    check_callback,
    suffix,
    too_large,
)
from services.api.problems import Problem, documented, not_found, unavailable
from services.api.views import job_view

MIB = 1024 * 1024
MIN_PART, MAX_PART, MAX_PARTS = 8 * MIB, 64 * MIB, 10_000
RACE_WAIT_S = 5.0  # how long a concurrent completion waits for the winner's job

router = APIRouter()


class UploadIn(Body):
    filename: str = Field(min_length=1, max_length=300, pattern=NO_NUL)
    size_bytes: JsonInt = Field(gt=0, le=MAX_PART * MAX_PARTS)
    content_type: str = Field(default="video/mp4", max_length=200, pattern=MEDIA_TYPE,
                              description="a media type (ASCII), e.g. video/mp4")
    exercise: ExerciseChoice = ExerciseChoice(DEFAULT_EXERCISE)
    athlete: Name | None = None
    batch: Name | None = Field(default=None, max_length=100)
    callback_url: str | None = Field(default=None, max_length=500, pattern=CALLBACK_URL,
                                     description=f"null: none. {CALLBACK_RULE}")


class CompleteIn(Body):
    etags: list[Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[ -~]+$")]] \
        = Field(min_length=1, max_length=MAX_PARTS, description="each part's ETag, in part "
                "order (as its PUT answered it)")


def part_size(size: int) -> int:
    """The smallest part of 8–64 MiB (whole MiB) that keeps the count within 10,000."""
    return max(MIN_PART, min(MAX_PART, math.ceil(size / MAX_PARTS / MIB) * MIB))


class PartUrl(BaseModel):
    part_number: int = Field(ge=1, le=MAX_PARTS)
    url: str = Field(description="PUT the part's bytes here; keep the ETag it answers")


class UploadPlan(BaseModel):
    id: str
    part_size: int = Field(description="bytes per part (the last may be shorter)")
    expires_at: datetime
    parts: list[PartUrl]
    complete: str = Field(description="POST {etags: [...]} here once every part is up")


@router.post("/v1/uploads", status_code=201, operation_id="start_upload",
             response_model=UploadPlan, responses=documented(401, 409, 413, 422, 503))
def start_upload(body: UploadIn, tenant_id: TenantId, db: Db, objects: Store,
                 settings: Config) -> UploadPlan:
    if not isinstance(objects, MultipartStore):
        raise Problem(409, "multipart-unavailable", "Multipart uploads need S3 storage",
                      "this server keeps files locally: upload with POST /v1/videos")
    if body.size_bytes > settings.max_upload_bytes:
        raise too_large(settings.max_upload_bytes)
    check_callback(settings, body.callback_url)
    size = part_size(body.size_bytes)
    parts = math.ceil(body.size_bytes / size)
    job_id = jobs.new_job_id()
    key = job_key(tenant_id, job_id, "source" + suffix(body.filename))
    ttl = settings.presign_ttl_s
    try:
        upload_id = objects.start_multipart(key, body.content_type)
        urls = objects.part_urls(key, upload_id, parts, ttl)
    except StorageUnavailable as exc:
        raise unavailable("storage", f"the upload was not started; try again ({exc})") from None
    upload = Upload(id=jobs.new_job_id(), tenant_id=tenant_id, key=key, upload_id=upload_id,
                    job_id=job_id, fields=body.model_dump_json())
    with db.begin() as s:
        s.add(upload)
    return UploadPlan(id=upload.id, part_size=size,
                      expires_at=datetime.now(UTC) + timedelta(seconds=ttl),
                      parts=[PartUrl(part_number=n, url=url)
                             for n, url in enumerate(urls, start=1)],
                      complete=f"/v1/uploads/{upload.id}/complete")


@router.post("/v1/uploads/{upload_id}/complete", status_code=202,
             operation_id="complete_upload", response_model=JobView,
             responses=documented(401, 404, 413, 422, 503))
def complete_upload(upload_id: Annotated[str, Path(max_length=64)], body: CompleteIn,
                    tenant_id: TenantId, db: Db, objects: Store, settings: Config,
                    dispatch: Dispatch) -> JSONResponse:
    with db() as s:
        upload = s.get(Upload, upload_id)
    if upload is None or upload.tenant_id != tenant_id:
        raise not_found(f"upload {upload_id}")
    if not upload.completed:  # completing twice (a retried request) returns the same job
        try:
            _complete(upload, body, tenant_id, db, objects, settings)
        except (UploadRefused, IntegrityError) as exc:
            # A concurrent completion may have won: its job is the answer.
            job = _wait_for_job(db, tenant_id, upload.job_id)
            if job is not None:
                return accepted(job_view(db, job))
            if isinstance(exc, IntegrityError):
                raise
            raise Problem(422, "upload-incomplete", "The upload could not be completed",
                          str(exc)) from None
        dispatch(upload.job_id)
    job = jobs.get_job(db, tenant_id, upload.job_id)
    if job is None:
        raise not_found(f"job {upload.job_id}")
    return accepted(job_view(db, job))


def _complete(upload: Upload, body: CompleteIn, tenant_id: str, db: Db, objects: Store,
              settings: Config) -> None:
    """Join the parts and write the job (UploadRefused, IntegrityError: see the caller)."""
    fields = UploadIn.model_validate(json.loads(upload.fields))
    assert isinstance(objects, MultipartStore)  # an upload exists only on one
    try:
        stored = objects.complete_multipart(upload.key, upload.upload_id, body.etags)
    except UploadRefused:
        raise
    except Exception:  # StorageUnavailable, or an answer the S3 client could not read
        raise unavailable("storage", "the upload could not be completed; try again "
                          "(the parts stay for a day)") from None
    limit = min(fields.size_bytes, settings.max_upload_bytes)
    if stored > limit:  # bounded by what was stored, not by what was declared
        with contextlib.suppress(StorageUnavailable):  # else the sweep removes it
            objects.remove(upload.key)
        with db.begin() as s:
            row = s.get(Upload, upload.id)
            if row is not None:
                s.delete(row)
        raise Problem(413, "video-too-large", "Upload too large",
                      f"{stored} bytes were uploaded for {fields.size_bytes} declared "
                      f"(the limit is {settings.max_upload_bytes // MIB} MiB); "
                      "nothing was kept — start again with the true size")
    with db.begin() as s:
        s.add(Job(id=upload.job_id, tenant_id=tenant_id, exercise=fields.exercise,
                  athlete=clean_name(fields.athlete or "") or None,
                  batch=clean_name(fields.batch or "") or None,
                  source_name=clean_name(fields.filename)[:300] or "upload",
                  source_key=upload.key, callback_url=fields.callback_url))
        row = s.get(Upload, upload.id)
        if row is not None:
            row.completed = True


def _wait_for_job(db: Db, tenant_id: str, job_id: str) -> Job | None:
    deadline = time.monotonic() + RACE_WAIT_S
    while True:
        job = jobs.get_job(db, tenant_id, job_id)
        if job is not None or time.monotonic() > deadline:
            return job
        time.sleep(0.1)
