"""A coach's notes on a clip's reps, kept with the job (the clip's result is not changed),
and the athlete's replies to the shared ones (written through the share link, shares.py).

    GET    /v1/jobs/{id}/notes             the job's notes and replies, oldest first
    POST   /v1/jobs/{id}/notes             {rep, text, at_s, shared, drawing} → the note
                                           (rep null: the whole clip; shared: the athlete
                                           sees it on their link)
    DELETE /v1/jobs/{id}/notes/{note_id}   remove one (a reply too)
"""

from __future__ import annotations

from datetime import UTC
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from hingecheck.jobs import store as jobs
from hingecheck.jobs.models import Note
from hingecheck.schemas.api import NoteIn, NoteList, NoteView
from hingecheck.schemas.feedback import DRAWING
from hingecheck.settings import Settings

from services.api.deps import Config, Db, JobId, OwnedJob, TenantId, owned
from services.api.problems import Problem, documented, not_found

router = APIRouter(tags=["notes"])


def state_limits(openapi: dict[str, Any], settings: Settings) -> None:
    """The OpenAPI's NoteIn.at_s says this server's limit (max_duration_s), which the
    model, shared by every server, cannot."""
    at_s = openapi.get("components", {}).get("schemas", {}).get("NoteIn", {}).get(
        "properties", {}).get("at_s", {})
    for branch in [at_s, *at_s.get("anyOf", [])]:
        if branch.get("type") == "number":
            branch["maximum"] = min(branch.get("maximum", settings.max_duration_s),
                                    settings.max_duration_s)


def note_view(note: Note) -> NoteView:
    created = note.created_at  # SQLite hands back naive times; every time here is UTC
    return NoteView(id=note.id, rep=note.rep, text=note.text,
                    created_at=created if created.tzinfo else created.replace(tzinfo=UTC),
                    at_s=note.at_s, shared=bool(note.shared),
                    drawing=DRAWING.validate_json(note.drawing) if note.drawing else None,
                    author=jobs.ATHLETE if note.author == jobs.ATHLETE else jobs.COACH,
                    reply_to=note.reply_to)


@router.get("/v1/jobs/{job_id}/notes", operation_id="list_notes", response_model=NoteList,
            responses=documented(401, 404))
def list_notes(job: OwnedJob, db: Db) -> NoteList:
    return NoteList(notes=[note_view(n) for n in jobs.list_notes(db, job.tenant_id, job.id)])


@router.post("/v1/jobs/{job_id}/notes", status_code=201, operation_id="add_note",
             response_model=NoteView, responses=documented(401, 404, 409, 413, 422))
def add_note(job_id: JobId, tenant_id: TenantId, db: Db, settings: Config,
             body: NoteIn) -> NoteView:
    job = owned(db, tenant_id, job_id)
    if body.rep is not None and (job.rep_count is None or body.rep >= job.rep_count):
        reps = "no reps" if not job.rep_count else f"reps 0–{job.rep_count - 1}"
        raise Problem(409, "no-such-rep", "No such rep",  # the form is fine; the job is not
                      f"job {job.id} has {reps}; rep {body.rep} cannot take a note")
    if body.at_s is not None and body.at_s > settings.max_duration_s:
        raise Problem(422, "no-such-moment", "No such moment",
                      f"at_s {body.at_s:g} is past the longest clip this server takes "
                      f"({settings.max_duration_s:g} s)")
    drawing = DRAWING.dump_json(body.drawing, exclude_none=True).decode() \
        if body.drawing is not None else None
    return note_view(jobs.add_note(db, job.tenant_id, job.id, body.rep, body.text.strip(),
                                   at_s=body.at_s, shared=body.shared, drawing=drawing))


@router.delete("/v1/jobs/{job_id}/notes/{note_id}", status_code=204,
               operation_id="delete_note", responses=documented(401, 404))
def delete_note(job: OwnedJob, note_id: Annotated[str, Path(max_length=64)],
                db: Db) -> Response:
    if not jobs.delete_note(db, job.tenant_id, job.id, note_id):
        raise not_found(f"note {note_id}")
    return Response(status_code=204)
