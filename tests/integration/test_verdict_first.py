"""The verdict first, the clip after (Settings.render_after_verdict): the job succeeds, its
result.json is stored and its webhook sent before the annotated clip is drawn; a worker
that dies while drawing costs the clip, never the verdict, and the drawing is redone.

Real parts: SQLite job records, the local object store, the real model, an HTTP receiver
on loopback for the webhook, the API served by uvicorn on loopback. The "worker killed" is
an exception no handler catches, raised from inside the drawing (the process's state is
what a kill leaves: the job's rendering held under a lease nobody renews)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from hingecheck.client import Client
from hingecheck.jobs import rendering, runner
from hingecheck.jobs import store as jobs
from hingecheck.jobs.models import Job
from hingecheck.jobs.runner import EmbeddedWorker, run_job, take
from hingecheck.settings import Settings
from hingecheck.storage import job_key
from hingecheck.storage.local import LocalStore
from hingecheck.synth.generate import generate_clip
from hingecheck.synth.truth import ClipParams
from hingecheck.vocab import RENDERED_OUTPUTS, JobStatus, OutputKind
from sqlalchemy.orm import Session, sessionmaker

from services.api.app import create_app
from tests.integration.test_job_endings import Receiver
from tests.servers import serving

pytestmark = pytest.mark.model


class Killed(BaseException):
    """Stands in for SIGKILL: nothing in the worker catches it."""


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("verdict") / "lift.mp4"
    generate_clip(ClipParams(scenario="good_hinge", reps=1, seed=3, resolution=480), path)
    return path


def _setup(tmp_path: Path, clip: Path, settings: Settings,
           callback: str) -> tuple[Settings, sessionmaker[Session], LocalStore, Job]:
    s = Settings(data_dir=tmp_path / "data", model_dir=settings.model_dir,
                 webhook_allow_hosts="127.0.0.1", store_wait_s=0, job_lease_s=2.0,
                 render_after_verdict=True)
    db = jobs.connect(s.database())
    tenant, _ = jobs.create_key(db, "team-a")
    store = LocalStore(s.objects_dir())
    job = Job(id=jobs.new_job_id(), tenant_id=tenant, exercise="rdl", source_name="a.mp4",
              source_key="", callback_url=callback)
    job.source_key = job_key(tenant, job.id, "source.mp4")
    store.put_file(job.source_key, clip, "video/mp4")
    return s, db, store, jobs.add_job(db, job)


def killed_while_drawing(db: sessionmaker[Session], store: LocalStore, s: Settings,
                         job_id: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Judge ``job_id`` here, its worker "killed" (Killed) inside the drawing: the job
    succeeded, its drawing held under a lease nobody renews. The drawing is restored."""
    draw = runner._draw

    def killed(*args: Any, **kwargs: Any) -> None:
        raise Killed

    monkeypatch.setattr(runner, "_draw", killed)
    claimed = take(db, job_id, s)
    assert claimed is not None
    with pytest.raises(Killed):
        run_job(claimed, db, store, s)
    monkeypatch.setattr(runner, "_draw", draw)


def _stored(store: LocalStore, job: Job, kind: OutputKind) -> bool:
    path = store.local_path(job_key(job.tenant_id, job.id, kind.file_name))
    return path is not None and path.is_file()


def _row(db: sessionmaker[Session], job_id: str) -> Job:
    with db() as s:
        row = s.get(Job, job_id)
        assert row is not None
        return row


