"""How a coach's list is read: how urgent a clip is, which job of a clip uploaded again
counts, when it was filmed and whose it is by its file name. One definition each, served
by the API on every job view, so the coach's page, the CSV, the batch summary and third-
party clients agree.

Pure: plain values in, plain values out; no database, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from hingecheck.analysis.catalogue import FAULT_WEIGHTS
from hingecheck.vocab import JobStatus


def urgency(status: str, score: float | None,
            faults: Iterable[Mapping[str, object]]) -> float | None:
    """The largest, over the clip's faults, of the fault's weight (GET /v1/scoring) × its
    worst severity over the reps: 0.0 for a judged clip with no fault, None for a job
    that has not succeeded or a clip that was not judged (no score)."""
    if status != JobStatus.SUCCEEDED or score is None:
        return None
    worst = 0.0
    for fault in faults:
        weight = FAULT_WEIGHTS.get(str(fault.get("name")), 0.0)  # type: ignore[call-overload]
        severity = fault.get("worst_severity")
        worst = max(worst, weight * (float(severity) if isinstance(severity, int | float)
                                     else 0.0))
    return round(worst, 4)


def urgency_key(urgency_value: float | None, score: float | None) -> tuple[float, float]:
    """Sort key for "most urgent first": urgency descending, then score ascending; clips
    with no urgency (not judged, not done) last."""
    return (-(urgency_value if urgency_value is not None else -1.0),
            score if score is not None else 101.0)


_DATE = re.compile(r"(20\d\d)-?([01]\d)-?([0-3]\d)")
# Before this a container's creation time is a default (QuickTime's 1904, the 1970 epoch),
# not a day someone filmed.
FIRST_FILMING_YEAR = 2000


def filmed_on(file_name: str | None, created_at: datetime | None = None,
              uploaded_at: datetime | None = None) -> date | None:
    """The date a clip was filmed: the video's own creation time (``created_at``, the
    container's tag, its UTC date) where it is plausible (not before 2000, not after the
    upload by more than a day: a camera with its clock unset); else the date its file name
    carries (``anna_2026-11-20.mp4``, ``VID_20261120_…``), the first that is a real day;
    None otherwise."""
    if created_at is not None and created_at.year >= FIRST_FILMING_YEAR and (
            uploaded_at is None or created_at <= uploaded_at + timedelta(days=1)):
        return created_at.date()
    match = _DATE.search(file_name or "")
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:  # 2026-02-31 and the like: no date
        return None


# Names a camera or an app gives a file: they name no athlete.
_CAMERA_ROLL = re.compile(
    r"^(img|vid|pxl|mvimg|dsc[fn]?|mov|video|trim|screen[ _-]?recording|screenrecording|"
    r"whatsapp|signal|telegram|snapchat|rpreplay|gopr|gx|dji)([_\-. ]|\d|$)", re.IGNORECASE)
_WORD_SPLIT = re.compile(r"[_\-. ]")


def athlete_from_file_name(file_name: str | None) -> str | None:
    """The athlete a file's name begins with (its first word, capitalised:
    ``anna_rdl_2026-11-20.mp4`` → ``Anna``); None where the name is a camera's or an
    app's (``IMG_1234.MOV``, ``PXL_20261120_…``, ``Screen Recording …``, ``WhatsApp
    Video …``) or its first word is not a name (digits only, empty)."""
    name = (file_name or "").strip()
    if not name or _CAMERA_ROLL.match(name):
        return None
    word = _WORD_SPLIT.split(name, maxsplit=1)[0]
    if not word or not any(ch.isalpha() for ch in word):
        return None
    return word[0].upper() + word[1:].lower()


@dataclass(frozen=True)
class Clip:
    """What "counted once" reads of a job."""

    id: str
    athlete: str | None
    source_name: str
    status: str
    created_at: datetime


def counted_under(jobs: Iterable[Clip]) -> dict[str, str]:
    """Each job that is not counted → the job its clip is counted under. A clip is one
    athlete's one file name (uploaded again, or re-analysed); it counts under its newest
    succeeded job, or its newest job while none has succeeded. Jobs that count are not in
    the answer."""
    groups: dict[tuple[str | None, str], list[Clip]] = {}
    for job in jobs:
        groups.setdefault((job.athlete, job.source_name), []).append(job)
    superseded: dict[str, str] = {}
    for members in groups.values():
        newest_first = sorted(members, key=lambda j: (j.created_at, j.id), reverse=True)
        done = [j for j in newest_first if j.status == JobStatus.SUCCEEDED]
        counted = (done or newest_first)[0]
        superseded.update({j.id: counted.id for j in members if j.id != counted.id})
    return superseded
