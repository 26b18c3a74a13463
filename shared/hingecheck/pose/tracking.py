"""Follow one athlete through the clip.

Detections are linked frame to frame by box overlap (lifts move slowly, so the previous box
is a good prediction), tracks survive short misses, and tracklets broken by a longer
occlusion are stitched when the person reappears where they vanished. The lifter is then
the track that stays in frame and moves the most in place (body folding, not walking
across), weighted by size so that a far-away person does not win.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from hingecheck.pose.model import FrameDetections

# Keypoints whose motion tells a lift from standing about: shoulders, wrists, hips, knees.
MOTION_KEYPOINTS = [5, 6, 9, 10, 11, 12, 13, 14]


@dataclass
class Track:
    """One person's detections: ``members`` maps analysed-frame position → detection index."""

    track_id: int
    members: dict[int, int] = field(default_factory=dict)

    @property
    def first(self) -> int:
        return min(self.members)

    @property
    def last(self) -> int:
        return max(self.members)


@dataclass(frozen=True)
class TrackChoice:
    """The chosen track and why, with every candidate's numbers for the record."""

    track: Track
    reason: str
    candidates: list[dict[str, float]]


def _areas(boxes: np.ndarray) -> np.ndarray:
    return np.asarray((boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]))


def box_intersection(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Intersection areas between boxes ``a`` (n, 4) and ``b`` (m, 4), x1 y1 x2 y2."""
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 2], b[None, :, 2])
    y2 = np.minimum(a[:, None, 3], b[None, :, 3])
    return np.asarray(np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None))


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU matrix between boxes ``a`` (n, 4) and ``b`` (m, 4), x1 y1 x2 y2."""
    inter = box_intersection(a, b)
    union = _areas(a)[:, None] + _areas(b)[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-9), 0.0)


def _center_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Distance between box centres in units of the taller box's height (a partial box of
    the body is short; the person's size is the taller one)."""
    ca = np.array([(a[0] + a[2]) / 2, (a[1] + a[3]) / 2])
    cb = np.array([(b[0] + b[2]) / 2, (b[1] + b[3]) / 2])
    return float(np.linalg.norm(ca - cb) / max(a[3] - a[1], b[3] - b[1], 1.0))


def suppress_duplicates(
    dets: FrameDetections, *, min_containment: float = 0.8, min_height_ratio: float = 0.4
) -> FrameDetections:
    """Drop a detection that lies almost wholly inside a more confident one of similar size.

    The model's own NMS keeps such pairs (their IoU is low when one box covers only part of
    the body, e.g. while the lifter stands up); left in, they split the lifter's track.
    A much smaller person behind the lifter is kept (the height ratio test).
    """
    if len(dets) < 2:
        return dets
    boxes = dets.boxes
    areas = _areas(boxes)
    heights = np.maximum(boxes[:, 3] - boxes[:, 1], 1e-9)
    # containment[i, j]: the share of the smaller of boxes i and j that lies in the other.
    containment = box_intersection(boxes, boxes) / np.maximum(
        np.minimum(areas[:, None], areas[None, :]), 1e-9
    )
    height_ratio = np.minimum(heights[:, None], heights[None, :]) / np.maximum(
        heights[:, None], heights[None, :]
    )
    same_person = (containment >= min_containment) & (height_ratio >= min_height_ratio)
    keep: list[int] = []
    for i in np.argsort(-dets.scores):
        if not any(same_person[i, j] for j in keep):
            keep.append(int(i))
    keep.sort()
    return FrameDetections(dets.boxes[keep], dets.scores[keep], dets.keypoints[keep])


