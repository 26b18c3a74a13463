"""The lifter's person mask: BlazePose's segmentation output, on a crop around the track.

BlazePose's landmark network (``pose_landmark_full.tflite``, taken at install from the PyPI
``mediapipe`` wheel, sha256-pinned; OpenVINO reads the .tflite itself) answers a 256×256
crop of one person with 33 landmarks and a per-pixel mask of that person. MediaPipe crops
around its own detector's box; here the crop comes from the YOLO track instead, laid out
the way MediaPipe lays out its own: centred on the hips, turned so that the hips→shoulders
line points up, and wide enough for the whole body with a margin.

The mask needs no still camera and does not see on-screen captions or racks as the
lifter, which a background model does (``analysis.silhouette``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from hingecheck import errors
from hingecheck.keypoints import PAIRS
from hingecheck.pose import provision
from hingecheck.pose.loaded import PerProcess
from hingecheck.settings import Settings

INPUT_SIDE = 256
# The crop's side, in the body's radius from the hip centre (the farthest seen joint plus
# the head above the nose): MediaPipe's own crop is 2 × 1.25 radii of its detector's circle.
CROP_RADII = 2.5
HEAD_ALLOWANCE = 0.35  # chord lengths beyond the farthest joint (the crown, the feet)
OUTSIDE_LOGIT = -20.0  # outside the crop: certainly not the lifter
# BlazePose's 33 landmarks that are COCO-17's joints, in COCO order (nose, eyes, ears,
# shoulders, elbows, wrists, hips, knees, ankles).
COCO_FROM_BLAZEPOSE = [0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28]
# The network's outputs on OpenVINO (checked on the compiled model): 0 (1, 195) landmarks,
# 39 × x, y, z in crop pixels, visibility and presence logits; 1 (1, 1) the pose flag,
# already a probability;
# 2 (1, 256, 256, 1) the mask's logits; 3 (1, 64, 64, 39) heatmaps; 4 (1, 117) world
# landmarks, 39 × x, y, z in metres, origin between the hips. MediaPipe keeps the first 33.
LANDMARKS_OUTPUT, POSE_FLAG_OUTPUT, MASK_OUTPUT, WORLD_OUTPUT = 0, 1, 2, 4
BODY_LANDMARKS = 33


def _sigmoid(logit: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(logit, -30.0, 30.0))))


@dataclass(frozen=True)
class Reading:
    """Everything one inference tells about the person on one crop.

    mask: the person's mask over the image (logit above 0). landmarks: (17, 3) COCO-17
    x, y in image pixels and visibility 0–1. world: (33, 5) BlazePose's world landmarks,
    x, y, z in metres around the hip centre, in the image's axes (x right, y down, z away
    from the camera: the crop's turn undone), then visibility and presence 0–1.
    pose_score: the network's own belief that a person is in the crop, 0–1.
    """

    mask: NDArray[np.bool_]
    landmarks: NDArray[np.float64]
    world: NDArray[np.float64]
    pose_score: float


@dataclass(frozen=True)
class Crop:
    """The affine map from the image to the network's 256×256 input."""

    matrix: NDArray[np.float64]  # (2, 3) image → crop

    @property
    def turn(self) -> NDArray[np.float64]:
        """(2, 2) the rotation from the image's axes to the crop's (no scale)."""
        linear = self.matrix[:, :2]
        return np.asarray(linear / np.sqrt(abs(np.linalg.det(linear))))


def crop_for(keypoints: NDArray[np.float64]) -> Crop | None:
    """The crop around one body's (17, 2) keypoints (NaN unseen); None without hips and
    shoulders."""
    hips, shoulders = keypoints[list(PAIRS["hip"])], keypoints[list(PAIRS["shoulder"])]
    if np.isnan(hips).all() or np.isnan(shoulders).all():
        return None
    centre = np.nanmean(hips, axis=0)
    up = np.nanmean(shoulders, axis=0) - centre
    chord = float(np.linalg.norm(up))
    if not chord > 2:
        return None
    seen = keypoints[~np.isnan(keypoints).any(axis=1)]
    radius = float(np.max(np.linalg.norm(seen - centre, axis=1))) + HEAD_ALLOWANCE * chord
    side = CROP_RADII * radius
    # Rotate so that ``up`` points to the crop's top (−y), then scale and centre.
    angle = np.arctan2(up[0], -up[1])  # the turn that brings (0, −1) onto ``up``
    c, s = np.cos(angle), np.sin(angle)
    rot = np.array([[c, s], [-s, c]])  # image → crop axes (the inverse turn)
    k = INPUT_SIDE / side
    matrix = np.zeros((2, 3))
    matrix[:, :2] = k * rot
    matrix[:, 2] = INPUT_SIDE / 2 - k * rot @ centre
    return Crop(matrix)


