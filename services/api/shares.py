"""Read-only links to one athlete's clips, for that athlete (never the team's key).

With the team's API key:
    POST   /v1/shares                {athlete, days} → the link and its token (shown once)
    GET    /v1/shares                the team's live and expired links
    DELETE /v1/shares/{id}           revoke one
With the link's token (``Authorization: Bearer hcs_…``), read-only, that athlete only:
    GET    /v1/shared                the athlete's analysed clips, each with the notes the
                                     coach shared and the athlete's replies
    GET    /v1/shared/jobs/{id}/notes        those notes of one clip
    POST   /v1/shared/jobs/{id}/replies      {text, reply_to} → the athlete's reply (plain
                                             text; a few a minute per link at most)
    GET    /v1/shared/jobs/{id}/result|video|poster
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from hingecheck.jobs import store as jobs
from hingecheck.jobs.models import Job, Share, now
from hingecheck.schemas.api import (
    NewShare,
    NoteList,
    NoteView,
    SharedClips,
    SharedJob,
    ShareIn,
    ShareList,
    ShareView,
)
from hingecheck.schemas.feedback import ReplyIn
from hingecheck.storage import job_key
from hingecheck.vocab import JobStatus, OutputKind
from starlette.convertors import register_url_convertor

from services.api.deps import (
    Config,
    Db,
    JobId,
    Store,
    TenantId,
    bearer_token,
    drawn_or_problem,
)
from services.api.notes import note_view
from services.api.problems import Problem, documented, not_found
from services.api.videos import kind_convertor, stored_object
from services.api.views import job_views

router = APIRouter(tags=["shares"])
share_bearer = HTTPBearer(auto_error=False, scheme_name="shareToken",
                          description="a share link's token (hcs_…), read-only")
SHARED_KINDS = (OutputKind.RESULT, OutputKind.VIDEO, OutputKind.POSTER)
# Any other name is simply not there (404), as another athlete's clip is not.
SharedKind = Annotated[str, Path(max_length=20, json_schema_extra={
    "enum": [str(k) for k in SHARED_KINDS]})]
register_url_convertor("shared", kind_convertor(SHARED_KINDS))
# Replies through one link: a conversation's pace, not a flood (a leaked link cannot fill
# the coach's notes).
REPLIES_PER_MINUTE = 5
REPLIES_PER_DAY = 50


def _view(share: Share) -> ShareView:
    return ShareView(id=share.prefix, athlete=share.athlete, expires_at=share.expires_at,
                     created_at=share.created_at)


def current_share(request: Request, credentials: Annotated[
        HTTPAuthorizationCredentials | None, Security(share_bearer)] = None) -> Share:
    """The live share whose token is in ``Authorization: Bearer``; 401 otherwise (an
    expired or revoked link, or an API key, which is not a share token)."""
    token = bearer_token(request.headers.get("authorization")) if credentials else None
    share = jobs.shared_scope(request.app.state.db, token) if token else None
    if share is None:
        raise Problem(401, "bad-share", "Unauthorized",
                      "this link is not valid: it expired, was revoked, or is not a share link",
                      headers={"WWW-Authenticate": 'Bearer realm="hingecheck-share"'})
    return share


SharedTo = Annotated[Share, Depends(current_share)]


@router.post("/v1/shares", status_code=201, operation_id="create_share",
             response_model=NewShare, responses=documented(401, 413, 422))
def create_share(tenant_id: TenantId, db: Db, body: ShareIn) -> NewShare:
    # ShareIn has trimmed the athlete and refused a blank one: a share always names
    # exactly one athlete (an empty name would match no filter, i.e. everyone).
    share, token = jobs.create_share(db, tenant_id, body.athlete, body.days)
    return NewShare(**_view(share).model_dump(), token=token, link=f"/#/shared/{token}")


@router.get("/v1/shares", operation_id="list_shares", response_model=ShareList,
            responses=documented(401))
def list_shares(tenant_id: TenantId, db: Db) -> ShareList:
    return ShareList(shares=[_view(s) for s in jobs.list_shares(db, tenant_id)])


@router.delete("/v1/shares/{share_id}", status_code=204, operation_id="revoke_share",
               responses=documented(401, 404))
def revoke_share(share_id: Annotated[str, Path(max_length=64)], tenant_id: TenantId,
                 db: Db) -> Response:
    if not jobs.revoke_share(db, tenant_id, share_id):
        raise not_found(f"share {share_id}")
    return Response(status_code=204)


@router.get("/v1/shared", operation_id="get_shared", response_model=SharedClips,
            responses=documented(401))
def get_shared(share: SharedTo, db: Db) -> SharedClips:
    done = []
    if share.athlete.strip():  # a link made blank before names were checked shows nobody
        done = [j for j in jobs.list_jobs(db, share.tenant_id, athlete=share.athlete,
                                          status=JobStatus.SUCCEEDED, limit=200)
                if j.athlete == share.athlete]
    notes = jobs.shared_notes(db, share.tenant_id, [j.id for j in done])
    return SharedClips(athlete=share.athlete, expires_at=share.expires_at, jobs=[
        SharedJob(**view.model_dump(), notes=[note_view(n) for n in notes[view.id]])
        for view in job_views(db, share.tenant_id, done)])


def shared_job(share: Share, db: Db, job_id: str, what: str) -> Job:
    """The link's athlete's succeeded job; 404 for any other (as if it were not there)."""
    job = jobs.get_job(db, share.tenant_id, job_id)
    if job is None or not share.athlete.strip() or job.athlete != share.athlete or \
            job.status != JobStatus.SUCCEEDED:
        raise not_found(f"/v1/shared/jobs/{job_id}/{what}")
    return job


@router.get("/v1/shared/jobs/{job_id}/notes", operation_id="get_shared_notes",
            response_model=NoteList, responses=documented(401, 404))
def get_shared_notes(job_id: JobId, share: SharedTo, db: Db) -> NoteList:
    job = shared_job(share, db, job_id, "notes")
    return NoteList(notes=[note_view(n) for n in
                           jobs.list_notes(db, share.tenant_id, job.id, shared_only=True)])


@router.post("/v1/shared/jobs/{job_id}/replies", status_code=201, operation_id="add_reply",
             response_model=NoteView, responses={
                 **documented(401, 404, 413, 422),
                 429: {**documented(429)[429], "description": "this link has sent as many "
                       f"replies as it may ({REPLIES_PER_MINUTE} a minute, "
                       f"{REPLIES_PER_DAY} a day); Retry-After says when to try again"}})
def add_reply(job_id: JobId, share: SharedTo, db: Db, body: ReplyIn) -> NoteView:
    job = shared_job(share, db, job_id, "replies")
    if body.reply_to is not None and body.reply_to not in {
            n.id for n in jobs.list_notes(db, share.tenant_id, job.id, shared_only=True)}:
        raise Problem(422, "no-such-note", "No such note",
                      f"this clip has no shared note {body.reply_to} to answer")
    t = now()
    for limit, window, retry_s in ((REPLIES_PER_MINUTE, timedelta(minutes=1), 60),
                                   (REPLIES_PER_DAY, timedelta(days=1), 3600)):
        if jobs.replies_since(db, share.prefix, t - window) >= limit:
            raise Problem(429, "too-many-replies", "Too many replies",
                          f"this link may send {limit} replies per "
                          f"{'minute' if retry_s == 60 else 'day'}; try again later",
                          headers={"Retry-After": str(retry_s)})
    return note_view(jobs.add_reply(db, share, job.id, body.text, body.reply_to))


@router.get("/v1/shared/jobs/{job_id}/{kind:shared}", operation_id="get_shared_output",
            responses={
    200: {"description": "result.json, the annotated clip or the poster",
          "content": {k.media_type: {"schema": {"type": "object"}
                                     if k is OutputKind.RESULT else
                                     {"type": "string", "format": "binary"}}
                      for k in SHARED_KINDS}},
    307: {"description": "S3 storage: a presigned URL"}, **documented(401, 404, 409, 503)})
def get_shared_output(job_id: JobId, kind: SharedKind, share: SharedTo, db: Db,
                      objects: Store, settings: Config) -> Response:
    job = shared_job(share, db, job_id, kind)  # another athlete's: not there
    if kind not in SHARED_KINDS:
        raise not_found(f"/v1/shared/jobs/{job_id}/{kind}")
    output = OutputKind(kind)
    if output is not OutputKind.RESULT:
        drawn_or_problem(job)
    return stored_object(objects, job_key(share.tenant_id, job.id, output.file_name),
                         output.media_type, settings.presign_ttl_s)
