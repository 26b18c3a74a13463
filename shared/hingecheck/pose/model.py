"""The pose model's lifecycle: resolved from settings, loaded once per process under a
lock, warmed up with one inference, then reused by every analysis in that process."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import hingecheck.pose  # noqa: F401  (sets ultralytics' offline switches before import)
from hingecheck import errors
from hingecheck.pose import provision
from hingecheck.settings import Settings


@dataclass(frozen=True)
class FrameDetections:
    """All persons the model found in one frame, in display-pixel coordinates.

    boxes: (n, 4) x1, y1, x2, y2; scores: (n,); keypoints: (n, 17, 3) x, y, confidence
    in COCO-17 order.
    """

    boxes: np.ndarray
    scores: np.ndarray
    keypoints: np.ndarray

    @classmethod
    def empty(cls) -> FrameDetections:
        return cls(np.zeros((0, 4)), np.zeros((0,)), np.zeros((0, 17, 3)))

    def __len__(self) -> int:
        return int(self.scores.shape[0])


@dataclass(frozen=True)
class ModelSpec:
    """Which weights run on which backend; the key of the per-process cache."""

    path: Path
    backend: str
    imgsz: int
    person_conf: float
    name: str

    @classmethod
    def from_settings(cls, settings: Settings) -> ModelSpec:
        if settings.pose_model is not None:
            path = settings.pose_model
            if not path.exists():
                raise errors.ModelError(
                    f"HINGECHECK_POSE_MODEL points at {path}, which does not exist"
                )
            backend = "openvino" if path.name.endswith("_openvino_model") else "torch"
            return cls(path, backend, settings.imgsz, settings.person_conf, path.name)
        if settings.backend == "openvino":
            path = provision.openvino_path(settings)
            if not (path / "hingecheck.json").is_file():
                raise errors.ModelError(
                    f"the OpenVINO pose model is not at {path}; {provision.FETCH_HINT}, "
                    "or set HINGECHECK_BACKEND=torch"
                )
            provision.verify_weights(provision.weights_path(settings))
        else:
            path = provision.weights_path(settings)
            provision.verify_weights(path)
        return cls(path, settings.backend, settings.imgsz, settings.person_conf, "yolo11n-pose")


class PoseModel:
    """A loaded, warmed-up YOLO pose model."""

    def __init__(self, spec: ModelSpec) -> None:
        from ultralytics import YOLO

        self.spec = spec
        try:
            self._yolo = YOLO(str(spec.path), task="pose")
        except Exception as exc:  # ultralytics raises many kinds; all mean "cannot load"
            raise errors.ModelError(f"cannot load pose model {spec.path}: {exc}") from exc
        if getattr(self._yolo, "task", "pose") != "pose":
            raise errors.ModelError(f"{spec.path} is a {self._yolo.task} model, not a pose model")
        started = time.perf_counter()
        self.predict([np.zeros((spec.imgsz, spec.imgsz, 3), np.uint8)])
        self.warmup_s = time.perf_counter() - started

    def predict(
        self, images: list[np.ndarray], scales: list[float] | None = None
    ) -> list[FrameDetections]:
        """Run one batch. ``scales[i]`` maps image i's pixels to display pixels (divide)."""
        results: list[Any] = self._yolo.predict(
            images, imgsz=self.spec.imgsz, conf=self.spec.person_conf, verbose=False,
            classes=[0],
        )
        out = []
        for i, result in enumerate(results):
            scale = scales[i] if scales else 1.0
            if result.boxes is None or len(result.boxes) == 0 or result.keypoints is None:
                out.append(FrameDetections.empty())
                continue
            boxes = result.boxes.xyxy.cpu().numpy().astype(np.float64) / scale
            scores = result.boxes.conf.cpu().numpy().astype(np.float64)
            kps = result.keypoints.data.cpu().numpy().astype(np.float64)
            kps[..., :2] /= scale
            out.append(FrameDetections(boxes, scores, kps))
        return out

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.spec.name,
            "path": str(self.spec.path),
            "backend": self.spec.backend,
            "imgsz": self.spec.imgsz,
            "person_conf": self.spec.person_conf,
        }


_cache: dict[ModelSpec, PoseModel] = {}
_lock = threading.Lock()


def get_pose_model(settings: Settings) -> PoseModel:
    """The process's model for these settings: loaded and warmed up on first use only."""
    spec = ModelSpec.from_settings(settings)
    with _lock:
        model = _cache.get(spec)
        if model is None:
            model = _cache[spec] = PoseModel(spec)
        return model