def keypoint_similarity(
    a: np.ndarray, b: np.ndarray, box_heights: np.ndarray, min_conf: float = 0.3
) -> np.ndarray:
    """OKS-like similarity (0–1) between keypoint sets ``a`` (n, 17, 3) and ``b`` (m, 17, 3).

    The mean over keypoints both sets are sure of of exp(−d² / 2σ²), σ = 10% of the
    height of ``a``'s box; 0 where they share no confident keypoint.
    """
    both = (a[:, None, :, 2] >= min_conf) & (b[None, :, :, 2] >= min_conf)
    d2 = np.sum((a[:, None, :, :2] - b[None, :, :, :2]) ** 2, axis=-1)
    sigma2 = (0.1 * np.maximum(box_heights, 1.0))[:, None, None] ** 2
    sim = np.where(both, np.exp(-d2 / (2 * sigma2)), 0.0)
    count = both.sum(axis=-1)
    return np.where(count > 0, sim.sum(axis=-1) / np.maximum(count, 1), 0.0)


def _greedy_pairs(score: np.ndarray) -> list[tuple[int, int]]:
    """Pairs (row, col) taken best-first while both are free; negative scores never.

    Best-first rather than a maximum-sum assignment: a sure match (the lifter's box in the
    next frame) must not be traded for two mediocre ones (the lifter's track onto a partial
    box and a stray track onto the lifter) just because their sum is larger.
    """
    pairs = []
    used_rows: set[int] = set()
    used_cols: set[int] = set()
    for flat in np.argsort(-score, axis=None):
        r, c = (int(v) for v in np.unravel_index(flat, score.shape))
        if score[r, c] < 0:
            break
        if r not in used_rows and c not in used_cols:
            pairs.append((r, c))
            used_rows.add(r)
            used_cols.add(c)
    return pairs


@dataclass
class _Active:
    track: Track
    box: np.ndarray
    keypoints: np.ndarray
    time_s: float


def link_detections(
    frames: list[FrameDetections],
    times: np.ndarray,
    *,
    max_lost_s: float = 1.0,
    min_iou: float = 0.2,
    min_keypoint_similarity: float = 0.3,
) -> list[Track]:
    """Link per-frame detections into tracks.

    Best-first matching on box overlap plus keypoint similarity: when another person
    crosses in front of or behind the lifter, the boxes overlap but the keypoints do not,
    so the lifter's track does not follow the other person away.
    """
    tracks: list[Track] = []
    active: list[_Active] = []
    for pos, dets in enumerate(frames):
        t = float(times[pos])
        active = [a for a in active if t - a.time_s <= max_lost_s]
        unmatched = set(range(len(dets)))
        if active and len(dets):
            last_boxes = np.stack([a.box for a in active])
            iou = box_iou(last_boxes, dets.boxes)
            oks = keypoint_similarity(np.stack([a.keypoints for a in active]), dets.keypoints,
                                      last_boxes[:, 3] - last_boxes[:, 1])
            feasible = (iou >= min_iou) & (oks >= min_keypoint_similarity)
            for r, c in _greedy_pairs(np.where(feasible, iou + oks, -1.0)):
                a = active[r]
                a.track.members[pos] = c
                a.box, a.keypoints, a.time_s = dets.boxes[c], dets.keypoints[c], t
                unmatched.discard(c)
        for c in sorted(unmatched):
            track = Track(track_id=len(tracks) + 1, members={pos: c})
            tracks.append(track)
            active.append(_Active(track, dets.boxes[c], dets.keypoints[c], t))
    return tracks


