"""The pose model's lifecycle: resolved from settings, loaded once per process under a
lock, warmed up with one inference, then reused by every analysis in that process.

The model runs on the OpenVINO runtime alone (no torch, no ultralytics): the network is
the yolo11n-pose export made at install (``hingecheck model fetch``), and what runs
around it, letterbox, decoding and NMS, is ``pose.inference``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hingecheck import errors
from hingecheck.pose import provision
from hingecheck.pose.inference import Letterbox, decode_pose, to_input_tensor
from hingecheck.pose.loaded import PerProcess
from hingecheck.settings import Settings

N_KEYPOINTS = 17
STRIDE = 32  # YOLO11's largest feature stride: the input's sides are multiples of it
# The int8 IR provisioned beside the f32 one (NNCF post-training quantization); what it
# left in floating point (the head's decoding) runs in f32 on every CPU.
INT8 = "int8"


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
        return cls(np.zeros((0, 4)), np.zeros((0,)), np.zeros((0, N_KEYPOINTS, 3)))

    def __len__(self) -> int:
        return int(self.scores.shape[0])


@dataclass(frozen=True)
class ModelSpec:
    """Which network runs at which input size and precision; the per-process cache key."""

    path: Path          # the OpenVINO IR (.xml; its .bin beside it)
    backend: str
    imgsz: int
    person_conf: float
    precision: str
    name: str

    @classmethod
    def from_settings(cls, settings: Settings) -> ModelSpec:
        precision = str(settings.inference_precision)
        if settings.pose_model is not None:
            xml = _ir_file(settings.pose_model)
            name = xml.parent.name if settings.pose_model.is_dir() else xml.stem
        elif precision == INT8:
            xml = provision.verify_openvino_int8(settings)
            name = "yolo11n-pose-int8"
        else:
            xml = provision.verify_openvino(settings)
            name = "yolo11n-pose"
        return cls(xml, "openvino", settings.imgsz, settings.person_conf, precision, name)


def _ir_file(path: Path) -> Path:
    """The .xml of an OpenVINO model given as a folder (ultralytics' export) or a file."""
    if not path.exists():
        raise errors.ModelError(f"HINGECHECK_POSE_MODEL points at {path}, which does not exist")
    xml = next(iter(sorted(path.glob("*.xml"))), None) if path.is_dir() else path
    if xml is None or xml.suffix != ".xml" or not xml.with_suffix(".bin").is_file():
        raise errors.ModelError(
            f"HINGECHECK_POSE_MODEL={path} is not an OpenVINO model (an .xml with its .bin, "
            "or a folder holding them, as `yolo export format=openvino` writes)"
        )
    return xml


class PoseModel:
    """A loaded, warmed-up YOLO pose network on OpenVINO's CPU plugin."""

    def __init__(self, spec: ModelSpec) -> None:
        import openvino as ov

        self.spec = spec
        core = ov.Core()
        try:
            network = core.read_model(str(spec.path))
        except Exception as exc:  # OpenVINO raises RuntimeError subclasses of many kinds
            raise errors.ModelError(f"cannot read pose model {spec.path}: {exc}") from exc
        channels = network.output(0).get_partial_shape()[1]
        if not channels.is_static or channels.get_length() != 5 + 3 * N_KEYPOINTS:
            raise errors.ModelError(
                f"{spec.path} is not a COCO-17 pose model (output channels {channels}, "
                f"expected {5 + 3 * N_KEYPOINTS})"
            )
        config: dict[str, Any] = {"PERFORMANCE_HINT": "LATENCY"}
        if spec.precision == INT8:
            config["INFERENCE_PRECISION_HINT"] = "f32"
        elif spec.precision != "auto":
            # "auto" is OpenVINO's own choice: bf16 on CPUs with AVX-512 BF16 or AMX
            # (OpenVINO 2026.4), f32 elsewhere.
            config["INFERENCE_PRECISION_HINT"] = spec.precision
        self._compiled = core.compile_model(network, "CPU", config)
        hint = self._compiled.get_property("INFERENCE_PRECISION_HINT")
        self.precision = hint.to_string() if hasattr(hint, "to_string") else str(hint)
        if spec.precision == INT8:
            self.precision = f"{INT8} (f32 elsewhere)"
        self._request = self._compiled.create_infer_request()
        self._request_lock = threading.Lock()  # one inference at a time per process
        started = time.perf_counter()
        self.predict([np.zeros((spec.imgsz * 9 // 16, spec.imgsz, 3), np.uint8)])
        self.warmup_s = time.perf_counter() - started

    def predict(
        self, images: list[np.ndarray], scales: list[float] | None = None
    ) -> list[FrameDetections]:
        """Run one batch. ``scales[i]`` maps image i's pixels to display pixels (divide).

        Images of one size go through the network together; a batch of mixed sizes is
        run size by size.
        """
        boxes = [Letterbox.plan(image.shape[:2], self.spec.imgsz, STRIDE) for image in images]
        groups: dict[tuple[int, int], list[int]] = {}
        for i, box in enumerate(boxes):
            groups.setdefault(box.input_hw, []).append(i)
        out: list[FrameDetections] = [FrameDetections.empty()] * len(images)
        for members in groups.values():
            tensor = to_input_tensor([boxes[i].apply(images[i]) for i in members])
            with self._request_lock:
                raw = self._request.infer({0: tensor})[0].copy()
            for row, i in enumerate(members):
                found = decode_pose(raw[row], boxes[i], conf_threshold=self.spec.person_conf,
                                    n_keypoints=N_KEYPOINTS)
                if not len(found.scores):
                    continue
                scale = scales[i] if scales else 1.0
                kps = found.keypoints.copy()
                kps[..., :2] /= scale
                out[i] = FrameDetections(found.boxes / scale, found.scores, kps)
        return out

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.spec.name,
            "path": str(self.spec.path),
            "backend": self.spec.backend,
            "imgsz": self.spec.imgsz,
            "person_conf": self.spec.person_conf,
            "precision": self.precision,
        }


_models: PerProcess[ModelSpec, PoseModel] = PerProcess(PoseModel)


def get_pose_model(settings: Settings) -> PoseModel:
    """The process's model for these settings: loaded and warmed up on first use only."""
    return _models.get(ModelSpec.from_settings(settings))
