"""Errors a user can act on.

Every error carries a stable ``code`` (kebab-case; used as the problem ``type`` by the APIs
and as the reason in job records), a message that says what was wrong and what to do, and
whether another attempt at the job could end otherwise (``retryable``).
"""

from __future__ import annotations


class HingecheckError(Exception):
    """Base class: a failure with a stable code and a message for the user."""

    code = "hingecheck-error"
    # The clip itself is the problem: another attempt would get the same answer.
    retryable = False

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
    # This machine's model is missing or broken: another attempt may run elsewhere.
    retryable = True


class JobTimedOut(HingecheckError):
    """The job ran past its time limit (Celery's soft limit)."""

    code = "timed-out"
    retryable = True


class NoAthleteFound(HingecheckError):
    code = "no-athlete"
