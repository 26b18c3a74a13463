"""A coach's notes on a clip's reps, kept with the job (the clip's result is not changed).

    GET    /v1/jobs/{id}/notes             the job's notes, oldest first
    POST   /v1/jobs/{id}/notes             {rep, text} → the note (rep null: the whole clip)
    DELETE /v1/jobs/{id}/notes/{note_id}   remove one
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response
from hingecheck.jobs import store as jobs
from hingecheck.jobs.models import Note
from hingecheck.schemas.api import NoteIn, NoteList, NoteView

from services.api.deps import Db, JobId, OwnedJob, TenantId, owned
from services.api.problems import Problem, documented, not_found

router = APIRouter(tags=["notes"])


def _view(note: Note) -> NoteView:
    return NoteView(id=note.id, rep=note.rep, text=note.text, created_at=note.created_at)


@router.get("/v1/jobs/{job_id}/notes", operation_id="list_notes", response_model=NoteList,
            responses=documented(401, 404))
def list_notes(job: OwnedJob, db: Db) -> NoteList:
    return NoteList(notes=[_view(n) for n in jobs.list_notes(db, job.tenant_id, job.id)])


@router.post("/v1/jobs/{job_id}/notes", status_code=201, operation_id="add_note",
             response_model=NoteView, responses=documented(401, 404, 413, 422))
def add_note(job_id: JobId, tenant_id: TenantId, db: Db, body: NoteIn) -> NoteView:
    job = owned(db, tenant_id, job_id)
    if body.rep is not None and (job.rep_count is None or body.rep >= job.rep_count):
        reps = "no reps" if not job.rep_count else f"reps 0–{job.rep_count - 1}"
        raise Problem(422, "no-such-rep", "No such rep",
                      f"job {job.id} has {reps}; rep {body.rep} cannot take a note")
    return _view(jobs.add_note(db, job.tenant_id, job.id, body.rep, body.text.strip()))


@router.delete("/v1/jobs/{job_id}/notes/{note_id}", status_code=204,
               operation_id="delete_note", responses=documented(401, 404))
def delete_note(job: OwnedJob, note_id: Annotated[str, Path(max_length=64)],
                db: Db) -> Response:
    if not jobs.delete_note(db, job.tenant_id, job.id, note_id):
        raise not_found(f"note {note_id}")
    return Response(status_code=204)
