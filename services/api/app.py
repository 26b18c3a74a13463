"""Upload and results API.

    POST /v1/videos                  upload a clip (multipart: file, exercise, athlete, batch)
    GET  /v1/jobs                    the caller's jobs, newest first (athlete, batch, status,
                                     cursor)
    GET  /v1/jobs/{id}               status, progress, error
    GET  /v1/jobs/{id}/result        result.json
    GET  /v1/jobs/{id}/video|poster|chart   the annotated clip, poster, angle chart
    POST /v1/batches, GET /v1/batches/{id}   a team's batch: counts, per athlete, worst first
    GET|POST /v1/keys, DELETE /v1/keys/{prefix}, GET /v1/webhook-secret   (keys.py)
    GET  /v1/scoring                 what each fault costs and the grade bands (docs/scoring.md)
    GET  /healthz, /readyz, /metrics liveness; database and storage reachable; Prometheus

Every call but the scoring table and the health checks needs ``Authorization: Bearer <API
key>``; every read is scoped to the key's tenant (another tenant's job is a 404).
"""

from __future__ import annotations

import hmac
import logging
import tempfile
from collections.abc import Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, File, Form, Header, Query, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from hingecheck import errors
from hingecheck.analysis.catalogue import CATALOGUE, FAULT_WEIGHTS
from hingecheck.analysis.scoring import GRADE_MEANING, GRADES
from hingecheck.jobs import store as jobs
from hingecheck.jobs.models import STATUSES, Job
from hingecheck.jobs.runner import EmbeddedWorker
from hingecheck.schemas import AnalysisResult
from hingecheck.schemas.api import (
    BatchList,
    BatchRef,
    BatchSummary,
    Health,
    JobList,
    JobStatus,
    JobView,
    Readiness,
    Scoring,
)
from hingecheck.settings import Settings
from hingecheck.storage import ObjectMissing, ObjectStore, StorageUnavailable, job_key
from hingecheck.video import VideoLimits, probe
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from services.api import problems
from services.api.deps import (
    TenantId,
    accepted,
    check_fields,
    display_name,
    job_view,
    known_query,
    suffix,
    too_large,
)
from services.api.gate import UploadGate
from services.api.keys import router as keys_router
from services.api.problems import Problem, not_found
from services.api.uploads import router as uploads_router
from services.results import STATIC_DIR

CHUNK = 1024 * 1024
OUTPUT_FILES = {"video": ("annotated.mp4", "video/mp4"), "poster": ("poster.jpg", "image/jpeg"),
                "chart": ("angles.png", "image/png")}


