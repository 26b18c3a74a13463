"""The `hingecheck` command as a user runs it: a subprocess, real files, real model."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hingecheck.schemas import AnalysisResult

pytestmark = pytest.mark.model
CLI = [sys.executable, "-m", "services.cli"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300,
                          check=False)


def test_synth_then_analyze_writes_a_valid_result(tmp_path: Path) -> None:
    clip = tmp_path / "demo.mp4"
    made = run("synth", "squat_substitution", str(clip), "--reps", "2")
    assert made.returncode == 0, made.stderr
    truth = json.loads(clip.with_suffix(".json").read_text())
    done = run("analyze", str(clip), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stdout and "athlete" in done.stdout
    # The per-rep table and the verdict with its cue.
    assert "repetitions" in done.stdout and "squat" in done.stdout
    assert "score" in done.stdout and "Push the hips back" in done.stdout
    result = AnalysisResult.model_validate_json((tmp_path / "out" / "result.json").read_text())
    assert result.schema_version == "0.3"
    assert result.exercise.name == "rdl" and result.summary.rep_count == 2
    assert result.video.frames_decoded == truth["n_frames"]
    assert result.video.frames_analysed == (truth["n_frames"] + 1) // 2  # 30 fps → 15
    assert result.athlete.detected_fraction >= 0.95
    assert len(result.pose.keypoints[0]) == 17
    assert result.view.side_view_ok and result.view.facing == "right"
    # The camera's yaw measured in 3D, in the file and on the screen.
    assert result.view.yaw_3d_deg is not None and result.view.yaw_3d_deg < 20
    assert f"in 3D {result.view.yaw_3d_deg:.0f}°" in done.stdout


def test_synth_refuses_an_unknown_scenario(tmp_path: Path) -> None:
    done = run("synth", "bench_press", str(tmp_path / "x.mp4"))
    assert done.returncode == 2
    assert "scenario" in done.stderr
    assert not (tmp_path / "x.mp4").exists()


def test_not_a_video_exits_non_zero_with_the_reason(tmp_path: Path) -> None:
    bogus = tmp_path / "lift.mp4"
    bogus.write_text("not a video")
    done = run("analyze", str(bogus), "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert "not a video" in done.stderr
    assert not (tmp_path / "out" / "result.json").exists()


def test_a_clip_with_nobody_in_it_says_so(tmp_path: Path) -> None:
    import numpy as np
    from hingecheck.video.encode import write_h264

    clip = tmp_path / "empty_room.mp4"
    write_h264(clip, [np.full((360, 640, 3), 120, np.uint8)] * 15, fps=15)
    done = run("analyze", str(clip), "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert "no person was found" in done.stderr


def test_unknown_exercise_is_refused_before_any_work(tmp_path: Path) -> None:
    done = run("analyze", str(tmp_path / "missing.mp4"), "--exercise", "bench_press")
    assert done.returncode == 2
    # Typer refuses it from the type, listing the choices.
    assert "'bench_press' is not one of" in done.stderr and "'auto'" in done.stderr


def test_bad_setting_exits_non_zero_naming_it(tmp_path: Path) -> None:
    bogus = tmp_path / "lift.mp4"
    bogus.write_text("x")
    done = subprocess.run([*CLI, "analyze", str(bogus)], capture_output=True, text=True,
                          timeout=120, check=False,
                          env={**os.environ, "HINGECHECK_ANALYSIS_FPS": "-1"})
    assert done.returncode == 2
    assert "HINGECHECK_ANALYSIS_FPS" in done.stderr


def test_result_json_is_plain_json(tmp_path: Path) -> None:
    clip = tmp_path / "demo.mp4"
    assert run("synth", "wall_drill", str(clip), "--reps", "1", "--resolution", "480",
               "--fps", "15").returncode == 0
    assert run("analyze", str(clip), "--out", str(tmp_path)).returncode == 0
    data = json.loads((tmp_path / "result.json").read_text())
    assert set(data) >= {"schema_version", "exercise", "summary", "reps", "series", "video",
                         "model", "view", "athlete", "back", "pose"}
    assert len(data["series"]["hip_flexion_deg"]) == len(data["pose"]["times_s"])


def test_schema_command_prints_the_documented_json_schema() -> None:
    done = run("schema")
    assert done.returncode == 0
    printed = json.loads(done.stdout)
    documented = json.loads((Path(__file__).parents[2] / "docs" / "result.schema.json")
                            .read_text())
    assert printed == documented, "regenerate: hingecheck schema > docs/result.schema.json"
    assert printed["properties"]["schema_version"]["const"] == "0.3"


@pytest.mark.parametrize("content", [b"", b"not a video\n" * 50], ids=["empty", "text"])
def test_a_bad_file_is_refused_before_the_model_is_needed(tmp_path: Path,
                                                          content: bytes) -> None:
    """The probe runs first: with no model provisioned at all, a bad file still gets the
    file's own reason (not "model not found"), and nothing of the analysis is imported."""
    bogus = tmp_path / "lift.mp4"
    bogus.write_bytes(content)
    script = ("import sys; from services.cli import app\n"
              "try:\n    app()\nexcept SystemExit as e:\n"
              "    print(sorted(m for m in ('openvino', 'hingecheck.pipeline', 'torch') "
              "if m in sys.modules)); raise\n")
    done = subprocess.run(
        [sys.executable, "-c", script, "analyze", str(bogus), "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "HINGECHECK_MODEL_DIR": str(tmp_path / "no-model")})
    assert done.returncode == 2
    assert ("empty" if not content else "not a video") in done.stderr
    assert "model" not in done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("command", [["api"], ["db-init"], ["keys", "team-a"], ["worker"],
                                     ["serve"], ["model", "info"]])
def test_every_command_exits_2_with_one_line_on_a_bad_setting(command: list[str]) -> None:
    done = subprocess.run([*CLI, *command], capture_output=True, text=True, timeout=120,
                          check=False, env={**os.environ, "HINGECHECK_ANALYSIS_FPS": "-1",
                                            "HINGECHECK_BROKER_URL": "redis://127.0.0.1:1/0"})
    assert done.returncode == 2, (command, done.stderr)
    assert "HINGECHECK_ANALYSIS_FPS" in done.stderr and "Traceback" not in done.stderr


def test_keys_are_listed_rotated_and_revoked(tmp_path: Path) -> None:
    env = {**os.environ, "HINGECHECK_DATA_DIR": str(tmp_path)}

    def keys(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*CLI, "keys", "team-a", *args], capture_output=True, text=True,
                              timeout=120, check=False, env=env)

    first = keys().stdout.split()[-1]
    prefix = first.split(".")[0]
    assert prefix in keys("--list").stdout
    rotated = keys("--rotate", prefix)
    assert rotated.returncode == 0 and f"replaces {prefix}" in rotated.stdout
    listed = keys("--list").stdout
    assert prefix not in listed and len(listed.strip().splitlines()) == 1
    assert keys("--revoke", prefix).returncode == 2  # already gone
    assert keys("--webhook-secret").stdout.startswith("whsec_")
