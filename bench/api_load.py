"""Job-status reads against `hingecheck api` on PostgreSQL, at a fixed request rate.

    python bench/api_load.py [--rate 300] [--seconds 30] [--jobs 200] [--workers 1]
                             [--connections 64] [--busy 0]
                             [--postgres postgresql+psycopg://postgres@127.0.0.1:5432]

Makes a fresh database, a tenant, a key and ``--jobs`` job records, starts `hingecheck api`
in its own process (no worker: reads only), then sends ``GET /v1/jobs/{id}`` open-loop
at ``--rate`` requests per second for ``--seconds`` (each request leaves at its time
whether or not the earlier ones have come back, as real clients do; 64 keep-alive
connections) and prints the
latency percentiles, the share answered 200, and the CPU the API process used. The load
runs in this process on asyncio; on a 2-core machine it shares the CPUs with the API.
``--busy N`` runs N CPU-bound processes beside it for the whole run (each a Python loop that
keeps one core busy: other work on the machine), and the report states the machine's load
average before and after. Numbers, not assertions: this is not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import numpy as np
import psycopg
from hingecheck.jobs import store as jobs
from hingecheck.jobs.models import Job


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children (API worker processes), from
    /proc (Linux)."""
    total = 0.0
    for p in [pid, *children(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ValueError, IndexError):
            continue
        if parent == pid:
            found.append(int(stat.parent.name))
    return found


async def load(host: str, port: int, key: str, ids: list[str], rate: float, seconds: float,
               connections: int = 64) -> tuple[list[float], list[int]]:
    """Open-loop load on keep-alive HTTP/1.1 connections written by hand (a full HTTP client
    costs more CPU per request than the API itself, and on two cores it, not the API, would
    be measured). Each request's latency runs from the moment it was due, so time spent
    waiting for a free connection counts (no coordinated omission)."""
    latencies: list[float] = []
    statuses: list[int] = []
    due: asyncio.Queue[tuple[float, str] | None] = asyncio.Queue()

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        while (item := await due.get()) is not None:
            when, job_id = item
            writer.write(f"GET /v1/jobs/{job_id} HTTP/1.1\r\nHost: {host}\r\n"
                         f"Authorization: Bearer {key}\r\n\r\n".encode())
            try:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(next(line.split(b":", 1)[1] for line in head.split(b"\r\n")
                                  if line.lower().startswith(b"content-length")))
                await reader.readexactly(length)
                statuses.append(int(head.split(b" ", 2)[1]))
            except (asyncio.IncompleteReadError, ConnectionError, StopIteration):
                statuses.append(0)
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
            latencies.append(time.perf_counter() - when)
        writer.close()

    workers = [asyncio.create_task(connection()) for _ in range(connections)]
    start = time.perf_counter()
    for n in range(int(rate * seconds)):
        when = start + n / rate
        delay = when - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        due.put_nowait((when, ids[n % len(ids)]))
    for _ in workers:
        due.put_nowait(None)
    await asyncio.gather(*workers)
    return latencies, statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=300.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--workers", type=int, default=1, help="hingecheck api --workers")
    parser.add_argument("--connections", type=int, default=64,
                        help="keep-alive connections the load is spread over")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument("--busy", type=int, default=0,
                        help="CPU-bound processes to run beside it (one core each)")
    args = parser.parse_args()
    load_before = os.getloadavg()
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
            for _ in range(args.busy)]
    try:
        report(args, *measure(args))
    finally:
        for proc in busy:
            proc.kill()
            proc.wait()
    print(f"  machine: {cpu_name()}, {os.cpu_count()} CPUs; {args.busy} busy process(es) "
          f"beside it; load average (1/5/15 min) before "
          f"{'/'.join(f'{x:.1f}' for x in load_before)}, after "
          f"{'/'.join(f'{x:.1f}' for x in os.getloadavg())}")


def cpu_name() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


def measure(args: argparse.Namespace) -> tuple[list[float], list[int], float]:
    """Latencies, statuses and the API processes' CPU (cores) of one run."""

    name = f"hingecheck_load_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(args.postgres.replace("+psycopg", "") + "/postgres",
                            autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{args.postgres}/{name}"
    try:
        db = jobs.connect(url)
        tenant, key = jobs.create_key(db, "load")
        ids = []
        for i in range(args.jobs):
            job = jobs.add_job(db, Job(id=jobs.new_job_id(), tenant_id=tenant, exercise="rdl",
                                       source_name=f"clip{i}.mp4", source_key="k",
                                       athlete=f"athlete {i % 20}"))
            ids.append(job.id)
        port = free_port()
        env = {**os.environ, "HINGECHECK_DATABASE_URL": url,
               "HINGECHECK_DATA_DIR": f"/tmp/{name}"}
        api = subprocess.Popen([sys.executable, "-m", "services.cli", "api", "--port",
                                str(port), "--workers", str(args.workers)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(200):
                try:
                    if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            asyncio.run(load("127.0.0.1", port, key, ids, min(args.rate, 50.0), 2.0))  # warm
            cpu0, t0 = cpu_seconds(api.pid), time.perf_counter()
            latencies, statuses = asyncio.run(load("127.0.0.1", port, key, ids, args.rate,
                                                   args.seconds, args.connections))
            cpu = (cpu_seconds(api.pid) - cpu0) / (time.perf_counter() - t0)
        finally:
            api.terminate()
            api.wait(10)
    finally:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.close()
    return latencies, statuses, cpu


def report(args: argparse.Namespace, latencies: list[float], statuses: list[int],
           cpu: float) -> None:
    ms = np.array(latencies) * 1000
    ok = sum(s == 200 for s in statuses)
    shed = np.array([s == 503 for s in statuses])
    print(f"GET /v1/jobs/{{id}} at {args.rate:.0f} req/s for {args.seconds:.0f} s "
          f"({len(statuses)} requests) against hingecheck api --workers {args.workers} on "
          f"PostgreSQL, {os.cpu_count()} CPUs (the load generator shares them)")
    print(f"  answered 200: {ok / len(statuses):.1%}   other: "
          f"{sorted({s for s in statuses if s != 200}) or 'none'}")
    print(f"  latency ms: p50 {np.percentile(ms, 50):.1f}  p90 {np.percentile(ms, 90):.1f}  "
          f"p99 {np.percentile(ms, 99):.1f}  max {ms.max():.1f}")
    if shed.any():
        print(f"  shed (503): {shed.mean():.1%}, answered in p50 "
              f"{np.percentile(ms[shed], 50):.1f} ms; the 200s in p50 "
              f"{np.percentile(ms[~shed], 50):.1f} / p99 {np.percentile(ms[~shed], 99):.1f} ms")
    print(f"  API processes' CPU: {cpu:.2f} cores")


if __name__ == "__main__":
    main()
