"""Real servers for the tests: a free loopback port, an app served by uvicorn over HTTP
from a thread for as long as a ``with`` block lasts, and servers of the tests' own (Redis,
PostgreSQL, moto's S3, a proxy that can be cut) that fault-injection tests stop and start
without touching the ones on the machine."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn


def assert_loop_stayed_free(latencies: list[float]) -> None:
    """The server's event loop was never held up: ``latencies`` are /healthz answers timed
    while it had slow work in hand (a long upload, a hung store). A loop that waited on that
    work would answer in seconds, or not at all while it lasts; a free one answers in a few
    ms. On a shared 2-core machine the scheduler alone can hold any one answer back by tens
    of ms (seen: 67 ms once in CI), so the typical answer is held to 50 ms and the slowest to
    0.5 s, ten times under what a held loop shows."""
    assert len(latencies) >= 10, "too few answers to tell"
    ms = sorted(t * 1000 for t in latencies)
    median, slowest = ms[len(ms) // 2], ms[-1]
    assert median < 50, f"/healthz median {median:.0f} ms over {len(ms)} answers"
    assert slowest < 500, f"slowest /healthz {slowest:.0f} ms: the loop was held up"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(app: Any, start_timeout_s: float = 30.0) -> Iterator[str]:
    """Serve ``app`` on a free port; yields its base URL, stops it on leaving."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout_s
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)


def wait_for_port(port: int, timeout_s: float = 15.0, what: str = "the server") -> None:
    """Until something accepts TCP connections on the loopback ``port``."""
    deadline = time.monotonic() + timeout_s
    while True:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not start listening on port {port}")
        time.sleep(0.05)


class RedisServer:
    """A redis-server of the test's own (the machine's Redis is not touched), in memory
    only: killed, it loses every message it held, as a crashed broker without persistence
    does."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--save", "",
                                      "--appendonly", "no"], stdout=subprocess.DEVNULL)
        wait_for_port(self.port, what="redis-server")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None


class PostgresServer:
    """A PostgreSQL cluster of the test's own, made by ``initdb`` in a temporary folder (the
    machine's server is not touched); stopped with ``-m immediate`` it goes down as a
    crashed server does and recovers its data when started again."""

    def __init__(self) -> None:
        # Its own folder in the system's temporary directory: pytest's tmp_path sits under
        # a root-only folder that the postgres user cannot enter.
        self.folder = Path(tempfile.mkdtemp(prefix="hingecheck-pg-"))
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        # initdb and the server refuse to run as root: run them as the postgres user then.
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as:
            shutil.chown(self.folder, "postgres")
        self._run(["initdb", "-D", str(self.folder / "data"), "-A", "trust", "-U",
                   "postgres", "--no-sync"])

    def remove(self) -> None:
        """Stop the server if it runs and delete its cluster."""
        subprocess.run([*self._as, "pg_ctl", "-D", str(self.folder / "data"), "-m",
                        "immediate", "-w", "stop"], capture_output=True)
        shutil.rmtree(self.folder, ignore_errors=True)

    @staticmethod
    def available() -> bool:
        return shutil.which("initdb") is not None and shutil.which("pg_ctl") is not None and \
            (os.geteuid() != 0 or shutil.which("runuser") is not None)

    def _run(self, args: list[str]) -> None:
        subprocess.run([*self._as, *args], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c max_connections=50")
        self._run(["pg_ctl", "-D", str(self.folder / "data"), "-o", options,
                   "-l", str(self.folder / "server.log"), "-w", "start"])

    def stop(self, mode: str = "immediate") -> None:
        self._run(["pg_ctl", "-D", str(self.folder / "data"), "-m", mode, "-w", "stop"])


class CutProxy:
    """A TCP proxy on a loopback port in front of ``target_port``, which the test can cut
    (the port stops accepting and every open connection is closed, as when a server or its
    network goes down) and restore. For servers that would lose their data if stopped."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # cut
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), 5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            with self._lock:
                self._open.discard(src)


PG_URL = os.environ.get("HINGECHECK_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432")


@contextmanager
def scratch_postgres(prefix: str = "hingecheck_test") -> Iterator[tuple[Any, str, str]]:
    """A fresh database on the machine's PostgreSQL (HINGECHECK_TEST_POSTGRES), dropped
    after: yields an autocommit admin connection, the database's name and its URL. Skips
    where PostgreSQL cannot be reached, or fails with HINGECHECK_REQUIRE_SERVICES=1."""
    import psycopg
    import pytest

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin_url = PG_URL.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    try:
        admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if os.environ.get("HINGECHECK_REQUIRE_SERVICES") == "1":
            pytest.fail(f"PostgreSQL required (HINGECHECK_REQUIRE_SERVICES=1) but: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {admin_url}: {exc}")
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin, name, f"{PG_URL}/{name}"
    finally:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')  # a test may bar them
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.close()


@contextmanager
def moto_s3() -> Iterator[tuple[Any, str]]:
    """moto's S3 server on a free port over real HTTP (stands in for MinIO, which is not on
    these machines); yields the server (``stop()`` takes it down) and its host:port."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield server, f"127.0.0.1:{port}"
    finally:
        server.stop()


@contextmanager
def api_process(env: dict[str, str], start_timeout_s: float = 60.0) -> Iterator[str]:
    """`hingecheck api` in a process of its own (``env``: its HINGECHECK_* settings); yields
    its base URL. For latency checks: an app served from a thread of the test process
    shares its interpreter lock with the test's own threads."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "services.cli", "api", "--port",
                             str(port)], env={**os.environ, **env},
                            cwd=Path(__file__).resolve().parents[1],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, start_timeout_s, "hingecheck api")
        base = f"http://127.0.0.1:{port}"
        # One request first: a new process's first answer pays for what it sets up lazily
        # (tens of ms), which is not what a latency check measures.
        httpx.get(f"{base}/healthz", timeout=30)
        yield base
    finally:
        proc.terminate()
        proc.wait(15)
