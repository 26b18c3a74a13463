"""The API's response bodies: what a generated client, and hingecheck.client, get for each
operation (request bodies sit beside their routes, in services/api)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

JobStatus = Literal["queued", "running", "succeeded", "failed", "rejected"]


class JobFault(BaseModel):
    name: str = Field(description="a fault of GET /v1/scoring's catalogue")
    worst_severity: float | None = Field(description="0–1 over the clip's reps")


class JobError(BaseModel):
    code: str = Field(description="stable: not-a-video, no-athlete, internal_error, …")
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
    attempts: int
    exercise: str = Field(description="as asked: an exercise or auto")
    exercise_found: str | None = Field(default=None, description="the profile the reps "
                                       "were judged by, once succeeded (what auto guessed)")
    reanalysis_of: str | None = Field(default=None, description="the job whose clip this "
                                      "one analyses again, if it is a re-analysis")
    athlete: str | None
    batch: str | None
    source_name: str
    score: float | None = Field(description="0–100 once succeeded and judged")
    unscored_reason: str | None = Field(default=None, description="why a succeeded job has "
                                        "no score (filmed too far off the side, no rep "
                                        "found); null otherwise")
    rep_scores: list[RepBrief] = Field(default_factory=list, description="each rep's score "
                                       "and faults, once succeeded (result.json has more)")
    reps: int | None
    faults: list[JobFault]
    error: JobError | None
    created_at: str | None
    finished_at: str | None
    links: JobLinks


class JobList(BaseModel):
    jobs: list[JobView]
    next_cursor: str | None = Field(description="pass as cursor for the next page; null at "
                                                "the end")


class BatchRef(BaseModel):
    id: str
    name: str


class BatchItem(BatchRef):
    created_at: str


class BatchList(BaseModel):
    batches: list[BatchItem]


class AthleteLine(BaseModel):
    athlete: str | None
    clips: int
    mean_score: float | None


class BatchSummary(BatchRef):
    counts: dict[str, int] = Field(description="jobs by status")
    athletes: list[AthleteLine]
    jobs: list[JobView] = Field(description="worst faults first")


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


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    ready: bool
    database: str = Field(description="ok, or down: the reason")
    storage: str = Field(description="ok, or down: the reason")
    broker: str | None = Field(default=None, description="distributed mode only: ok, or "
                                                         "down: the reason")


class NoteIn(BaseModel):
    rep: int | None = Field(default=None, ge=0, description="the rep (0-based, as in "
                            "result.json's reps); null: a note on the whole clip")
    text: str = Field(min_length=1, max_length=2000, pattern=r"\S",
                      description="what the coach saw (not only spaces)")


class NoteView(NoteIn):
    id: str
    created_at: str


class NoteList(BaseModel):
    notes: list[NoteView] = Field(description="oldest first")


class ReanalysisIn(BaseModel):
    exercise: str = Field(description="the exercise to judge the clip as, or auto")


class ShareIn(BaseModel):
    athlete: str = Field(min_length=1, max_length=200, description="whose clips it shows")
    days: int = Field(default=14, ge=1, le=90, description="how long the link works")


class ShareView(BaseModel):
    id: str
    athlete: str
    expires_at: str
    created_at: str


class NewShare(ShareView):
    token: str = Field(description="shown once: the read-only link's secret (not an API key)")
    link: str = Field(description="the coach page's read-only view, token in the fragment "
                                  "(never sent to a server or in a Referer)")


class ShareList(BaseModel):
    shares: list[ShareView]


class SharedClips(BaseModel):
    athlete: str
    expires_at: str
    jobs: list[JobView] = Field(description="the athlete's analysed clips, newest first")
