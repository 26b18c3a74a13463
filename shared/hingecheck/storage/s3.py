"""Objects in an S3 bucket (MinIO in production) through the ``minio`` client.

``fput_object`` streams a file in parts (multipart above the part size), so a 2 GB upload
never sits in memory. Links to videos and posters are presigned GETs that expire.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from minio import Minio
from minio.error import S3Error
from urllib3.exceptions import HTTPError

from hingecheck.settings import Settings
from hingecheck.storage import ObjectMissing, StorageUnavailable

PART_SIZE = 16 * 1024 * 1024  # multipart parts: 16 MiB


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
        except (S3Error, HTTPError, OSError) as exc:
            raise StorageUnavailable(f"object store at {settings.s3_endpoint}: {exc}") from None

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
            if exc.code in ("NoSuchKey", "NoSuchObject", "NotFound"):
                return False
            raise StorageUnavailable(str(exc)) from None
        except (HTTPError, OSError) as exc:
            raise StorageUnavailable(str(exc)) from None

    def local_path(self, key: str) -> Path | None:
        return None

    def presigned_url(self, key: str, ttl_s: int) -> str | None:
        return str(self.client.presigned_get_object(self.bucket, key,
                                                    expires=timedelta(seconds=ttl_s)))

    def check(self) -> None:
        try:
            self.client.bucket_exists(self.bucket)
        except (S3Error, HTTPError, OSError) as exc:
            raise StorageUnavailable(str(exc)) from None
