"""A closer look at the joints: does a second pose pass change the angles read at the bottom?

    python bench/closer_look.py [--n 20] [--seed 0] [--sizes 384 512 640] [--margins 0.3 0.6 1.0]

On the generated figure's still bottom positions (bench/figure.py's cases; truth known),
decoded as the pipeline sees them (1280×720 scaled to 640×360), it compares the hip and knee
flexion read by yolo11n-pose

- on the whole frame (what the pipeline does);
- on a square crop around the lifter's box, ``margin`` × the box's longer side added on
  each side, given to the network at ``size`` (the lifter then fills the input);
- on the whole frame and its mirror image, the two readings averaged point by point,
  weighted by confidence (test-time flip);
- BlazePose's own landmarks (the person mask's network, ``pose.personmask``, on the crop
  placed from yolo11n-pose's keypoints): a second model's opinion of the same joints;
  its knees alone put into yolo11n-pose's reading; and the two models' hips, knees and
  ankles averaged ("mean legs", what the pipeline does: ``pose.track.with_second_opinion``).

Prints bias / MAE in degrees per case. No video, no tracking, no smoothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import cv2
import numpy as np
from hingecheck.pose.model import FrameDetections, PoseModel, get_pose_model
from hingecheck.pose.personmask import PersonMasker, crop_for, get_masker
from hingecheck.settings import get_settings

sys.path.insert(0, str(Path(__file__).parent))
from figure import CASES, flexion_error, stills

MIRROR = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]  # COCO left ↔ right
DECODED = (640, 360)


def best(found: FrameDetections) -> np.ndarray | None:
    return found.keypoints[int(np.argmax(found.scores))] if len(found) else None


def crop_keypoints(model: PoseModel, image: np.ndarray, box: np.ndarray,
                   margin: float) -> np.ndarray | None:
    """The best person's keypoints on a square crop around ``box``, in image pixels."""
    x1, y1, x2, y2 = box
    half = max(x2 - x1, y2 - y1) * (0.5 + margin)
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    left, top = int(max(0, cx - half)), int(max(0, cy - half))
    right = int(min(image.shape[1], cx + half))
    bottom = int(min(image.shape[0], cy + half))
    kps = best(model.predict([image[top:bottom, left:right]])[0])
    if kps is None:
        return None
    kps = kps.copy()
    kps[:, 0] += left
    kps[:, 1] += top
    return kps


def flip_keypoints(model: PoseModel, image: np.ndarray, kps: np.ndarray) -> np.ndarray | None:
    """The frame's and its mirror's readings, averaged by confidence."""
    mirrored = best(model.predict([np.ascontiguousarray(image[:, ::-1])])[0])
    if mirrored is None:
        return None
    mirrored = mirrored[MIRROR].copy()
    mirrored[:, 0] = image.shape[1] - mirrored[:, 0]
    w = np.stack([kps[:, 2], mirrored[:, 2]])[..., None] + 1e-9
    out = kps.copy()
    out[:, :2] = (kps[:, :2] * w[0] + mirrored[:, :2] * w[1]) / w.sum(axis=0)
    out[:, 2] = np.maximum(kps[:, 2], mirrored[:, 2])
    return out


def blazepose_keypoints(masker: PersonMasker, image: np.ndarray, kps: np.ndarray
                        ) -> np.ndarray | None:
    """BlazePose's landmarks in COCO-17 order (x, y, visibility) in image pixels."""
    crop = crop_for(np.where(kps[:, 2:3] >= 0.3, kps[:, :2], np.nan))
    return None if crop is None else masker.read(image, crop)[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20, help="poses per case")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sizes", type=int, nargs="*", default=[384, 512, 640])
    parser.add_argument("--margins", type=float, nargs="*", default=[0.15, 0.3, 0.6])
    args = parser.parse_args()
    model = get_pose_model(get_settings())
    masker = get_masker(get_settings())
    crop_models = {size: PoseModel(dataclasses.replace(model.spec, imgsz=size))
                   for size in args.sizes}
    ways = ["whole frame", "flip", "blazepose", "blazepose knees", "mean legs",
            *(f"crop {s} m{m}" for s in args.sizes for m in args.margins)]
    print("| bottom position | load | " + " | ".join(f"{w}: hip / knee bias (MAE)"
                                                   for w in ways) + " |")
    print("|---|---|" + "---|" * len(ways))
    for kind, exercise, load in CASES:
        errors: dict[str, list[tuple[float, float]]] = {w: [] for w in ways}
        for img, true_hip, true_knee in stills(kind, exercise, load, args.n, args.seed):
            small = cv2.resize(img, DECODED, interpolation=cv2.INTER_AREA)
            found = model.predict([small])[0]
            if not len(found):
                continue
            top = int(np.argmax(found.scores))
            whole, box = found.keypoints[top], found.boxes[top]
            blaze = blazepose_keypoints(masker, small, whole)
            readings = {"whole frame": whole, "flip": flip_keypoints(model, small, whole),
                        "blazepose": blaze}
            if blaze is not None:
                knees = whole.copy()
                knees[13:15, :2] = blaze[13:15, :2]
                mean = whole.copy()
                mean[11:17, :2] = (whole[11:17, :2] + blaze[11:17, :2]) / 2
                readings["blazepose knees"], readings["mean legs"] = knees, mean
            for size, crop_model in crop_models.items():
                for margin in args.margins:
                    readings[f"crop {size} m{margin}"] = crop_keypoints(
                        crop_model, small, box, margin)
            for way, kps in readings.items():
                if kps is not None:
                    errors[way].append(flexion_error(kps, true_hip, true_knee))
        name = exercise if kind == "good" else f"{exercise} {kind}"
        cells = []
        for way in ways:
            e = np.asarray(errors[way])
            cells.append(f"{e[:, 0].mean():+.1f} ({np.abs(e[:, 0]).mean():.1f}) / "
                         f"{e[:, 1].mean():+.1f} ({np.abs(e[:, 1]).mean():.1f})")
        print(f"| {name} | {load} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
