"""Video input: probe a file, enforce limits, decode frames (PyAV)."""

from hingecheck.video.decode import DecodedFrame, DecodeStats, decode_frames
from hingecheck.video.probe import VideoInfo, VideoLimits, probe

__all__ = ["DecodeStats", "DecodedFrame", "VideoInfo", "VideoLimits", "decode_frames", "probe"]
