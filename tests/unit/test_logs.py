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


def test_the_dict_config_makes_uvicorn_lines_json(capsys) -> None:  # type: ignore[no-untyped-def]
    """What `hingecheck api --workers N` hands each child process to apply as it starts."""
    import logging.config
    import pickle

    from hingecheck.logs import dict_config

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    uvicorns = [logging.getLogger(name) for name in ("uvicorn", "uvicorn.error", "uvicorn.access")]
    # an in-process uvicorn of an earlier test (log_level="warning") leaves its levels behind
    for logger in uvicorns:
        logger.setLevel(logging.WARNING)
    kept = [(logger.level, logger.handlers[:], logger.propagate) for logger in uvicorns]
    try:
        # the children start with spawn: the set-up crosses as pickled data
        logging.config.dictConfig(pickle.loads(pickle.dumps(dict_config())))
        logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d',
                                                 "127.0.0.1:5", "GET", "/healthz", "1.1", 200)
        logging.getLogger("uvicorn.error").info("Started server process [%d]", 42)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        for logger, (was_level, was_handlers, was_propagate) in zip(uvicorns, kept, strict=True):
            logger.setLevel(was_level)
            logger.handlers[:] = was_handlers
            logger.propagate = was_propagate
    lines = capsys.readouterr().err.splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["logger"] for r in records] == ["uvicorn.access", "uvicorn.error"]
    assert records[0]["message"] == '127.0.0.1:5 - "GET /healthz HTTP/1.1" 200'
    assert records[1]["message"] == "Started server process [42]"
