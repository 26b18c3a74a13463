"""Video input: probe a file, enforce limits, decode frames (PyAV).

``decode`` (and numpy with it) is imported on first use, so refusing a bad file with
``probe`` stays fast.
"""

from typing import Any

from hingecheck.video.probe import VideoInfo, VideoLimits, probe

__all__ = ["DecodeStats", "DecodedFrame", "VideoInfo", "VideoLimits", "decode_frames", "probe"]


def __getattr__(name: str) -> Any:
    if name in ("DecodeStats", "DecodedFrame", "decode_frames"):
        from hingecheck.video import decode

        return getattr(decode, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
