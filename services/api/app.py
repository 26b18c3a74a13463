"""Upload and results API: the app, its lifespan and its routers.

    videos.py    POST /v1/videos, GET /v1/jobs[/{id}[/result|video|poster|chart]]
    uploads.py   POST /v1/uploads[/{id}/complete]  (large files, presigned parts)
    batches.py   POST|GET /v1/batches[/{id}], DELETE /v1/batches/{id}
    clips.py     PATCH|DELETE /v1/jobs/{id}  (rename, move, judge as another exercise;
                 remove a clip with its files)
    athletes.py  POST /v1/athletes/merge
    keys.py      GET|POST /v1/keys, DELETE /v1/keys/{prefix}, GET /v1/webhook-secret
    notes.py     GET|POST /v1/jobs/{id}/notes, DELETE /v1/jobs/{id}/notes/{note_id}
    shares.py    POST|GET /v1/shares, DELETE /v1/shares/{id}; GET /v1/shared[/jobs/{id}/…],
                 POST /v1/shared/jobs/{id}/replies
                 (a read-only link to one athlete's clips, with its own token)
    ops.py       GET /v1/scoring, /healthz, /readyz, /metrics
    gate.py      every request's key, body size and pace, checked before its body is read;
                 load shedding (shed.py), keyed and keyless clients in separate pools
    health.py    the database and the store opened lazily, probed briefly, cached
    problems.py  every error as problem+json, and so in the OpenAPI

Every call but the scoring table, the health checks and /v1/shared needs ``Authorization:
Bearer <API key>``; every read is scoped to the key's tenant (another tenant's job is a 404).
/v1/shared takes a share link's token instead, scoped to one athlete of one tenant.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, cast

from fastapi import Depends, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from hingecheck.jobs import housekeeping
from hingecheck.jobs import store as jobs
from hingecheck.jobs.runner import EmbeddedWorker
from hingecheck.settings import Settings
from hingecheck.storage import ObjectStore, StorageUnavailable
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from services.api import problems
from services.api.athletes import router as athletes_router
from services.api.batches import router as batches_router
from services.api.clips import router as clips_router
from services.api.deps import known_query
from services.api.gate import Gate
from services.api.health import StoreHolder, Watch, database_check, open_database
from services.api.keys import router as keys_router
from services.api.notes import router as notes_router
from services.api.notes import state_limits
from services.api.ops import router as ops_router
from services.api.shares import router as shares_router
from services.api.uploads import router as uploads_router
from services.api.videos import router as videos_router
from services.results import STATIC_DIR


def create_app(settings: Settings, *, db: sessionmaker[Session] | None = None,
               objects: ObjectStore | None = None, worker: bool = True) -> FastAPI:
    """The app; ``worker`` runs the embedded worker thread beside it."""
    database_ready = threading.Event()

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # type: ignore[no-untyped-def]
        # Routes ask for these through services.api.deps (Db, Store, Config, Dispatch).
        # Neither a database nor a store that is down stops the start: the API answers
        # 503 until they return, as it does when they fail later.
        # Upload folders a killed API process left in the temp folder.
        housekeeping.sweep_folders(prefix=housekeeping.UPLOAD_PREFIX)
        if db is not None:
            database_ready.set()
        app.state.db = db or open_database(settings.database(), database_ready)
        app.state.store = StoreHolder(settings, objects)
        if objects is None:
            try:
                app.state.store.get()
            except StorageUnavailable as exc:
                logging.getLogger("hingecheck.api").warning(
                    "object store unreachable at start (%s); answering 503 until it is", exc)
        app.state.watch = Watch(_checks(settings, app.state.db, database_ready,
                                        app.state.store))
        app.state.dispatch = _dispatcher(settings, app.state.db)
        app.state.settings = settings
        if settings.broker_url:  # jobs whose message was lost get one again
            try:
                for job_id in jobs.due_for_dispatch(app.state.db, settings.job_lease_s):
                    app.state.dispatch(job_id)
            except SQLAlchemyError:  # the database is down: the workers' sweep will do it
                logging.getLogger("hingecheck.api").warning("start-up sweep skipped")
        embedded = worker and not settings.broker_url
        runner = None
        if embedded:
            runner = EmbeddedWorker(app.state.db, cast(ObjectStore, app.state.store), settings)
            runner.start()
        yield
        if runner:
            runner.stop()

    app = FastAPI(title="hingecheck", version="0.2", lifespan=lifespan,
                  dependencies=[Depends(known_query)])
    problems.install(app)
    with_problems = app.openapi  # the spec with every error as problem+json

    def openapi() -> dict[str, Any]:  # this server's limits, stated once built
        if app.openapi_schema is None:
            state_limits(with_problems(), settings)
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]
    # outermost: the key, the size, the pace and the load, before anything is read
    app.add_middleware(Gate, max_upload_bytes=settings.max_upload_bytes,
                       max_in_flight=settings.api_max_in_flight,
                       database_ready=database_ready)
    # notes before videos: /v1/jobs/{id}/notes must not be taken for an output's {kind}
    for router in (notes_router, videos_router, clips_router, uploads_router, batches_router,
                   athletes_router, keys_router, shares_router, ops_router):
        app.include_router(router)

    # The coach's page (services/results/static): no CDN, everything served from here.
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")

    return app


def from_environment() -> FastAPI:
    """The API alone, its settings from HINGECHECK_* (each of `hingecheck api --workers N`
    processes builds its own)."""
    from hingecheck.settings import get_settings

    return create_app(get_settings(), worker=False)


def _checks(settings: Settings, db: sessionmaker[Session], database_ready: threading.Event,
            store: StoreHolder) -> dict[str, Callable[[], None]]:
    """What readiness probes: the database, the store and (distributed mode) the broker."""
    checks = {"database": database_check(db, database_ready), "storage": store.check}
    if settings.broker_url:
        url = settings.broker_url

        def broker() -> None:
            from kombu.connection import Connection

            with Connection(url, connect_timeout=1.0) as conn:  # type: ignore[no-untyped-call]
                conn.ensure_connection(max_retries=1, timeout=1.0)
        checks["broker"] = broker
    return checks


def _dispatcher(settings: Settings, db: sessionmaker[Session]) -> Callable[[str], None]:
    """How a new job wakes a worker: a Celery message (distributed), or nothing (the
    embedded worker polls the database). The message is sent from a thread, so an upload
    never waits on the broker; if the broker is down the job stays queued, undispatched,
    and the workers' sweep sends it once they reach the broker."""
    if not settings.broker_url:
        return lambda job_id: None
    from celery import Celery

    sender = Celery("hingecheck-api", broker=settings.broker_url)
    sender.conf.broker_connection_timeout = 2.0
    sender.conf.broker_transport_options = {"max_retries": 1}
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="hingecheck-dispatch")

    def send(job_id: str) -> None:
        try:
            sender.send_task("hingecheck.analyse", args=[job_id], queue=settings.queue,
                             retry=False)
            jobs.mark_dispatched(db, job_id)
        except Exception:  # kombu raises many kinds; the job row is safe either way
            logging.getLogger("hingecheck.api").warning(
                "dispatch of job %s failed; the sweep will send it", job_id)

    def dispatch(job_id: str) -> None:
        pool.submit(send, job_id)

    return dispatch
