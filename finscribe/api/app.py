"""The Litestar application: controllers, auth guard, error bodies, request ids, OpenAPI."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

import finscribe
from finscribe import logs
from finscribe.api import auth
from finscribe.api.admin.controller import AdminController
from finscribe.api.errors import EXCEPTION_HANDLERS
from finscribe.api.jobs.controller import JobsController
from finscribe.api.middleware import request_id_middleware
from finscribe.api.results.controller import ResultsController
from finscribe.api.state import Services
from finscribe.api.system.controller import SystemController
from finscribe.settings import Settings, get_settings

log = logs.get_logger(__name__)

__all__ = ["create_app"]

#: The largest non-upload request body (JSON) the API reads.
MAX_JSON_BODY_BYTES = 1024 * 1024


def create_app(
    settings: Settings | None = None,
    services: Services | None = None,
    *,
    freeze_gc: bool = False,
) -> Litestar:
    """Build the app. ``services`` may be given (tests); else built from ``settings``.

    ``freeze_gc`` (a serving process): once started, everything alive (modules, the app,
    pools) moves to the collector's permanent generation, so a full collection later scans
    only what requests left behind: without it, a full collection of the ~150 000 objects
    of a started process paused a worker for 100-300 ms under load (the p99 of a benchmark).
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        svc = services or Services.build(settings)
        app.state.services = svc
        app.state.principal_cache = auth.PrincipalCache()
        if not settings.auth.enabled:
            tenant = await svc.tenants.ensure_tenant(settings.auth.default_tenant)
            svc.default_tenant_id = tenant.id
            log.warning("authentication is OFF", tenant=settings.auth.default_tenant)
        if freeze_gc:
            gc.collect()
            gc.freeze()
        try:
            yield
        finally:
            if services is None:
                await svc.close()

    def provide_services(state: State) -> Services:
        return state.services  # type: ignore[no-any-return]

    app = Litestar(
        route_handlers=[SystemController, JobsController, ResultsController, AdminController],
        dependencies={"services": Provide(provide_services, sync_to_thread=False)},
        guards=[auth.auth_guard],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=[lifespan],
        # Uploads lift this on their own routes and enforce the upload limit while streaming.
        request_max_body_size=MAX_JSON_BODY_BYTES,
        openapi_config=OpenAPIConfig(
            title="FinScribe API",
            version=finscribe.__version__ if hasattr(finscribe, "__version__") else "0.1.0",
            path=auth.SCHEMA_PATH,
            render_plugins=[ScalarRenderPlugin()],
            components=Components(
                security_schemes={
                    "BearerApiKey": SecurityScheme(
                        type="http", scheme="bearer", description="an API key: fsk_..."
                    )
                }
            ),
            security=[{"BearerApiKey": []}],
        ),
        debug=False,
        logging_config=None,
    )
    # Outermost, so unmatched routes (404/405) and framework errors get a request id too.
    app.asgi_handler = request_id_middleware(app.asgi_handler)
    return app


def asgi_app() -> Litestar:
    """The uvicorn factory (``finscribe serve``): logging configured in each process."""
    settings = get_settings()
    logs.configure_logging(settings.log.level, settings.log.json_format)
    return create_app(settings, freeze_gc=True)
