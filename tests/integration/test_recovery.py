"""Jobs that always finish, and an API that says "come back" while a dependency is down.

Real parts: SQLite and PostgreSQL job records (PostgreSQL is cut off for the outage test
by refusing connections to its database, then let back), moto's S3 server in its own
process (frozen with SIGSTOP for the hung-store test), an unreachable Redis address. One
fake, named where it is used: a store that fails its first calls, standing in for an
outage while a finished analysis stores its outputs."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from hingecheck.jobs import store as jobs
from hingecheck.jobs.models import Job, now
from hingecheck.jobs.runner import LeaseKeeper, _through_outage
from hingecheck.settings import Settings
from hingecheck.storage import StorageUnavailable, job_key
from hingecheck.synth.generate import generate_clip
from hingecheck.synth.truth import ClipParams
from sqlalchemy.orm import Session, sessionmaker

from services.api.app import create_app
from tests.servers import (
    api_process,
    assert_loop_stayed_free,
    free_port,
    scratch_postgres,
    wait_for_port,
)


def _job(db: sessionmaker[Session], tenant: str) -> Job:
    return jobs.add_job(db, Job(id=jobs.new_job_id(), tenant_id=tenant, exercise="rdl",
                                source_name="a.mp4", source_key=job_key(tenant, "a", "s.mp4")))


def _age(db: sessionmaker[Session], job_id: str, **fields: object) -> None:
    """Move a job's times back, as if that much time had passed."""
    with db.begin() as s:
        row = s.get(Job, job_id)
        for name, value in fields.items():
            setattr(row, name, value)


def test_a_job_whose_worker_keeps_dying_fails_after_its_attempts(tmp_path: Path) -> None:
    db = jobs.connect(f"sqlite:///{tmp_path / 'j.db'}")
    tenant, _ = jobs.create_key(db, "team-a")
    job = _job(db, tenant)
    for attempt in range(1, 4):  # claimed, then its worker is killed (the lease runs out)
        taken = jobs.claim(db, job.id, lease_s=60, max_attempts=3)
        assert taken is not None and taken.attempts == attempt
        _age(db, job.id, started_at=now() - timedelta(seconds=61))
    assert jobs.claim(db, job.id, lease_s=60, max_attempts=3) is None  # a 4th is refused
    ended = jobs.get_job(db, tenant, job.id)
    assert ended is not None and ended.status == "failed" and ended.attempts == 3
    assert ended.error_code == "interrupted"


def test_the_sweep_resends_a_lost_message_once_per_lease(tmp_path: Path) -> None:
    db = jobs.connect(f"sqlite:///{tmp_path / 'j.db'}")
    tenant, _ = jobs.create_key(db, "team-a")
    job = _job(db, tenant)  # never dispatched (the broker was down at upload)
    assert jobs.due_for_dispatch(db, lease_s=60) == [job.id]
    assert jobs.due_for_dispatch(db, lease_s=60) == []  # sent: not again within the lease
    _age(db, job.id, dispatched_at=now() - timedelta(seconds=61))  # the message was lost
    assert jobs.due_for_dispatch(db, lease_s=60) == [job.id]
    jobs.claim(db, job.id, lease_s=60)  # a live worker holds it
    _age(db, job.id, dispatched_at=now() - timedelta(seconds=61))
    assert jobs.due_for_dispatch(db, lease_s=60) == []
    _age(db, job.id, started_at=now() - timedelta(seconds=61))  # ... and dies
    assert jobs.due_for_dispatch(db, lease_s=60) == [job.id]


def test_a_running_job_renews_its_lease(tmp_path: Path) -> None:
    db = jobs.connect(f"sqlite:///{tmp_path / 'j.db'}")
    tenant, _ = jobs.create_key(db, "team-a")
    job = _job(db, tenant)
    jobs.claim(db, job.id, lease_s=2)
    with LeaseKeeper(db, job.id, period_s=0.2):
        time.sleep(2.5)  # longer than the lease, with no progress update
        assert jobs.claimable(db, lease_s=2) == []  # still held
    time.sleep(2.2)
    assert jobs.claimable(db, lease_s=2) == [job.id]  # the keeper stopped: taken again


def test_a_short_store_outage_delays_storing_instead_of_failing(tmp_path: Path) -> None:
    calls = []

    def put() -> None:  # fails twice (stands in for a store outage), then works
        calls.append(time.monotonic())
        if len(calls) <= 2:
            raise StorageUnavailable("connection refused")

    _through_outage(put, "test", Settings(data_dir=tmp_path, store_wait_s=10))
    assert len(calls) == 3 and calls[2] - calls[0] >= 2.5  # waited 1 s, then 2 s
    with pytest.raises(StorageUnavailable):  # past store_wait_s it is a failure
        _through_outage(lambda: (_ for _ in ()).throw(StorageUnavailable("down")), "test",
                        Settings(data_dir=tmp_path, store_wait_s=0))