def test_the_verdict_is_stored_and_sent_before_the_clip_is_drawn(
        tmp_path: Path, clip: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    receiver = Receiver()
    s, db, store, job = _setup(tmp_path, clip, settings, receiver.url)
    seen: list[tuple[str, float, bool, bool, int]] = []
    draw = runner._draw

    def watching(*args: Any, **kwargs: Any) -> None:
        row = _row(db, job.id)
        seen.append((row.status, row.progress, _stored(store, job, OutputKind.RESULT),
                     any(_stored(store, job, k) for k in RENDERED_OUTPUTS),
                     len(receiver.events)))
        return draw(*args, **kwargs)

    monkeypatch.setattr(runner, "_draw", watching)
    claimed = take(db, job.id, s)
    assert claimed is not None
    try:
        assert run_job(claimed, db, store, s) == JobStatus.SUCCEEDED
    finally:
        receiver.server.shutdown()
    # While the clip was drawn: succeeded, result.json stored, nothing drawn yet, and the
    # webhook already sent.
    assert seen == [(JobStatus.SUCCEEDED, rendering.RENDERING_PROGRESS, True, False, 1)]
    assert receiver.events[0]["type"] == "job.succeeded"
    row = _row(db, job.id)
    assert row.progress == 1.0 and rendering.outputs_ready(row)
    assert all(_stored(store, job, k) for k in OutputKind)


def test_a_worker_killed_while_drawing_keeps_the_verdict_and_the_drawing_is_redone(
        tmp_path: Path, clip: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    receiver = Receiver()
    s, db, store, job = _setup(tmp_path, clip, settings, receiver.url)
    killed_while_drawing(db, store, s, job.id, monkeypatch)
    row = _row(db, job.id)
    score = row.score
    assert row.status == JobStatus.SUCCEEDED and score is not None
    assert not rendering.outputs_ready(row) and _stored(store, job, OutputKind.RESULT)
    assert not any(_stored(store, job, k) for k in RENDERED_OUTPUTS)
    # Its lease is still held: nobody takes the drawing yet; once it has run out, a worker
    # draws it (the verdict and its one webhook unchanged).
    worker = EmbeddedWorker(db, store, s)
    assert rendering.pending(db, s.job_lease_s) == []
    time.sleep(s.job_lease_s + 0.5)
    assert worker.run_once() == JobStatus.SUCCEEDED
    assert worker.run_once() is None  # nothing left to do
    receiver.server.shutdown()
    row = _row(db, job.id)
    assert row.status == JobStatus.SUCCEEDED and row.score == score
    assert rendering.outputs_ready(row) and row.attempts == 2
    assert all(_stored(store, job, k) for k in OutputKind)
    assert [e["type"] for e in receiver.events] == ["job.succeeded"]


def test_a_drawing_that_keeps_failing_is_given_up_the_verdict_stays(
        tmp_path: Path, clip: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    receiver = Receiver()
    s, db, store, job = _setup(tmp_path, clip, settings, receiver.url)
    s = s.model_copy(update={"max_attempts": 2})

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the encoder broke")

    monkeypatch.setattr(runner, "_draw", broken)
    worker = EmbeddedWorker(db, store, s)
    assert worker.run_once() == JobStatus.SUCCEEDED  # the analysis, its drawing failed
    for _ in range(3):  # drawn again (attempts 2, 3 and 4), failed each time
        assert worker.run_once() == JobStatus.SUCCEEDED
    assert worker.run_once() is None  # 2 × max_attempts: given up
    receiver.server.shutdown()
    row = _row(db, job.id)
    assert row.status == JobStatus.SUCCEEDED and row.score is not None and row.attempts == 4
    assert not rendering.outputs_ready(row)
    # Given up for good: no longer pending, and said so (not "being drawn" forever).
    assert rendering.given_up(row) and rendering.pending(db, s.job_lease_s) == []
    _, key = jobs.create_key(db, "team-a")
    auth = {"Authorization": f"Bearer {key}"}
    with TestClient(create_app(s, db=db, objects=store, worker=False)) as client:
        view = client.get(f"/v1/jobs/{job.id}", headers=auth).json()
        video = client.get(f"/v1/jobs/{job.id}/video", headers=auth)
        result = client.get(f"/v1/jobs/{job.id}/result", headers=auth)
    assert view["status"] == "succeeded" and view["error"]["code"] == "not-drawn"
    assert view["outputs_ready"] is False
    assert video.status_code == 404 and video.json()["type"].endswith("/not-drawn")
    assert result.status_code == 200


def test_while_the_clip_is_drawn_the_api_answers_the_verdict_and_the_client_waits(
        tmp_path: Path, clip: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a client sees between the verdict and the drawing: the job succeeded with
    outputs_ready false, its result, and 409 ``rendering`` (with Retry-After) for the
    annotated clip, poster and chart, on the team's routes and a share link's; a
    ``Client.download`` asked then waits and gets the clip once it is stored."""
    s, db, store, job = _setup(tmp_path, clip, settings, "")
    _, key = jobs.create_key(db, "team-a")
    auth = {"Authorization": f"Bearer {key}"}
    seen: dict[str, Any] = {}
    draw = runner._draw
    with serving(create_app(s, db=db, objects=store, worker=False)) as base:
        share = httpx.post(f"{base}/v1/shares", headers=auth, json={"athlete": "Anna"})
        assert share.status_code == 201, share.text
        with db.begin() as session:  # the share link's athlete
            row = session.get(Job, job.id)
            assert row is not None
            row.athlete = "Anna"
        shared = {"Authorization": f"Bearer {share.json()['token']}"}
        downloaded: dict[str, Any] = {}

        def download() -> None:
            with Client(base, key) as hc:
                downloaded["path"] = hc.download(job.id, "video", tmp_path / "annotated.mp4")
                downloaded["at"] = time.monotonic()

        def watching(*args: Any, **kwargs: Any) -> None:
            seen["view"] = httpx.get(f"{base}/v1/jobs/{job.id}", headers=auth).json()
            seen["result"] = httpx.get(f"{base}/v1/jobs/{job.id}/result", headers=auth)
            seen["outputs"] = [httpx.get(f"{base}/v1/jobs/{job.id}/{k}", headers=auth)
                               for k in RENDERED_OUTPUTS]
            seen["shared"] = httpx.get(f"{base}/v1/shared/jobs/{job.id}/video", headers=shared)
            seen["shared result"] = httpx.get(f"{base}/v1/shared/jobs/{job.id}/result",
                                              headers=shared)
            seen["delete"] = httpx.delete(f"{base}/v1/jobs/{job.id}", headers=auth)
            waiter = threading.Thread(target=download)
            waiter.start()
            seen["waiter"] = waiter
            time.sleep(1.0)  # the client has asked, and been told to wait
            assert "path" not in downloaded
            draw(*args, **kwargs)
            seen["drawn at"] = time.monotonic()

        monkeypatch.setattr(runner, "_draw", watching)
        assert EmbeddedWorker(db, store, s).run_once() == JobStatus.SUCCEEDED
        seen["waiter"].join(30)
        after = httpx.get(f"{base}/v1/jobs/{job.id}", headers=auth).json()
        video = httpx.get(f"{base}/v1/jobs/{job.id}/video", headers=auth)
        shared_video = httpx.get(f"{base}/v1/shared/jobs/{job.id}/video", headers=shared)
    view = seen["view"]
    assert view["status"] == "succeeded" and view["outputs_ready"] is False
    assert view["score"] is not None
    assert seen["result"].status_code == 200 and seen["result"].json()["summary"]["judged"]
    assert seen["shared result"].status_code == 200
    # Not removed while a worker draws it (it would write files for a job that is gone).
    assert seen["delete"].status_code == 409, seen["delete"].text
    assert seen["delete"].json()["type"].endswith("/job-running")
    for answer in (*seen["outputs"], seen["shared"]):
        assert answer.status_code == 409, answer.text
        assert answer.json()["type"].endswith("/rendering")
        assert answer.headers["retry-after"] == "2"
    # Once drawn: ready, and the client that waited has the clip.
    assert after["outputs_ready"] is True and after["progress"] == 1.0
    assert video.status_code == 200 and shared_video.status_code == 200
    assert downloaded["path"].read_bytes() == video.content
    assert downloaded["at"] >= seen["drawn at"]


def test_a_batchs_verdicts_all_come_before_its_drawings_and_none_waits_too_long(
        tmp_path: Path, clip: Path, settings: Settings) -> None:
    """Two clips queued together: the first is judged, its drawing waits while the second
    waits to be judged; the second, with nothing behind it, is drawn at once; then the
    first's drawing. A drawing deferred past render_defer_max_s is drawn before the next
    analysis."""
    s, db, store, first = _setup(tmp_path, clip, settings, "")
    s = s.model_copy(update={"render_defer_max_s": 3.0})

    def queue(name: str) -> Job:
        job = Job(id=jobs.new_job_id(), tenant_id=first.tenant_id, exercise="rdl",
                  source_name=name, source_key=job_key(first.tenant_id, "x", "x"))
        job.source_key = job_key(first.tenant_id, job.id, "source.mp4")
        store.put_file(job.source_key, clip, "video/mp4")
        return jobs.add_job(db, job)

    second = queue("b.mp4")
    worker = EmbeddedWorker(db, store, s)
    assert worker.run_once() == JobStatus.SUCCEEDED  # the first: judged, drawing deferred
    assert _row(db, first.id).status == JobStatus.SUCCEEDED
    assert not rendering.outputs_ready(_row(db, first.id))
    assert rendering.pending(db, s.job_lease_s) == [first.id]
    assert worker.run_once() == JobStatus.SUCCEEDED  # the second: judged and drawn
    assert rendering.outputs_ready(_row(db, second.id))
    assert not rendering.outputs_ready(_row(db, first.id))
    assert worker.run_once() == JobStatus.SUCCEEDED  # now the first's drawing
    assert rendering.outputs_ready(_row(db, first.id))
    assert all(_stored(store, j, k) for j in (first, second) for k in OutputKind)
    # Overdue: a deferred drawing older than render_defer_max_s goes before new work.
    third, fourth = queue("c.mp4"), queue("d.mp4")
    assert worker.run_once() == JobStatus.SUCCEEDED  # the third judged, drawing deferred
    assert rendering.pending(db, s.job_lease_s) == [third.id]
    time.sleep(s.render_defer_max_s + 0.5)
    assert worker.run_once() == JobStatus.SUCCEEDED  # the third's drawing, not the fourth
    assert rendering.outputs_ready(_row(db, third.id))
    assert _row(db, fourth.id).status == JobStatus.QUEUED
