"""Liveness, readiness (database, Redis, storage reachable) and Prometheus metrics."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Controller, Request, Response, get

from finscribe import errors, metrics
from finscribe.api import auth
from finscribe.api.errors import error_response
from finscribe.api.state import Services

#: Seconds one readiness probe may take before it counts as a failure.
CHECK_TIMEOUT_S = 3.0


class SystemController(Controller):
    path = "/api/v1"
    tags = ["system"]  # noqa: RUF012

    @get("/health", summary="Liveness: the process answers", opt={auth.PUBLIC_OPT: True})
    async def health(self) -> dict[str, str]:
        return {"status": "ok"}

    @get(
        "/ready",
        summary="Readiness: database, Redis and storage are reachable",
        opt={auth.PUBLIC_OPT: True},
    )
    async def ready(
        self, request: Request[Any, Any, Any], services: Services
    ) -> Response[dict[str, Any]]:
        checks: dict[str, str] = {}
        failure: errors.FinscribeError | None = None
        probes = {
            "database": (services.db.check, errors.DatabaseUnavailableError),
            "redis": (services.queue.check, errors.QueueUnavailableError),
            "storage": (services.storage.check, errors.StorageUnavailableError),
        }
        results = await asyncio.gather(
            *(asyncio.wait_for(probe(), CHECK_TIMEOUT_S) for probe, _ in probes.values()),
            return_exceptions=True,
        )
        for (name, (_, fallback)), outcome in zip(probes.items(), results, strict=True):
            if isinstance(outcome, BaseException):
                err = (
                    outcome
                    if isinstance(outcome, errors.FinscribeError)
                    else fallback(f"{name} unavailable: {type(outcome).__name__}")
                )
                checks[name] = err.code
                failure = failure or err
            else:
                checks[name] = "ok"
        if failure is not None:
            response = error_response(request, 503, failure.code, failure.message)
            body = response.content
            body["checks"] = checks
            return response
        return Response({"status": "ready", "checks": checks})

    @get("/metrics", summary="Prometheus metrics (text format)", opt={auth.PUBLIC_OPT: True})
    async def metrics(self) -> Response[bytes]:
        body, content_type = metrics.render_latest()
        return Response(body, media_type=content_type)
