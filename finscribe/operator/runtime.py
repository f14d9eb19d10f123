"""Running the operator: dependencies, leader election on a Lease, Kopf, health and metrics.

Only the replica holding the Lease runs Kopf; the others wait on the Lease. A leader that
loses the Lease stops Kopf at once and `run` returns False (the process should exit, so the
pod restarts as a standby). Kopf's watch timeouts come from the operator settings.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import threading
import uuid
from collections.abc import AsyncIterator

import kopf
from aiohttp import web

from finscribe.core.jobs import JobService
from finscribe.core.tenants import TenantService
from finscribe.db.engine import Database
from finscribe.kube import config as kube_config_module
from finscribe.kube import resources
from finscribe.kube.client import KubeClient
from finscribe.kube.config import KubeConfig
from finscribe.kube.lease import LeaseElector
from finscribe.metrics import OPERATOR_LEADER, start_metrics_server
from finscribe.operator.handlers import OperatorContext, make_registry
from finscribe.queue.arq_queue import ArqQueue
from finscribe.settings import Settings
from finscribe.storage.factory import make_storage

log = logging.getLogger(__name__)


def kopf_settings(settings: Settings) -> kopf.OperatorSettings:
    """Kopf's settings: watch timeouts, annotations-only bookkeeping, our finalizer."""
    op = settings.operator
    ks = kopf.OperatorSettings()
    ks.watching.server_timeout = op.watch_server_timeout_s
    ks.watching.client_timeout = op.watch_client_timeout_s
    ks.watching.connect_timeout = op.connect_timeout_s
    ks.networking.connect_timeout = op.connect_timeout_s
    ks.networking.request_timeout = max(60.0, op.connect_timeout_s * 2)
    ks.persistence.finalizer = resources.FINALIZER
    # Kopf's own state goes into annotations: the status schema is structural and closed.
    ks.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix="finscribe.io")
    ks.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
        prefix="finscribe.io", key="last-handled-configuration"
    )
    ks.posting.level = logging.WARNING
    ks.posting.reporting_component = "finscribe-operator"
    # No runtime scanning of CRDs/namespaces: that would need RBAC beyond DocumentJobs.
    ks.scanning.disabled = True
    ks.peering.standalone = True  # one active replica via our Lease instead
    return ks


@contextlib.asynccontextmanager
async def operator_context(
    settings: Settings, kube: KubeClient, kube_config: KubeConfig
) -> AsyncIterator[OperatorContext]:
    """Database, storage and queue for the handlers; closed on exit."""
    db = Database(settings.db)
    storage = make_storage(settings.storage)
    if not settings.redis.url:
        raise ValueError("the operator needs FINSCRIBE_REDIS_URL (REDIS_URL)")
    queue = await ArqQueue.connect(
        settings.redis.url,
        connect_timeout_s=settings.redis.connect_timeout_s,
        retries=settings.redis.connect_retries,
    )
    try:
        yield OperatorContext(
            settings=settings,
            jobs=JobService(db, storage, queue, limits=settings.limits),
            tenants=TenantService(db),
            storage=storage,
            kube=kube,
            kube_config=kube_config,
        )
    finally:
        await queue.close()
        await storage.close()
        await db.close()


async def _health_server(port: int, elector: LeaseElector) -> web.AppRunner:
    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "leader": elector.is_leader})

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "0.0.0.0", port).start()  # noqa: S104
    return runner


def identity(settings: Settings) -> str:
    return (
        settings.operator.identity or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    )


async def run(
    settings: Settings,
    stop: asyncio.Event,
    *,
    kube_config: KubeConfig | None = None,
    ready: asyncio.Event | threading.Event | None = None,
) -> bool:
    """Run until `stop` is set (True) or the Lease is lost (False). `ready` is set once Kopf
    runs (this replica leads)."""
    op = settings.operator
    cfg = kube_config or kube_config_module.load()
    async with KubeClient(cfg, timeout_s=op.connect_timeout_s * 3) as kube:
        elector = LeaseElector(
            kube,
            namespace=op.lease_namespace or cfg.namespace,
            name=op.lease_name,
            identity=identity(settings),
            duration_s=op.lease_duration_s,
            renew_s=op.lease_renew_s,
        )
        if op.metrics_port:
            start_metrics_server(op.metrics_port)
        health = await _health_server(op.health_port, elector) if op.health_port else None
        try:
            if not await elector.acquire(stop):
                return True
            OPERATOR_LEADER.set(1)
            async with operator_context(settings, kube, cfg) as ctx:
                return await _lead(settings, ctx, elector, stop, ready)
        finally:
            OPERATOR_LEADER.set(0)
            if health is not None:
                await health.cleanup()


async def _lead(
    settings: Settings,
    ctx: OperatorContext,
    elector: LeaseElector,
    stop: asyncio.Event,
    ready: asyncio.Event | threading.Event | None,
) -> bool:
    namespaces = settings.operator.namespace_list
    kopf_stop = asyncio.Event()
    hold_stop = asyncio.Event()
    hold = asyncio.create_task(elector.hold(hold_stop), name="lease")
    operator = asyncio.create_task(
        kopf.operator(
            registry=make_registry(ctx),
            settings=kopf_settings(settings),
            clusterwide=not namespaces,
            namespaces=namespaces,
            standalone=True,
            stop_flag=kopf_stop,
            ready_flag=ready,
        ),
        name="kopf",
    )
    stopped = asyncio.create_task(stop.wait(), name="stop")
    await asyncio.wait({hold, operator, stopped}, return_when=asyncio.FIRST_COMPLETED)
    lost = hold.done()
    kopf_stop.set()
    try:
        await operator
    except Exception:
        log.exception("kopf stopped with an error")
    hold_stop.set()
    await hold
    stopped.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await stopped
    return not lost
