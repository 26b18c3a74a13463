"""Joint angles in 3D and the camera's yaw from BlazePose's world landmarks, against truth.

    python bench/world3d.py CLIP.mp4 [...]            generated clips (truth in CLIP.json)
    python bench/world3d.py --real deadlift-d/kettlebell/kbDeadlift.mp4 [...]
                                                       real clips (../shared/real, read only)

Each clip runs the pose stage (yolo11n-pose, the track) and then the person mask's pass
as the pipeline runs it (the frame at the silhouette's working size, the crop placed by
the track), reading the world landmarks (``PersonMasker.read_all``), then
``analysis.world``. Prints per clip, for generated ones: the 3D knee / hip flexion MAE
against the truth (degrees, mean over frames where both exist), the 2D (the analysis's
current kinematics) knee / hip MAE, the yaw read in 3D and the 2D view offset against the
truth's ``view_deg``; for real ones the yaw read against LABELS.md's view. Then the
per-frame cost of the pass and of reading the world landmarks on top of it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from hingecheck.analysis.kinematics import compute_kinematics
from hingecheck.analysis.world import camera_yaw, clean_world, world_angles
from hingecheck.backshape import _work_image
from hingecheck.pipeline import run_pose_stage
from hingecheck.pose.personmask import BODY_LANDMARKS, crop_for, get_masker
from hingecheck.settings import get_settings
from hingecheck.video import VideoLimits, decode_frames

sys.path.insert(0, str(Path(__file__).parent))
from real_labels import REAL_LABELS, REAL_OFF_SIDE, REAL_VALIDATION

REAL = Path(__file__).resolve().parents[2] / "shared" / "real"


def world_pass(path: Path, settings, out) -> tuple[np.ndarray, float, float, int]:  # type: ignore[no-untyped-def]
    """(n, 33, 5) world landmarks per analysed frame (NaN where no crop), the seconds
    spent in the network pass, the seconds of reading the world output on top, frames."""
    masker = get_masker(settings)
    track = out.track
    n = track.n_frames
    world = np.full((n, BODY_LANDMARKS, 5), np.nan)
    net_s = extra_s = 0.0
    frames = decode_frames(out.info, analysis_fps=settings.analysis_fps,
                           max_side=settings.decode_side(),
                           limits=VideoLimits.from_settings(settings))
    ran = 0
    for pos, frame in enumerate(frames):
        if pos >= n:
            break
        small, f = _work_image(frame.image)
        crop = crop_for(track.xy[pos] * frame.scale * f)
        if crop is None:
            continue
        started = time.perf_counter()
        raw = masker.infer(small, crop)
        net_s += time.perf_counter() - started
        started = time.perf_counter()
        reading = masker.read_all(small, crop)  # includes a second inference: timed apart
        world[pos] = reading.world
        ran += 1
        # What reading the world output costs beyond the mask and 2D landmarks: the
        # reshape and the turn (timed on the raw outputs just read).
        t0 = time.perf_counter()
        metres = np.asarray(raw[masker._world_output], dtype=np.float64).reshape(-1, 3)
        _ = metres[:BODY_LANDMARKS, :2] @ crop.turn
        extra_s += time.perf_counter() - t0
    return world, net_s, extra_s, ran


def mae(a: np.ndarray, b: np.ndarray) -> float:
    ok = ~np.isnan(a) & ~np.isnan(b)
    return float(np.mean(np.abs(a[ok] - b[ok]))) if ok.any() else float("nan")


def run(path: Path, settings, truth: dict | None) -> dict:  # type: ignore[type-arg, no-untyped-def]
    out = run_pose_stage(path, settings)
    track = out.track
    world, net_s, extra_s, ran = world_pass(path, settings, out)
    points = clean_world(world, track.times_s, max_gap_s=settings.max_gap_s,
                         window_s=settings.smooth_window_s)
    angles = world_angles(points, track.times_s)
    yaw = camera_yaw(points)
    row: dict = {"clip": str(path), "yaw3d": yaw.yaw_deg, "spread": yaw.spread_deg,  # type: ignore[type-arg]
                 "seen_from": yaw.seen_from, "facing3d": yaw.facing,
                 "offset2d": track.view.offset_deg, "net_ms": 1000 * net_s / max(ran, 1),
                 "extra_ms": 1000 * extra_s / max(ran, 1), "frames": ran}
    if truth is not None:
        frames = truth["frames"]
        idx = np.clip(track.frame_indices, 0, len(frames) - 1)
        true_knee = np.array([frames[i]["knee_flexion_deg"] for i in idx])
        true_hip = np.array([frames[i]["hip_flexion_deg"] for i in idx])
        kin = compute_kinematics(track.times_s, track.xy, track.conf, track.view.facing)
        near = 1 if truth["near_side"] == "right" else 0
        row |= {"view": truth["params"]["view_deg"], "scenario": truth["params"]["scenario"],
                "knee3d": mae(angles.knee_flexion_deg, true_knee),
                "hip3d": mae(angles.hip_flexion_deg, true_hip),
                "knee3d_near": mae(angles.knee_flexion_sides_deg[:, near], true_knee),
                "knee2d": mae(kin.knee_flexion_deg, true_knee),
                "hip2d": mae(kin.hip_flexion_deg, true_hip),
                "peak_knee_true": float(np.nanmax(true_knee)),
                "peak_knee3d": float(np.nanmax(angles.knee_flexion_deg)),
                "peak_knee2d": float(np.nanmax(kin.knee_flexion_deg))}
    return row


def fmt(v: object) -> str:
    return f"{v:6.1f}" if isinstance(v, float) else f"{v!s:>6}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("clips", nargs="*", type=Path)
    parser.add_argument("--real", nargs="*", default=[])
    parser.add_argument("--json", type=Path, help="append each row as JSON here")
    args = parser.parse_args()
    settings = get_settings()
    labels = {k: v[2] for k, v in REAL_VALIDATION.items()} | dict(REAL_OFF_SIDE) \
        | {k: "side" for k in REAL_LABELS}
    rows = []
    for clip in args.clips:
        truth = json.loads(clip.with_suffix(".json").read_text())
        row = run(clip, settings, truth)
        rows.append(row)
        print(f"{clip.name:40s} view {fmt(row['view'])} yaw3d {fmt(row['yaw3d'])} "
              f"±{fmt(row['spread'])} {row['seen_from']} 2d {fmt(row['offset2d'])} | "
              f"knee 3d {fmt(row['knee3d'])} (near {fmt(row['knee3d_near'])}) "
              f"2d {fmt(row['knee2d'])} | hip 3d {fmt(row['hip3d'])} 2d {fmt(row['hip2d'])} | "
              f"peak knee true {fmt(row['peak_knee_true'])} 3d {fmt(row['peak_knee3d'])} "
              f"2d {fmt(row['peak_knee2d'])} | net {row['net_ms']:.1f} ms, world "
              f"{1000 * row['extra_ms']:.1f} µs", flush=True)
    for name in args.real:
        row = run(REAL / name, settings, None) | {"label": labels.get(name, "?")}
        rows.append(row)
        print(f"{name:45s} label {row['label']:>14s} yaw3d {fmt(row['yaw3d'])} "
              f"±{fmt(row['spread'])} {row['seen_from']} {row['facing3d']} "
              f"2d offset {fmt(row['offset2d'])} | frames {row['frames']} "
              f"net {row['net_ms']:.1f} ms, world {1000 * row['extra_ms']:.1f} µs", flush=True)
    if args.json:
        with args.json.open("a") as fh:
            for row in rows:
                fh.write(json.dumps(row) + "\n")
    synth = [r for r in rows if "view" in r]
    if synth:
        hits = [abs(r["yaw3d"] - min(r["view"], 90.0)) <= 10 for r in synth
                if r["yaw3d"] is not None]
        print(f"yaw 3D within ±10°: {sum(hits)}/{len(synth)}")


if __name__ == "__main__":
    main()
