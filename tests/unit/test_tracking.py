"""Athlete selection and track linking on detection arrays with known answers."""

import numpy as np
from hingecheck.pose.model import FrameDetections
from hingecheck.pose.track import build_pose_track
from hingecheck.pose.tracking import (
    choose_athlete,
    link_detections,
    stitch_tracklets,
    suppress_duplicates,
)

FPS = 15.0


def person(
    cx: float, top: float, height: float, hinge: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """A box and 17 keypoints of a standing person; ``hinge`` (0–1) lowers the upper body."""
    kp = np.zeros((17, 3))
    kp[:, 2] = 0.9
    drop = hinge * 0.35 * height
    lean = hinge * 0.3 * height
    kp[0:5, :2] = [cx + lean, top + 0.06 * height + drop]      # head
    kp[5:7, :2] = [cx + lean * 0.8, top + 0.2 * height + drop]  # shoulders
    kp[7:11, :2] = [cx + lean * 0.8, top + 0.4 * height + drop]  # arms hang
    kp[11:13, :2] = [cx - hinge * 0.1 * height, top + 0.52 * height]  # hips travel back
    kp[13:15, :2] = [cx, top + 0.75 * height]
    kp[15:17, :2] = [cx, top + 0.98 * height]
    box = np.array([cx - 0.2 * height, top + drop * 0.5, cx + 0.2 * height + lean, top + height])
    return box, kp


def frames_from(
    people_per_frame: list[list[tuple[np.ndarray, np.ndarray]]],
) -> list[FrameDetections]:
    out = []
    for people in people_per_frame:
        if not people:
            out.append(FrameDetections.empty())
            continue
        boxes = np.stack([b for b, _ in people])
        kps = np.stack([k for _, k in people])
        out.append(FrameDetections(boxes, np.full(len(people), 0.9), kps))
    return out


def lifting_scene(n: int = 150, walker: bool = True, spectator: bool = True
                  ) -> tuple[list[FrameDetections], np.ndarray]:
    scene = []
    for i in range(n):
        t = i / FPS
        people = [person(640, 200, 450, hinge=0.5 - 0.5 * np.cos(2 * np.pi * t / 3.0))]
        if spectator:
            people.append(person(150, 260, 380))  # present all along, standing still
        if walker and 40 <= i < 70:  # walks across in 2 s, in front of the camera
            people.append(person(1280 - (i - 40) * 40, 150, 520))
        scene.append(people)
    return frames_from(scene), np.arange(n) / FPS


def test_lifter_is_chosen_over_a_passer_by_and_a_bystander() -> None:
    frames, times = lifting_scene()
    tracks = stitch_tracklets(link_detections(frames, times), frames, times)
    choice = choose_athlete(tracks, frames, frame_height=720)
    assert choice is not None
    members = choice.track.members
    assert len(members) == len(frames)  # followed in every frame
    centres = [(frames[p].boxes[d][0] + frames[p].boxes[d][2]) / 2 for p, d in members.items()]
    assert min(centres) > 600 and max(centres) < 800  # always the lifter, never the walker
    assert "in frame 100%" in choice.reason
    assert len(choice.candidates) == 3


def test_identity_survives_a_short_occlusion() -> None:
    frames, times = lifting_scene(walker=False, spectator=False)
    # The lifter disappears behind equipment for 1.5 s (longer than the linker's memory).
    for i in range(60, 83):
        frames[i] = FrameDetections.empty()
    linked = link_detections(frames, times, max_lost_s=1.0)
    assert len(linked) == 2
    stitched = stitch_tracklets(linked, frames, times)
    assert len(stitched) == 1
    assert len(stitched[0].members) == len(frames) - 23


def test_someone_elsewhere_is_not_stitched_to_the_lifter() -> None:
    frames, times = lifting_scene(walker=False, spectator=False, n=60)
    later = frames_from([[person(150, 200, 450)] for _ in range(30)])
    frames = frames[:30] + later
    tracks = stitch_tracklets(link_detections(frames, times), frames, times)
    assert len(tracks) == 2


def test_partial_duplicate_box_of_the_same_person_is_dropped() -> None:
    box, kp = person(640, 200, 450)
    inner = box.copy()
    inner[1] += 150  # the same person's lower two thirds
    dets = FrameDetections(np.stack([box, inner]), np.array([0.9, 0.6]), np.stack([kp, kp]))
    assert len(suppress_duplicates(dets)) == 1
    small_far = np.array([600, 300, 640, 380.0])  # a small person seen behind: kept
    dets = FrameDetections(np.stack([box, small_far]), np.array([0.9, 0.6]), np.stack([kp, kp]))
    assert len(suppress_duplicates(dets)) == 2


def test_nobody_detected_gives_no_choice() -> None:
    frames = [FrameDetections.empty() for _ in range(10)]
    times = np.arange(10) / FPS
    assert choose_athlete(link_detections(frames, times), frames, 720) is None


def test_pose_track_marks_missing_frames_and_checks_the_view() -> None:
    frames, times = lifting_scene(walker=False, spectator=False, n=60)
    for i in range(20, 40):  # 1.3 s unseen: too long to bridge
        frames[i] = FrameDetections.empty()
    track = build_pose_track(frames, times, np.arange(60) * 2, 1280, 720, min_conf=0.3,
                             max_gap_s=0.35, smooth_window_s=0.4, max_view_offset_deg=35)
    assert np.isnan(track.xy[20:40]).all()
    assert not np.isnan(track.xy[:20]).any()
    assert track.detected_fraction == 40 / 60
    # Left and right keypoints coincide in this drawing: a pure side view.
    assert track.view.offset_deg is not None and track.view.offset_deg < 5
    assert track.view.side_view_ok


def test_lifter_track_does_not_follow_someone_crossing_behind() -> None:
    """A walker crosses behind the lifter (hidden while they overlap); in the frame they
    reappear the lifter is missed for once. The boxes overlap, the poses do not: the
    lifter's track must wait for the lifter instead of following the walker away."""
    scene = []
    for i in range(90):
        t = i / FPS
        lifter = person(640, 200, 450, hinge=0.5 - 0.5 * np.cos(2 * np.pi * t / 3.0))
        walker_x = 1100 - (i - 30) * 15
        behind = abs(walker_x - 640) < 60
        reappears = walker_x < 640 and 60 <= abs(walker_x - 640) < 75
        people = [] if reappears else [lifter]
        if 30 <= i < 90 and not behind:
            people.append(person(walker_x, 180, 470))
        scene.append(people)
    frames, times = frames_from(scene), np.arange(90) / FPS
    tracks = stitch_tracklets(link_detections(frames, times), frames, times)
    choice = choose_athlete(tracks, frames, frame_height=720)
    assert choice is not None
    centres = [(frames[p].boxes[d][0] + frames[p].boxes[d][2]) / 2
               for p, d in choice.track.members.items()]
    assert max(abs(c - 640) for c in centres) < 120  # never the walker
    assert len(choice.track.members) == 89


def test_a_sure_match_is_not_traded_for_two_weak_ones() -> None:
    """As seen on a real clip: frame 1 adds a stray box of the lifter's shins, frame 2 a
    stray box of their head and shoulders. A maximum-sum assignment would hand the lifter's
    track to the head box and the shin track to the lifter (two weak matches outscore one
    sure one); best-first keeps the lifter's track on the lifter."""
    _, kp = person(640, 127, 481)
    main = np.array([590.0, 127.0, 718.0, 608.0])
    shins = np.array([608.0, 422.0, 702.0, 610.0])
    head = np.array([603.0, 122.0, 716.0, 252.0])

    def only(idx: slice) -> np.ndarray:
        partial = kp.copy()
        mask = np.ones(17, bool)
        mask[idx] = False
        partial[mask, 2] = 0.0
        return partial

    frames = [
        FrameDetections(main[None], np.array([0.8]), kp[None]),
        FrameDetections(np.stack([main, shins]), np.array([0.8, 0.3]),
                        np.stack([kp, only(slice(13, 17))])),
        FrameDetections(np.stack([main, head]), np.array([0.8, 0.3]),
                        np.stack([kp, only(slice(0, 7))])),
    ]
    tracks = link_detections(frames, np.arange(3) / FPS)
    assert tracks[0].members == {0: 0, 1: 0, 2: 0}
