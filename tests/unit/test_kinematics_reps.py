"""Kinematics and rep segmentation on keypoint sequences with known answers."""

from __future__ import annotations

import numpy as np
import pytest
from hingecheck.analysis.kinematics import compute_kinematics
from hingecheck.analysis.motion import decide_motion
from hingecheck.analysis.reps import RepSpan, segment_reps
from hingecheck.synth.body import PoseAngles, pose_body
from hingecheck.synth.generate import _sagittal_angles

from tests.unit.kinematic_model import (
    BODY,
    RDL_BOTTOM,
    SQUAT_BOTTOM,
    STANDING,
    project,
    rep,
    sequence,
)

# Start and end are "the last still frame before / first after the movement": with a
# smooth (eased) start the first 6 % of the range takes about two frames at 15 fps.
TIME_TOLERANCE_S = 0.25


@pytest.mark.parametrize("facing", ["right", "left"])
@pytest.mark.parametrize("pose", [RDL_BOTTOM, SQUAT_BOTTOM])
def test_angles_match_the_posed_body(pose: PoseAngles, facing: str) -> None:
    xy = project(pose, facing)[None]
    kin = compute_kinematics(np.zeros(1), xy, np.full((1, 17), 0.9), facing)
    hip, knee, trunk, shin = _sagittal_angles(pose_body(pose, BODY), "left")
    assert kin.hip_flexion_deg[0] == pytest.approx(hip, abs=0.5)
    assert kin.knee_flexion_deg[0] == pytest.approx(knee, abs=0.5)
    assert kin.trunk_deg[0] == pytest.approx(trunk, abs=0.5)
    assert kin.shin_deg[0] == pytest.approx(shin, abs=0.5)


def test_leaning_back_reads_negative() -> None:
    back = PoseAngles(shin_deg=0.0, knee_flexion_deg=0.0, pelvis_flexion_deg=-12.0)
    kin = compute_kinematics(np.zeros(1), project(back)[None], np.full((1, 17), 0.9), "right")
    assert kin.trunk_deg[0] == pytest.approx(-12.0, abs=0.5)
    assert kin.hip_flexion_deg[0] == pytest.approx(-12.0, abs=0.5)


def test_hip_travel_is_in_leg_lengths_against_standing() -> None:
    times, xy, conf, _ = sequence([rep(SQUAT_BOTTOM)])
    kin = compute_kinematics(times, xy, conf, "right")
    bottom = int(np.nanargmax(kin.hip_flexion_deg))
    leg = BODY.thigh + BODY.shank
    top_hip = pose_body(STANDING, BODY).joints["left_hip"]
    low_hip = pose_body(SQUAT_BOTTOM, BODY).joints["left_hip"]
    assert kin.hip_drop_ratio[bottom] == pytest.approx((top_hip[1] - low_hip[1]) / leg, abs=0.02)
    assert kin.hip_back_ratio[bottom] == pytest.approx((top_hip[0] - low_hip[0]) / leg, abs=0.02)
    assert kin.knee_forward_ratio[bottom] > 0.2  # shins 30° forward


def test_missing_keypoints_stay_missing_and_low_confidence_is_marked() -> None:
    times, xy, conf, _ = sequence([rep(RDL_BOTTOM)])
    xy[10:14, 13] = np.nan   # left knee unseen for four frames
    xy[10:14, 14] = np.nan
    conf[20:25, 11] = conf[20:25, 12] = 0.2
    kin = compute_kinematics(times, xy, conf, "right")
    assert np.isnan(kin.knee_flexion_deg[10:14]).all()
    assert np.isnan(kin.hip_flexion_deg[10:14]).all()  # the thigh needs the knee
    assert kin.low_confidence[20:25].all() and not kin.low_confidence[30]


def _check_reps(times: np.ndarray, truth: list[tuple[float, float, float]],
                found: list[RepSpan]) -> None:
    assert len(found) == len(truth)
    for span, (start, bottom, end) in zip(found, truth, strict=True):
        assert times[span.start] == pytest.approx(start, abs=TIME_TOLERANCE_S)
        assert times[span.bottom] == pytest.approx(bottom, abs=TIME_TOLERANCE_S)
        assert times[span.end] == pytest.approx(end, abs=TIME_TOLERANCE_S)


def test_three_reps_with_pauses_at_top_and_bottom() -> None:
    plans = [rep(RDL_BOTTOM, pause_s=p, hold_s=h) for p, h in ((0.4, 0.1), (2.5, 1.5), (0.6, 0.0))]
    times, xy, conf, timeline = sequence(plans, noise_px=1.5)
    kin = compute_kinematics(times, xy, conf, "right")
    _check_reps(times, timeline.rep_times, segment_reps(times, kin.hip_flexion_deg))


def test_partial_rep_counts_and_is_marked() -> None:
    plans = [rep(RDL_BOTTOM), rep(RDL_BOTTOM, depth=0.5), rep(RDL_BOTTOM)]
    times, xy, conf, timeline = sequence(plans)
    spans = segment_reps(times, compute_kinematics(times, xy, conf, "right").hip_flexion_deg)
    _check_reps(times, timeline.rep_times, spans)
    assert [s.partial for s in spans] == [False, True, False]


