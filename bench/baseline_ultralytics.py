"""The speed benchmark's naive baseline, run by the export environment's Python (torch +
ultralytics): ``YOLO(weights).track(frame, persist=True)`` on every frame that
``cv2.VideoCapture`` reads, ultralytics' defaults. Prints one JSON line.

    python baseline_ultralytics.py WEIGHTS.pt CLIP.mp4
"""

import json
import os
import resource
import sys
import time

os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("YOLO_AUTOINSTALL", "false")
os.environ.setdefault("YOLO_VERBOSE", "false")

import cv2
from ultralytics import YOLO


def main() -> None:
    weights, clip = sys.argv[1], sys.argv[2]
    model = YOLO(weights, task="pose")
    cap = cv2.VideoCapture(clip)
    ok, frame = cap.read()
    model.track(frame, persist=True, verbose=False)  # warm-up, like hingecheck's
    cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
    frames = 0
    started = time.perf_counter()
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        model.track(frame, persist=True, verbose=False)
        frames += 1
    wall = time.perf_counter() - started
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    print(json.dumps({
        "pose_s": wall, "frames_analysed": frames, "clip_s": frames / fps,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "config": "ultralytics + torch, imgsz 640, every frame, YOLO.track",
    }))


if __name__ == "__main__":
    main()
