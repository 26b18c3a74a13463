"""Every way a job ends sends its webhook once, with a true reason; nothing is left behind.

Real parts: SQLite job records, the local object store, an HTTP receiver on loopback for
the webhooks, real processes for the working-folder sweep. One fake, named where it is
used: a store whose reads fail, standing in for an outage."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from hingecheck.jobs import housekeeping, outcomes
from hingecheck.jobs import store as jobs
from hingecheck.jobs.models import Job, now
from hingecheck.jobs.runner import EmbeddedWorker, notify, run_job, send_due_webhooks, take
from hingecheck.settings import Settings
from hingecheck.storage import StorageUnavailable, job_key
from hingecheck.storage.local import LocalStore
from hingecheck.vocab import JobStatus
from sqlalchemy.orm import Session, sessionmaker


class Receiver:
    """Webhooks POSTed to loopback, kept in the order they came."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        events = self.events

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                events.append(json.loads(self.rfile.read(int(self.headers["content-length"]))))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


def _setup(tmp_path: Path,
           **overrides: Any) -> tuple[Settings, sessionmaker[Session], str, LocalStore]:
    s = Settings(data_dir=tmp_path / "data", webhook_allow_hosts="127.0.0.1",
                 retry_backoff_s=0, store_wait_s=0, **overrides)
    db = jobs.connect(s.database())
    tenant, _ = jobs.create_key(db, "team-a")
    return s, db, tenant, LocalStore(s.objects_dir())


def _job(db: sessionmaker[Session], tenant: str, store: LocalStore, source: bytes | None,
         callback: str | None,
         ) -> Job:
    job = Job(id=jobs.new_job_id(), tenant_id=tenant, exercise="rdl", source_name="a.mp4",
              source_key="", callback_url=callback)
    job.source_key = job_key(tenant, job.id, "source.mp4")
    if source is not None:
        path = Path(store.root) / "upload.bin"
        path.write_bytes(source)
        store.put_file(job.source_key, path, "video/mp4")
    return jobs.add_job(db, job)


def _age(db: sessionmaker[Session], job_id: str, **fields: object) -> None:
    with db.begin() as s:
        row = s.get(Job, job_id)
        for name, value in fields.items():
            setattr(row, name, value)


class DownStore(LocalStore):
    """Fake: a store whose reads fail (an outage)."""

    def get_file(self, key: str, target: Path) -> None:
        raise StorageUnavailable("connection refused")


def test_a_job_failed_at_its_attempt_cap_sends_job_failed_once_saying_why(
        tmp_path: Path, receiver: Receiver) -> None:
    s, db, tenant, store = _setup(tmp_path, max_attempts=3)
    job = _job(db, tenant, store, None, receiver.url)
    down = DownStore(store.root)
    # Attempt 1: killed mid-job (its lease runs out). Attempt 2: the store is down (an
    # error). Attempt 3: killed again. Then the cap.
    assert take(db, job.id, s) is not None
    _age(db, job.id, started_at=now() - timedelta(seconds=s.job_lease_s + 1))
    claimed = take(db, job.id, s)
    assert claimed is not None
    assert run_job(claimed, db, down, s) == JobStatus.QUEUED
    row = jobs.get_job(db, tenant, job.id)
    assert row is not None and row.error_code == "storage-unavailable"
    _age(db, job.id, retry_at=None)
    assert take(db, job.id, s) is not None
    _age(db, job.id, started_at=now() - timedelta(seconds=s.job_lease_s + 1))
    assert take(db, job.id, s) is None  # the cap: failed here
    assert take(db, job.id, s) is None  # and only once
    ended = jobs.get_job(db, tenant, job.id)
    assert ended is not None and ended.status == JobStatus.FAILED
    assert ended.error_code == "interrupted"
    assert ended.error_message == ("the job was not finished after 3 attempts: 2 interrupted "
                                   "(its worker stopped or lost the database mid-job), 1 ended "
                                   "in an error; not tried again")
    time.sleep(0.3)
    assert [e["type"] for e in receiver.events] == ["job.failed"]
    assert receiver.events[0]["data"]["error"] == "interrupted"
    assert receiver.events[0]["data"]["message"] == ended.error_message


