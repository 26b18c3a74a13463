"""The words hingecheck uses for its choices, each spelled once, here.

Every other module, the API (FastAPI lists the choices in the OpenAPI and answers a bad
value with 422), the CLI (Typer lists them in ``--help`` and refuses a bad one) and the
coach's page (it reads them from ``GET /v1/scoring``) take them from this module. A test
(``tests/unit/test_vocabulary.py``) fails where one of these words is written as a string
literal anywhere else in the code.

This module imports nothing of hingecheck: every layer may use it.
"""

from __future__ import annotations

from enum import StrEnum


class Exercise(StrEnum):
    """The hinge exercises with a profile (``analysis/profiles.py``)."""

    RDL = "rdl"
    DEADLIFT = "deadlift"
    KETTLEBELL_SWING = "kettlebell_swing"
    GOOD_MORNING = "good_morning"
    WALL_DRILL = "wall_drill"


class ExerciseChoice(StrEnum):
    """What a client may ask for: an exercise, or ``auto`` (hingecheck guesses it)."""

    RDL = "rdl"
    DEADLIFT = "deadlift"
    KETTLEBELL_SWING = "kettlebell_swing"
    GOOD_MORNING = "good_morning"
    WALL_DRILL = "wall_drill"
    AUTO = "auto"

    @property
    def exercise(self) -> Exercise | None:
        """The exercise asked for, or None for ``auto``."""
        return None if self is ExerciseChoice.AUTO else Exercise(self.value)


DEFAULT_EXERCISE = Exercise.RDL


class FaultName(StrEnum):
    """The faults hingecheck calls (``analysis/catalogue.py`` says what each one is)."""

    LUMBAR_ROUNDING = "lumbar_rounding"
    SQUAT_SUBSTITUTION = "squat_substitution"
    INCOMPLETE_HINGE = "incomplete_hinge"
    HIPS_RISE_FIRST = "hips_rise_first"
    HYPEREXTENSION = "hyperextension"
    LOCKED_KNEES = "locked_knees"
    ASYMMETRIC_TEMPO = "asymmetric_tempo"


class JobStatus(StrEnum):
    """Where a job stands (``jobs/models.py``)."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REJECTED = "rejected"

    @property
    def ended(self) -> bool:
        """Whether the job will not change any more (until it is analysed again)."""
        return self in ENDED_STATUSES


ENDED_STATUSES: frozenset[JobStatus] = frozenset(
    {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.REJECTED})


class OutputKind(StrEnum):
    """The files a finished job stores, by the name the API serves them under."""

    RESULT = "result"
    VIDEO = "video"
    POSTER = "poster"
    CHART = "chart"

    @property
    def file_name(self) -> str:
        return _OUTPUT_FILES[self][0]

    @property
    def media_type(self) -> str:
        return _OUTPUT_FILES[self][1]


_OUTPUT_FILES: dict[OutputKind, tuple[str, str]] = {
    OutputKind.RESULT: ("result.json", "application/json"),
    OutputKind.VIDEO: ("annotated.mp4", "video/mp4"),
    OutputKind.POSTER: ("poster.jpg", "image/jpeg"),
    OutputKind.CHART: ("angles.png", "image/png"),
}
# The outputs drawn from the result (everything but result.json itself).
RENDERED_OUTPUTS: tuple[OutputKind, ...] = (OutputKind.VIDEO, OutputKind.POSTER,
                                            OutputKind.CHART)
