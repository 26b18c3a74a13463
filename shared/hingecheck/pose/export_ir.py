"""Export yolo11n-pose weights to OpenVINO IR: the one step that needs torch.

Run by ``hingecheck model fetch`` with the export environment's Python (torch and
ultralytics-opencv-headless installed there, never in the runtime environment), as a plain
script: it imports nothing from hingecheck.

    python export_ir.py WEIGHTS.pt OUT_DIR --imgsz 640 --batch 8
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

# ultralytics reads these at import: never probe the network, never pip-install.
os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("YOLO_AUTOINSTALL", "false")
os.environ.setdefault("YOLO_VERBOSE", "false")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("weights", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--imgsz", type=int, default=640)
    parser.add_argument("--batch", type=int, default=8)
    args = parser.parse_args()
    try:
        from ultralytics import YOLO
    except ImportError as exc:
        print(f"this Python ({sys.executable}) cannot export: {exc}; it needs torch and "
              "ultralytics-opencv-headless (deploy/export-requirements.txt)", file=sys.stderr)
        return 3
    with tempfile.TemporaryDirectory(prefix="hingecheck-export-") as tmp:
        work = Path(tmp) / args.weights.name
        shutil.copyfile(args.weights, work)
        # dynamic=True: one export serves every input size and batch, so a 16:9 frame is
        # letterboxed to 640×384 instead of 640×640.
        exported = YOLO(str(work), task="pose").export(
            format="openvino", dynamic=True, batch=args.batch, imgsz=args.imgsz
        )
        shutil.rmtree(args.out, ignore_errors=True)
        shutil.move(str(exported), args.out)
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