def test_slow_setup_does_not_stretch_the_first_rep() -> None:
    times, xy, conf, timeline = sequence([rep(RDL_BOTTOM, pause_s=4.0), rep(RDL_BOTTOM)],
                                         lead_in_s=3.0)
    spans = segment_reps(times, compute_kinematics(times, xy, conf, "right").hip_flexion_deg)
    _check_reps(times, timeline.rep_times, spans)


@pytest.mark.parametrize("count", [1, 20])
def test_one_to_twenty_reps(count: int) -> None:
    plans = [rep(RDL_BOTTOM, pause_s=0.3, down_s=0.9, up_s=0.8) for _ in range(count)]
    times, xy, conf, timeline = sequence(plans)
    spans = segment_reps(times, compute_kinematics(times, xy, conf, "right").hip_flexion_deg)
    _check_reps(times, timeline.rep_times, spans)


def test_kettlebell_swing_rhythm() -> None:
    swing = PoseAngles(shin_deg=5.0, knee_flexion_deg=22.0, pelvis_flexion_deg=80.0,
                       arm_deg=-20.0)
    plans = [rep(swing, pause_s=0.0, down_s=0.5, hold_s=0.0, up_s=0.5) for _ in range(8)]
    times, xy, conf, timeline = sequence(plans, fps=15.0)
    spans = segment_reps(times, compute_kinematics(times, xy, conf, "right").hip_flexion_deg)
    assert len(spans) == 8
    for span, (_, bottom, _) in zip(spans, timeline.rep_times, strict=True):
        assert times[span.bottom] == pytest.approx(bottom, abs=0.15)


def _set_from_the_floor() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A deadlift set from the floor: set up at the bottom, lift, lower, lift, lower, stop."""
    times, xy, conf, _ = sequence([rep(RDL_BOTTOM), rep(RDL_BOTTOM)], lead_in_s=0.0)
    start = int(np.searchsorted(times, 0.5 + 1.2 + 0.1))  # cut the clip at the first bottom
    xy, conf = xy[start:], conf[start:]
    deepest = int(np.argmax(compute_kinematics(times[start:], xy, conf,
                                               "right").hip_flexion_deg))
    xy = np.concatenate([xy, np.repeat(xy[deepest:deepest + 1], 12, axis=0)])
    conf = np.concatenate([conf, np.repeat(conf[:1], 12, axis=0)])
    return np.arange(len(xy)) / 15.0, xy, conf


def test_a_clip_that_opens_at_the_bottom_counts_each_lift_once() -> None:
    times, xy, conf = _set_from_the_floor()
    spans = segment_reps(times, compute_kinematics(times, xy, conf, "right").hip_flexion_deg)
    assert len(spans) == 3 and spans[0].opens_clip and spans[-1].closes_clip
    motion = decide_motion(times, xy, conf, "right", "deadlift")
    assert len(motion.lifts) == 2  # lift 1 (from the floor), lift 2
    assert [lo.reason for lo in motion.left_out] == [
        "the clip ends before the lifter is back in the start position"]  # the final lowering
    assert motion.left_out[0].start_s == pytest.approx(times[spans[-1].start], abs=1e-3)


def test_a_clip_cut_at_the_bottom_leaves_the_last_descent_out() -> None:
    times, xy, conf, timeline = sequence([rep(RDL_BOTTOM)] * 3)
    cut = int(np.searchsorted(times, timeline.rep_times[2][1]))  # the third rep's bottom
    motion = decide_motion(times[:cut], xy[:cut], conf[:cut], "right", "rdl")
    assert len(motion.lifts) == 2 and len(motion.left_out) == 1


def test_walking_and_stepping_to_the_camera_are_not_lifts() -> None:
    times, xy, conf, timeline = sequence([rep(RDL_BOTTOM)] * 3)
    third = timeline.rep_times[2]
    during = (times >= third[0]) & (times <= third[2])
    walked = xy.copy()
    # Third movement: the lifter walks a leg length and a half while bending.
    walked[during] += np.linspace(0.0, 1.5 * 0.9 * 500.0, during.sum())[:, None, None] * \
        np.array([1.0, 0.0])
    motion = decide_motion(times, walked, conf, "right", "rdl")
    assert len(motion.lifts) == 2
    assert "feet moved" in motion.left_out[0].reason
    # ... or comes closer to the camera: the body grows in the image.
    closer = xy.copy()
    grow = np.linspace(1.0, 1.6, during.sum())[:, None, None]
    centre = xy[during].mean(axis=1, keepdims=True)
    closer[during] = centre + (xy[during] - centre) * grow
    motion = decide_motion(times, closer, conf, "right", "rdl")
    assert len(motion.lifts) == 2
    assert "toward or away from the camera" in motion.left_out[0].reason
    assert motion.left_out[0].start_s == pytest.approx(third[0], abs=0.3)


def test_short_gap_does_not_split_a_rep_and_standing_still_has_none() -> None:
    times, xy, conf, _ = sequence([rep(RDL_BOTTOM)])
    xy[18:21] = np.nan  # the lifter lost for 0.2 s mid-descent
    spans = segment_reps(times, compute_kinematics(times, xy, conf, "right").hip_flexion_deg)
    assert len(spans) == 1
    still = np.stack([project(STANDING)] * 60)
    kin = compute_kinematics(np.arange(60) / 15.0, still, np.full((60, 17), 0.9), "right")
    assert segment_reps(kin.times_s, kin.hip_flexion_deg) == []
