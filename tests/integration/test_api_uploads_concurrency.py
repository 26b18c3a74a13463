"""Concurrent completes of one multipart upload (a client retrying on a flaky link, or two
tabs) all get the one job it makes: 202 with the same id to each, one job record, one
stored source. Real parts: the API served by uvicorn over loopback HTTP, moto's S3 server
over HTTP (the parts go up to its presigned URLs), job records on SQLite and on
PostgreSQL (where a lost race is a unique-index violation, not a lock wait)."""

from __future__ import annotations

import concurrent.futures
import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hingecheck.jobs import store as jobs
from hingecheck.jobs.models import Job
from hingecheck.settings import Settings
from hingecheck.storage.s3 import S3Store

from services.api.app import create_app
from tests.servers import moto_s3, scratch_postgres, serving

RETRIES = 6


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str | None]:
    """None (SQLite in the data folder) or a fresh PostgreSQL database, dropped after."""
    if request.param == "sqlite":
        yield None
        return
    with scratch_postgres() as (_, _, url):
        yield url


def test_concurrent_completes_of_one_upload_return_one_job(tmp_path: Path,
                                                           database_url: str | None) -> None:
    clip = os.urandom(300_000)  # the API does not probe an upload; the worker would
    with moto_s3() as (_, endpoint):
        extra: dict[str, Any] = {"database_url": database_url} if database_url else {}
        s = Settings(data_dir=tmp_path, storage="s3",
                     s3_endpoint=endpoint, s3_access_key="test", s3_secret_key="testtest",
                     s3_bucket=f"hc-{uuid.uuid4().hex[:8]}", **extra)
        store = S3Store(s)
        db = jobs.connect(s.database())
        _, key = jobs.create_key(db, "team-a")
        auth = {"Authorization": f"Bearer {key}"}
        with serving(create_app(s, db=db, objects=store, worker=False)) as base:
            plan = httpx.post(f"{base}/v1/uploads", headers=auth, timeout=30,
                              json={"filename": "Anna_rdl.mp4", "size_bytes": len(clip),
                                    "athlete": "Anna"})
            assert plan.status_code == 201, plan.text
            (part,) = plan.json()["parts"]
            put = httpx.put(part["url"], content=clip, timeout=30)
            assert put.status_code == 200, put.text
            complete = f"{base}{plan.json()['complete']}"
            body = {"etags": [put.headers["ETag"]]}
            start = threading.Barrier(RETRIES)

            def post(_: int) -> httpx.Response:
                start.wait(10)  # all at once, as retries racing on a flaky link do
                return httpx.post(complete, headers=auth, json=body, timeout=60)

            with concurrent.futures.ThreadPoolExecutor(RETRIES) as pool:
                answers = list(pool.map(post, range(RETRIES)))
            again = httpx.post(complete, headers=auth, json=body, timeout=60)  # a late retry
        assert [r.status_code for r in answers] == [202] * RETRIES, [r.text for r in answers]
        ids = {r.json()["id"] for r in [*answers, again]}
        assert again.status_code == 202 and len(ids) == 1, ids
        job_id = ids.pop()
        with db() as session:
            jobs_made = session.query(Job).all()
        assert [j.id for j in jobs_made] == [job_id]
        assert jobs_made[0].athlete == "Anna" and jobs_made[0].source_name == "Anna_rdl.mp4"
        objects = list(store.client.list_objects(s.s3_bucket, recursive=True))
        assert [o.object_name for o in objects] == [jobs_made[0].source_key]  # no orphan
        assert objects[0].size == len(clip)


def test_a_completion_whose_answer_is_lost_still_makes_the_job(tmp_path: Path) -> None:
    """The S3 server joins the parts, then the connection drops before its answer arrives
    (faked: the real call runs, then the client raises the reset it would see). The parts
    are joined, so the upload is complete: 202 and the job, not a 503 whose retry can only
    be told NoSuchUpload."""
    clip = os.urandom(200_000)
    with moto_s3() as (_, endpoint):
        s = Settings(data_dir=tmp_path, storage="s3", s3_endpoint=endpoint,
                     s3_access_key="test", s3_secret_key="testtest",
                     s3_bucket=f"hc-{uuid.uuid4().hex[:8]}")
        store = S3Store(s)
        join = store.client._complete_multipart_upload

        def join_then_drop(*args: Any, **kwargs: Any) -> Any:
            join(*args, **kwargs)
            raise ConnectionResetError(104, "Connection reset by peer")

        store.client._complete_multipart_upload = join_then_drop  # type: ignore[method-assign]
        db = jobs.connect(s.database())
        _, key = jobs.create_key(db, "team-a")
        auth = {"Authorization": f"Bearer {key}"}
        with serving(create_app(s, db=db, objects=store, worker=False)) as base:
            plan = httpx.post(f"{base}/v1/uploads", headers=auth, timeout=30,
                              json={"filename": "lift.mp4", "size_bytes": len(clip)}).json()
            put = httpx.put(plan["parts"][0]["url"], content=clip, timeout=30)
            done = httpx.post(f"{base}{plan['complete']}", headers=auth, timeout=60,
                              json={"etags": [put.headers["ETag"]]})
        assert done.status_code == 202, done.text
        with db() as session:
            assert [j.id for j in session.query(Job).all()] == [done.json()["id"]]
