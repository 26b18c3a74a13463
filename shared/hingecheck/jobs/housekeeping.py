"""Nothing left behind: working folders of dead processes, rejected clips' sources, and
stored objects that no job owns.

- A job works in ``hingecheck-job-<pid>-*`` under the temp folder; the folder goes when the
  job ends, however it ends, but a killed process cannot remove its own. Folders whose
  process is gone are removed when a worker starts and at every housekeeping round.
- A rejected clip's source is of no further use (the clip is the problem) and is removed
  ``REJECTED_SOURCE_KEEP_S`` after the rejection, unless another job analyses it too.
- The API stores a clip before it writes its job row; a crash between the two leaves an
  object no job owns. Such objects older than ``ORPHAN_GRACE_S`` are removed.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session, sessionmaker

from hingecheck.jobs.models import Job, Upload, now
from hingecheck.storage import ObjectStore, StorageUnavailable
from hingecheck.vocab import JobStatus

log = logging.getLogger("hingecheck.housekeeping")
WORK_PREFIX = "hingecheck-job-"
UPLOAD_PREFIX = "hingecheck-upload-"
# The defaults of Settings.rejected_source_keep_s and Settings.orphan_grace_s: a rejected
# clip's source goes at once; an object with no job row younger than an hour may be an
# upload whose row is being written.
REJECTED_SOURCE_KEEP_S = 0.0
ORPHAN_GRACE_S = 3600.0
# A folder whose owner cannot be told (another naming, or a live process reusing a dead
# one's id) is removed once it is this old: longer than any job may run.
STALE_FOLDER_S = 6 * 3600.0


def work_folder_prefix() -> str:
    """The prefix of this process's working folders: it names the process."""
    return f"{WORK_PREFIX}{os.getpid()}-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def sweep_folders(prefix: str = WORK_PREFIX, root: Path | None = None,
                  stale_s: float = STALE_FOLDER_S) -> int:
    """Remove ``prefix<pid>-*`` folders whose process is gone, and any such folder older
    than ``stale_s``; how many were removed. ``UPLOAD_PREFIX`` sweeps the API's upload
    folders the same way."""
    removed = 0
    for folder in Path(root or tempfile.gettempdir()).glob(f"{prefix}*"):
        owner = folder.name.removeprefix(prefix).split("-", 1)[0]
        try:
            age_s = time.time() - folder.stat().st_mtime
        except FileNotFoundError:
            continue
        dead = owner.isdigit() and int(owner) != os.getpid() and not _alive(int(owner))
        if folder.is_dir() and (dead or age_s > stale_s):
            shutil.rmtree(folder, ignore_errors=True)
            removed += not folder.exists()
    return removed


def remove_rejected_sources(db: sessionmaker[Session], objects: ObjectStore,
                            keep_s: float = REJECTED_SOURCE_KEEP_S, limit: int = 100) -> int:
    """Remove the sources of clips rejected more than ``keep_s`` ago that no other job
    (a re-analysis) still uses; how many."""
    cutoff = now() - timedelta(seconds=keep_s)
    other = Job.__table__.alias("other")
    shared = exists().where(other.c.source_key == Job.source_key, other.c.id != Job.id,
                            other.c.status != JobStatus.REJECTED)
    with db() as s:
        rows = s.execute(select(Job.id, Job.source_key).where(
            Job.status == JobStatus.REJECTED, Job.source_removed_at.is_(None),
            Job.finished_at <= cutoff, ~shared).limit(limit)).all()
    for job_id, key in rows:
        objects.remove(key)
        with db.begin() as s:
            s.execute(update(Job).where(Job.id == job_id).values(source_removed_at=now()))
    return len(rows)


def remove_orphans(db: sessionmaker[Session], objects: ObjectStore,
                   grace_s: float = ORPHAN_GRACE_S) -> int:
    """Remove stored objects under ``tenants/*/jobs/<id>/`` older than ``grace_s`` whose job
    has no row (and that no job or pending upload names); how many."""
    cutoff = now() - timedelta(seconds=grace_s)
    removed = 0
    for item in objects.objects("tenants/"):
        parts = item.key.split("/")
        if len(parts) < 5 or parts[2] != "jobs" or item.modified > cutoff:
            continue
        job_id = parts[3]
        with db() as s:
            owned = s.scalar(select(Job.id).where(
                (Job.id == job_id) | (Job.source_key == item.key)).limit(1))
            pending = s.scalar(select(Upload.id).where(
                Upload.job_id == job_id, Upload.completed.is_(False)).limit(1))
        if owned is None and (pending is None or item.modified < cutoff - timedelta(days=1)):
            objects.remove(item.key)
            removed += 1
    return removed


def housekeeping(db: sessionmaker[Session], objects: ObjectStore,
                 keep_rejected_s: float = REJECTED_SOURCE_KEEP_S,
                 orphan_grace_s: float = ORPHAN_GRACE_S) -> dict[str, int]:
    """One round: dead processes' folders, rejected sources, orphan objects."""
    done = {"folders": sweep_folders()}
    try:
        done["rejected sources"] = remove_rejected_sources(db, objects, keep_rejected_s)
        done["orphan objects"] = remove_orphans(db, objects, orphan_grace_s)
    except StorageUnavailable as exc:
        log.warning("housekeeping: the store is unavailable (%s); next round", exc)
    if any(done.values()):
        log.info("housekeeping: removed %s", ", ".join(f"{n} {k}" for k, n in done.items()))
    return done
