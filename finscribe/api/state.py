"""The API process's services (database, storage, queue, job/tenant/correction services)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from arq.connections import ArqRedis
from redis.asyncio import ConnectionPool

from finscribe import logs
from finscribe.constants import QUEUE_NAME
from finscribe.core.corrections import CorrectionService
from finscribe.core.jobs import JobService
from finscribe.core.tenants import TenantService
from finscribe.db.engine import Database
from finscribe.errors import ConfigurationError
from finscribe.queue.arq_queue import ArqQueue
from finscribe.queue.protocol import JobQueue
from finscribe.settings import Settings
from finscribe.storage.factory import make_storage
from finscribe.storage.protocol import ObjectStorage

if TYPE_CHECKING:
    from finscribe.api.jobs.kube_submit import KubeSubmitter

log = logs.get_logger(__name__)


def lazy_queue(url: str, *, connect_timeout_s: float = 5.0) -> ArqQueue:
    """An arq queue whose Redis connections open on first use: the API starts (and answers
    503 on readiness) while Redis is down, and reconnects by itself once it is back."""
    pool = ConnectionPool.from_url(
        url,
        socket_connect_timeout=connect_timeout_s,
        socket_timeout=connect_timeout_s,
        health_check_interval=30,
        retry_on_timeout=False,
    )
    return ArqQueue(ArqRedis(connection_pool=pool, default_queue_name=QUEUE_NAME))


class Services:
    """Everything a request handler needs, built once per process.

    A plain class on purpose: handlers receive it as a dependency, and the framework passes
    an opaque object through as is (a dataclass would be inspected and converted).
    """

    def __init__(
        self,
        *,
        settings: Settings,
        db: Database,
        storage: ObjectStorage,
        queue: JobQueue,
        jobs: JobService,
        tenants: TenantService,
        corrections: CorrectionService,
        kube: KubeSubmitter | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.storage = storage
        self.queue = queue
        self.jobs = jobs
        self.tenants = tenants
        self.corrections = corrections
        #: Submit mode `kubernetes`: uploads become DocumentJobs (None in `direct` mode).
        self.kube = kube
        #: The tenant every request acts as when auth is off (set at startup).
        self.default_tenant_id: uuid.UUID | None = None

    @classmethod
    def build(cls, settings: Settings) -> Services:
        if not settings.redis.url:
            raise ConfigurationError(
                "no Redis URL: set FINSCRIBE_REDIS_URL (or REDIS_URL), or run `finscribe stack`"
            )
        db = Database(settings.db)
        storage = make_storage(settings.storage)
        queue = lazy_queue(settings.redis.url, connect_timeout_s=settings.redis.connect_timeout_s)
        tenants = TenantService(db)
        kube = None
        if settings.api.submit_mode == "kubernetes":
            from finscribe.api.jobs.kube_submit import KubeSubmitter

            kube = KubeSubmitter(settings, storage, tenants)
        return cls(
            settings=settings,
            db=db,
            storage=storage,
            queue=queue,
            # In kubernetes mode the operator enqueues: this service never does.
            jobs=JobService(db, storage, None if kube else queue, limits=settings.limits),
            tenants=tenants,
            corrections=CorrectionService(db, storage),
            kube=kube,
        )

    async def close(self) -> None:
        closers = [self.queue.close, self.storage.close, self.db.close]
        if self.kube is not None:
            closers.insert(0, self.kube.close)
        for closer in closers:
            try:
                await closer()
            except Exception as exc:
                log.warning("close failed", error=type(exc).__name__)
