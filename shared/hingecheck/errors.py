"""Errors a user can act on.

Every error carries a stable ``code`` (used as the problem ``type`` by the APIs and as the
reason in job records) and a message that says what was wrong and what to do.
"""

from __future__ import annotations


class HingecheckError(Exception):
    """Base class: a failure with a stable code and a message for the user."""

    code = "hingecheck-error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class VideoError(HingecheckError):
    """The file is not a video hingecheck can analyse."""

    code = "invalid-video"


class NotAVideo(VideoError):
    code = "not-a-video"


class TruncatedVideo(VideoError):
    code = "truncated-video"


class VideoTooLong(VideoError):
    code = "video-too-long"


class VideoTooLarge(VideoError):
    code = "video-too-large"


class VideoTooShort(VideoError):
    code = "video-too-short"


class TooManyFrames(VideoError):
    code = "too-many-frames"


class UnsupportedCodec(VideoError):
    code = "unsupported-codec"


class ModelError(HingecheckError):
    """The pose model is missing, corrupt or cannot be loaded."""

    code = "model-unavailable"


class NoAthleteFound(HingecheckError):
    code = "no-athlete"
