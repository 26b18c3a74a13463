"""Accuracy of the pose pipeline on the generated suite, against the generator's truth.

    python bench/accuracy.py [--dir out/suite] [--seed 2026]

Writes the 64-clip suite into --dir if it is not there yet (`hingecheck synth suite`),
runs the real pose pipeline on every clip and prints, per scenario: detection rate (share
of analysed frames in which the lifter was found), keypoint error (percent of body height,
shoulders to ankles), and hip / knee / trunk angle errors (mean absolute and 95th
percentile) on side views (camera ≤ 30° off). It also prints the same angle errors for
the TRUE keypoints projected into the image: that part of the error belongs to the
camera angle and the 2D projection, not to the model. Then the view check: clips filmed
beyond 35° must be refused, the rest accepted.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

import numpy as np
from hingecheck.analysis.angles import flexion_deg, inclination_from_vertical_deg
from hingecheck.pipeline import run_pose_stage
from hingecheck.pose.model import get_pose_model
from hingecheck.settings import get_settings
from hingecheck.synth.suite import load_truth, write_suite

BODY = list(range(5, 17))
SIDE = {"left": (5, 11, 13, 15), "right": (6, 12, 14, 16)}  # shoulder, hip, knee, ankle


def angles(xy: np.ndarray, side: str) -> np.ndarray:
    """(n, 3) hip flexion, knee flexion, trunk angle from (n, 17, 2) image keypoints."""
    sh, hip, knee, ankle = (xy[:, i] for i in SIDE[side])
    return np.stack([flexion_deg(knee, hip, sh), flexion_deg(hip, knee, ankle),
                     inclination_from_vertical_deg(hip, sh)], axis=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path("out/suite"))
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    clips = sorted(args.dir.glob("*.mp4"))
    if len(clips) < 64:
        print(f"writing the suite (seed {args.seed}) to {args.dir} ...", flush=True)
        clips = write_suite(args.dir, args.seed)
    settings = get_settings()
    model = get_pose_model(settings)
    stats: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    view_rows = []
    for clip in clips:
        truth = load_truth(clip)
        out = run_pose_stage(clip, settings, model=model)
        track = out.track
        idx = track.frame_indices
        true_xy = np.array([truth.frames[i].keypoints for i in idx])
        true_angles = np.array([[truth.frames[i].hip_flexion_deg, truth.frames[i].knee_flexion_deg,
                                 truth.frames[i].trunk_deg] for i in idx])
        height = truth.body_height_px
        key = truth.params.scenario
        s = stats[key]
        s["detected"].append(track.detected_fraction)
        err = np.linalg.norm(track.raw_xy[:, BODY] - true_xy[:, BODY], axis=-1) / height * 100
        s["kp_err"].extend(np.nanmedian(err, axis=1)[~np.isnan(err).all(axis=1)].tolist())
        view_rows.append((truth.params.view_deg, track.view.offset_deg, track.view.side_view_ok))
        if truth.params.view_deg <= 30:
            side = track.view.near_side or truth.near_side
            ours = np.abs(angles(track.xy, side) - true_angles)
            projected = np.abs(angles(true_xy, truth.near_side) - true_angles)
            for j, name in enumerate(("hip", "knee", "trunk")):
                s[name].extend(ours[:, j][~np.isnan(ours[:, j])].tolist())
                s[f"{name}_proj"].extend(projected[:, j].tolist())
        print(f"{clip.name:40s} found {track.detected_fraction:6.1%}  view truth "
              f"{truth.params.view_deg:4.0f}° read {track.view.offset_deg or float('nan'):5.1f}°",
              flush=True)

    def fmt(values: list[float]) -> str:
        if not values:
            return "–"
        v = np.asarray(values)
        return f"{v.mean():.1f} / {np.percentile(v, 95):.1f}"

    print()
    print("| scenario | clips | lifter found | keypoint error % height (median / p95) | "
          "hip ° MAE / p95 | knee ° | trunk ° | projected truth: hip / knee / trunk MAE |")
    print("|---|---|---|---|---|---|---|---|")
    everything: dict[str, list[float]] = defaultdict(list)
    for key in sorted(stats):
        s = stats[key]
        for name, values in s.items():
            everything[name].extend(values)
        kp = np.asarray(s["kp_err"])
        proj = " / ".join(f"{np.mean(s[f'{n}_proj']):.1f}" if s[f"{n}_proj"] else "–"
                          for n in ("hip", "knee", "trunk"))
        print(f"| {key} | {len(s['detected'])} | {np.mean(s['detected']):.1%} | "
              f"{np.median(kp):.1f} / {np.percentile(kp, 95):.1f} | {fmt(s['hip'])} | "
              f"{fmt(s['knee'])} | {fmt(s['trunk'])} | {proj} |")
    kp = np.asarray(everything["kp_err"])
    proj = " / ".join(f"{np.mean(everything[f'{n}_proj']):.1f}" for n in ("hip", "knee", "trunk"))
    print(f"| **all** | {len(everything['detected'])} | {np.mean(everything['detected']):.1%} | "
          f"{np.median(kp):.1f} / {np.percentile(kp, 95):.1f} | {fmt(everything['hip'])} | "
          f"{fmt(everything['knee'])} | {fmt(everything['trunk'])} | {proj} |")
    refused = [ok for true, _, ok in view_rows if true > 35]
    accepted = [ok for true, _, ok in view_rows if true <= 30]
    print(f"\nview check: {sum(not ok for ok in refused)}/{len(refused)} clips beyond 35° refused, "
          f"{sum(accepted)}/{len(accepted)} clips within 30° accepted")


if __name__ == "__main__":
    main()
