"""Objects in an S3 bucket (MinIO in production) through the ``minio`` client.

``fput_object`` streams a file in parts (multipart above the part size), so a 2 GB upload
never sits in memory. Links to videos and posters are presigned GETs that expire.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from minio import Minio
from minio.error import MinioException, S3Error
from urllib3.exceptions import HTTPError

from hingecheck.settings import Settings
from hingecheck.storage import ObjectMissing, StorageUnavailable, StoredObject, UploadRefused

PART_SIZE = 16 * 1024 * 1024  # multipart parts: 16 MiB
JOIN_WAIT_S = 3.0  # how long a failed completion looks for a racing one's object
STAT_MISSING = ("NoSuchKey", "NoSuchObject", "NotFound")  # a stat (HEAD) of no object


# What S3 answers when the client's parts are wrong, in words for the client.
CLIENT_PART_ERRORS = {
    "InvalidPart": "an ETag does not match the part that was uploaded (send each part's "
                   "ETag header, in part order)",
    "InvalidPartOrder": "the ETags must be listed in part order",
    "EntityTooSmall": "every part but the last must be at least the part_size given",
    "NoSuchUpload": "this upload was already completed, aborted or has expired; start "
                    "again with POST /v1/uploads",
}


class S3Store:
    def __init__(self, settings: Settings) -> None:
        import urllib3

        # Fail fast when the server is down: a short timeout and one retry, not minutes.
        http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=3.0, read=60.0),
                                   retries=urllib3.Retry(total=1, backoff_factor=0.2))
        self.client = Minio(settings.s3_endpoint, access_key=settings.s3_access_key,
                            secret_key=settings.s3_secret_key, secure=settings.s3_secure,
                            region=settings.s3_region, http_client=http)
        self.bucket = settings.s3_bucket
        try:
            if not self.client.bucket_exists(self.bucket):
                self.client.make_bucket(self.bucket)
            self._abort_stale_uploads()
        except (S3Error, HTTPError, OSError) as exc:
            raise StorageUnavailable(f"object store at {settings.s3_endpoint}: {exc}") from None

    def _abort_stale_uploads(self) -> None:
        """Multipart uploads never completed are aborted by the server after a day."""
        from minio.commonconfig import ENABLED, Filter
        from minio.lifecycleconfig import AbortIncompleteMultipartUpload, LifecycleConfig, Rule

        rule = Rule(ENABLED, rule_filter=Filter(prefix="tenants/"), rule_id="abort-stale-uploads",
                    abort_incomplete_multipart_upload=AbortIncompleteMultipartUpload(1))
        self.client.set_bucket_lifecycle(self.bucket, LifecycleConfig([rule]))

    def put_file(self, key: str, source: Path, content_type: str) -> None:
        try:
            self.client.fput_object(self.bucket, key, str(source), content_type=content_type,
                                    part_size=PART_SIZE)
        except (S3Error, HTTPError, OSError) as exc:
            raise StorageUnavailable(f"cannot store {key}: {exc}") from None

    def get_file(self, key: str, target: Path) -> None:
        try:
            self.client.fget_object(self.bucket, key, str(target))
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject"):
                raise ObjectMissing(key) from None
            raise StorageUnavailable(f"cannot read {key}: {exc}") from None
        except (HTTPError, OSError) as exc:
            raise StorageUnavailable(f"cannot read {key}: {exc}") from None

    def exists(self, key: str) -> bool:
        try:
            self.client.stat_object(self.bucket, key)
            return True
        except S3Error as exc:
            if exc.code in STAT_MISSING:
                return False
            raise StorageUnavailable(str(exc)) from None
        except (HTTPError, OSError) as exc:
            raise StorageUnavailable(str(exc)) from None

    def local_path(self, key: str) -> Path | None:
        return None

    def presigned_url(self, key: str, ttl_s: int) -> str | None:
        return str(self.client.presigned_get_object(self.bucket, key,
                                                    expires=timedelta(seconds=ttl_s)))

    # Multipart uploads straight from the client (large files): hingecheck starts the
    # upload, hands out presigned part URLs, and completes it with the parts' ETags.

    def start_multipart(self, key: str, content_type: str) -> str:
        try:
            return str(self.client._create_multipart_upload(
                self.bucket, key, {"Content-Type": content_type}))
        except (S3Error, HTTPError, OSError) as exc:
            raise StorageUnavailable(str(exc)) from None

    def part_urls(self, key: str, upload_id: str, parts: int, ttl_s: int) -> list[str]:
        return [self.client.get_presigned_url(
            "PUT", self.bucket, key, expires=timedelta(seconds=ttl_s),
            extra_query_params={"uploadId": upload_id, "partNumber": str(n)})
            for n in range(1, parts + 1)]

    def complete_multipart(self, key: str, upload_id: str, etags: list[str]) -> int:
        """Join the parts; returns the stored object's size in bytes. Where joining fails
        but the object is there (a racing completion of the same upload won, or this one's
        answer was lost: S3 servers answer the loser with NoSuchUpload or a 500), the
        object is the answer: completing is idempotent."""
        from minio.datatypes import Part

        try:
            self.client._complete_multipart_upload(
                self.bucket, key, upload_id,
                [Part(n, etag) for n, etag in enumerate(etags, start=1)])
            return int(self.client.stat_object(self.bucket, key).size or 0)
        except S3Error as exc:
            # Wrong parts are the client's: looked at once. NoSuchUpload and server errors
            # are what the loser of a race is told while the winner may still be joining.
            racing = exc.code not in CLIENT_PART_ERRORS or exc.code == "NoSuchUpload"
            if (joined := self._size(key, JOIN_WAIT_S if racing else 0.0)) is not None:
                return joined
            if exc.code in CLIENT_PART_ERRORS:
                raise UploadRefused(CLIENT_PART_ERRORS[exc.code]) from None
            raise StorageUnavailable(f"cannot complete the upload ({exc.code})") from None
        except (MinioException, HTTPError, OSError) as exc:  # 5xx without XML, resets
            if (joined := self._size(key, JOIN_WAIT_S)) is not None:
                return joined
            raise StorageUnavailable(f"cannot complete the upload: {exc}") from None

    def _size(self, key: str, wait_s: float) -> int | None:
        """The object's size once it is there: a racing completion may still be joining
        the parts, so a missing object is looked for again for up to ``wait_s``. None where
        it does not appear, or the store cannot be read."""
        deadline = time.monotonic() + wait_s
        while True:
            try:
                return int(self.client.stat_object(self.bucket, key).size or 0)
            except S3Error as exc:
                if exc.code not in STAT_MISSING or time.monotonic() > deadline:
                    return None
            except (MinioException, HTTPError, OSError):
                return None
            time.sleep(0.2)

    def remove(self, key: str) -> None:
        try:
            self.client.remove_object(self.bucket, key)
        except (S3Error, HTTPError, OSError) as exc:
            raise StorageUnavailable(f"cannot remove {key}: {exc}") from None

    def objects(self, prefix: str) -> Iterator[StoredObject]:
        try:
            for item in self.client.list_objects(self.bucket, prefix=prefix, recursive=True):
                if item.object_name is not None:
                    modified = item.last_modified or datetime.now(UTC)
                    yield StoredObject(item.object_name, modified)
        except (S3Error, HTTPError, OSError) as exc:
            raise StorageUnavailable(f"cannot list {prefix}: {exc}") from None

    def check(self) -> None:
        try:
            self.client.bucket_exists(self.bucket)
        except (S3Error, HTTPError, OSError) as exc:
            raise StorageUnavailable(str(exc)) from None
