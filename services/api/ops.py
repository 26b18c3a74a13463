"""What operators and every client read without a tenant's key.

    GET  /v1/scoring                 what each fault costs and the grade bands (docs/scoring.md)
    GET  /healthz, /readyz           liveness; database and storage reachable
    GET  /metrics                    Prometheus, behind HINGECHECK_METRICS_TOKEN
"""

from __future__ import annotations

import hmac
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from hingecheck.analysis.catalogue import CATALOGUE, FAULT_WEIGHTS
from hingecheck.analysis.faults import EVIDENCE, references
from hingecheck.analysis.profiles import PROFILES
from hingecheck.analysis.scoring import GRADE_MEANING, GRADES
from hingecheck.jobs import store as jobs
from hingecheck.schemas.api import Health, Readiness, Scoring
from hingecheck.vocab import ExerciseChoice, JobStatus
from starlette.concurrency import run_in_threadpool

from services.api.deps import Config, Db, bearer_token
from services.api.problems import Problem, documented

router = APIRouter(tags=["operations"])


@router.get("/metrics", operation_id="metrics", responses={
    200: {"description": "Prometheus text format",
          "content": {"text/plain; version=0.0.4": {"schema": {"type": "string"}}}},
    **documented(401, 404)})
def metrics(request: Request, db: Db, settings: Config) -> Response:
    """Prometheus metrics of every tenant: for the operator, behind its own token."""
    if not settings.metrics_token:
        raise Problem(404, "metrics-off", "Metrics are off",
                      "set HINGECHECK_METRICS_TOKEN to serve /metrics")
    token = bearer_token(request.headers.get("authorization")) or ""
    if not hmac.compare_digest(token.encode(), settings.metrics_token.encode()):
        raise Problem(401, "bad-metrics-token", "Unauthorized",
                      "send 'Authorization: Bearer <HINGECHECK_METRICS_TOKEN>'",
                      headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    counts = jobs.status_counts(db)
    lines = ["# HELP hingecheck_jobs Jobs by status.", "# TYPE hingecheck_jobs gauge"]
    lines += [f'hingecheck_jobs{{status="{status}"}} {counts.get(status, 0)}'
              for status in JobStatus]
    lines += ["# HELP hingecheck_queue_depth Jobs waiting for a worker.",
              "# TYPE hingecheck_queue_depth gauge",
              f"hingecheck_queue_depth {counts.get(JobStatus.QUEUED, 0)}"]
    done, seconds, fps = jobs.analysis_totals(db)
    lines += ["# HELP hingecheck_analysis_seconds Analysis time of succeeded jobs.",
              "# TYPE hingecheck_analysis_seconds summary",
              f"hingecheck_analysis_seconds_sum {seconds:.3f}",
              f"hingecheck_analysis_seconds_count {done}",
              "# HELP hingecheck_frames_per_second Mean analysed frames per second.",
              "# TYPE hingecheck_frames_per_second gauge",
              f"hingecheck_frames_per_second {fps:.2f}"]
    return Response("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4; charset=utf-8")


@router.get("/v1/scoring", operation_id="get_scoring", response_model=Scoring)
def scoring_table() -> dict[str, Any]:
    """The scoring formula's numbers and the fault catalogue, so clients sort, name and
    colour faults as the server does."""
    return {
        "fault_weights": FAULT_WEIGHTS,
        "faults": [kind.as_dict() for kind in CATALOGUE.values()],
        "grades": [{"grade": letter, "min_score": floor, "meaning": GRADE_MEANING[letter]}
                   for floor, letter in GRADES],
        "formula": "rep score = 100 − Σ weight × severity (never below 0); "
                   "clip score = mean of the full reps; its grade at most one letter "
                   "better than the worst full rep's",
        "evidence": {key: {"label": label, "unit": unit}
                     for key, (label, unit) in EVIDENCE.items()},
        "exercises": [{"name": p.name, "label": p.label,
                       "references": [asdict(r) for r in references(p)]}
                      for p in PROFILES.values()],
        "exercise_choices": [{"name": choice, "label": _choice_label(choice)}
                             for choice in ExerciseChoice],
    }


def _choice_label(choice: ExerciseChoice) -> str:
    exercise = choice.exercise
    return "Guess from the clip" if exercise is None else PROFILES[exercise].label


@router.get("/healthz", operation_id="healthz", response_model=Health)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", operation_id="readyz", response_model=Readiness,
            responses={503: {"model": Readiness, "description": "a dependency is down"}})
async def readyz(request: Request) -> JSONResponse:
    """Whether the database, the store and (distributed mode) the broker answer: each
    probed with a short timeout, the answer shared by every caller for a few seconds
    (services/api/health.py), so it answers within about 2 s even when one hangs."""
    checks = await run_in_threadpool(request.app.state.watch.status)
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse({"ready": ok, **checks}, status_code=200 if ok else 503)
