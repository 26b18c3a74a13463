"""A Python client of the hingecheck API (httpx), typed by the models the server answers with.

    from hingecheck.client import Client

    with Client("http://127.0.0.1:8000", key) as hc:
        job = hc.upload("anna_rdl.mp4", exercise="rdl", athlete="Anna")
        job = hc.wait(job.id)                       # polls until it ends
        result = hc.result(job.id)                  # AnalysisResult (docs/result.md)
        hc.download(job.id, "video", "anna_annotated.mp4")  # waits while it is drawn

The verdict comes first: a job succeeds (and ``result`` answers) before its annotated clip,
poster and chart are stored (``JobView.outputs_ready``); ``download`` waits for them.

Every error answer becomes ``ApiError`` with the problem's type, title and detail.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import httpx

from hingecheck.schemas import AnalysisResult
from hingecheck.schemas.api import JobList, JobView
from hingecheck.vocab import DEFAULT_EXERCISE, ENDED_STATUSES, OutputKind

Progress = Callable[[int, int], None]  # (done, total)
# The outputs by the name the API serves them under, and the file each one is.
OUTPUTS = {kind.value: kind.file_name for kind in OutputKind}
ENDED = tuple(sorted(ENDED_STATUSES))


class ApiError(Exception):
    """An error answer (RFC 9457 problem details)."""

    def __init__(self, status: int, kind: str, title: str, detail: str,
                 retry_after_s: float | None = None) -> None:
        super().__init__(f"{status} {kind}: {detail}")
        self.status, self.kind, self.title, self.detail = status, kind, title, detail
        self.retry_after_s = retry_after_s  # the server's Retry-After (seconds), if any

    @classmethod
    def of(cls, response: httpx.Response) -> ApiError:
        retry = response.headers.get("retry-after", "")
        retry_s = float(retry) if retry.isdigit() else None
        try:
            body = response.json()
            kind = str(body.get("type", "")).rsplit("/", 1)[-1] or "error"
            return cls(response.status_code, kind, str(body.get("title", "")),
                       str(body.get("detail", response.text)), retry_s)
        except ValueError:
            return cls(response.status_code, "error", response.reason_phrase, response.text,
                       retry_s)


class _CountingFile:
    """A file the upload reads in chunks, reporting how much has gone."""

    def __init__(self, f: IO[bytes], total: int, progress: Progress | None) -> None:
        self.f, self.total, self.progress, self.sent = f, total, progress, 0

    def read(self, size: int = -1) -> bytes:
        data = self.f.read(size)
        self.sent += len(data)
        if self.progress:
            self.progress(self.sent, self.total)
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.f.seek(offset, whence)

    def tell(self) -> int:
        return self.f.tell()


class Client:
    def __init__(self, base_url: str, key: str, *, timeout_s: float = 120.0,
                 outputs_wait_s: float = 600.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.outputs_wait_s = outputs_wait_s
        self.http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout_s,
                                 headers={"Authorization": f"Bearer {key}"},
                                 transport=transport)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        response = self.http.request(method, url, **kwargs)
        if response.status_code >= 400:
            raise ApiError.of(response)
        return response

    def upload(self, path: str | Path, *, exercise: str = DEFAULT_EXERCISE,
               athlete: str | None = None,
               batch: str | None = None, callback_url: str | None = None,
               idempotency_key: str | None = None,
               progress: Progress | None = None) -> JobView:
        """Upload a clip; returns its job (queued). A retry with the same idempotency key
        (one is made per call unless given) returns the same job, never a second one."""
        path = Path(path)
        fields = {k: v for k, v in {"exercise": exercise, "athlete": athlete, "batch": batch,
                                    "callback_url": callback_url}.items() if v is not None}
        headers = {"Idempotency-Key": idempotency_key or f"client-{uuid.uuid4().hex}"}
        with path.open("rb") as f:
            body = _CountingFile(f, path.stat().st_size, progress)
            response = self._send("POST", "/v1/videos", data=fields, headers=headers,
                                  files={"file": (path.name, body, "video/mp4")})
        return JobView.model_validate(response.json())

    def job(self, job_id: str) -> JobView:
        return JobView.model_validate(self._send("GET", f"/v1/jobs/{job_id}").json())

    def jobs(self, *, athlete: str | None = None, batch: str | None = None,
             status: str | None = None, limit: int = 50) -> JobList:
        params = {k: v for k, v in {"athlete": athlete, "batch": batch, "status": status,
                                    "limit": limit}.items() if v is not None}
        return JobList.model_validate(self._send("GET", "/v1/jobs", params=params).json())

    def wait(self, job_id: str, *, timeout_s: float = 900.0, poll_s: float = 1.0,
             progress: Callable[[JobView], None] | None = None) -> JobView:
        """Poll the job until it ends (succeeded, failed or rejected)."""
        deadline = time.monotonic() + timeout_s
        while True:
            job = self.job(job_id)
            if progress:
                progress(job)
            if job.status in ENDED_STATUSES:
                return job
            if time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} is still {job.status} after {timeout_s} s")
            time.sleep(poll_s)

    def result(self, job_id: str) -> AnalysisResult:
        return AnalysisResult.model_validate_json(self._fetch(job_id, OutputKind.RESULT))

    def download(self, job_id: str, kind: OutputKind | str, target: str | Path) -> Path:
        """Save one of a finished job's outputs (``kind``: video, poster, chart or result),
        following S3's presigned redirect."""
        target = Path(target)
        target.write_bytes(self._fetch(job_id, kind))
        return target

    def _fetch(self, job_id: str, kind: OutputKind | str) -> bytes:
        """An output's bytes. The verdict comes first: an annotated clip, poster or chart
        still being drawn (409 ``rendering``) is waited for, as long as the server asks,
        up to ``outputs_wait_s``."""
        if kind not in OUTPUTS:
            raise ValueError(f"kind must be one of {', '.join(OUTPUTS)}")
        kind = OutputKind(kind)
        deadline = time.monotonic() + self.outputs_wait_s
        while True:
            try:
                response = self._send("GET", f"/v1/jobs/{job_id}/{kind}")
                break
            except ApiError as exc:
                if exc.kind != "rendering" or time.monotonic() > deadline:
                    raise
                time.sleep(exc.retry_after_s or 1.0)
        if response.status_code == 307:  # presigned: the store itself, without our key
            stored = httpx.get(response.headers["location"], timeout=self.http.timeout)
            if stored.status_code >= 400:
                raise ApiError.of(stored)
            return stored.content
        return response.content
