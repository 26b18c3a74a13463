"""JSON log lines for the services, each carrying the job it concerns (if any)."""

from __future__ import annotations

import contextvars
import json
import logging
import logging.config
import time
from typing import Any

current_job: contextvars.ContextVar[str | None] = contextvars.ContextVar("job", default=None)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {"time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)),
                "level": record.levelname.lower(), "logger": record.name,
                "message": record.getMessage()}
        if (job := current_job.get()) is not None:
            line["job_id"] = job
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def dict_config(level: int = logging.INFO) -> dict[str, Any]:
    """The logging set-up of `configure` as a `logging.config.dictConfig` dict: plain data, so
    that it survives the pickling into processes started with *spawn* (uvicorn's
    ``workers=N`` children apply it again as each one starts; they inherit nothing from
    the parent's logging)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json",
                                "stream": "ext://sys.stderr"}},
        # uvicorn's loggers keep no handlers of their own: their lines reach the root's, at
        # the root's level until uvicorn applies its own ``log_level`` (a level left over
        # from an earlier uvicorn in the same process would otherwise drop them)
        "loggers": {name: {"handlers": [], "propagate": True, "level": "NOTSET"}
                    for name in ("uvicorn", "uvicorn.error", "uvicorn.access")},
        "root": {"handlers": ["stderr"], "level": logging.getLevelName(level)},
    }


def configure(level: int = logging.INFO) -> None:
    """Every log record of the process as one JSON line on stderr."""
    logging.config.dictConfig(dict_config(level))
