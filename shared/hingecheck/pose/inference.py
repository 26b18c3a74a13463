"""What runs around the YOLO pose network: letterbox in, boxes and keypoints out.

numpy and OpenCV only, so the runtime needs no torch. Every step follows ultralytics'
own predictor (``LetterBox``, ``non_max_suppression``, ``scale_boxes``/``scale_coords``)
so that the OpenVINO model gives the keypoints ultralytics would give; the parity test
(tests/integration/test_model.py) compares the two on real frames.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

PAD_VALUE = 114      # ultralytics' letterbox grey
IOU_THRESHOLD = 0.7  # ultralytics' default NMS IoU for prediction
MAX_DETECTIONS = 300  # ultralytics' default max_det
MAX_NMS_CANDIDATES = 30_000


@dataclass(frozen=True)
class Letterbox:
    """Where an image of ``source_hw`` sits inside the network input of ``input_hw``."""

    source_hw: tuple[int, int]
    input_hw: tuple[int, int]
    resized_wh: tuple[int, int]
    top: int
    bottom: int
    left: int
    right: int

    @classmethod
    def plan(cls, source_hw: tuple[int, int], imgsz: int, stride: int = 32) -> Letterbox:
        """The smallest stride-aligned rectangle that holds the image scaled to ``imgsz``.

        This is ultralytics' ``LetterBox(auto=True)``, the one it uses for models with a
        dynamic input size: 960×540 at imgsz 640 becomes 640×360 padded to 640×384.
        """
        h, w = source_hw
        r = min(imgsz / h, imgsz / w)
        new_w, new_h = max(round(w * r), 1), max(round(h * r), 1)
        dw = float(np.mod(imgsz - new_w, stride)) / 2
        dh = float(np.mod(imgsz - new_h, stride)) / 2
        top, bottom = round(dh - 0.1), round(dh + 0.1)
        left, right = round(dw - 0.1), round(dw + 0.1)
        return cls(source_hw, (new_h + top + bottom, new_w + left + right), (new_w, new_h),
                   top, bottom, left, right)

    def apply(self, image: np.ndarray) -> np.ndarray:
        """The padded BGR image at the network's input size (uint8, HWC)."""
        if image.shape[:2] != self.source_hw:
            raise ValueError(f"image is {image.shape[:2]}, the letterbox was planned for "
                             f"{self.source_hw}")
        if (image.shape[1], image.shape[0]) != self.resized_wh:
            image = cv2.resize(image, self.resized_wh, interpolation=cv2.INTER_LINEAR)
        return cv2.copyMakeBorder(image, self.top, self.bottom, self.left, self.right,
                                  cv2.BORDER_CONSTANT, value=(PAD_VALUE,) * 3)

    def to_source(self, xy: np.ndarray) -> np.ndarray:
        """Map network-input (x, y) in the last axis back to source pixels, clipped to it."""
        h, w = self.source_hw
        out = np.array(xy, dtype=np.float64, copy=True)
        out[..., 0] = (out[..., 0] - self.left) / (self.resized_wh[0] / w)
        out[..., 1] = (out[..., 1] - self.top) / (self.resized_wh[1] / h)
        out[..., 0] = out[..., 0].clip(0, w)
        out[..., 1] = out[..., 1].clip(0, h)
        return out


def to_input_tensor(images: list[np.ndarray]) -> np.ndarray:
    """Letterboxed BGR uint8 images → one float32 NCHW RGB batch in [0, 1]."""
    batch = np.stack(images)[..., ::-1].transpose(0, 3, 1, 2)
    return np.ascontiguousarray(batch, dtype=np.float32) / np.float32(255.0)


def nms(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Greedy non-maximum suppression (torchvision's rule): indices kept, best first.

    boxes: (n, 4) x1 y1 x2 y2; a box is dropped when its IoU with a kept, higher-scoring
    box is above ``iou_threshold``.
    """
    order = np.argsort(-scores, kind="stable")
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    keep: list[int] = []
    while order.size:
        i = int(order[0])
        keep.append(i)
        rest = order[1:]
        x1 = np.maximum(boxes[i, 0], boxes[rest, 0])
        y1 = np.maximum(boxes[i, 1], boxes[rest, 1])
        x2 = np.minimum(boxes[i, 2], boxes[rest, 2])
        y2 = np.minimum(boxes[i, 3], boxes[rest, 3])
        inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
        iou = inter / (areas[i] + areas[rest] - inter + 1e-9)
        order = rest[iou <= iou_threshold]
    return np.asarray(keep, dtype=np.intp)


@dataclass(frozen=True)
class RawDetections:
    """One image's persons in source pixels: boxes (n, 4), scores (n,), keypoints (n, k, 3)."""

    boxes: np.ndarray
    scores: np.ndarray
    keypoints: np.ndarray


def decode_pose(output: np.ndarray, box: Letterbox, *, conf_threshold: float,
                n_keypoints: int = 17) -> RawDetections:
    """One image's network output (4 + 1 + k·3, anchors) → persons in source pixels.

    The exported head already applies the sigmoids: channel 4 is the person score and
    every third keypoint channel a visibility in [0, 1].
    """
    pred = output.T.astype(np.float64)
    pred = pred[pred[:, 4] > conf_threshold]
    if pred.shape[0] > MAX_NMS_CANDIDATES:
        pred = pred[np.argsort(-pred[:, 4], kind="stable")[:MAX_NMS_CANDIDATES]]
    cx, cy, bw, bh = pred[:, 0], pred[:, 1], pred[:, 2], pred[:, 3]
    boxes = np.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], axis=1)
    keep = nms(boxes, pred[:, 4], IOU_THRESHOLD)[:MAX_DETECTIONS]
    kps = pred[keep, 5:5 + 3 * n_keypoints].reshape(-1, n_keypoints, 3)
    corners = box.to_source(boxes[keep].reshape(-1, 2, 2)).reshape(-1, 4)
    kps[..., :2] = box.to_source(kps[..., :2])
    return RawDetections(corners, pred[keep, 4], kps)
