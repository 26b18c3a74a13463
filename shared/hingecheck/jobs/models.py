"""Job records (SQLAlchemy 2): tenants, API keys (hashed), jobs, coaches' notes, share links
(hashed). SQLite by default, PostgreSQL at scale; the database is the truth about every job."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Float, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from hingecheck.vocab import JobStatus

STATUSES: tuple[JobStatus, ...] = tuple(JobStatus)


def now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Tenant(Base):
    __tablename__ = "tenants"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Signs this tenant's webhooks (Standard Webhooks: whsec_ + base64 key).
    webhook_secret: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class ApiKey(Base):
    __tablename__ = "api_keys"
    # The key's first characters identify it; only a hash of the whole key is stored.
    prefix: Mapped[str] = mapped_column(String(20), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class Batch(Base):
    __tablename__ = "batches"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class Upload(Base):
    """A multipart upload handed to a client; becomes a job when completed."""

    __tablename__ = "uploads"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    key: Mapped[str] = mapped_column(String(300))
    upload_id: Mapped[str] = mapped_column(String(300))
    job_id: Mapped[str] = mapped_column(String(40))  # the job it becomes
    fields: Mapped[str] = mapped_column(Text)        # JSON: exercise, athlete, batch, ...
    completed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class Job(Base):
    __tablename__ = "jobs"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=JobStatus.QUEUED)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Of the attempts, those that ended in an error and those that ran out of time; the
    # others that ended without an outcome were interrupted (a killed worker).
    error_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    timeout_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    exercise: Mapped[str] = mapped_column(String(40))
    athlete: Mapped[str | None] = mapped_column(String(200), nullable=True)
    batch: Mapped[str | None] = mapped_column(String(100), nullable=True)
    source_key: Mapped[str] = mapped_column(String(300))
    source_name: Mapped[str] = mapped_column(String(300))
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(60), nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    # The result's faults, for lists: JSON [{"name": ..., "worst_severity": ...}], worst first.
    faults: Mapped[str | None] = mapped_column(Text, nullable=True)
    worst_severity: Mapped[float | None] = mapped_column(Float, nullable=True)
    rep_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    analysis_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    frames_per_second: Mapped[float | None] = mapped_column(Float, nullable=True)
    callback_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    model: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # The profile the reps were judged by, once succeeded (what "auto" guessed).
    exercise_found: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # Why a finished clip got no score (off the side, no rep): the result's own reason.
    unscored_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # JSON: per rep, its index, start and end (s), score and fault names.
    rep_summary: Mapped[str | None] = mapped_column(Text, nullable=True)
    # A re-analysis of another job's clip (under another exercise): that job's id.
    reanalysis_of: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    # A running job's lease: renewed while a worker holds it (runner.py); stale = taken again.
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # When a worker was last told of it (a message sent); the sweep re-sends a stale one.
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                           nullable=True)
    # A retried job waits until then (backoff).
    retry_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # When the ended job's webhook was taken for delivery (once, by one process).
    webhook_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # When a rejected clip's stored source was removed.
    source_removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                               nullable=True)
    # When the clip was filmed: its container's creation time (result.json's
    # video.created_at), recorded when the job succeeds; null where the file has none.
    video_created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                              nullable=True)

    __table_args__ = (Index("ix_jobs_tenant_created", "tenant_id", "created_at"),
                      Index("ix_jobs_tenant_idem", "tenant_id", "idempotency_key",
                            unique=True))


class Note(Base):
    """A coach's note on one rep of a job (``rep`` null: on the whole clip), or an
    athlete's reply to the job's shared notes, written through a share link."""

    __tablename__ = "notes"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id"), index=True)
    rep: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 0-based, as in result.json
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    # A moment in the clip (seconds from its start) the note points at; null: none.
    at_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    # Shown to the athlete on the share link (the coach chooses per note).
    shared: Mapped[bool] = mapped_column(default=False, server_default=false())
    # JSON: the shapes drawn on the frame at at_s (schemas.api.Drawing); null: none.
    drawing: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Who wrote it: the team's coach (API key) or the athlete (a share link's reply).
    author: Mapped[str] = mapped_column(String(10), default="coach", server_default="coach")
    # An athlete's reply: the note it answers (null: the clip), and the link it came through.
    reply_to: Mapped[str | None] = mapped_column(String(40), nullable=True)
    share_prefix: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)


class Share(Base):
    """A read-only link to one athlete's analysed clips, for that athlete: its token is shown
    once (only a hash is kept), it expires, and deleting the row revokes it."""

    __tablename__ = "shares"
    prefix: Mapped[str] = mapped_column(String(20), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    athlete: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
