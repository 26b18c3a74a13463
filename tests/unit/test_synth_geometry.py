"""The generator's body: known joint angles give known joint positions and angles."""

import numpy as np
import pytest
from hingecheck.synth.body import PoseAngles, Proportions, pose_body
from hingecheck.synth.draw import Camera, Facing
from hingecheck.synth.generate import _sagittal_angles, rep_kinds, rounding_grade
from hingecheck.synth.motion import EXERCISES, Timeline, bottom_pose, plan_reps
from hingecheck.synth.truth import ClipParams

BODY = Proportions()


def test_straight_standing_body_stacks_its_joints() -> None:
    sk = pose_body(PoseAngles(shin_deg=0, knee_flexion_deg=0, pelvis_flexion_deg=0), BODY)
    knee, hip = sk.joints["left_knee"], sk.joints["left_hip"]
    shoulder = sk.joints["left_shoulder"]
    assert knee[:2] == pytest.approx([0.0, BODY.ankle_height + BODY.shank])
    assert hip[:2] == pytest.approx([0.0, BODY.ankle_height + BODY.shank + BODY.thigh])
    trunk = BODY.lumbar + BODY.lower_thoracic + BODY.upper_thoracic
    assert shoulder[:2] == pytest.approx([0.0, hip[1] + trunk])
    assert sk.joints["left_hip"][2] == -sk.joints["right_hip"][2] > 0  # left is +z
    assert _sagittal_angles(sk, "left") == pytest.approx((0, 0, 0, 0), abs=1e-9)


@pytest.mark.parametrize(("shin", "knee", "pelvis"), [(5, 20, 80), (30, 90, 70), (0, 10, 40)])
def test_angles_read_back_from_positions(shin: float, knee: float, pelvis: float) -> None:
    sk = pose_body(PoseAngles(shin_deg=shin, knee_flexion_deg=knee, pelvis_flexion_deg=pelvis),
                   BODY)
    hip_f, knee_f, trunk, shin_a = _sagittal_angles(sk, "left")
    assert knee_f == pytest.approx(knee)
    assert shin_a == pytest.approx(shin)
    assert hip_f == pytest.approx(pelvis)  # neutral spine: hip flexion is the pelvis' turn
    assert trunk == pytest.approx(abs(shin - knee + pelvis))


def test_rounding_bends_the_spine_not_the_hip_line_alone() -> None:
    neutral = pose_body(PoseAngles(pelvis_flexion_deg=70), BODY)
    rounded = pose_body(PoseAngles(pelvis_flexion_deg=70, lumbar_flexion_deg=16.5,
                                   thoracic_flexion_deg=13.5), BODY)
    assert rounded.total_spine_flexion_deg == pytest.approx(30)
    assert np.diff(rounded.spine_lean_deg).min() > 0  # each segment leans further forward
    assert np.ptp(neutral.spine_lean_deg) == pytest.approx(0)
    # Same spine length, so the rounded shoulder sits lower and closer to the hip.
    assert rounded.joints["left_shoulder"][1] < neutral.joints["left_shoulder"][1]


def test_scenarios_draw_poses_inside_their_definitions() -> None:
    rng = np.random.default_rng(0)
    rdl = EXERCISES["rdl"]
    for _ in range(50):
        good = pose_body(bottom_pose(rdl, "good", None, rng), BODY)
        _, knee_f, trunk, shin = _sagittal_angles(good, "left")
        assert 70 <= trunk <= 100 and 10 <= knee_f <= 25 and shin <= 5
        squat = pose_body(bottom_pose(rdl, "squat_substitution", None, rng), BODY)
        _, knee_f, trunk, shin = _sagittal_angles(squat, "left")
        assert 60 <= knee_f <= 110 and trunk < 50 and shin > 20


def test_rep_timeline_starts_bottoms_and_ends_where_planned() -> None:
    rng = np.random.default_rng(1)
    rdl = EXERCISES["rdl"]
    reps = plan_reps(rdl, [("good", None)] * 2, rng, pause_s=1.0)
    timeline = Timeline(rdl, reps, lead_in_s=0.5, tail_s=0.5)
    (s0, b0, e0), (s1, _, _) = timeline.rep_times
    assert s0 == pytest.approx(0.5 + reps[0].top_pause_s) and s0 < b0 < e0 < s1
    assert s1 - e0 == pytest.approx(reps[1].top_pause_s) and reps[1].top_pause_s >= 1.3
    assert timeline.pose_at(b0) == reps[0].bottom
    assert timeline.pose_at(s0 - 0.01) == rdl.top


def test_mixed_is_good_first_then_rounded() -> None:
    kinds = rep_kinds(ClipParams(scenario="mixed", reps=5, grade="severe"))
    assert kinds == [("good", None)] * 3 + [("lumbar_rounding", "severe")] * 2


@pytest.mark.parametrize(("flexion", "grade"),
                         [(5, None), (15, "mild"), (30, "clear"), (45, "severe")])
def test_rounding_grade_from_the_spine(flexion: float, grade: str | None) -> None:
    assert rounding_grade(flexion) == grade


def test_a_held_load_goes_around_the_knees_not_through_them() -> None:
    from hingecheck.synth.motion import LEG_CLEARANCE, hand_to_leg
    rng = np.random.default_rng(3)
    rdl = EXERCISES["rdl"]
    for _ in range(20):
        squat = bottom_pose(rdl, "squat_substitution", None, rng, BODY)
        hanging = pose_body(PoseAngles(**{**squat.__dict__, "arm_deg": 0.0}), BODY)
        assert hand_to_leg(hanging) < LEG_CLEARANCE  # straight down would cut the knee
        assert hand_to_leg(pose_body(squat, BODY)) >= LEG_CLEARANCE
        assert 0 < squat.arm_deg < 45  # swung forward, only as far as needed
        good = bottom_pose(rdl, "good", None, rng, BODY)
        assert good.arm_deg == 0.0  # a hinge's bar hangs in front of the shins already
    swing = bottom_pose(EXERCISES["kettlebell_swing"], "good", None, rng, BODY)
    assert swing.arm_deg < 0  # the bell swings back between the legs, untouched


@pytest.mark.parametrize("facing", ["right", "left"])
def test_the_camera_sees_the_side_the_lifter_faces(facing: Facing) -> None:
    """As a real camera does: a lifter facing right in the image shows their right side;
    swung toward their front, the near shoulder moves back and the far one comes forward."""
    sk = pose_body(PoseAngles(), BODY)
    far = "left" if facing == "right" else "right"
    forward = 1.0 if facing == "right" else -1.0
    side = Camera(0.0, facing, 500.0, 640.0, 650.0)
    assert side.near_side == facing
    assert side.project(sk.joints[f"{facing}_hip"])[1] > side.project(sk.joints[f"{far}_hip"])[1]
    turned = Camera(45.0, facing, 500.0, 640.0, 650.0)
    (near_u, _), near_depth = turned.project(sk.joints[f"{facing}_shoulder"])
    (far_u, _), far_depth = turned.project(sk.joints[f"{far}_shoulder"])
    assert near_depth > far_depth
    assert (far_u - near_u) * forward > 0.1 * 500.0  # shoulders spread, far one in front
    front = Camera(90.0, facing, 500.0, 640.0, 650.0)
    # Seen from the front, the lifter's left is on the image's right.
    assert front.project(sk.joints["left_shoulder"])[0][0] > front.project(
        sk.joints["right_shoulder"])[0][0]
