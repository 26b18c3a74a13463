"""The whole pipeline calls faults right: real people (../shared/real, read in place and
skipped where absent) and generated clips whose truth is known."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hingecheck.pipeline import analyze_video
from hingecheck.pose.model import PoseModel
from hingecheck.schemas import AnalysisResult
from hingecheck.settings import Settings
from hingecheck.synth.generate import generate_clip
from hingecheck.synth.truth import ClipParams, ClipTruth

pytestmark = pytest.mark.model

# The matched set from one lifter and gym (LABELS.md), judged with the deadlift profile.
REAL_CALLS = {
    "deadlift-b/bad/bad010.mp4": "squat_substitution",
    "deadlift-b/bad/bad011.mp4": "lumbar_rounding",
    "deadlift-b/good/good018.mp4": None,
    "deadlift-b/good/good019.mp4": None,
}


def _faults(result: AnalysisResult) -> set[str]:
    return {f.name for r in result.reps for f in r.faults}


@pytest.mark.real_footage
@pytest.mark.parametrize(("clip", "fault"), REAL_CALLS.items())
def test_real_clips_are_called_right(real_footage: Path, settings: Settings, pose_model: PoseModel,
                                     clip: str,
                                     fault: str | None) -> None:
    result = analyze_video(real_footage / clip, settings, exercise="deadlift", model=pose_model)
    assert result.summary.rep_count == 1
    rep = result.reps[0]
    if fault is None:
        assert _faults(result) == set(), [f.evidence for f in rep.faults]
        assert result.summary.score == 100.0
    else:
        assert fault in _faults(result)
        called = next(f for f in rep.faults if f.name == fault)
        assert called.start_s <= rep.bottom_s <= called.end_s
        assert result.summary.score is not None and result.summary.score < 75
        assert result.summary.cues, "a faulty clip gets something to work on"


# Writes a small generated clip named ``name`` from ClipParams fields; its path and truth.
ClipMaker = Callable[..., tuple[Path, ClipTruth]]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> ClipMaker:
    """Small generated clips, one per scenario the analysis must tell apart."""
    root = tmp_path_factory.mktemp("calls")

    def make(name: str, **fields: object) -> tuple[Path, ClipTruth]:
        path = root / f"{name}.mp4"
        truth = generate_clip(ClipParams.model_validate({"resolution": 480, **fields}), path)
        return path, truth

    return make


def test_generated_good_rdl_has_every_rep_and_no_joint_fault(generated: ClipMaker,
                                                             settings: Settings,
                                                             pose_model: PoseModel) -> None:
    path, truth = generated("good", scenario="good_hinge", reps=3, seed=12, resolution=720)
    result = analyze_video(path, settings, exercise="rdl", model=pose_model)
    assert result.summary.rep_count == len(truth.reps) == 3
    # The joint angles of a good RDL raise nothing. (The back's outline on generated
    # figures gives false rounding calls on some good reps: measured, not hidden, in
    # bench/accuracy.py and the README.)
    assert _faults(result) - {"lumbar_rounding"} == set()
    # Each found rep's bottom lies in its true rep (the bench's matching rule; the model
    # loses this figure for a few frames at the deepest point, so the exact bottom moves).
    for rep, true in zip(result.reps, truth.reps, strict=True):
        assert true.start_s <= rep.bottom_s <= true.end_s


def test_generated_squat_substitution_is_called(generated: ClipMaker, settings: Settings,
                                                pose_model: PoseModel) -> None:
    path, _ = generated("squat", scenario="squat_substitution", reps=2, seed=5)
    result = analyze_video(path, settings, exercise="rdl", model=pose_model)
    assert result.summary.rep_count == 2
    assert all("squat_substitution" in {f.name for f in r.faults} for r in result.reps)
    assert "Push the hips back" in result.summary.cues[0]


def test_generated_severe_rounding_is_called(generated: ClipMaker, settings: Settings,
                                             pose_model: PoseModel) -> None:
    path, _ = generated("round", scenario="lumbar_rounding", grade="severe", reps=2, seed=5)
    result = analyze_video(path, settings, exercise="rdl", model=pose_model)
    assert result.back.measured and result.back.still_camera
    assert all("lumbar_rounding" in {f.name for f in r.faults} for r in result.reps)


def test_generated_clip_filmed_from_the_front_gets_no_score(generated: ClipMaker,
                                                            settings: Settings,
                                                            pose_model: PoseModel) -> None:
    path, _ = generated("front", scenario="good_hinge", reps=2, seed=3, view_deg=60.0)
    result = analyze_video(path, settings, exercise="rdl", model=pose_model)
    _says_only_why(result)


def _says_only_why(result: AnalysisResult) -> None:
    """A refused clip: the reason, and no score, fault, cue or rep verdict anywhere."""
    assert result.summary.score is None and result.summary.grade is None
    assert "film from the side" in result.summary.reason
    assert not result.summary.judged
    assert result.summary.faults == [] and result.summary.cues == []
    assert all(r.score is None and r.faults == [] for r in result.reps)


@pytest.mark.real_footage
@pytest.mark.parametrize("clip", ["deadlift-b/good/good017.mp4",
                                  "deadlift-d/powerlifting/squat1.mp4"])
def test_real_clip_refused_for_its_view_says_only_why(real_footage: Path, settings: Settings,
                                                      pose_model: PoseModel,
                                                      clip: str) -> None:
    result = analyze_video(real_footage / clip, settings, exercise="deadlift", model=pose_model)
    _says_only_why(result)


def test_auto_measures_the_back_with_the_exercise_it_decided(generated: ClipMaker,
                                                             settings: Settings,
                                                             pose_model: PoseModel,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             ) -> None:
    # One pass over the frames measures the back's outline for every profile's end (a good
    # morning's ends at 70 % of the chord, short of the bar on the upper back); once the
    # exercise is guessed from the motion, the result carries that exercise's. The pass is
    # wrapped (not replaced) to see what it measured.
    import hingecheck.pipeline as pipeline
    from hingecheck import backshape
    from hingecheck.analysis.profiles import get_profile
    from hingecheck.backshape import SecondPass

    passes: list[SecondPass] = []
    real = backshape.measure_back_shape

    def spy(*args: Any, **kwargs: Any) -> SecondPass:
        passes.append(real(*args, **kwargs))
        return passes[-1]

    monkeypatch.setattr(pipeline, "measure_back_shape", spy)
    path, _ = generated("gm", scenario="good_morning", reps=3, seed=9)
    result = analyze_video(path, settings, exercise="auto", model=pose_model)
    assert result.exercise.requested == "auto" and result.exercise.name == "good_morning"
    (second,) = passes
    end = get_profile("good_morning").back_profile_end
    assert end == 0.7 and set(second.backs) == {0.7, 1.0}
    used = np.array(result.series.back_bulge, dtype=float)
    np.testing.assert_allclose(used, np.round(second.backs[0.7].bulge, 3), atol=1e-9)
    assert not np.allclose(used, np.round(second.backs[1.0].bulge, 3), equal_nan=True)