def stitch_tracklets(
    tracks: list[Track],
    frames: list[FrameDetections],
    times: np.ndarray,
    *,
    max_gap_s: float = 3.0,
    max_overlap_s: float = 0.5,
    max_center_shift: float = 0.6,
) -> list[Track]:
    """Join a tracklet to an earlier one that ended just before it, near the same place.

    An athlete hidden behind a plate or a rack for a few seconds comes back as a new
    tracklet; this makes it the same track again. A short overlap (both tracklets alive
    for a few frames while the matcher switched) is allowed; there the earlier one's
    detections are kept.
    """
    ordered = sorted(tracks, key=lambda tr: tr.first)
    merged: list[Track] = []
    for track in ordered:
        best: Track | None = None
        best_shift = max_center_shift
        for earlier in merged:
            if earlier.last >= track.last or earlier.first >= track.first:
                continue
            gap = float(times[track.first] - times[earlier.last])
            if gap > max_gap_s or -gap > max_overlap_s:
                continue
            # Compare where the earlier one was last seen with where this one is first
            # seen after it (or at the same frame, when they overlap).
            after = [p for p in sorted(track.members) if p >= earlier.last]
            if not after:
                continue
            first_box = frames[after[0]].boxes[track.members[after[0]]]
            last_box = frames[earlier.last].boxes[earlier.members[earlier.last]]
            shift = _center_distance(last_box, first_box)
            h_ratio = (first_box[3] - first_box[1]) / max(last_box[3] - last_box[1], 1.0)
            # From a deep bottom position (or a box of the upper body only) to standing
            # the box can grow threefold.
            if shift < best_shift and 1 / 3 <= h_ratio <= 3.0:
                best, best_shift = earlier, shift
        if best is None:
            merged.append(track)
        else:
            for pos, det in track.members.items():
                best.members.setdefault(pos, det)
    return merged


def _track_motion(
    track: Track, frames: list[FrameDetections], min_conf: float
) -> tuple[float, float]:
    """Articulated motion (body heights) and median box height (pixels) of one track.

    Motion is measured relative to the person's own box centre, so walking across the frame
    (translation) counts for little and hinging in place (the body folding) counts fully.
    """
    heights = []
    points = []
    for pos, det in sorted(track.members.items()):
        box = frames[pos].boxes[det]
        heights.append(box[3] - box[1])
        centre = np.array([(box[0] + box[2]) / 2, box[3]])  # feet level: stays put in a lift
        kp = frames[pos].keypoints[det][MOTION_KEYPOINTS]
        xy = np.where(kp[:, 2:3] >= min_conf, kp[:, :2] - centre, np.nan)
        points.append(xy)
    height = float(np.median(heights))
    stack = np.stack(points)  # (n, k, 2)
    if stack.shape[0] < 3:
        return 0.0, height
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # keypoints never seen in this track
        spread = np.nanpercentile(stack, 95, axis=0) - np.nanpercentile(stack, 5, axis=0)
        motion = float(np.nanmedian(np.linalg.norm(spread, axis=-1))) / max(height, 1.0)
    return (0.0 if np.isnan(motion) else motion), height


def choose_athlete(
    tracks: list[Track],
    frames: list[FrameDetections],
    frame_height: int,
    *,
    min_conf: float = 0.3,
    min_presence: float = 0.3,
) -> TrackChoice | None:
    """Pick the lifter: in frame most of the clip and moving the most; None if nobody."""
    if not tracks or not frames:
        return None
    n = len(frames)
    rows = []
    for track in tracks:
        presence = len(track.members) / n
        motion, height = _track_motion(track, frames, min_conf)
        size = height / max(frame_height, 1)
        rows.append({"track_id": float(track.track_id), "presence": presence,
                     "motion": motion, "size": size,
                     "score": float(presence**2 * (motion + 0.02) * np.sqrt(size))})
    best_presence = max(r["presence"] for r in rows)
    eligible = [r for r in rows if r["presence"] >= min(min_presence, best_presence)]
    best = max(eligible, key=lambda r: r["score"])
    chosen = next(t for t in tracks if t.track_id == int(best["track_id"]))
    others = len(rows) - 1
    reason = (
        f"track {chosen.track_id}: in frame {best['presence']:.0%} of analysed frames, "
        f"moved {best['motion']:.2f} body heights, {best['size']:.0%} of the frame height"
    )
    if others:
        reason += f"; the highest score of {len(rows)} tracks (presence² × motion × √size)"
    return TrackChoice(track=chosen, reason=reason, candidates=rows)