@pytest.fixture
def postgres_db() -> Iterator[tuple[Any, str, str]]:
    with scratch_postgres("hingecheck_outage") as made:
        yield made


def test_the_api_answers_503_while_the_database_is_down(tmp_path: Path, postgres_db: tuple[Any,
                                                        str, str]) -> None:
    admin, name, url = postgres_db
    s = Settings(data_dir=tmp_path, database_url=url)
    db = jobs.connect(url)
    tenant, key = jobs.create_key(db, "team-a")
    job = _job(db, tenant)
    auth = {"Authorization": f"Bearer {key}"}
    clip = tmp_path / "lift.mp4"
    generate_clip(ClipParams(scenario="good_hinge", reps=1, seed=2, resolution=480), clip)
    with TestClient(create_app(s, db=db, worker=False)) as client:
        assert client.get(f"/v1/jobs/{job.id}", headers=auth).status_code == 200
        # The outage: no new connection to the database, the open ones cut.
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      f"WHERE datname = '{name}'")
        down = {
            "status": client.get(f"/v1/jobs/{job.id}", headers=auth),
            "list": client.get("/v1/jobs", headers=auth),
            "upload": client.post("/v1/videos", headers=auth,
                                  files={"file": ("a.mp4", clip.read_bytes(), "video/mp4")}),
            "batches": client.post("/v1/batches", headers=auth, json={"name": "x"}),
        }
        for what, r in down.items():
            assert r.status_code == 503, (what, r.text)
            assert r.headers["content-type"] == "application/problem+json"
            assert r.json()["type"].endswith("/database-unavailable") and r.headers["retry-after"]
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["database"].startswith("down")
        assert client.get("/healthz").status_code == 200
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        back = client.get(f"/v1/jobs/{job.id}", headers=auth)  # the pool reconnects
        assert back.status_code == 200 and back.json()["status"] == "queued"
        # Readiness is probed and kept for a few seconds: it turns back within them.
        deadline = time.monotonic() + 15
        while (ready_back := client.get("/readyz")).status_code != 200:
            assert time.monotonic() < deadline, ready_back.text
            time.sleep(0.2)


def test_an_upload_never_waits_on_a_dead_broker(tmp_path: Path) -> None:
    """An upload with the broker dead takes about as long as one with no broker at all
    (measured side by side, so a busy machine slows both): waiting on the broker, or on
    its readiness probe, would add 1.5 s or more."""
    dead = free_port()  # nothing listens there
    s = Settings(data_dir=tmp_path, broker_url=f"redis://127.0.0.1:{dead}/0")
    db = jobs.connect(s.database())
    _, key = jobs.create_key(db, "team-a")
    clip = tmp_path / "lift.mp4"
    generate_clip(ClipParams(scenario="good_hinge", reps=1, seed=2, resolution=480), clip)

    def fastest_upload(client: TestClient, key: str) -> tuple[float, list[str]]:
        times, ids = [], []
        for _ in range(3):
            t0 = time.perf_counter()
            sent = client.post("/v1/videos", headers={"Authorization": f"Bearer {key}"},
                               files={"file": ("a.mp4", clip.read_bytes(), "video/mp4")})
            times.append(time.perf_counter() - t0)
            assert sent.status_code == 202, sent.text
            ids.append(str(sent.json()["id"]))
        return min(times), ids

    no_broker = Settings(data_dir=tmp_path / "embedded")
    plain_db = jobs.connect(no_broker.database())
    with TestClient(create_app(no_broker, db=plain_db, worker=False)) as client:
        baseline, _ = fastest_upload(client, jobs.create_key(plain_db, "team-b")[1])
    with TestClient(create_app(s, db=db, worker=False)) as client:
        took, sent = fastest_upload(client, key)
        assert took < baseline + 1.0, (took, baseline)
        ready = client.get("/readyz").json()
        assert ready["broker"].startswith("down") and not ready["ready"]
    time.sleep(3)  # the dispatch thread gave up: the jobs wait for the workers' sweep
    assert sorted(jobs.due_for_dispatch(db, s.job_lease_s)) == sorted(sent)


