"""A clip after upload: renamed, moved, judged as another exercise, removed with its
stored files (alone or with its batch), two athletes merged; the filming date from the
video's own creation time. Real parts: the app over ASGI (TestClient); SQLite with a local
folder store, and PostgreSQL with moto's S3 server over HTTP; the jobs and their files are
recorded directly (no analysis is needed to edit a clip)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hingecheck.jobs import store as jobs
from hingecheck.jobs.models import Job
from hingecheck.settings import Settings
from hingecheck.storage import ObjectStore, job_key, open_store
from sqlalchemy.orm import Session, sessionmaker

from services.api.app import create_app
from tests.servers import moto_s3, scratch_postgres

OUTPUTS = ("result.json", "annotated.mp4", "poster.jpg")


@pytest.fixture(params=["sqlite-local", "postgres-s3"])
def setup(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Any, ObjectStore,
                                                                             Settings]]:
    with ExitStack() as stack:
        if request.param == "sqlite-local":
            s = Settings(data_dir=tmp_path)
        else:
            _, _, url = stack.enter_context(scratch_postgres("hingecheck_edits"))
            _, endpoint = stack.enter_context(moto_s3())
            s = Settings(data_dir=tmp_path, storage="s3", s3_endpoint=endpoint,
                         s3_access_key="test", s3_secret_key="testtest", s3_bucket="hc-edits",
                         database_url=url)
        yield jobs.connect(s.database()), open_store(s), s


def _clip(db: sessionmaker[Session], store: ObjectStore, tmp: Path, tenant: str, name: str, *,
          athlete: str | None = "Anna", batch: str | None = None, status: str = "succeeded",
          of: Job | None = None, exercise: str = "rdl") -> Job:
    """A job with its stored source (unless it re-analyses ``of``'s) and its outputs."""
    job_id = jobs.new_job_id()
    source = of.source_key if of else job_key(tenant, job_id, "source.mp4")
    job = jobs.add_job(db, Job(id=job_id, tenant_id=tenant, exercise=exercise,
                               athlete=athlete, batch=batch, source_name=name,
                               source_key=source, status=status, rep_count=2,
                               score=80.0 if status == "succeeded" else None,
                               reanalysis_of=of.id if of else None))
    blob = tmp / f"{job_id}.bin"
    blob.write_bytes(b"x")
    for file_name in ((() if of else ("source.mp4",)) +
                      (OUTPUTS if status == "succeeded" else ())):
        store.put_file(job_key(tenant, job_id, file_name), blob, "application/octet-stream")
    return job


def _keys(store: ObjectStore, tenant: str) -> set[str]:
    return {o.key for o in store.objects(f"tenants/{tenant}/")}


def test_a_clip_is_renamed_moved_rejudged_and_removed_with_its_files(
        setup: tuple[Any, ObjectStore, Settings], tmp_path: Path) -> None:
    db, store, s = setup
    tenant, key = jobs.create_key(db, "team-a")
    _, other_key = jobs.create_key(db, "team-b")
    mine, theirs = {"Authorization": f"Bearer {key}"}, {"Authorization": f"Bearer {other_key}"}
    with TestClient(create_app(s, db=db, objects=store, worker=False)) as client:
        monday = client.post("/v1/batches", headers=mine, json={"name": "Monday"}).json()["id"]
        tuesday = client.post("/v1/batches", headers=mine, json={"name": "Tue"}).json()["id"]
        first = _clip(db, store, tmp_path, tenant, "IMG_0001.MOV", athlete=None, batch=monday)
        again = _clip(db, store, tmp_path, tenant, "IMG_0001.MOV", athlete=None, batch=monday,
                      of=first, exercise="deadlift")
        keep = _clip(db, store, tmp_path, tenant, "ben.mp4", athlete="Ben", batch=monday)
        url = f"/v1/jobs/{first.id}"

        # Rename and move: every judgement of the clip together, so it still counts once.
        r = client.patch(url, headers=mine, json={"athlete": "  Carla ", "batch": tuesday})
        assert r.status_code == 200, r.text
        assert r.json()["job"]["athlete"] == "Carla" and r.json()["job"]["batch"] == tuesday
        assert r.json()["reanalysis"] is None
        seen = client.get(f"/v1/jobs/{again.id}", headers=mine).json()
        assert (seen["athlete"], seen["batch"]) == ("Carla", tuesday)
        assert seen["superseded_by"] is None  # the newest succeeded judgement counts
        counts = client.get(f"/v1/batches/{tuesday}", headers=mine).json()["counts"]
        assert counts == {"succeeded": 1}
        # What cannot be done is refused, saying why, and changes nothing.
        for body, kind, status in (({"batch": "nope"}, "no-such-batch", 404),
                                   ({}, "invalid-request", 422),
                                   ({"athlete": "x", "colour": "red"}, "invalid-request", 422),
                                   ({"exercise": "squat"}, "unknown-exercise", 422)):
            refused = client.patch(url, headers=mine, json=body)
            assert refused.status_code == status, (body, refused.status_code)
            assert refused.json()["type"].endswith(kind), body
        assert client.get(url, headers=mine).json()["batch"] == tuesday
        # null: no athlete uploaded, the view reads the file name (a camera's: nobody).
        cleared = client.patch(url, headers=mine, json={"athlete": None}).json()["job"]
        assert cleared["athlete"] is None and cleared["athlete_guessed"] is False

        # A new exercise judges the clip again: a new job, this one kept as it is.
        r = client.patch(url, headers=mine, json={"exercise": "good_morning", "athlete": "Dee"})
        assert r.status_code == 200, r.text
        new = r.json()["reanalysis"]
        assert new["status"] == "queued" and new["exercise"] == "good_morning"
        assert new["reanalysis_of"] == first.id and new["athlete"] == "Dee"
        assert r.json()["job"]["exercise"] == "rdl" and r.json()["job"]["athlete"] == "Dee"
        running = _clip(db, store, tmp_path, tenant, "eve.mp4", status="running")
        busy = client.patch(f"/v1/jobs/{running.id}", headers=mine,
                            json={"exercise": "deadlift"})
        assert busy.status_code == 409 and busy.json()["type"].endswith("/not-finished")
        gone = client.delete(f"/v1/jobs/{running.id}", headers=mine)
        assert gone.status_code == 409 and gone.json()["type"].endswith("/job-running")

        # Another team can neither see, change nor remove it.
        assert client.patch(url, headers=theirs, json={"athlete": "X"}).status_code == 404
        assert client.delete(url, headers=theirs).status_code == 404
        assert client.delete(f"/v1/batches/{tuesday}", headers=theirs).status_code == 404
        assert client.get(url, headers=mine).json()["athlete"] == "Dee"

        # Removing the clip removes every judgement of it, its notes and its files.
        note = client.post(f"{url}/notes", headers=mine, json={"text": "hips back"})
        assert note.status_code == 201
        clip_files = {k for k in _keys(store, tenant)
                      if first.id in k or again.id in k or new["id"] in k}
        assert job_key(tenant, first.id, "source.mp4") in clip_files
        assert client.delete(url, headers=mine).status_code == 204
        for job_id in (first.id, again.id, new["id"]):
            assert client.get(f"/v1/jobs/{job_id}", headers=mine).status_code == 404
        assert clip_files and not clip_files & _keys(store, tenant)
        assert client.delete(url, headers=mine).status_code == 404
        assert client.get(f"/v1/jobs/{keep.id}", headers=mine).status_code == 200
        assert job_key(tenant, keep.id, "source.mp4") in _keys(store, tenant)

        # Removing a batch removes its clips and their files; the rest stays.
        in_batch = _clip(db, store, tmp_path, tenant, "fay.mp4", batch=tuesday)
        assert client.delete(f"/v1/batches/{monday}", headers=mine).status_code == 204
        assert client.get(f"/v1/batches/{monday}", headers=mine).status_code == 404
        assert client.get(f"/v1/jobs/{keep.id}", headers=mine).status_code == 404
        assert not any(keep.id in k for k in _keys(store, tenant))
        assert client.get(f"/v1/jobs/{in_batch.id}", headers=mine).status_code == 200
        assert client.delete(f"/v1/batches/{monday}", headers=mine).status_code == 404


def test_two_athletes_are_merged_with_their_links_within_the_team(
        setup: tuple[Any, ObjectStore, Settings], tmp_path: Path) -> None:
    db, store, s = setup
    tenant, key = jobs.create_key(db, "team-a")
    other_tenant, other_key = jobs.create_key(db, "team-b")
    mine, theirs = {"Authorization": f"Bearer {key}"}, {"Authorization": f"Bearer {other_key}"}
    typed = _clip(db, store, tmp_path, tenant, "x.mp4", athlete="Anna")
    guessed = _clip(db, store, tmp_path, tenant, "anna_rdl.mp4", athlete=None)
    theirs_anna = _clip(db, store, tmp_path, other_tenant, "y.mp4", athlete="Anna")
    with TestClient(create_app(s, db=db, objects=store, worker=False)) as client:
        link = client.post("/v1/shares", headers=mine, json={"athlete": "Anna"}).json()
        assert client.post("/v1/athletes/merge", headers=theirs,
                           json={"from": "Anna", "into": "Anna K"}).json()["jobs"] == 1
        r = client.post("/v1/athletes/merge", headers=mine,
                        json={"from": "Anna", "into": " Anna  K "})
        assert r.status_code == 200, r.text
        assert r.json() == {"from": "Anna", "into": "Anna K", "jobs": 2}
        for job in (typed, guessed):
            view = client.get(f"/v1/jobs/{job.id}", headers=mine).json()
            assert view["athlete"] == "Anna K" and view["athlete_guessed"] is False
        assert client.get(f"/v1/jobs/{theirs_anna.id}", headers=theirs).json()["athlete"] \
            == "Anna K"  # their own merge, not ours
        shared = client.get("/v1/shared", headers={"Authorization": f"Bearer {link['token']}"})
        assert {j["id"] for j in shared.json()["jobs"]} == {typed.id, guessed.id}
        # Nothing left to merge (another team's athlete is not ours either): 404.
        gone = client.post("/v1/athletes/merge", headers=mine,
                           json={"from": "Anna", "into": "Ben"})
        assert gone.status_code == 404 and gone.json()["type"].endswith("/not-found")
        same = client.post("/v1/athletes/merge", headers=mine,
                           json={"from": "Ben", "into": "Ben"})
        assert same.status_code == 409 and same.json()["type"].endswith("/same-athlete")
        # the same once cleaned (a well-formed request; nothing to merge)
        assert client.post("/v1/athletes/merge", headers=mine,
                           json={"from": " Ben\u200b", "into": "Ben"}).status_code == 409
        assert client.post("/v1/athletes/merge", headers=mine,
                           json={"from": " ", "into": "Ben"}).status_code == 422
        assert client.post("/v1/athletes/merge", json={"from": "A", "into": "B"}
                           ).status_code == 401


def test_the_filming_date_prefers_the_videos_own_creation_time(
        setup: tuple[Any, ObjectStore, Settings], tmp_path: Path) -> None:
    db, store, s = setup
    tenant, key = jobs.create_key(db, "team-a")
    named = _clip(db, store, tmp_path, tenant, "anna_2026-03-04.mp4", status="running")
    plain = _clip(db, store, tmp_path, tenant, "IMG_0002.MOV", status="running")
    unset = _clip(db, store, tmp_path, tenant, "anna_2026-03-05.mp4", status="running")
    filmed = datetime(2026, 3, 1, 18, 30, tzinfo=UTC)
    for job, created in ((named, filmed), (plain, filmed),
                         (unset, datetime(1904, 1, 1, tzinfo=UTC))):
        jobs.finish(db, job.id, score=80.0, model="m", video_created_at=created)
    auth = {"Authorization": f"Bearer {key}"}
    with TestClient(create_app(s, db=db, objects=store, worker=False)) as client:
        views = {v["id"]: v for v in client.get("/v1/jobs", headers=auth).json()["jobs"]}
    assert views[named.id]["filmed_on"] == "2026-03-01"  # the video's, not the file name's
    assert views[plain.id]["filmed_on"] == "2026-03-01"
    assert datetime.fromisoformat(views[plain.id]["filmed_at"]) == filmed
    assert views[unset.id]["filmed_on"] == "2026-03-05"  # a camera's unset clock: the name
