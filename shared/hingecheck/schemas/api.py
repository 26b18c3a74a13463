"""The API's bodies: what a generated client, and hingecheck.client, send and get for each
operation. Every limit the server enforces is stated here, so that the OpenAPI says it
(lengths, patterns, ranges, no unknown properties)."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from hingecheck.schemas.feedback import Drawing
from hingecheck.triage import athlete_from_file_name, filmed_on, urgency
from hingecheck.vocab import ExerciseChoice, JobStatus

if TYPE_CHECKING:
    from hingecheck.jobs.models import Job

__all__ = ["JobStatus"]

# Characters that have no place in a name: controls (C0, DEL, C1) and the invisible
# formatting ones that reorder or hide text (bidi overrides and isolates, zero-width).
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
_INVISIBLE = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
NO_NUL = r"^[^\x00]*$"  # NUL cannot be stored (PostgreSQL text refuses it)
# What Python's str.split() or ECMA's \s counts as a space, spelt out: the two differ
# (U+0085 and U+001C–U+001F are spaces to Python only, U+FEFF to ECMA only).
SPACES = r"\x09-\x0d\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
NOT_BLANK = rf"^[^\x00]*[^{SPACES}\x00][^\x00]*$"
# A character that is still there once clean_name has run: not a space, a control or an
# invisible formatting character.
VISIBLE = (r"[^\x00-\x20\x7f-\xa0\u061c\u1680\u2000-\u200f\u2028-\u202f\u205f-\u2069"
           r"\u3000\ufeff]")
NAMES_SOMEONE = rf"^[^\x00]*{VISIBLE}[^\x00]*$"
MAX_AT_S = 86_400.0  # a note's moment: no clip the server takes is a day long


def clean_name(value: str) -> str:
    """A name as stored: controls become spaces, invisible formatting characters go,
    runs of spaces become one, the ends are trimmed."""
    return " ".join(_CONTROLS.sub(" ", _INVISIBLE.sub("", value)).split())


def _not_blank(value: str) -> str:
    if not value:
        raise ValueError("must name someone (not only spaces or invisible characters)")
    return value


# A name a client gives (athlete, batch): cleaned; a required one must not end up blank.
Name = Annotated[str, Field(max_length=200, pattern=NO_NUL), AfterValidator(clean_name)]
RequiredName = Annotated[str, Field(min_length=1, max_length=200, pattern=NAMES_SOMEONE,
                                    description="at least one visible character (not "
                                    "only spaces, controls or invisible formatting); no "
                                    "NUL"),
                         AfterValidator(clean_name), AfterValidator(_not_blank)]


def _json_number(value: object) -> object:
    # Lax pydantic would read true as 1 and "14" as 14; the schema says a number. An
    # integral float (14.0) stays an integer, as JSON Schema counts it.
    if isinstance(value, bool | str | bytes):
        raise ValueError("must be a number (not a boolean or a string)")
    return value


# An integer in a request body: a JSON number, not true or "14".
JsonInt = Annotated[int, BeforeValidator(_json_number)]


class Body(BaseModel):
    """A request body: unknown properties are refused (a misspelt field would otherwise be
    ignored silently)."""

    model_config = ConfigDict(extra="forbid")


def _utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive times; every time here is UTC."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


# A time in a response: always with its offset (a naive one from SQLite is UTC).
UtcTime = Annotated[datetime, AfterValidator(_aware)]


class JobFault(BaseModel):
    name: str = Field(description="a fault of GET /v1/scoring's catalogue")
    worst_severity: float | None = Field(description="0–1 over the clip's reps")


class JobError(BaseModel):
    code: str = Field(description="stable, kebab-case: not-a-video, no-athlete, …")
    message: str | None


class JobLinks(BaseModel):
    self: str
    result: str
    video: str
    poster: str


class RepBrief(BaseModel):
    index: int = Field(description="0-based, as in result.json")
    start_s: float
    end_s: float
    score: float | None = Field(description="null where the rep was not judged")
    faults: list[str] = Field(description="fault names")


class JobView(BaseModel):
    id: str
    status: JobStatus
    progress: float = Field(ge=0, le=1)
    outputs_ready: bool = Field(default=False, description="true once the annotated clip, "
                                "poster and chart are stored; a succeeded job's verdict "
                                "(result) comes first, so they may follow a few seconds "
                                "later (409 rendering until then)")
    attempts: int
    exercise: ExerciseChoice = Field(description="as asked: an exercise or auto")
    exercise_found: str | None = Field(default=None, description="the profile the reps "
                                       "were judged by, once succeeded (what auto guessed)")
    reanalysis_of: str | None = Field(default=None, description="the job whose clip this "
                                      "one analyses again, if it is a re-analysis")
    athlete: str | None = Field(description="as uploaded, or read from the file name "
                                "where none was given (athlete_guessed)")
    athlete_guessed: bool = Field(default=False, description="true where the athlete was "
                                  "read from the file name (no athlete was uploaded)")
    batch: str | None
    source_name: str
    filmed_on: date | None = Field(default=None, description="the day the clip was filmed: "
                                   "the video's own creation time (its UTC date) where the "
                                   "file carries a plausible one, else the date in its file "
                                   "name; null where neither")
    filmed_at: UtcTime | None = Field(default=None, description="the video's own creation "
                                       "time (result.json's video.created_at), once "
                                       "succeeded; null where the file has none")
    score: float | None = Field(description="0–100 once succeeded and judged")
    urgency: float | None = Field(default=None, description="how badly the clip needs the "
                                  "coach: the largest fault weight × worst severity; 0 for "
                                  "a judged clip with no fault; null where not succeeded or "
                                  "not judged. Most urgent first = urgency descending, then "
                                  "score ascending")
    superseded_by: str | None = Field(default=None, description="the job this clip is "
                                      "counted under (the same athlete's same file name, "
                                      "uploaded again or re-analysed: its newest succeeded "
                                      "job); null where this job is the one counted")
    unscored_reason: str | None = Field(default=None, description="why a succeeded job has "
                                        "no score (filmed too far off the side, no rep "
                                        "found); null otherwise")
    rep_scores: list[RepBrief] = Field(default_factory=list, description="each rep's score "
                                       "and faults, once succeeded (result.json has more)")
    reps: int | None
    faults: list[JobFault]
    error: JobError | None
    created_at: UtcTime | None
    finished_at: UtcTime | None
    links: JobLinks

    @classmethod
    def from_job(cls, job: Job, superseded_by: str | None = None) -> JobView:
        """The view of a job record; ``superseded_by`` from triage.counted_under."""
        from hingecheck.jobs.rendering import outputs_ready  # the database layer, lazily

        faults = json.loads(job.faults) if job.faults else []
        guessed = job.athlete is None and athlete_from_file_name(job.source_name) is not None
        return cls(
            id=job.id, status=JobStatus(job.status), progress=job.progress,
            outputs_ready=outputs_ready(job),
            attempts=job.attempts or 0, exercise=ExerciseChoice(job.exercise),
            exercise_found=job.exercise_found, reanalysis_of=job.reanalysis_of,
            athlete=job.athlete if not guessed else athlete_from_file_name(job.source_name),
            athlete_guessed=guessed, batch=job.batch, source_name=job.source_name,
            filmed_on=filmed_on(job.source_name, _utc(job.video_created_at),
                                _utc(job.created_at)),
            filmed_at=_utc(job.video_created_at), score=job.score,
            urgency=urgency(job.status, job.score, faults), superseded_by=superseded_by,
            unscored_reason=job.unscored_reason,
            rep_scores=json.loads(job.rep_summary) if job.rep_summary else [],
            reps=job.rep_count, faults=faults,
            error=None if job.error_code is None else JobError(code=job.error_code,
                                                                message=job.error_message),
            created_at=_utc(job.created_at), finished_at=_utc(job.finished_at),
            links=JobLinks(self=f"/v1/jobs/{job.id}", result=f"/v1/jobs/{job.id}/result",
                           video=f"/v1/jobs/{job.id}/video",
                           poster=f"/v1/jobs/{job.id}/poster"))


class JobList(BaseModel):
    jobs: list[JobView]
    next_cursor: str | None = Field(description="pass as cursor for the next page; null at "
                                                "the end")


class BatchRef(BaseModel):
    id: str
    name: str


class BatchItem(BatchRef):
    created_at: UtcTime


class BatchList(BaseModel):
    batches: list[BatchItem]


class AthleteLine(BaseModel):
    athlete: str | None
    clips: int
    mean_score: float | None


class BatchSummary(BatchRef):
    counts: dict[str, int] = Field(description="clips by status, each clip counted once "
                                   "(under the job it is counted under); succeeded counts "
                                   "the judged ones, not_judged the succeeded clips with no "
                                   "score")
    athletes: list[AthleteLine] = Field(description="each clip counted once")
    jobs: list[JobView] = Field(description="every job, most urgent first (urgency "
                                "descending, then score ascending)")


class FaultInfo(BaseModel):
    name: str
    label: str
    cue: str
    weight: float
    colour: str
    anchor: str


class GradeBand(BaseModel):
    grade: str
    min_score: float
    meaning: str


class EvidenceInfo(BaseModel):
    label: str = Field(description="what the number is, in a coach's words")
    unit: str


class Reference(BaseModel):
    fault: str
    evidence: str = Field(description="its key in the fault's evidence (result.json)")
    ok: float = Field(description="nothing wrong here")
    bad: float = Field(description="clearly wrong here; the fault is called half way")


class ExerciseOption(BaseModel):
    name: ExerciseChoice
    label: str


class ExerciseReferences(BaseModel):
    name: str
    label: str
    references: list[Reference]


class Scoring(BaseModel):
    fault_weights: dict[str, float]
    faults: list[FaultInfo]
    grades: list[GradeBand]
    formula: str
    evidence: dict[str, EvidenceInfo] = Field(
        description="every key a fault's evidence may hold: what it is and its unit")
    exercises: list[ExerciseReferences] = Field(
        description="each exercise's reference values: where every number that can call a "
                    "fault runs from nothing wrong to clearly wrong")
    exercise_choices: list[ExerciseOption] = Field(
        default_factory=list, description="what an upload may ask for (the exercises and "
                                          "auto), in the order to offer them")


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    ready: bool
    database: str = Field(description="ok, or down: the reason")
    storage: str = Field(description="ok, or down: the reason")
    broker: str | None = Field(default=None, description="distributed mode only: ok, or "
                                                         "down: the reason")


class NoteIn(Body):
    # A drawing is on a frame: with a drawing, at_s is a number (stated in the schema too,
    # so that a generated client knows).
    model_config = ConfigDict(extra="forbid", json_schema_extra={"anyOf": [
        {"properties": {"drawing": {"type": "null"}}},
        {"properties": {"at_s": {"type": "number"}}, "required": ["at_s"]}]})

    # the bounds before the validator: after it, in a union, the schema loses them
    rep: Annotated[int, Field(ge=0, le=10_000), BeforeValidator(_json_number)] | None = Field(
        default=None, description="the rep (0-based, as in result.json's reps); null: a "
        "note on the whole clip. A rep the job does not have is a 409 no-such-rep")
    text: str = Field(min_length=1, max_length=2000, pattern=NOT_BLANK,
                      description="what the coach saw (not only spaces; no NUL)")
    at_s: float | None = Field(default=None, ge=0, le=MAX_AT_S, strict=True,
                               description="a moment in the clip, seconds from its start "
                               "(not past the longest clip the server takes: the OpenAPI's "
                               "maximum is the server's max_duration_s); null: none")
    shared: bool = Field(default=False, strict=True, description="shown to the athlete on "
                         "their share link")
    drawing: Drawing | None = Field(default=None, description="shapes drawn on the frame at "
                                    "at_s (which it needs: with a drawing, at_s is "
                                    "required); null: none")

    @model_validator(mode="after")
    def _drawn_at_a_moment(self) -> NoteIn:
        if self.drawing is not None and self.at_s is None:
            raise ValueError("a drawing is on a frame: give at_s, the moment it was drawn on")
        return self


class NoteView(BaseModel):
    id: str
    rep: int | None
    text: str
    created_at: UtcTime
    at_s: float | None = None
    shared: bool = False
    drawing: Drawing | None = None
    author: Literal["coach", "athlete"] = Field(default="coach", description="the team "
                                                "(API key) or the athlete's reply (share "
                                                "link)")
    reply_to: str | None = Field(default=None, description="an athlete's reply: the note "
                                 "it answers; null: the clip")


class NoteList(BaseModel):
    notes: list[NoteView] = Field(description="oldest first, the athlete's replies among "
                                  "them")


class ReanalysisIn(Body):
    exercise: ExerciseChoice = Field(description="the exercise to judge the clip as, or auto")


class ShareIn(Body):
    athlete: RequiredName = Field(description="whose clips it shows (trimmed; not blank)")
    days: JsonInt = Field(default=14, ge=1, le=90,
                      description="how long the link works (an integer: not true, not "
                      "\"14\")")


class BatchIn(Body):
    name: RequiredName


class ShareView(BaseModel):
    id: str
    athlete: str
    expires_at: UtcTime
    created_at: UtcTime


class NewShare(ShareView):
    token: str = Field(description="shown once: the read-only link's secret (not an API key)")
    link: str = Field(description="the coach page's read-only view, token in the fragment "
                                  "(never sent to a server or in a Referer)")


class ShareList(BaseModel):
    shares: list[ShareView]


class SharedJob(JobView):
    notes: list[NoteView] = Field(default_factory=list, description="the notes the coach "
                                  "shared on this clip and the athlete's replies, oldest "
                                  "first")


class SharedClips(BaseModel):
    athlete: str
    expires_at: UtcTime
    jobs: list[SharedJob] = Field(description="the athlete's analysed clips, newest first, "
                                  "each with its shared notes")


class JobPatch(Body):
    """What changes; a field left out stays as it is."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    athlete: Name | None = Field(default=None, description="the athlete (trimmed); null or "
                                 "blank: none (the view then reads the file name)")
    batch: str | None = Field(default=None, max_length=100, pattern=NO_NUL,
                              description="a batch's id (POST /v1/batches) to move the clip "
                              "to; null: in no batch")
    exercise: ExerciseChoice | None = Field(default=None, description="judge the clip again "
                                            "as this (a re-analysis, as POST "
                                            "/v1/jobs/{id}/reanalyse); null: unchanged")

    @model_validator(mode="after")
    def _something(self) -> JobPatch:
        if not self.model_fields_set:
            raise ValueError("name at least one of athlete, batch, exercise")
        return self


class JobChange(BaseModel):
    job: JobView = Field(description="the job as it is now")
    reanalysis: JobView | None = Field(description="the new job that judges the clip as the "
                                       "new exercise (queued); null where the exercise did "
                                       "not change")


class MergeIn(Body):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: RequiredName = Field(alias="from", description="the athlete whose clips move "
                                "(as uploaded, or as read from file names)")
    into: RequiredName = Field(description="the athlete they become")


class Merged(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    into: str
    jobs: int = Field(description="how many jobs moved")
