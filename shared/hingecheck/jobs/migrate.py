"""Bring a job database to the newest schema (Alembic; migrations/ in this package)."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"

# Alembic's command runs through module-level proxies (``alembic.context``, ``alembic.op``)
# that two threads cannot share: two upgrades at once in one process (the embedded runner's
# thread and a request's, say) fail with KeyError: 'config'. One at a time per process.
_ONE_AT_A_TIME = threading.Lock()


def _fresh_lock_after_fork() -> None:
    """A child forked while another thread held the lock (a Celery child replacing a
    killed one while the sweep thread migrates) would wait on it forever."""
    global _ONE_AT_A_TIME
    _ONE_AT_A_TIME = threading.Lock()


os.register_at_fork(after_in_child=_fresh_lock_after_fork)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


@contextmanager
def _across_processes(url: str) -> Iterator[None]:
    """Another process migrating the same SQLite file waits for this one (two API
    processes starting at once on a new file both created its tables: "table already
    exists"). A lock file beside the database; PostgreSQL takes an advisory lock in the
    migration's own transaction instead (migrations/env.py)."""
    if not url.startswith("sqlite:///") or ":memory:" in url:
        yield
        return
    lock = Path(url.removeprefix("sqlite:///") + ".migrate-lock")
    with lock.open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def upgrade(url: str) -> None:
    """Apply every migration not yet applied (safe to run again, and from several
    threads or processes at once: one migrates, the others then find nothing to do)."""
    with _ONE_AT_A_TIME, _across_processes(url):
        command.upgrade(alembic_config(url), "head")
