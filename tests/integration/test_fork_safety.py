"""A process forked after it used the job database (a Celery child replacing a killed one)
opens connections of its own: real PostgreSQL, real os.fork. Sharing the parent's pooled
socket mixes two processes' conversations on one session (seen as INTRANS errors)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hingecheck.jobs import store as jobs
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from tests.servers import scratch_postgres


@pytest.fixture
def pg_url() -> Iterator[str]:
    with scratch_postgres("hingecheck_fork") as (_, _, url):
        yield url


def _backend_pid(db: sessionmaker[Session]) -> int:
    with db() as s:
        return int(s.execute(text("select pg_backend_pid()")).scalar_one())


def _in_child(action: Callable[[], int]) -> int:
    """Run ``action`` in a forked child; what it returns (an int), or -1 if it raised."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read)
        try:
            value = action()
        except BaseException:
            value = -1
        os.write(write, str(value).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as r:
        answer = r.read()
    os.waitpid(pid, 0)
    return int(answer)


def test_a_forked_child_uses_its_own_database_connections(pg_url: str) -> None:
    db = jobs.connect(pg_url)
    parent = _backend_pid(db)  # the pool now holds the parent's connection
    first = _in_child(lambda: _backend_pid(db))
    assert first not in (-1, parent)
    # The parent's pooled connection is intact (the child neither used nor closed it).
    assert _backend_pid(db) == parent
    # A child forked after another one was killed: again its own connection.
    second = _in_child(lambda: _backend_pid(db))
    assert second not in (-1, parent, first)
    assert _backend_pid(db) == parent


def test_the_celery_child_builds_its_own_resources(pg_url: str, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from services.worker import celery_app

    monkeypatch.setattr(celery_app, "settings", celery_app.settings.model_copy(
        update={"database_url": pg_url, "data_dir": tmp_path}))
    monkeypatch.setattr(celery_app, "_process", {})
    db, objects = celery_app._resources()  # the main process's sweep opened them
    parent = _backend_pid(db)

    def child() -> int:
        child_db, child_objects = celery_app._resources()
        if child_db is db or child_objects is objects:
            return -2
        return _backend_pid(child_db)

    first = _in_child(child)
    assert first not in (-1, -2, parent)
    assert _backend_pid(db) == parent


def test_a_child_forked_mid_migration_can_migrate() -> None:
    """The sweep thread migrating (holding the one-at-a-time lock) as a replacement child
    is forked: the child's copy of the lock must not stay held by a thread it lacks."""
    import threading

    from hingecheck.jobs import migrate

    held, release = threading.Event(), threading.Event()

    def migrating() -> None:
        with migrate._ONE_AT_A_TIME:
            held.set()
            release.wait(10)

    thread = threading.Thread(target=migrating)
    thread.start()
    try:
        assert held.wait(10)
        pid = os.fork()
        if pid == 0:  # the child: exit 0 if it can take the lock
            os._exit(0 if migrate._ONE_AT_A_TIME.acquire(timeout=3) else 1)
        _, status = os.waitpid(pid, 0)
    finally:
        release.set()
        thread.join()
    assert os.waitstatus_to_exitcode(status) == 0
