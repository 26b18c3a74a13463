"""Clips and their jobs.

    POST /v1/videos                  upload a clip (multipart: file, exercise, athlete, batch,
                                     callback_url; header Idempotency-Key)
    GET  /v1/jobs                    the caller's jobs, newest first (athlete, batch, status,
                                     since, cursor)
    GET  /v1/jobs/{id}               status, progress, error
    GET  /v1/jobs/{id}/result        result.json
    GET  /v1/jobs/{id}/video|poster|chart   the annotated clip, poster, angle chart
    POST /v1/jobs/{id}/reanalyse     the same clip judged again as another exercise: a new
                                     job linked to this one
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Header, Query, UploadFile
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from hingecheck import errors
from hingecheck.jobs import store as jobs
from hingecheck.jobs.models import Job
from hingecheck.schemas import AnalysisResult
from hingecheck.schemas.api import JobList, JobStatus, JobView, ReanalysisIn
from hingecheck.storage import ObjectMissing, ObjectStore, StorageUnavailable, job_key
from hingecheck.video import VideoLimits, probe
from sqlalchemy.orm import Session, sessionmaker

from services.api.deps import (
    Config,
    Db,
    Dispatch,
    Store,
    TenantId,
    accepted,
    check_fields,
    display_name,
    job_view,
    suffix,
    too_large,
)
from services.api.problems import Problem, documented, not_found, unavailable

CHUNK = 1024 * 1024
OUTPUT_FILES = {"video": ("annotated.mp4", "video/mp4"), "poster": ("poster.jpg", "image/jpeg"),
                "chart": ("angles.png", "image/png")}

router = APIRouter(tags=["jobs"])


@router.post("/v1/videos", status_code=202, operation_id="upload_video", response_model=JobView,
             responses=documented(401, 413, 422, 503))
def upload_video(
    tenant_id: TenantId, db: Db, objects: Store, settings: Config, dispatch: Dispatch,
    file: Annotated[UploadFile, File()],
    exercise: Annotated[str, Form()] = "rdl",
    athlete: Annotated[str | None, Form(max_length=200)] = None,
    batch: Annotated[str | None, Form(max_length=100)] = None,
    callback_url: Annotated[str | None, Form(max_length=500)] = None,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JSONResponse:
    # A plain def: FastAPI runs it in its thread pool, so the copy, the probe, the store
    # and the database never block the event loop (UploadGate has already checked the
    # key and the size before the body was read).
    if idempotency_key:
        earlier = jobs.find_idempotent(db, tenant_id, idempotency_key)
        if earlier is not None:
            return accepted(earlier)
    check_fields(settings, exercise, callback_url)
    ext = suffix(file.filename)
    with tempfile.TemporaryDirectory(prefix="hingecheck-upload-") as tmp:
        # Under the client's own name, so that a refusal names their file, not ours.
        path = Path(tmp) / display_name(file.filename, ext)
        size = 0
        with path.open("wb") as out:
            while chunk := file.file.read(CHUNK):
                size += len(chunk)
                if size > settings.max_upload_bytes:
                    raise too_large(settings.max_upload_bytes)
                out.write(chunk)
        try:
            probe(path, VideoLimits.from_settings(settings))
        except errors.HingecheckError as exc:
            raise Problem(422 if exc.code != "video-too-large" else 413, exc.code,
                          "The upload cannot be analysed", str(exc)) from None
        job = Job(id=jobs.new_job_id(), tenant_id=tenant_id, exercise=exercise,
                  athlete=athlete, batch=batch, source_name=(file.filename or "upload")[:300],
                  idempotency_key=idempotency_key, source_key="", callback_url=callback_url)
        job.source_key = job_key(tenant_id, job.id, f"source{ext}")
        try:
            objects.put_file(job.source_key, path, file.content_type or "video/mp4")
        except StorageUnavailable as exc:
            raise unavailable("storage", f"the upload was not stored; try again ({exc})"
                              ) from None
    jobs.add_job(db, job)
    dispatch(job.id)
    return accepted(job)


@router.get("/v1/jobs", operation_id="list_jobs", response_model=JobList,
            responses=documented(401, 422))
def list_jobs(tenant_id: TenantId, db: Db, athlete: str | None = None,
              batch: str | None = None, status: JobStatus | None = None,
              since: Annotated[str | None, Query(
                  description="ISO 8601 date-time: jobs created at or after it",
                  json_schema_extra={"format": "date-time"})] = None,
              cursor: str | None = None,
              limit: Annotated[int, Query(ge=1, le=200)] = 50) -> dict[str, Any]:
    before = _iso_time(cursor, "cursor") if cursor is not None else None
    after = _iso_time(since, "since") if since is not None else None
    rows = jobs.list_jobs(db, tenant_id, athlete=athlete, batch=batch, status=status,
                          before=before, since=after, limit=limit)
    last = rows[-1].created_at.isoformat() if len(rows) == limit else None
    return {"jobs": [job_view(j) for j in rows], "next_cursor": last}


def owned(db: sessionmaker[Session], tenant_id: str, job_id: str) -> Job:
    job = jobs.get_job(db, tenant_id, job_id)
    if job is None:
        raise not_found(f"job {job_id}")
    return job


def finished(db: sessionmaker[Session], tenant_id: str, job_id: str) -> Job:
    job = owned(db, tenant_id, job_id)
    if job.status != "succeeded":
        raise Problem(409, "not-ready", "Not ready",
                      f"job {job_id} is {job.status}; outputs exist once it succeeds")
    return job


@router.get("/v1/jobs/{job_id}", operation_id="get_job", response_model=JobView,
            responses=documented(401, 404))
def get_job(job_id: str, tenant_id: TenantId, db: Db) -> dict[str, Any]:
    return job_view(owned(db, tenant_id, job_id))


@router.post("/v1/jobs/{job_id}/reanalyse", status_code=202, operation_id="reanalyse",
             response_model=JobView, responses=documented(401, 404, 409, 422, 503))
def reanalyse(job_id: str, tenant_id: TenantId, db: Db, settings: Config, dispatch: Dispatch,
              body: ReanalysisIn) -> JSONResponse:
    """The clip analysed again under ``exercise`` (the stored upload is reused; this job and
    its outputs stay as they are)."""
    old = owned(db, tenant_id, job_id)
    check_fields(settings, body.exercise, None)
    if old.status in ("queued", "running"):
        raise Problem(409, "not-finished", "Not finished",
                      f"job {job_id} is {old.status}; re-analyse it once it has ended")
    job = jobs.add_job(db, Job(
        id=jobs.new_job_id(), tenant_id=tenant_id, exercise=body.exercise,
        athlete=old.athlete, batch=old.batch, source_name=old.source_name,
        source_key=old.source_key, reanalysis_of=old.id))
    dispatch(job.id)
    return accepted(job)


@router.get("/v1/jobs/{job_id}/result", operation_id="get_result", responses={
    200: {"model": AnalysisResult, "description": "result.json (docs/result.md)"},
    307: {"description": "S3 storage: a presigned URL of result.json"},
    **documented(401, 404, 409, 503)})
def get_result(job_id: str, tenant_id: TenantId, db: Db, objects: Store,
               settings: Config) -> Response:
    job = finished(db, tenant_id, job_id)
    return stored_object(objects, job_key(tenant_id, job.id, "result.json"), "application/json",
                   settings.presign_ttl_s)


@router.get("/v1/jobs/{job_id}/{kind}", operation_id="get_output", responses={
    200: {"description": "the annotated clip, its poster or the angle chart",
          "content": {media: {} for _, media in OUTPUT_FILES.values()}},
    307: {"description": "S3 storage: a presigned URL of the file"},
    **documented(401, 404, 409, 503)})
def get_output(job_id: str, kind: str, tenant_id: TenantId, db: Db, objects: Store,
               settings: Config) -> Response:
    if kind not in OUTPUT_FILES:
        raise not_found(f"/v1/jobs/{job_id}/{kind}")
    job = finished(db, tenant_id, job_id)
    name, media = OUTPUT_FILES[kind]
    return stored_object(objects, job_key(tenant_id, job.id, name), media, settings.presign_ttl_s)


def _iso_time(value: str, name: str) -> datetime:
    """An ISO 8601 date-time (a ``next_cursor`` is one); 422 for anything else."""
    try:
        if not value[:4].isdigit():
            raise ValueError(value)
        return datetime.fromisoformat(value)
    except ValueError:
        if name == "cursor":
            raise Problem(422, "bad-cursor", "Bad cursor",
                          "cursor must be a next_cursor value from an earlier page") from None
        raise Problem(422, "invalid-request", "Invalid request",
                      f"{name} must be an ISO 8601 date-time, e.g. 2026-11-30T00:00:00Z",
                      errors=[{"field": f"query.{name}", "message": "not a date-time"}]
                      ) from None


def stored_object(objects: ObjectStore, key: str, media: str, ttl_s: int) -> Response:
    """A file response (local store: range requests work) or a presigned redirect (S3)."""
    try:
        path = objects.local_path(key)
        if path is not None:
            return FileResponse(path, media_type=media)
        url = objects.presigned_url(key, ttl_s)
    except StorageUnavailable as exc:
        raise unavailable("storage", str(exc)) from None
    except ObjectMissing:
        url = None
    if url is None:
        raise not_found(key.rsplit("/", 1)[-1])
    return RedirectResponse(url, status_code=307)
