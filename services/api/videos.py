"""Clips and their jobs.

    POST /v1/videos                  upload a clip (multipart: file, exercise, athlete, batch,
                                     callback_url; header Idempotency-Key)
    GET  /v1/jobs                    the caller's jobs, newest first (athlete, batch, status,
                                     since, cursor, counted_only, order)
    GET  /v1/jobs/{id}               status, progress, error
    GET  /v1/jobs/{id}/result        result.json
    GET  /v1/jobs/{id}/video|poster|chart   the annotated clip, poster, angle chart
    POST /v1/jobs/{id}/reanalyse     the same clip judged again as another exercise: a new
                                     job linked to this one
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Header, Query, UploadFile
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from hingecheck import errors
from hingecheck.jobs import store as jobs
from hingecheck.jobs.housekeeping import UPLOAD_PREFIX
from hingecheck.jobs.models import Job
from hingecheck.schemas import AnalysisResult
from hingecheck.schemas.api import NO_NUL, JobList, JobView, ReanalysisIn, clean_name
from hingecheck.storage import ObjectMissing, ObjectStore, StorageUnavailable, job_key
from hingecheck.video import VideoLimits, probe
from hingecheck.vocab import DEFAULT_EXERCISE, ExerciseChoice, JobStatus, OutputKind
from sqlalchemy.exc import IntegrityError
from starlette.convertors import Convertor, register_url_convertor

from services.api.deps import (
    CALLBACK_RULE,
    CALLBACK_URL_OR_EMPTY,
    MEDIA_TYPE,
    Config,
    Db,
    Dispatch,
    FinishedJob,
    JobId,
    OwnedJob,
    RenderedJob,
    Store,
    TenantId,
    accepted,
    check_callback,
    display_name,
    owned,
    suffix,
    too_large,
)
from services.api.problems import Problem, documented, not_found, unavailable
from services.api.views import job_view, job_views, most_urgent_first

CHUNK = 1024 * 1024
DEFAULT_CHOICE = ExerciseChoice(DEFAULT_EXERCISE)
# An ISO 8601 date-time that datetime.fromisoformat reads, and nothing else: a real
# calendar day (29 February in leap years only; no year 0000), hours 00–23, minutes and
# seconds 00–59, an offset within ±23:59.
_YEAR = r"(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})"
_LEAP_YEAR = (r"([0-9]{2}(0[48]|[2468][048]|[13579][26])"
              r"|([02468][48]|[2468]0|[13579][26])00)")
_DATE = (rf"({_YEAR}-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)"
         rf"|(0[13578]|1[02])-31)|{_LEAP_YEAR}-02-29)")
_TIME = r"([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?"
_OFFSET = r"([+-]([01][0-9]|2[0-3]):[0-5][0-9]|Z)?"
CURSOR = rf"^{_DATE}T{_TIME}{_OFFSET}$"

router = APIRouter(tags=["jobs"])


@router.post("/v1/videos", status_code=202, operation_id="upload_video", response_model=JobView,
             responses=documented(401, 408, 413, 422, 503))
def upload_video(
    tenant_id: TenantId, db: Db, objects: Store, settings: Config, dispatch: Dispatch,
    file: Annotated[UploadFile, File(description="the clip (not empty)")],
    exercise: Annotated[ExerciseChoice, Form()] = DEFAULT_CHOICE,
    # Plain strings, empty for none: a multipart field has no null (a client would send
    # the text "null").
    athlete: Annotated[str, Form(max_length=200, pattern=NO_NUL,
                                 description="empty: none")] = "",
    batch: Annotated[str, Form(max_length=100, pattern=NO_NUL, description="empty: none")
                     ] = "",
    callback_url: Annotated[str, Form(max_length=500, pattern=CALLBACK_URL_OR_EMPTY,
                                      description=f"empty: none. {CALLBACK_RULE}")] = "",
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JSONResponse:
    # A plain def: FastAPI runs it in its thread pool, so the copy, the probe, the store
    # and the database never block the event loop (the gate has already checked the key
    # and the size before the body was read).
    if idempotency_key:
        earlier = jobs.find_idempotent(db, tenant_id, idempotency_key)
        if earlier is not None:
            return accepted(job_view(db, earlier))
    check_callback(settings, callback_url)
    ext = suffix(file.filename)
    # Named by this process, so that a start after a crash can tell its folders from a
    # live process's and remove them (housekeeping.sweep_folders).
    with tempfile.TemporaryDirectory(prefix=f"{UPLOAD_PREFIX}{os.getpid()}-") as tmp:
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
                  athlete=clean_name(athlete or "") or None,
                  batch=clean_name(batch or "") or None,
                  source_name=clean_name(file.filename or "")[:300] or "upload",
                  idempotency_key=idempotency_key, source_key="",
                  callback_url=callback_url or None)
        job.source_key = job_key(tenant_id, job.id, f"source{ext}")
        media = file.content_type or ""
        try:
            objects.put_file(job.source_key, path,
                             media if re.match(MEDIA_TYPE, media) else "video/mp4")
        except StorageUnavailable as exc:
            raise unavailable("storage", f"the upload was not stored; try again ({exc})"
                              ) from None
    try:
        jobs.add_job(db, job)
    except IntegrityError:
        # A concurrent retry with the same Idempotency-Key won: its job is the answer,
        # and this request's copy of the clip goes.
        _forget(objects, job.source_key)
        winner = jobs.find_idempotent(db, tenant_id, idempotency_key or "")
        if winner is None:
            raise
        return accepted(job_view(db, winner))
    except Exception:
        _forget(objects, job.source_key)  # no job: its source would be an orphan
        raise
    dispatch(job.id)
    return accepted(job_view(db, job))


def _forget(objects: ObjectStore, key: str) -> None:
    # Where the store cannot remove it now, its sweep of sources without a job does.
    with contextlib.suppress(StorageUnavailable, AttributeError):
        objects.remove(key)


@router.get("/v1/jobs", operation_id="list_jobs", response_model=JobList,
            responses=documented(401, 422))
def list_jobs(tenant_id: TenantId, db: Db,
              athlete: Annotated[str | None, Query(max_length=200, pattern=NO_NUL)] = None,
              batch: Annotated[str | None, Query(max_length=100, pattern=NO_NUL)] = None,
              status: JobStatus | None = None,
              since: Annotated[str | None, Query(
                  description="ISO 8601 date-time (the offset optional: UTC): jobs "
                  "created at or after it",  # no format: RFC 3339 would need the offset
                  json_schema_extra={"pattern": CURSOR})] = None,
              cursor: Annotated[str | None, Query(
                  description="a next_cursor from an earlier page",
                  json_schema_extra={"pattern": CURSOR})] = None,
              limit: Annotated[int, Query(ge=1, le=200)] = 50,
              counted_only: Annotated[bool, Query(
                  description="only the job each clip is counted under (no superseded_by)"
              )] = False,
              order: Annotated[Literal["newest", "urgency"], Query(
                  description="newest first, or most urgent first within the page")
              ] = "newest") -> JobList:
    before = _iso_time(cursor, "cursor") if cursor is not None else None
    after = _iso_time(since, "since") if since is not None else None
    rows = jobs.list_jobs(db, tenant_id, athlete=athlete, batch=batch, status=status,
                          before=before, since=after, limit=limit)
    last = rows[-1].created_at.isoformat() if len(rows) == limit else None
    views = job_views(db, tenant_id, rows)
    if counted_only:
        views = [v for v in views if v.superseded_by is None]
    if order == "urgency":
        views = most_urgent_first(views)
    return JobList(jobs=views, next_cursor=last)


@router.get("/v1/jobs/{job_id}", operation_id="get_job", response_model=JobView,
            responses=documented(401, 404))
def get_job(job: OwnedJob, db: Db) -> JobView:
    return job_view(db, job)


@router.post("/v1/jobs/{job_id}/reanalyse", status_code=202, operation_id="reanalyse",
             response_model=JobView, responses=documented(401, 404, 409, 422, 503))
def reanalyse(job_id: JobId, tenant_id: TenantId, db: Db, dispatch: Dispatch,
              body: ReanalysisIn) -> JSONResponse:
    """The clip analysed again under ``exercise`` (the stored upload is reused; this job and
    its outputs stay as they are)."""
    job = reanalysis(db, dispatch, owned(db, tenant_id, job_id), body.exercise)
    return accepted(job_view(db, job))


def reanalysis(db: Db, dispatch: Dispatch, old: Job, exercise: ExerciseChoice) -> Job:
    """A new job, dispatched, that judges ``old``'s stored clip as ``exercise``; 409 while
    ``old`` has not ended."""
    if not JobStatus(old.status).ended:
        raise Problem(409, "not-finished", "Not finished",
                      f"job {old.id} is {old.status}; re-analyse it once it has ended")
    job = jobs.add_job(db, Job(
        id=jobs.new_job_id(), tenant_id=old.tenant_id, exercise=exercise,
        athlete=old.athlete, batch=old.batch, source_name=old.source_name,
        source_key=old.source_key, reanalysis_of=old.id))
    dispatch(job.id)
    return job


@router.get("/v1/jobs/{job_id}/result", operation_id="get_result", responses={
    200: {"model": AnalysisResult, "description": "result.json (docs/result.md)"},
    307: {"description": "S3 storage: a presigned URL of result.json"},
    **documented(401, 404, 409, 503)})
def get_result(job: FinishedJob, objects: Store, settings: Config) -> Response:
    return stored_object(objects, job_key(job.tenant_id, job.id, OutputKind.RESULT.file_name),
                         OutputKind.RESULT.media_type, settings.presign_ttl_s)


RenderedKind = Literal[OutputKind.VIDEO, OutputKind.POSTER, OutputKind.CHART]


def kind_convertor(kinds: tuple[OutputKind, ...]) -> Convertor[str]:
    """A path segment that is one of ``kinds`` and nothing else, so that another word is
    not that route's: /v1/jobs/{id}/reanalyse read with GET is a 405 (its route takes
    POST), not a job output named "reanalyse"."""

    class Kind(Convertor[str]):
        regex = "|".join(str(k) for k in kinds)

        def convert(self, value: str) -> str:
            return value

        def to_string(self, value: str) -> str:
            return str(value)

    return Kind()


register_url_convertor("rendered", kind_convertor((OutputKind.VIDEO, OutputKind.POSTER,
                                                   OutputKind.CHART)))


@router.get("/v1/jobs/{job_id}/{kind:rendered}", operation_id="get_output", responses={
    200: {"description": "the annotated clip, its poster or the angle chart",
          "content": {k.media_type: {"schema": {"type": "string", "format": "binary"}}
                      for k in (OutputKind.VIDEO, OutputKind.POSTER, OutputKind.CHART)}},
    307: {"description": "S3 storage: a presigned URL of the file"},
    **documented(401, 404, 409, 503)})
def get_output(kind: RenderedKind, job: RenderedJob, objects: Store,
               settings: Config) -> Response:
    return stored_object(objects, job_key(job.tenant_id, job.id, kind.file_name),
                         kind.media_type, settings.presign_ttl_s)


def _iso_time(value: str, name: str) -> datetime:
    """An ISO 8601 date-time (a ``next_cursor`` is one); 422 for anything else."""
    try:
        if not re.match(CURSOR, value):
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
    """A file response (local store: range requests work) or a presigned redirect (S3),
    only while the store answers (the Store dependency has just checked)."""
    try:
        path = objects.local_path(key)
        if path is not None:
            if not path.is_file():
                raise ObjectMissing(key)
            return FileResponse(path, media_type=media)
        url = objects.presigned_url(key, ttl_s)
    except StorageUnavailable as exc:
        raise unavailable("storage", str(exc)) from None
    except ObjectMissing:
        url = None
    if url is None:
        raise not_found(key.rsplit("/", 1)[-1])
    return RedirectResponse(url, status_code=307)
