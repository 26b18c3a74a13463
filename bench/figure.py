"""How the real pose model reads the generated figure, on still bottom positions.

    python bench/figure.py [--n 40] [--seed 0]

For each scenario's bottom position (random bodies, builds, clothes, facing left and
right, 1280×720, light blur) it runs yolo11n-pose once and prints how often the figure
was found and the error of the hip and knee flexion read from the model's keypoints
against the drawn joints (mean = bias, MAE). No video, no tracking, no smoothing: this
is the figure's own limit, the floor under the angle errors of bench/accuracy.py.
Use it to judge a change to the figure in a minute instead of regenerating the suite.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np
from hingecheck.pose.model import get_pose_model
from hingecheck.settings import get_settings
from hingecheck.synth.body import Proportions, pose_body
from hingecheck.synth.draw import Style, background, draw_body
from hingecheck.synth.generate import _camera, _sagittal_angles
from hingecheck.synth.motion import EXERCISES, bottom_pose
from hingecheck.synth.truth import ClipParams

sys.path.insert(0, str(Path(__file__).parent))
from accuracy import SIDE, angles

CASES = [  # (rep kind, exercise, load)
    ("good", "rdl", "barbell"), ("good", "rdl", "dumbbells"),
    ("squat_substitution", "rdl", "barbell"), ("squat_substitution", "rdl", "dumbbells"),
    ("lumbar_rounding", "rdl", "barbell"), ("good", "deadlift", "barbell"),
    ("good", "good_morning", "barbell_back"), ("good", "kettlebell_swing", "kettlebell"),
]


def stills(kind: str, exercise: str, load: str, n: int, seed: int):  # type: ignore[no-untyped-def]
    """n bottom positions of one case: (1280×720 BGR image, true hip, true knee flexion)."""
    rng = np.random.default_rng(seed)
    for i in range(n):
        params = ClipParams(facing="right" if i % 2 == 0 else "left", grade="clear")
        body, style = Proportions().varied(rng), Style.random(rng)
        sk = pose_body(bottom_pose(EXERCISES[exercise], kind, params.grade, rng, body, load),
                       body)
        cam = _camera(params, 1280, 720, exercise)
        img = background(720, 1280, cam.floor_y, rng, False)
        draw_body(img, sk, body, cam, style, load)
        img = cv2.GaussianBlur(img, (0, 0), params.blur_sigma)
        true_hip, true_knee, _, _ = _sagittal_angles(sk, cam.near_side)
        yield img, true_hip, true_knee


def flexion_error(keypoints: np.ndarray, true_hip: float, true_knee: float) -> tuple[float, float]:
    """Hip and knee flexion read from one person's (17, 3) keypoints minus the truth; the
    side is the one the model is surer of."""
    xy, conf = keypoints[:, :2], keypoints[:, 2]
    side = max(SIDE, key=lambda s: float(conf[list(SIDE[s])].sum()))
    hip, knee, _ = angles(xy[None], side)[0]
    return hip - true_hip, knee - true_knee


def read_errors(model, kind: str, exercise: str, load: str, n: int,  # type: ignore[no-untyped-def]
                seed: int) -> np.ndarray:
    """(n, 2) hip and knee flexion errors (model − truth, degrees); NaN where not found."""
    out = np.full((n, 2), np.nan)
    for i, (img, true_hip, true_knee) in enumerate(stills(kind, exercise, load, n, seed)):
        found = model.predict([img])[0]
        if found.keypoints.shape[0] == 0:
            continue
        out[i] = flexion_error(found.keypoints[int(np.argmax(found.scores))], true_hip,
                               true_knee)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40, help="poses per case")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    model = get_pose_model(get_settings())
    print("| bottom position | load | found | hip ° bias / MAE | knee ° bias / MAE |")
    print("|---|---|---|---|---|")
    for kind, exercise, load in CASES:
        e = read_errors(model, kind, exercise, load, args.n, args.seed)
        ok = ~np.isnan(e[:, 0])
        name = exercise if kind == "good" else f"{exercise} {kind}"
        print(f"| {name} | {load} | {ok.mean():.0%} | {np.mean(e[ok, 0]):+.1f} / "
              f"{np.mean(np.abs(e[ok, 0])):.1f} | {np.mean(e[ok, 1]):+.1f} / "
              f"{np.mean(np.abs(e[ok, 1])):.1f} |", flush=True)


if __name__ == "__main__":
    main()
