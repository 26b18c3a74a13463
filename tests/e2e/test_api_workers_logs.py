"""`hingecheck api --workers 2`: the child processes that serve the requests write the same
JSON log lines as the parent (they start with *spawn* and inherit no logging set-up, so
without it they would write uvicorn's plain text)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx

from tests.servers import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]


def test_every_line_of_every_api_process_is_json(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "HINGECHECK_DATA_DIR": str(tmp_path / "data"), "TMPDIR": str(tmp_path)}
    log = tmp_path / "api.log"
    with log.open("wb") as sink:
        api = subprocess.Popen([sys.executable, "-m", "services.cli", "api", "--workers", "2",
                                "--port", str(port)], env=env, cwd=ROOT, stdout=sink,
                               stderr=subprocess.STDOUT)
        try:
            wait_for_port(port, 90, "hingecheck api --workers 2")
            base = f"http://127.0.0.1:{port}"
            for _ in range(20):  # keep-alive off: the connections spread over both children
                assert httpx.get(f"{base}/healthz", timeout=30).status_code == 200
            assert httpx.get(f"{base}/v1/jobs", timeout=30).status_code == 401
        finally:
            api.terminate()
            api.wait(30)
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    not_json = []
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            not_json.append(line)
    assert not not_json, f"{len(not_json)} of {len(lines)} lines are not JSON: {not_json[:5]}"
    assert all({"time", "level", "logger", "message"} <= record.keys() for record in records)
    messages = [record["message"] for record in records]
    children = {m for m in messages if re.fullmatch(r"Started server process \[\d+\]", m)}
    assert len(children) == 2, f"the two children's start lines are missing: {messages[:10]}"
    # lines the children write while serving, not only while starting
    assert any('"GET /v1/jobs HTTP/1.1" 401' in m for m in messages), messages[-10:]
    assert sum("Finished server process" in m for m in messages) == 2