def test_each_ended_job_s_webhook_goes_once_and_a_missed_one_is_sent_by_the_sweep(
        tmp_path: Path, receiver: Receiver) -> None:
    s, db, tenant, store = _setup(tmp_path)
    job = _job(db, tenant, store, b"not a video at all", receiver.url)
    claimed = take(db, job.id, s)
    assert claimed is not None
    assert run_job(claimed, db, store, s) == JobStatus.REJECTED
    notify(db, job.id, s.webhook_hosts())  # a second process reaching the same end
    assert [e["data"]["status"] for e in receiver.events] == ["rejected"]
    # A job whose worker died after recording the end, before sending the webhook:
    other = _job(db, tenant, store, None, receiver.url)
    jobs.fail(db, other.id, "no-athlete", "no lifter", retry=False, max_attempts=3)
    assert send_due_webhooks(db, s) == 0  # not yet: its own worker may still send it
    _age(db, other.id, finished_at=now() - timedelta(seconds=s.job_lease_s + 1))
    assert send_due_webhooks(db, s) == 1
    assert send_due_webhooks(db, s) == 0
    assert [e["data"]["id"] for e in receiver.events] == [job.id, other.id]


def test_a_rejected_clip_s_source_is_removed_unless_another_job_uses_it(tmp_path: Path) -> None:
    s, db, tenant, store = _setup(tmp_path)
    job = _job(db, tenant, store, b"not a video at all", None)
    claimed = take(db, job.id, s)
    assert claimed is not None and run_job(claimed, db, store, s) == JobStatus.REJECTED
    assert not store.exists(job.source_key)
    kept = _job(db, tenant, store, b"not a video either", None)
    jobs.add_job(db, Job(id=jobs.new_job_id(), tenant_id=tenant, exercise="deadlift",
                         source_name="a.mp4", source_key=kept.source_key))  # a re-analysis
    claimed = take(db, kept.id, s)
    assert claimed is not None and run_job(claimed, db, store, s) == JobStatus.REJECTED
    assert store.exists(kept.source_key)


def test_a_stored_clip_without_a_job_is_removed_after_the_grace_period(tmp_path: Path) -> None:
    _, db, tenant, store = _setup(tmp_path)
    owned = _job(db, tenant, store, b"clip", None)
    source = Path(store.root) / "clip.bin"
    source.write_bytes(b"clip")
    orphan = job_key(tenant, jobs.new_job_id(), "source.mp4")  # the API died before its row
    store.put_file(orphan, source, "video/mp4")
    assert housekeeping.remove_orphans(db, store, grace_s=3600) == 0  # too young to tell
    old = time.time() - 7200
    for key in (orphan, owned.source_key):
        os.utime(Path(store.root) / key, (old, old))
    assert housekeeping.remove_orphans(db, store, grace_s=3600) == 1
    assert not store.exists(orphan) and store.exists(owned.source_key)


def test_working_folders_of_dead_processes_are_swept(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    gone = tmp_path / f"hingecheck-job-{dead}-abc"
    live = tmp_path / f"hingecheck-job-{os.getpid()}-def"
    old_style = tmp_path / "hingecheck-job-xyz"
    for folder in (gone, live, old_style):
        folder.mkdir()
        (folder / "source.mp4").write_bytes(b"x" * 100)
    assert housekeeping.sweep_folders(root=tmp_path) == 1
    assert not gone.exists() and live.exists() and old_style.exists()
    past = time.time() - housekeeping.STALE_FOLDER_S - 60
    os.utime(old_style, (past, past))
    assert housekeeping.sweep_folders(root=tmp_path) == 1 and not old_style.exists()


def test_a_job_s_working_folder_names_its_process_and_goes_when_the_job_ends(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)
    s, db, tenant, store = _setup(tmp_path)
    seen: list[list[str]] = []
    job = _job(db, tenant, store, b"not a video", None)

    class Watching(LocalStore):
        def get_file(self, key: str, target: Path) -> None:
            seen.append([p.name for p in (tmp_path / "tmp").iterdir()])
            super().get_file(key, target)

    claimed = take(db, job.id, s)
    assert claimed is not None
    run_job(claimed, db, Watching(store.root), s)
    assert seen == [[seen[0][0]]] and seen[0][0].startswith(f"hingecheck-job-{os.getpid()}-")
    assert list((tmp_path / "tmp").iterdir()) == []


def test_a_released_job_goes_back_to_the_queue_its_attempt_uncounted(tmp_path: Path) -> None:
    s, db, tenant, store = _setup(tmp_path)
    job = _job(db, tenant, store, None, None)
    assert take(db, job.id, s) is not None
    assert outcomes.release(db, job.id)
    row = jobs.get_job(db, tenant, job.id)
    assert row is not None and row.status == JobStatus.QUEUED and row.attempts == 0
    assert jobs.claimable(db, s.job_lease_s) == [job.id]
    assert EmbeddedWorker(db, store, s).run_once() == JobStatus.REJECTED  # source missing
    row = jobs.get_job(db, tenant, job.id)
    assert row is not None and row.error_code == "source-missing" and row.attempts == 1