def create_app(settings: Settings, *, db: sessionmaker[Session] | None = None,
               objects: ObjectStore | None = None, worker: bool = True) -> FastAPI:
    """The app; ``worker`` runs the embedded worker thread beside it."""
    from hingecheck.storage import open_store

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # type: ignore[no-untyped-def]
        # Route handlers here and in uploads.py read these from app.state.
        app.state.db = db or jobs.connect(settings.database())
        app.state.objects = objects or open_store(settings)
        app.state.dispatch = _dispatcher(settings)
        app.state.settings = settings
        if settings.broker_url:  # jobs left over from before a restart get a message again
            for job_id in jobs.claimable(app.state.db, settings.job_lease_s, limit=1000):
                app.state.dispatch(job_id)
        embedded = worker and not settings.broker_url
        runner = EmbeddedWorker(app.state.db, app.state.objects, settings) if embedded else None
        if runner:
            runner.start()
        yield
        if runner:
            runner.stop()

    app = FastAPI(title="hingecheck", version="0.2", lifespan=lifespan,
                  dependencies=[Depends(known_query)])
    problems.install(app)
    app.add_middleware(UploadGate, max_upload_bytes=settings.max_upload_bytes)
    app.include_router(uploads_router)
    app.include_router(keys_router)

    @app.post("/v1/videos", status_code=202, operation_id="upload_video", response_model=JobView,
              responses=problems.documented(401, 413, 422, 503))
    def upload_video(
        tenant_id: TenantId, file: Annotated[UploadFile, File()],
        exercise: Annotated[str, Form()] = "rdl",
        athlete: Annotated[str | None, Form(max_length=200)] = None,
        batch: Annotated[str | None, Form(max_length=100)] = None,
        callback_url: Annotated[str | None, Form(max_length=500)] = None,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> JSONResponse:
        if idempotency_key:
            earlier = jobs.find_idempotent(app.state.db, tenant_id, idempotency_key)
            if earlier is not None:
                return accepted(earlier)
        # A plain def: FastAPI runs it in its thread pool, so the copy, the probe, the
        # store and the database never block the event loop (UploadGate has already
        # checked the key and the size before the body was read).
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
                      idempotency_key=idempotency_key, source_key="",
                      callback_url=callback_url)
            job.source_key = job_key(tenant_id, job.id, f"source{ext}")
            try:
                app.state.objects.put_file(job.source_key, path, file.content_type or
                                          "video/mp4")
            except StorageUnavailable as exc:
                raise Problem(503, "storage-unavailable", "Storage unavailable",
                              f"the upload was not stored; try again later ({exc})") from None
        jobs.add_job(app.state.db, job)
        app.state.dispatch(job.id)
        return accepted(job)

    @app.get("/v1/jobs", operation_id="list_jobs", response_model=JobList,
             responses=problems.documented(401, 422))
    def list_jobs(tenant_id: TenantId, athlete: str | None = None, batch: str | None = None,
                  status: JobStatus | None = None,
                  since: Annotated[str | None, Query(
                      description="ISO 8601 date-time: jobs created at or after it",
                      json_schema_extra={"format": "date-time"})] = None,
                  cursor: str | None = None,
                  limit: Annotated[int, Query(ge=1, le=200)] = 50) -> dict[str, Any]:
        before = _iso_time(cursor, "cursor") if cursor is not None else None
        after = _iso_time(since, "since") if since is not None else None
        rows = jobs.list_jobs(app.state.db, tenant_id, athlete=athlete, batch=batch,
                              status=status, before=before, since=after, limit=limit)
        last = rows[-1].created_at.isoformat() if len(rows) == limit else None
        return {"jobs": [job_view(j) for j in rows], "next_cursor": last}

    def owned(tenant_id: str, job_id: str) -> Job:
        job = jobs.get_job(app.state.db, tenant_id, job_id)
        if job is None:
            raise not_found(f"job {job_id}")
        return job

    @app.get("/v1/jobs/{job_id}", operation_id="get_job", response_model=JobView,
             responses=problems.documented(401, 404))
    def get_job(job_id: str, tenant_id: TenantId) -> dict[str, Any]:
        return job_view(owned(tenant_id, job_id))

    def finished(tenant_id: str, job_id: str) -> Job:
        job = owned(tenant_id, job_id)
        if job.status != "succeeded":
            raise Problem(409, "not-ready", "Not ready",
                          f"job {job_id} is {job.status}; outputs exist once it succeeds")
        return job

    @app.get("/v1/jobs/{job_id}/result", operation_id="get_result", responses={
        200: {"model": AnalysisResult, "description": "result.json (docs/result.md)"},
        307: {"description": "S3 storage: a presigned URL of result.json"},
        **problems.documented(401, 404, 409, 503)})
    def get_result(job_id: str, tenant_id: TenantId) -> Response:
        job = finished(tenant_id, job_id)
        return _object(app.state.objects, job_key(tenant_id, job.id, "result.json"),
                       "application/json", settings)

    @app.get("/v1/jobs/{job_id}/{kind}", operation_id="get_output", responses={
        200: {"description": "the annotated clip, its poster or the angle chart",
              "content": {media: {} for _, media in OUTPUT_FILES.values()}},
        307: {"description": "S3 storage: a presigned URL of the file"},
        **problems.documented(401, 404, 409, 503)})
    def get_output(job_id: str, kind: str, tenant_id: TenantId) -> Response:
        if kind not in OUTPUT_FILES:
            raise not_found(f"/v1/jobs/{job_id}/{kind}")
        job = finished(tenant_id, job_id)
        name, media = OUTPUT_FILES[kind]
        return _object(app.state.objects, job_key(tenant_id, job.id, name), media, settings)

    @app.post("/v1/batches", status_code=201, operation_id="create_batch",
              response_model=BatchRef, responses=problems.documented(401, 422))
    def create_batch(tenant_id: TenantId, body: BatchIn) -> dict[str, Any]:
        batch = jobs.add_batch(app.state.db, tenant_id, body.name)
        return {"id": batch.id, "name": batch.name}

    @app.get("/v1/batches", operation_id="list_batches", response_model=BatchList,
             responses=problems.documented(401))
    def list_batches(tenant_id: TenantId) -> dict[str, Any]:
        return {"batches": [{"id": b.id, "name": b.name, "created_at": b.created_at.isoformat()}
                            for b in jobs.list_batches(app.state.db, tenant_id)]}

    @app.get("/v1/batches/{batch_id}", operation_id="get_batch", response_model=BatchSummary,
             responses=problems.documented(401, 404))
    def get_batch(batch_id: str, tenant_id: TenantId) -> dict[str, Any]:
        batch = jobs.get_batch(app.state.db, tenant_id, batch_id)
        if batch is None:
            raise not_found(f"batch {batch_id}")
        rows = jobs.list_jobs(app.state.db, tenant_id, batch=batch_id, limit=10_000)
        return {"id": batch.id, "name": batch.name, **batch_summary(rows)}

    @app.get("/metrics", operation_id="metrics", responses={
        200: {"description": "Prometheus text format",
              "content": {"text/plain; version=0.0.4": {"schema": {"type": "string"}}}},
        **problems.documented(401, 404)})
    def metrics(request: Request) -> Response:
        """Prometheus metrics of every tenant: for the operator, behind its own token."""
        if not settings.metrics_token:
            raise Problem(404, "metrics-off", "Metrics are off",
                          "set HINGECHECK_METRICS_TOKEN to serve /metrics")
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
                token.strip().encode(), settings.metrics_token.encode()):
            raise Problem(401, "bad-metrics-token", "Unauthorized",
                          "send 'Authorization: Bearer <HINGECHECK_METRICS_TOKEN>'",
                          headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
        counts = jobs.status_counts(app.state.db)
        lines = ["# HELP hingecheck_jobs Jobs by status.", "# TYPE hingecheck_jobs gauge"]
        lines += [f'hingecheck_jobs{{status="{status}"}} {counts.get(status, 0)}'
                  for status in STATUSES]
        lines += ["# HELP hingecheck_queue_depth Jobs waiting for a worker.",
                  "# TYPE hingecheck_queue_depth gauge",
                  f"hingecheck_queue_depth {counts.get('queued', 0)}"]
        done, seconds, fps = jobs.analysis_totals(app.state.db)
        lines += ["# HELP hingecheck_analysis_seconds Analysis time of succeeded jobs.",
                  "# TYPE hingecheck_analysis_seconds summary",
                  f"hingecheck_analysis_seconds_sum {seconds:.3f}",
                  f"hingecheck_analysis_seconds_count {done}",
                  "# HELP hingecheck_frames_per_second Mean analysed frames per second.",
                  "# TYPE hingecheck_frames_per_second gauge",
                  f"hingecheck_frames_per_second {fps:.2f}"]
        return Response("\n".join(lines) + "\n",
                        media_type="text/plain; version=0.0.4; charset=utf-8")

    @app.get("/v1/scoring", operation_id="get_scoring", response_model=Scoring)
    def scoring_table() -> dict[str, Any]:
        """The scoring formula's numbers and the fault catalogue, so clients sort, name and
        colour faults as the server does."""
        return {
            "fault_weights": FAULT_WEIGHTS,
            "faults": [kind.as_dict() for kind in CATALOGUE.values()],
            "grades": [{"grade": letter, "min_score": floor, "meaning": GRADE_MEANING[letter]}
                       for floor, letter in GRADES],
            "formula": "rep score = 100 − Σ weight × severity (never below 0); "
                       "clip score = mean of the full reps",
        }

    @app.get("/healthz", operation_id="healthz", response_model=Health)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", operation_id="readyz", response_model=Readiness,
             responses={503: {"model": Readiness, "description": "a dependency is down"}})
    def readyz() -> JSONResponse:
        checks: dict[str, str] = {}
        try:
            with app.state.db() as s:
                s.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"down: {type(exc).__name__}"
        try:
            app.state.objects.check()
            checks["storage"] = "ok"
        except StorageUnavailable as exc:
            checks["storage"] = f"down: {exc}"
        ok = all(v == "ok" for v in checks.values())
        return JSONResponse({"ready": ok, **checks}, status_code=200 if ok else 503)

    # The coach's page (services/results/static): no CDN, everything served from here.
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")

    return app


class BatchIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)


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


def _dispatcher(settings: Settings) -> Callable[[str], None]:
    """How a new job wakes a worker: a Celery message (distributed), or nothing (the
    embedded worker polls the database). If the broker is down the job stays queued and
    the next start-up sweep sends it."""
    if not settings.broker_url:
        return lambda job_id: None
    from celery import Celery

    sender = Celery("hingecheck-api", broker=settings.broker_url)

    def send(job_id: str) -> None:
        try:
            sender.send_task("hingecheck.analyse", args=[job_id], queue=settings.queue)
        except Exception:  # kombu raises many kinds; the job row is safe either way
            logging.getLogger("hingecheck.api").exception("dispatch of job %s failed", job_id)

    return send


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


def _object(objects: ObjectStore, key: str, media: str, settings: Settings) -> Response:
    """A file response (local store: range requests work) or a presigned redirect (S3)."""
    try:
        path = objects.local_path(key)
        if path is not None:
            return FileResponse(path, media_type=media)
        url = objects.presigned_url(key, settings.presign_ttl_s)
    except StorageUnavailable as exc:
        raise Problem(503, "storage-unavailable", "Storage unavailable", str(exc)) from None
    except ObjectMissing:
        url = None
    if url is None:
        raise not_found(key.rsplit("/", 1)[-1])
    return RedirectResponse(url, status_code=307)
