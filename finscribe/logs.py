"""Structured JSON logging set-up, with redaction of document text, field values and keys."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any, Final

import structlog

#: Event keys whose values are never logged: document content, extracted values, secrets.
REDACTED_KEYS: Final = frozenset(
    {
        "text",
        "raw_text",
        "content",
        "body",
        "document",
        "fields",
        "field_value",
        "value",
        "values",
        "old_value",
        "new_value",
        "result",
        "words",
        "lines",
        "api_key",
        "key_plain",
        "token",
        "authorization",
        "password",
        "secret",
        "webhook_secret",
        "signature",
    }
)
REDACTED: Final = "[REDACTED]"

#: Secrets that may hide inside free text (an exception message, a header dump).
_SECRET_PATTERNS: Final = (
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+"),
    re.compile(r"\bfsk_[A-Za-z0-9_-]{8,}"),
    re.compile(r"(?i)(sha256=)[0-9a-f]{64}"),
)


def _scrub_text(text: str) -> str:
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


def _scrub(value: Any, depth: int = 0) -> Any:
    if depth > 6:
        return REDACTED
    if isinstance(value, str):
        return _scrub_text(value)
    if isinstance(value, Mapping):
        return {
            k: (REDACTED if str(k).lower() in REDACTED_KEYS else _scrub(v, depth + 1))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_scrub(v, depth + 1) for v in value]
    return value


def redact(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: drop sensitive keys' values and scrub secrets out of strings."""
    for key in list(event_dict):
        if key.lower() in REDACTED_KEYS:
            event_dict[key] = REDACTED
        else:
            event_dict[key] = _scrub(event_dict[key])
    return event_dict


def _shared_processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        redact,
    ]


def configure_logging(level: str = "INFO", json_format: bool = True) -> None:
    """Route structlog and the standard library (uvicorn, arq) through one redacting renderer."""
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if json_format
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            *_shared_processors(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.ExtraAdder(), *_shared_processors()],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "arq"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    # Access logs repeat what the API's own request log says, with less care for secrets.
    logging.getLogger("uvicorn.access").disabled = True
    # Client libraries log every request at DEBUG (botocore: signed headers and bodies;
    # aiosqlite: every statement from its own thread): keep them to warnings at any level.
    for name in _CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))


#: Third-party loggers held at WARNING or above whatever the configured level.
_CHATTY_LIBRARIES = (
    "botocore",
    "aiobotocore",
    "boto3",
    "s3transfer",
    "urllib3",
    "aiosqlite",
    "asyncio",
    "hpack",
    "httpcore",
    "httpx",
)


def get_logger(name: str) -> Any:
    """A structlog logger bound to ``name``."""
    return structlog.stdlib.get_logger(name)


def bind_request_id(request_id: str) -> None:
    """Attach the request id to every log line of the current request (context-local)."""
    structlog.contextvars.bind_contextvars(request_id=request_id)


def bind_job(job_id: str) -> None:
    """Attach the job id to every log line of the current task (context-local)."""
    structlog.contextvars.bind_contextvars(job_id=job_id)


def clear_context() -> None:
    """Forget the context-local values (request id, job id) of the current task."""
    structlog.contextvars.clear_contextvars()
