"""Object storage for uploads and outputs: a local folder (the embedded default) or any
S3 server such as MinIO. Keys are built here, never from a client's file name."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

from hingecheck.settings import Settings
from hingecheck.vocab import OutputKind

OUTPUTS = tuple(kind.file_name for kind in OutputKind)


class StorageUnavailable(RuntimeError):
    """The object store cannot be reached or refused the request."""

    code = "storage-unavailable"
    retryable = True  # an outage ends


class ObjectMissing(KeyError):
    """No object under that key."""

    code = "source-missing"
    retryable = False  # a deleted clip stays deleted
    message = "the uploaded clip is no longer in storage; upload it again"


@dataclass(frozen=True)
class StoredObject:
    key: str
    modified: datetime  # aware, UTC


class UploadRefused(ValueError):
    """The store refused what the client sent (a multipart upload's parts): the client's
    to fix, not an outage."""


def job_key(tenant: str, job: str, name: str) -> str:
    """``tenants/{tenant}/jobs/{job}/{name}``: deterministic, so a retried job overwrites."""
    return f"tenants/{tenant}/jobs/{job}/{name}"


class ObjectStore(Protocol):
    def put_file(self, key: str, source: Path, content_type: str) -> None: ...
    def get_file(self, key: str, target: Path) -> None: ...
    def exists(self, key: str) -> bool: ...
    def remove(self, key: str) -> None:
        """Delete the object; nothing happens where there is none."""
    def objects(self, prefix: str) -> Iterator[StoredObject]:
        """Every object whose key starts with ``prefix``."""
    def local_path(self, key: str) -> Path | None:
        """A path to read the object from directly (local store only)."""
    def presigned_url(self, key: str, ttl_s: int) -> str | None:
        """A time-limited download link (S3 only)."""
    def check(self) -> None:
        """Raise StorageUnavailable unless the store answers."""


@runtime_checkable
class MultipartStore(ObjectStore, Protocol):
    """A store clients upload to directly, in presigned parts (S3/MinIO)."""

    def start_multipart(self, key: str, content_type: str) -> str: ...
    def part_urls(self, key: str, upload_id: str, parts: int, ttl_s: int) -> list[str]: ...
    def complete_multipart(self, key: str, upload_id: str, etags: list[str]) -> int:
        """Join the parts; the stored object's size in bytes."""


def open_store(settings: Settings) -> ObjectStore:
    """The store the settings name; the bucket or folder is created if missing."""
    if settings.storage == "s3":
        from hingecheck.storage.s3 import S3Store

        return S3Store(settings)
    from hingecheck.storage.local import LocalStore

    return LocalStore(settings.objects_dir())
