"""What an API start cleans up: upload folders a killed API process left behind."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from fastapi.testclient import TestClient
from hingecheck.jobs import store as jobs
from hingecheck.jobs.housekeeping import UPLOAD_PREFIX
from hingecheck.settings import Settings

from services.api.app import create_app


def test_an_api_start_removes_the_upload_folders_of_dead_processes(tmp_path: Path) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(gone.stdout)
    temp = Path(tempfile.gettempdir())
    left = temp / f"{UPLOAD_PREFIX}{dead_pid}-killed"
    (left / "part").mkdir(parents=True)
    (left / "part" / "clip.mp4").write_bytes(b"\0" * 1024)
    mine = Path(tempfile.mkdtemp(prefix=f"{UPLOAD_PREFIX}{os.getpid()}-", dir=temp))
    s = Settings(data_dir=tmp_path)
    db = jobs.connect(s.database())
    try:
        with TestClient(create_app(s, db=db, worker=False)) as client:
            assert client.get("/healthz").status_code == 200
        assert not left.exists(), "a dead process's upload folder is removed at start"
        assert mine.exists(), "a live process's folder is left alone"
    finally:
        for folder in (left, mine):
            shutil.rmtree(folder, ignore_errors=True)
