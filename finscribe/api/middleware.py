"""ASGI middleware: a request id on every response and log line, HTTP metrics, access log."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any, Final

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from finscribe import logs, metrics

REQUEST_ID_HEADER: Final = "x-request-id"
_VALID_ID: Final = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

log = logs.get_logger("finscribe.api.access")


def request_id_middleware(app: ASGIApp) -> ASGIApp:
    """Wrap ``app``: accept a sane incoming X-Request-ID or make one; echo it; measure."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        incoming = ""
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        logs.clear_context()
        logs.bind_request_id(request_id)
        started = time.perf_counter()
        status_holder: dict[str, int] = {"status": 500}
        header = (REQUEST_ID_HEADER.encode(), request_id.encode())

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        try:
            await app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - started
            route: Any = scope.get("path_template") or "unmatched"
            method = scope.get("method", "")
            status = status_holder["status"]
            metrics.HTTP_REQUESTS.labels(method=method, route=route, status=str(status)).inc()
            metrics.HTTP_LATENCY.labels(method=method, route=route).observe(elapsed)
            if status >= 500 or route not in _QUIET_ROUTES:
                log.info(
                    "request",
                    method=method,
                    route=route,
                    status=status,
                    duration_ms=round(elapsed * 1000, 2),
                )
            logs.clear_context()

    return middleware


#: Probes and scrapes that would drown the log when successful.
_QUIET_ROUTES: Final = frozenset({"/api/v1/health", "/api/v1/ready", "/api/v1/metrics"})
