"""The API's dependencies as they come and go: opened lazily, probed briefly, cached.

- ``StoreHolder``: the object store, opened at start if it answers, else on first use (at
  most every few seconds), so ``hingecheck api`` starts during a storage outage and
  answers 503 until the store returns.
- ``open_database``: the job database's session factory at once; its schema is brought to
  the newest by a background thread that retries until the database answers, so the API
  starts during a database outage too (requests meanwhile get 503).
- ``Watch``: each dependency's probe with a short timeout, its result kept for a few
  seconds and shared by every caller, so pollers of ``/readyz`` cannot pile up on a hung
  dependency, and routes that use the store learn it is down in at most the timeout.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from typing import Any

from hingecheck.settings import Settings
from hingecheck.storage import ObjectStore, StorageUnavailable
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger("hingecheck.api")
PROBE_TIMEOUT_S = 1.5  # a dependency that has not answered by then is reported down
CACHE_S = 3.0          # how long one probe's answer serves every caller
REOPEN_EVERY_S = 3.0   # how often a store that could not be opened is tried again
MIGRATE_RETRY_S = 2.0


class StoreHolder:
    """The object store, opened when it first answers."""

    def __init__(self, settings: Settings, store: ObjectStore | None = None) -> None:
        self.settings, self._store = settings, store
        self._lock, self._tried, self._error = threading.Lock(), 0.0, ""

    def get(self) -> ObjectStore:
        """The store; StorageUnavailable while it cannot be opened."""
        if self._store is not None:
            return self._store
        from hingecheck.storage import open_store

        with self._lock:
            if self._store is None and time.monotonic() - self._tried >= REOPEN_EVERY_S:
                self._tried = time.monotonic()
                try:
                    self._store = open_store(self.settings)
                except StorageUnavailable as exc:
                    self._error = str(exc)
            if self._store is None:
                raise StorageUnavailable(self._error or "the object store is not open yet")
            return self._store

    def check(self) -> None:
        self.get().check()

    def __getattr__(self, name: str) -> Any:
        """The open store's own methods (the embedded worker takes this as its store)."""
        return getattr(self.get(), name)


def open_database(url: str, ready: threading.Event) -> sessionmaker[Session]:
    """The session factory (engines connect lazily); ``ready`` is set once the schema is
    the newest, and migration is retried in the background while the database is down."""
    from hingecheck.jobs import store as jobs
    from hingecheck.jobs.migrate import upgrade

    try:
        db = jobs.connect(url)
        ready.set()
        return db
    except Exception as exc:  # the database is down (or refuses us) at start
        log.warning("job database unreachable at start (%s); retrying in the background",
                    type(exc).__name__)
    db = sessionmaker(create_engine(url, pool_pre_ping=True), expire_on_commit=False)

    def migrate() -> None:
        while not ready.is_set():
            try:
                upgrade(url)
                ready.set()
                log.warning("job database reached; serving")
            except Exception:
                time.sleep(MIGRATE_RETRY_S)

    threading.Thread(target=migrate, name="hingecheck-migrate", daemon=True).start()
    return db


def database_check(db: sessionmaker[Session], ready: threading.Event) -> Callable[[], None]:
    def check() -> None:
        if not ready.is_set():
            raise RuntimeError("schema not migrated yet")
        with db() as s:
            s.execute(text("SELECT 1"))
    return check


class Watch:
    """Probes dependencies (name → a function that raises when down), at most one probe
    per dependency at a time, each answer kept ``CACHE_S``."""

    def __init__(self, checks: dict[str, Callable[[], None]],
                 timeout_s: float = PROBE_TIMEOUT_S, cache_s: float = CACHE_S) -> None:
        self.checks, self.timeout_s, self.cache_s = checks, timeout_s, cache_s
        self._pool = ThreadPoolExecutor(max_workers=max(1, len(checks)) * 2,
                                        thread_name_prefix="hingecheck-probe")
        self._running: dict[str, Future[None]] = {}
        self._lock = threading.Lock()
        self._answer: dict[str, str] = {}
        self._at: dict[str, float] = {}

    def status(self, names: tuple[str, ...] | None = None) -> dict[str, str]:
        """Each dependency (or only ``names``): ``ok`` or ``down: <why>``; at most
        ``timeout_s`` to answer. A route that needs one dependency asks for that one, so
        it never waits on another's probe (a dead broker is no reason to hold an upload)."""
        wanted = tuple(self.checks) if names is None else names
        with self._lock:
            now = time.monotonic()
            stale = [n for n in wanted if now - self._at.get(n, -1e9) >= self.cache_s]
            for name in stale:
                running = self._running.get(name)
                if running is None or running.done():  # a hung probe is not doubled
                    self._running[name] = self._pool.submit(self.checks[name])
            if stale:
                wait_for([self._running[n] for n in stale], timeout=self.timeout_s)
                done = time.monotonic()
                for name in stale:
                    self._answer[name] = _verdict(self._running[name], self.timeout_s)
                    self._at[name] = done
            return {name: self._answer[name] for name in wanted}

    def forget(self, name: str) -> None:
        """Drop the answer kept for ``name``: the next status probes it again. (No lock: a
        probe may hold it for its whole timeout, and this runs on the event loop; one
        dict.pop is atomic.)"""
        self._at.pop(name, None)

    def is_up(self, name: str) -> bool:
        return self.status((name,)).get(name) == "ok"


def _verdict(future: Future[None], timeout_s: float) -> str:
    if not future.done():
        return f"down: no answer within {timeout_s:g} s"
    exc = future.exception()
    if exc is None:
        return "ok"
    return f"down: {exc}" if isinstance(exc, StorageUnavailable) else \
        f"down: {type(exc).__name__}"
