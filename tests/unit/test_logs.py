"""Service log lines are JSON and name the job they concern."""

import json
import logging

from hingecheck.logs import JsonFormatter, current_job


def _line(message: str) -> dict[str, str]:
    record = logging.LogRecord("hingecheck.worker", logging.INFO, __file__, 1, message, (), None)
    return json.loads(JsonFormatter().format(record))  # type: ignore[no-any-return]


def test_lines_carry_the_job_id_only_inside_a_job() -> None:
    assert "job_id" not in _line("idle")
    token = current_job.set("abc123")
    try:
        line = _line("job abc123: succeeded")
    finally:
        current_job.reset(token)
    assert line["job_id"] == "abc123" and line["level"] == "info"
    assert line["logger"] == "hingecheck.worker" and line["message"].endswith("succeeded")
