"""A clip made from a real photograph that ultralytics ships (``zidane.jpg``: two people),
provisioned by ``hingecheck model fetch``.

A slow pan and zoom across the photo gives a real-looking video with real people in it, so
the pose pipeline and its speed can be exercised on any fresh machine without footage.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from hingecheck.video.encode import write_h264


def shipped_photo(name: str = "zidane.jpg") -> Path:
    """Path of a provisioned photo from ultralytics' assets (bus.jpg or zidane.jpg)."""
    from hingecheck.pose.provision import FETCH_HINT, photo_path
    from hingecheck.settings import get_settings

    path = photo_path(get_settings(), name)
    if not path.is_file():
        raise FileNotFoundError(f"the photo {name} is not at {path}; {FETCH_HINT}")
    return path


def photo_frames(
    photo: np.ndarray, width: int, height: int, n_frames: int, seed: int = 0
) -> Iterator[np.ndarray]:
    """Frames that pan and zoom slowly over ``photo``, with a little sensor noise."""
    rng = np.random.default_rng(seed)
    # A few noise patterns, cycled: fresh Gaussian noise per 1080p frame is slow to draw.
    noises = [rng.normal(0, 2.0, (height, width, 3)).astype(np.float32) for _ in range(4)]
    ph, pw = photo.shape[:2]
    for i in range(n_frames):
        phase = i / max(n_frames - 1, 1)
        zoom = 1.0 + 0.15 * np.sin(np.pi * phase)
        crop_w, crop_h = pw / zoom, ph / zoom
        x0 = (pw - crop_w) * (0.5 + 0.5 * np.sin(2 * np.pi * phase))
        y0 = (ph - crop_h) * 0.5
        m = np.array([[width / crop_w, 0, -x0 * width / crop_w],
                      [0, height / crop_h, -y0 * height / crop_h]])
        frame = cv2.warpAffine(photo, m, (width, height), flags=cv2.INTER_LINEAR)
        yield np.clip(frame + noises[i % len(noises)], 0, 255).astype(np.uint8)


def write_photo_clip(
    path: str | Path, *, width: int = 1280, height: int = 720, fps: float = 30.0,
    seconds: float = 4.0, seed: int = 0, photo: str = "zidane.jpg",
) -> Path:
    """Write the pan-and-zoom clip as H.264 and return its path."""
    image = cv2.imread(str(shipped_photo(photo)))
    if image is None:
        raise FileNotFoundError(f"cannot read {photo}")
    n = int(round(seconds * fps))
    write_h264(path, photo_frames(image, width, height, n, seed), fps=fps)
    return Path(path)
