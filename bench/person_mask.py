"""The back's outline on the person mask against the background model, on generated stills
whose true outline is known.

    python bench/person_mask.py [--n 24] [--seed 0]

Each still is a generated bottom position (random bodies, builds, clothes, facing left and
right, 1280×720 at the product's working size) drawn on its backdrop. The lifter's true
pixels are those the body changed on the backdrop, so the true dorsal profile is the one
traced on them. yolo11n-pose places the chord (hip and shoulder centres) as it does in an
analysis; then the same profile is traced on

- the background model's foreground, with the backdrop itself as the background (the best
  a background model can do: a still camera, nothing else moving);
- BlazePose's person mask on a crop placed from the keypoints (``pose.personmask``);
- the two fused (the foreground where the person mask agrees);

each with and without a caption box beside the back (an on-screen caption that comes and
goes: the background model has not seen it). Printed per case: the mean outline error
against the truth (chord lengths, and pixels at the working size), the share of profile
samples found, and the bulge error (the rounding measure), plus the mask's time per frame.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from hingecheck.analysis import silhouette
from hingecheck.backshape import _pair_mean, _work_image
from hingecheck.pose.model import get_pose_model
from hingecheck.pose.personmask import get_masker
from hingecheck.settings import get_settings
from hingecheck.synth.body import Proportions, pose_body
from hingecheck.synth.draw import Style, background, draw_body
from hingecheck.synth.generate import _camera
from hingecheck.synth.motion import EXERCISES, bottom_pose
from hingecheck.synth.truth import ClipParams

sys.path.insert(0, str(Path(__file__).parent))

CASES = [  # (rep kind, exercise, load)
    ("good", "rdl", "barbell"), ("good", "rdl", "dumbbells"),
    ("lumbar_rounding", "rdl", "barbell"), ("lumbar_rounding", "rdl", "dumbbells"),
    ("squat_substitution", "rdl", "barbell"), ("good", "deadlift", "barbell"),
    ("good", "good_morning", "barbell_back"), ("good", "kettlebell_swing", "kettlebell"),
]
SOURCES = ("background", "person", "fused")


def still(kind: str, exercise: str, load: str, rng: np.random.Generator, i: int):  # type: ignore[no-untyped-def]
    """One bottom position: (blurred frame, its backdrop, the body's true mask, facing)."""
    params = ClipParams(facing="right" if i % 2 == 0 else "left", grade="clear")
    body, style = Proportions().varied(rng), Style.random(rng)
    sk = pose_body(bottom_pose(EXERCISES[exercise], kind, params.grade, rng, body, load), body)
    cam = _camera(params, 1280, 720, exercise)
    backdrop = background(720, 1280, cam.floor_y, rng, False)
    img = backdrop.copy()
    draw_body(img, sk, body, cam, style, load)
    truth = (img != backdrop).any(axis=2)
    img = cv2.GaussianBlur(img, (0, 0), params.blur_sigma)
    noise = rng.normal(0, params.noise_sigma, img.shape)
    img = np.clip(img + noise, 0, 255).astype(np.uint8)
    return img, cv2.GaussianBlur(backdrop, (0, 0), params.blur_sigma), truth, \
        1.0 if params.facing == "right" else -1.0


def caption(img: np.ndarray, hip: np.ndarray, shoulder: np.ndarray, facing: float) -> None:
    """A white caption on a red box beside the back's middle, clear of the body: between
    the back's surface (about 0.3 chord lengths out) and the end of the profile's search
    (0.7), where the march from outside meets it first."""
    mid = (hip + shoulder) / 2 + silhouette.dorsal_normal(hip, shoulder, facing) * \
        0.55 * float(np.linalg.norm(shoulder - hip))
    x, y = int(mid[0]) - 60, int(mid[1]) - 18
    cv2.rectangle(img, (x, y), (x + 120, y + 36), (40, 40, 200), -1)
    cv2.putText(img, "Rounding", (x + 6, y + 26), cv2.FONT_HERSHEY_SIMPLEX, 0.8,
                (255, 255, 255), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=24, help="stills per case")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    settings = get_settings()
    model, masker = get_pose_model(settings), get_masker(settings)
    rng = np.random.default_rng(args.seed)
    mask_s: list[float] = []
    print("| bottom position | load | caption | outline | error, chord (px) | found | "
          "bulge error |")
    print("|---|---|---|---|---|---|---|")
    for kind, exercise, load in CASES:
        rows: dict[tuple[bool, str], list[tuple[float, float, float, float]]] = {}
        for i in range(args.n):
            frame, backdrop, truth, facing = still(kind, exercise, load, rng, i)
            found = model.predict([frame])[0]
            if not len(found):
                continue
            k = found.keypoints[int(np.argmax(found.scores))]
            for with_caption in (False, True):
                img = frame.copy()
                small, f = _work_image(img)
                xy = np.where(k[:, 2:3] >= settings.keypoint_conf, k[:, :2], np.nan) * f
                hip, shoulder = _pair_mean(xy, 11, 12), _pair_mean(xy, 5, 6)
                if np.isnan(hip).any() or np.isnan(shoulder).any():
                    continue
                if with_caption:
                    caption(img, hip / f, shoulder / f, facing)
                    small, _ = _work_image(img)
                back_img, _ = _work_image(backdrop)
                true_small = cv2.resize(truth.astype(np.uint8), small.shape[1::-1],
                                        interpolation=cv2.INTER_NEAREST).astype(bool)
                model_bg = silhouette.Background(back_img, np.ones(small.shape[:2], bool), 0.0)
                chord = float(np.linalg.norm(shoulder - hip))
                ref = silhouette.back_profile(small, None, hip, shoulder, facing,
                                              person=true_small)
                started = time.perf_counter()
                person = masker.mask(small, xy)
                mask_s.append(time.perf_counter() - started)
                for source in SOURCES:
                    p = silhouette.back_profile(
                        small, None if source == "person" else model_bg, hip, shoulder,
                        facing, person=None if source == "background" else person)
                    both = ~np.isnan(p.heights) & ~np.isnan(ref.heights)
                    err = float(np.mean(np.abs(p.heights[both] - ref.heights[both]))) \
                        if both.any() else float("nan")
                    rows.setdefault((with_caption, source), []).append(
                        (err, err * chord, float(np.mean(~np.isnan(p.heights))),
                         p.bulge - ref.bulge))
        for (with_caption, source), values in rows.items():
            v = np.asarray(values)
            name = exercise if kind == "good" else f"{exercise} {kind}"
            print(f"| {name} | {load} | {'yes' if with_caption else 'no'} | {source} | "
                  f"{np.nanmean(v[:, 0]):.3f} ({np.nanmean(v[:, 1]):.1f}) | "
                  f"{np.mean(v[:, 2]):.0%} | {np.nanmean(np.abs(v[:, 3])):.3f} |", flush=True)
    print(f"\nperson mask: {1000 * np.median(mask_s):.1f} ms per frame (median, crop, "
          f"network and warp back, {len(mask_s)} frames)")


if __name__ == "__main__":
    main()
