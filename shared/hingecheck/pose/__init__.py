"""Pose: model provisioning and loading, inference, athlete tracking, track cleaning."""

import os

# ultralytics reads these at import: never probe the network, never pip-install at run time.
os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("YOLO_AUTOINSTALL", "false")
os.environ.setdefault("YOLO_VERBOSE", "false")
