"""A tenant's own keys and webhook secret.

    GET    /v1/keys                 the tenant's keys (prefix and date; secrets are not kept)
    POST   /v1/keys                 a new key, shown once
    DELETE /v1/keys/{prefix}        revoke a key at once (not the tenant's last one)
    GET    /v1/webhook-secret       the secret that signs the tenant's webhooks

Rotating a key: create the new one, move the clients over, revoke the old one.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Response
from hingecheck.jobs import store as jobs
from hingecheck.jobs.models import Tenant
from pydantic import BaseModel, Field, field_validator
from sqlalchemy.orm import Session, sessionmaker

from services.api.deps import Db, TenantId
from services.api.problems import Problem, documented, not_found

router = APIRouter(tags=["keys"])


class KeyInfo(BaseModel):
    prefix: str = Field(description="the key's first part, which names it")
    created_at: datetime

    @field_validator("created_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:  # SQLite hands back naive UTC times
        return value if value.tzinfo else value.replace(tzinfo=UTC)


class KeyList(BaseModel):
    keys: list[KeyInfo]


class NewKey(BaseModel):
    prefix: str
    key: str = Field(description="the whole key: shown this once, only its hash is kept")


class WebhookSecret(BaseModel):
    secret: str = Field(description="whsec_… (Standard Webhooks): verify our signatures "
                                    "with its base64 part")


def _tenant(db: sessionmaker[Session], tenant_id: str) -> Tenant:
    tenant = jobs.get_tenant(db, tenant_id)
    if tenant is None:  # the key's tenant went away under it
        raise not_found(f"tenant {tenant_id}")
    return tenant


@router.get("/v1/keys", operation_id="list_keys", response_model=KeyList,
            responses=documented(401))
def list_keys(tenant_id: TenantId, db: Db) -> KeyList:
    return KeyList(keys=[KeyInfo(prefix=k.prefix, created_at=k.created_at)
                         for k in jobs.list_keys(db, tenant_id)])


@router.post("/v1/keys", status_code=201, operation_id="create_key", response_model=NewKey,
             responses=documented(401))
def create_key(tenant_id: TenantId, db: Db) -> NewKey:
    _, key = jobs.create_key(db, _tenant(db, tenant_id).name)
    return NewKey(prefix=key.split(".", 1)[0], key=key)


@router.delete("/v1/keys/{prefix}", status_code=204, operation_id="revoke_key",
               responses=documented(401, 404, 409))
def revoke_key(prefix: str, tenant_id: TenantId, db: Db) -> Response:
    owned = [k.prefix for k in jobs.list_keys(db, tenant_id)]
    if prefix not in owned:
        raise not_found(f"key {prefix}")
    if len(owned) == 1:
        raise Problem(409, "last-key", "Cannot revoke the last key",
                      "create another key first (POST /v1/keys), then revoke this one")
    jobs.revoke_key(db, tenant_id, prefix)
    return Response(status_code=204)


@router.get("/v1/webhook-secret", operation_id="get_webhook_secret",
            response_model=WebhookSecret, responses=documented(401))
def webhook_secret(tenant_id: TenantId, db: Db) -> WebhookSecret:
    return WebhookSecret(secret=_tenant(db, tenant_id).webhook_secret)
