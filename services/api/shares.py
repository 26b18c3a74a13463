"""Read-only links to one athlete's clips, for that athlete (never the team's key).

With the team's API key:
    POST   /v1/shares                {athlete, days} → the link and its token (shown once)
    GET    /v1/shares                the team's live and expired links
    DELETE /v1/shares/{id}           revoke one
With the link's token (``Authorization: Bearer hcs_…``), read-only, that athlete only:
    GET    /v1/shared                the athlete's analysed clips
    GET    /v1/shared/jobs/{id}/result|video|poster
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from hingecheck.jobs import store as jobs
from hingecheck.jobs.models import Share
from hingecheck.schemas.api import NewShare, SharedClips, ShareIn, ShareList
from hingecheck.storage import job_key

from services.api.deps import Config, Db, Store, TenantId, bearer_token, job_view
from services.api.problems import Problem, documented, not_found
from services.api.videos import stored_object

router = APIRouter(tags=["shares"])
share_bearer = HTTPBearer(auto_error=False, scheme_name="shareToken",
                          description="a share link's token (hcs_…), read-only")
SHARED_FILES = {"result": ("result.json", "application/json"),
                "video": ("annotated.mp4", "video/mp4"), "poster": ("poster.jpg", "image/jpeg")}


def _view(share: Share) -> dict[str, Any]:
    return {"id": share.prefix, "athlete": share.athlete,
            "expires_at": share.expires_at.isoformat(), "created_at": share.created_at.isoformat()}


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
             response_model=NewShare, responses=documented(401, 422))
def create_share(tenant_id: TenantId, db: Db, body: ShareIn) -> dict[str, Any]:
    share, token = jobs.create_share(db, tenant_id, body.athlete.strip(), body.days)
    return {**_view(share), "token": token, "link": f"/#/shared/{token}"}


@router.get("/v1/shares", operation_id="list_shares", response_model=ShareList,
            responses=documented(401))
def list_shares(tenant_id: TenantId, db: Db) -> dict[str, Any]:
    return {"shares": [_view(s) for s in jobs.list_shares(db, tenant_id)]}


@router.delete("/v1/shares/{share_id}", status_code=204, operation_id="revoke_share",
               responses=documented(401, 404))
def revoke_share(share_id: str, tenant_id: TenantId, db: Db) -> Response:
    if not jobs.revoke_share(db, tenant_id, share_id):
        raise not_found(f"share {share_id}")
    return Response(status_code=204)


@router.get("/v1/shared", operation_id="get_shared", response_model=SharedClips,
            responses=documented(401))
def get_shared(share: SharedTo, db: Db) -> dict[str, Any]:
    done = jobs.list_jobs(db, share.tenant_id, athlete=share.athlete, status="succeeded",
                          limit=200)
    return {"athlete": share.athlete, "expires_at": share.expires_at.isoformat(),
            "jobs": [job_view(j) for j in done]}


@router.get("/v1/shared/jobs/{job_id}/{kind}", operation_id="get_shared_output", responses={
    200: {"description": "result.json, the annotated clip or the poster"},
    307: {"description": "S3 storage: a presigned URL"}, **documented(401, 404)})
def get_shared_output(job_id: str, kind: str, share: SharedTo, db: Db, objects: Store,
                      settings: Config) -> Response:
    job = jobs.get_job(db, share.tenant_id, job_id)
    if kind not in SHARED_FILES or job is None or job.athlete != share.athlete or \
            job.status != "succeeded":
        raise not_found(f"/v1/shared/jobs/{job_id}/{kind}")  # another athlete's: not there
    name, media = SHARED_FILES[kind]
    return stored_object(objects, job_key(share.tenant_id, job.id, name), media,
                   settings.presign_ttl_s)
