"""ultralytics' own answer on some images, for the parity test: run by the export
environment's Python (torch + ultralytics), never imported by the tests.

    python ultralytics_reference.py MODEL IMAGE... > answers.json

MODEL is a .pt file or an OpenVINO export folder; prints one JSON list, per image the
boxes, scores and keypoints ultralytics' predictor returns (imgsz 640, conf 0.25).
"""

import json
import os
import sys

os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("YOLO_AUTOINSTALL", "false")
os.environ.setdefault("YOLO_VERBOSE", "false")

import cv2
from ultralytics import YOLO


def main() -> None:
    model = YOLO(sys.argv[1], task="pose")
    answers = []
    for path in sys.argv[2:]:
        (result,) = model.predict(cv2.imread(path), imgsz=640, conf=0.25, verbose=False)
        answers.append({
            "boxes": result.boxes.xyxy.cpu().numpy().tolist(),
            "scores": result.boxes.conf.cpu().numpy().tolist(),
            "keypoints": result.keypoints.data.cpu().numpy().tolist(),
        })
    print(json.dumps(answers))


if __name__ == "__main__":
    main()