def test_a_hung_store_does_not_stall_the_api(tmp_path: Path) -> None:

    port = free_port()
    moto = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p",
                             str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, what="moto's S3 server")
        s = Settings(data_dir=tmp_path, storage="s3", s3_endpoint=f"127.0.0.1:{port}",
                     s3_access_key="test", s3_secret_key="testtest", s3_bucket="hc-hung")
        db = jobs.connect(s.database())
        _, key = jobs.create_key(db, "team-a")
        clip = tmp_path / "lift.mp4"
        generate_clip(ClipParams(scenario="good_hinge", reps=1, seed=2, resolution=480), clip)
        answer: dict[str, httpx.Response] = {}
        env = {"HINGECHECK_DATA_DIR": str(tmp_path), "HINGECHECK_STORAGE": "s3",
               "HINGECHECK_S3_ENDPOINT": f"127.0.0.1:{port}", "HINGECHECK_S3_ACCESS_KEY": "test",
               "HINGECHECK_S3_SECRET_KEY": "testtest", "HINGECHECK_S3_BUCKET": "hc-hung"}
        with api_process(env) as base:  # its own process: only its event loop is measured
            os.kill(moto.pid, signal.SIGSTOP)  # the store hangs: accepts, never answers
            time.sleep(3.5)  # past the readiness answer the API keeps (3 s)

            def upload() -> None:
                with httpx.Client(timeout=120) as c:
                    t0 = time.perf_counter()
                    answer["r"] = c.post(f"{base}/v1/videos",
                                         headers={"Authorization": f"Bearer {key}"},
                                         files={"file": ("a.mp4", clip.read_bytes(),
                                                         "video/mp4")})
                    took["s"] = time.perf_counter() - t0

            took: dict[str, float] = {}
            sender = threading.Thread(target=upload)
            sender.start()
            latencies = []
            with httpx.Client(timeout=5) as c:
                for _ in range(20):
                    t0 = time.perf_counter()
                    assert c.get(f"{base}/healthz").status_code == 200
                    latencies.append(time.perf_counter() - t0)
                    time.sleep(0.05)
            assert_loop_stayed_free(latencies)
            # The upload never waits on the hung store: its probe answers within its
            # timeout, and the upload is told to come back (nothing stored).
            sender.join(30)
            assert not sender.is_alive(), "the upload waited on the hung store"
            os.kill(moto.pid, signal.SIGCONT)
        assert answer["r"].status_code == 503, answer["r"].text
        assert answer["r"].json()["type"].endswith("/storage-unavailable")
        assert took["s"] < 10, took
    finally:
        os.kill(moto.pid, signal.SIGCONT)
        moto.terminate()
        moto.wait(10)


def test_two_threads_can_open_job_databases_at_once(tmp_path: Path) -> None:
    """The embedded runner's thread and a request's both open the job database as they start;
    Alembic's upgrade shares module-level state, so without one-at-a-time the second failed
    with KeyError: 'config'."""
    from concurrent.futures import ThreadPoolExecutor

    urls = [f"sqlite:///{tmp_path / f'j{i}.db'}" for i in range(6)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        dbs = list(pool.map(jobs.connect, urls))
    for db in dbs:  # each one migrated and usable
        assert jobs.create_key(db, "t")[1]


def _open_at(url: str, start: float, answers: Any) -> None:
    """In a process of its own: open ``url`` at the moment ``start``; say how it went."""
    while time.time() < start:
        pass
    try:
        jobs.connect(url)
        answers.put("ok")
    except Exception as exc:  # what a second API process met at start
        answers.put(f"{type(exc).__name__}: {str(exc)[:200]}")


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_processes_opening_one_new_database_at_once_all_migrate(tmp_path: Path,
                                                                  kind: str) -> None:
    """`hingecheck api --workers 2` on a new database: each process migrates it as it
    starts. Two at once both created its tables ("table already exists", on PostgreSQL a
    unique violation) and the loser answered 503 until its retry. Four processes at the
    same moment, three rounds: each one opens the database."""
    import multiprocessing

    spawn = multiprocessing.get_context("spawn")
    with contextlib.ExitStack() as stack:
        for round_ in range(3):
            if kind == "sqlite":
                url = f"sqlite:///{tmp_path / f'new{round_}.db'}"
            else:
                _, _, url = stack.enter_context(scratch_postgres("hingecheck_migrate"))
            answers = spawn.Queue()
            start = time.time() + 4.0  # every process started and waiting
            procs = [spawn.Process(target=_open_at, args=(url, start, answers))
                     for _ in range(4)]
            for p in procs:
                p.start()
            for p in procs:
                p.join(120)
            assert [answers.get(timeout=5) for _ in procs] == ["ok"] * 4
