"""hingecheck.client and `hingecheck submit` against a real server: uvicorn over loopback
HTTP with the embedded worker and the real model, SQLite, a local store."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hingecheck.client import ApiError, Client
from hingecheck.jobs import store as jobs
from hingecheck.schemas import AnalysisResult
from hingecheck.settings import Settings
from hingecheck.synth.generate import generate_clip
from hingecheck.synth.truth import ClipParams

from services.api.app import create_app
from tests.servers import serving

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory,
           settings: Settings) -> Iterator[tuple[str, str, Path]]:
    tmp = tmp_path_factory.mktemp("client")
    s = Settings(data_dir=tmp, model_dir=settings.model_dir)
    db = jobs.connect(s.database())
    _, key = jobs.create_key(db, "team-a")
    clip = tmp / "anna_rdl.mp4"
    generate_clip(ClipParams(scenario="good_hinge", reps=1, seed=3, resolution=480), clip)
    with serving(create_app(s, db=db)) as base:
        yield base, key, clip


def test_the_client_drives_an_upload_to_its_result(server: tuple[str, str, Path],
                                                   tmp_path: Path) -> None:
    base, key, clip = server
    sent: list[int] = []
    with Client(base, key) as hc:
        job = hc.upload(clip, exercise="rdl", athlete="Anna",
                        progress=lambda done, total: sent.append(done))
        assert job.status == "queued" and sent[-1] == clip.stat().st_size
        done = hc.wait(job.id, poll_s=0.3)
        assert done.status == "succeeded" and done.athlete == "Anna"
        result = hc.result(job.id)
        assert isinstance(result, AnalysisResult) and result.summary.rep_count == 1
        poster = hc.download(job.id, "poster", tmp_path / "poster.jpg")
        assert poster.read_bytes()[:2] == b"\xff\xd8"
        assert [j.id for j in hc.jobs(athlete="Anna").jobs] == [job.id]
        with pytest.raises(ApiError) as refused:
            hc.job("no-such-job")
        assert refused.value.status == 404 and refused.value.kind == "not-found"
    with Client(base, "hc_wrong.key") as stranger, pytest.raises(ApiError) as denied:
        stranger.jobs()
    assert denied.value.kind == "bad-key"


def test_submit_uploads_waits_and_saves_the_outputs(server: tuple[str, str, Path],
                                                    tmp_path: Path) -> None:
    base, key, clip = server
    bogus = tmp_path / "notes.mp4"
    bogus.write_text("squat day\n" * 50)
    done = subprocess.run(
        [sys.executable, "-m", "services.cli", "submit", str(clip), str(bogus), "--wait",
         "--out", str(tmp_path / "out"), "--server", base, "--key", key],
        capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 1, done.stderr  # one clip was refused
    assert "notes.mp4: refused (not-a-video)" in done.stderr
    assert "anna_rdl.mp4: job" in done.stdout and "succeeded" in done.stdout
    saved = tmp_path / "out" / "anna_rdl"
    assert AnalysisResult.model_validate_json((saved / "result.json").read_text())
    assert (saved / "annotated.mp4").read_bytes()[4:8] == b"ftyp"
    assert (saved / "angles.png").read_bytes()[:4] == b"\x89PNG"
