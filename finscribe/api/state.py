"""The API process's services (database, storage, queue, job/tenant/correction services)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

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


@dataclass
class Services:
    """Everything a request handler needs, built once per process."""

    settings: Settings
    db: Database
    storage: ObjectStorage
    queue: JobQueue
    jobs: JobService
    tenants: TenantService
    corrections: CorrectionService
    #: The tenant every request acts as when auth is off (set at startup).
    default_tenant_id: uuid.UUID | None = None
    extra: dict[str, object] = field(default_factory=dict)

    @classmethod
    def build(cls, settings: Settings) -> Services:
        if not settings.redis.url:
            raise ConfigurationError(
                "no Redis URL: set FINSCRIBE_REDIS_URL (or REDIS_URL), or run `finscribe stack`"
            )
        db = Database(settings.db)
        storage = make_storage(settings.storage)
        queue = lazy_queue(settings.redis.url, connect_timeout_s=settings.redis.connect_timeout_s)
        return cls(
            settings=settings,
            db=db,
            storage=storage,
            queue=queue,
            jobs=JobService(db, storage, queue, limits=settings.limits),
            tenants=TenantService(db),
            corrections=CorrectionService(db, storage),
        )

    async def close(self) -> None:
        for closer in (self.queue.close, self.storage.close, self.db.close):
            try:
                await closer()
            except Exception as exc:
                log.warning("close failed", error=type(exc).__name__)