class PersonMasker:
    """BlazePose's person mask on the OpenVINO runtime; one per process (``get_masker``)."""

    def __init__(self, path: Path) -> None:
        import openvino as ov

        core = ov.Core()
        config: dict[str, Any] = {"INFERENCE_PRECISION_HINT": "f32",
                                  "PERFORMANCE_HINT": "LATENCY"}
        try:
            model = core.read_model(str(path))
            self._compiled = core.compile_model(model, "CPU", config)
        except RuntimeError as exc:
            raise errors.ModelError(f"the person mask model at {path} did not load: {exc}") \
                from exc
        self._landmarks_output = self._compiled.output(LANDMARKS_OUTPUT)
        self._flag_output = self._compiled.output(POSE_FLAG_OUTPUT)
        self._mask_output = self._compiled.output(MASK_OUTPUT)
        self._world_output = self._compiled.output(WORLD_OUTPUT)
        self._lock = threading.Lock()

    def infer(self, image: NDArray[np.uint8], crop: Crop) -> Any:
        """The network's raw outputs on ``crop`` of ``image`` (BGR): landmarks (output 0,
        39 × x, y, z, visibility, presence in crop pixels), the mask's logits (output 2)."""
        patch = cv2.warpAffine(image, crop.matrix, (INPUT_SIDE, INPUT_SIDE),
                               flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
        x = cv2.cvtColor(patch, cv2.COLOR_BGR2RGB).astype(np.float32)[None] / 255.0
        with self._lock:
            return self._compiled(x)

    def read(self, image: NDArray[np.uint8], crop: Crop
             ) -> tuple[NDArray[np.bool_], NDArray[np.float64]]:
        """One inference: the person's mask over ``image`` and BlazePose's landmarks in
        COCO-17 order, (17, 3) x, y in ``image`` pixels and visibility 0–1 (``read_all``
        without the world landmarks)."""
        reading = self.read_all(image, crop)
        return reading.mask, reading.landmarks

    def read_all(self, image: NDArray[np.uint8], crop: Crop) -> Reading:
        """One inference: the mask, the COCO-17 landmarks and the world landmarks.

        The mask is the network's logit above 0 (probability over one half), warped back as
        logits, not probabilities: their bilinear interpolation keeps a sub-pixel edge where
        probabilities would saturate. Outside the crop it is ``OUTSIDE_LOGIT``.

        The world landmarks come out in the crop's axes; MediaPipe turns them by its crop's
        rotation, and so is the turn undone here (x, y only: the crop turns about the
        camera's axis, which leaves depth alone)."""
        raw = self.infer(image, crop)
        h, w = image.shape[:2]
        logits = cv2.warpAffine(raw[self._mask_output][0, :, :, 0], crop.matrix, (w, h),
                                flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                borderMode=cv2.BORDER_CONSTANT, borderValue=OUTSIDE_LOGIT)
        all_points = np.asarray(raw[self._landmarks_output], dtype=np.float64).reshape(-1, 5)
        points = all_points[COCO_FROM_BLAZEPOSE]
        back = cv2.invertAffineTransform(crop.matrix)
        landmarks = np.empty((len(COCO_FROM_BLAZEPOSE), 3))
        landmarks[:, :2] = points[:, :2] @ back[:, :2].T + back[:, 2]
        landmarks[:, 2] = _sigmoid(points[:, 3])
        metres = np.asarray(raw[self._world_output], dtype=np.float64).reshape(-1, 3)
        world = np.empty((BODY_LANDMARKS, 5))
        # crop = turn · image, so image = turnᵀ · crop (rows here: xᵀ · turn).
        world[:, :2] = metres[:BODY_LANDMARKS, :2] @ crop.turn
        world[:, 2] = metres[:BODY_LANDMARKS, 2]
        world[:, 3:] = _sigmoid(all_points[:BODY_LANDMARKS, 3:5])
        flag = float(np.asarray(raw[self._flag_output]).reshape(-1)[0])
        return Reading(np.asarray(logits > 0.0), landmarks, world, flag)

    def mask(self, image: NDArray[np.uint8], keypoints: NDArray[np.float64]
             ) -> NDArray[np.bool_] | None:
        """The lifter's mask in ``image`` from their (17, 2) keypoints in its pixels; None
        when the keypoints cannot place a crop."""
        crop = crop_for(keypoints)
        if crop is None:
            return None
        return self.read(image, crop)[0]


_maskers: PerProcess[Path, PersonMasker] = PerProcess(PersonMasker)


def get_masker(settings: Settings) -> PersonMasker:
    """The process's person mask model: verified and loaded on first use only."""
    return _maskers.get(provision.verify_person_mask(settings))
