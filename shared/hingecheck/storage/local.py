"""Objects as files under one folder; writes land atomically (temp file, then rename)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from hingecheck.storage import ObjectMissing, StorageUnavailable, StoredObject


class LocalStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageUnavailable(f"cannot create the storage folder {self.root}: {exc}") \
                from None

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"key escapes the store: {key!r}")
        return path

    def put_file(self, key: str, source: Path, content_type: str) -> None:
        target = self._path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
            shutil.copyfile(source, tmp)
            os.replace(tmp, target)
        except OSError as exc:
            raise StorageUnavailable(f"cannot write {key}: {exc}") from None

    def get_file(self, key: str, target: Path) -> None:
        path = self._path(key)
        if not path.is_file():
            raise ObjectMissing(key)
        shutil.copyfile(path, target)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def remove(self, key: str) -> None:
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as exc:
            raise StorageUnavailable(f"cannot remove {key}: {exc}") from None

    def objects(self, prefix: str) -> Iterator[StoredObject]:
        """Every object under ``prefix``, a write a killed process left half done (its
        ``.part`` file) included."""
        for path in sorted(self.root.glob(prefix.rstrip("/") + "/**/*")):
            if path.is_file():
                modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
                yield StoredObject(path.relative_to(self.root).as_posix(), modified)

    def local_path(self, key: str) -> Path | None:
        path = self._path(key)
        return path if path.is_file() else None

    def presigned_url(self, key: str, ttl_s: int) -> str | None:
        return None

    def check(self) -> None:
        if not os.access(self.root, os.W_OK):
            raise StorageUnavailable(f"the storage folder {self.root} is not writable")
