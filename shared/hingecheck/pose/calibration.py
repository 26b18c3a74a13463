"""The frames int8 quantization calibrates on: generated lifts and the shipped photos.

Made at install (``provision.quantize_openvino``), never at analysis time, from nothing
downloaded and no real footage: one short ``hingecheck synth`` clip per scenario (both
facings, plain and textured backgrounds, a passer-by in one) and the two shipped photos of
real people, each also mirrored. Every frame is letterboxed exactly as the runtime feeds
the network (``pose.inference``), so the ranges NNCF measures are the ranges it will see.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np

from hingecheck.pose.inference import Letterbox, to_input_tensor
from hingecheck.synth.truth import SCENARIOS

STRIDE = 32
FRAMES_PER_CLIP = 18
PHOTOS = ("bus.jpg", "zidane.jpg")
SEED = 2026  # the same calibration set, hence the same int8 IR, on every install


def clip_params() -> list[dict[str, object]]:
    """One short generated clip per scenario, varied in the ways real clips vary."""
    clips: list[dict[str, object]] = []
    for i, scenario in enumerate(SCENARIOS):
        clips.append({"scenario": scenario, "reps": 1, "resolution": 480, "seed": SEED + i,
                      "facing": "left" if i % 2 else "right",
                      "textured_background": i % 3 == 0,
                      "passer_by": scenario == "mixed"})
    return clips


def _letterboxed(image: np.ndarray, imgsz: int) -> np.ndarray:
    box = Letterbox.plan(image.shape[:2], imgsz, STRIDE)
    return to_input_tensor([box.apply(image)])


def _clip_frames(path: Path, n: int) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        frames = [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]
    picks = np.linspace(0, len(frames) - 1, num=min(n, len(frames))).round().astype(int)
    return [frames[i] for i in sorted(set(picks.tolist()))]


def calibration_tensors(photos: list[Path], imgsz: int) -> list[np.ndarray]:
    """Every calibration input, (1, 3, h, w) float32 each (shapes vary with the aspect)."""
    from hingecheck.synth.generate import generate_clip
    from hingecheck.synth.truth import ClipParams

    tensors: list[np.ndarray] = []
    with tempfile.TemporaryDirectory(prefix="hingecheck-calibration-") as tmp:
        for i, params in enumerate(clip_params()):
            clip = Path(tmp) / f"calibration_{i}.mp4"
            generate_clip(ClipParams.model_validate(params), clip)
            tensors += [_letterboxed(f, imgsz) for f in _clip_frames(clip, FRAMES_PER_CLIP)]
    for photo in photos:
        image = cv2.imread(str(photo))
        if image is None:
            raise ValueError(f"cannot read the calibration photo {photo}")
        tensors += [_letterboxed(image, imgsz), _letterboxed(image[:, ::-1].copy(), imgsz)]
    return tensors


def write_calibration(path: Path, photos: list[Path], imgsz: int) -> int:
    """Write the calibration inputs to ``path`` (.npz); return how many there are."""
    tensors = calibration_tensors(photos, imgsz)
    arrays: dict[str, Any] = {f"frame_{i:04d}": t for i, t in enumerate(tensors)}
    np.savez(path, **arrays)
    return len(tensors)
