"""The worker process's services: database, storage, queue, job service and the OCR engine."""

from __future__ import annotations

from dataclasses import dataclass

from arq.connections import ArqRedis
from redis.asyncio import ConnectionPool

from finscribe import logs
from finscribe.constants import QUEUE_NAME
from finscribe.core.jobs import JobService
from finscribe.core.pipeline import LazyEngine, default_engine
from finscribe.core.tenants import TenantService
from finscribe.db.engine import Database
from finscribe.errors import ConfigurationError
from finscribe.queue.arq_queue import ArqQueue
from finscribe.settings import Settings
from finscribe.storage.factory import make_storage
from finscribe.storage.protocol import ObjectStorage

log = logs.get_logger(__name__)


def redis_pool(url: str, *, timeout_s: float = 5.0) -> ArqRedis:
    """An arq Redis client whose connections open lazily and reconnect after an outage."""
    pool = ConnectionPool.from_url(
        url, socket_connect_timeout=timeout_s, socket_keepalive=True, health_check_interval=15
    )
    return ArqRedis(connection_pool=pool, default_queue_name=QUEUE_NAME)


@dataclass
class WorkerServices:
    settings: Settings
    db: Database
    storage: ObjectStorage
    queue: ArqQueue
    jobs: JobService
    tenants: TenantService
    engine: LazyEngine

    @classmethod
    def build(cls, settings: Settings, engine: LazyEngine | None = None) -> WorkerServices:
        if not settings.redis.url:
            raise ConfigurationError(
                "no Redis URL: set FINSCRIBE_REDIS_URL (or REDIS_URL), or run `finscribe stack`"
            )
        db = Database(settings.db)
        storage = make_storage(settings.storage)
        queue = ArqQueue(redis_pool(settings.redis.url, timeout_s=settings.redis.connect_timeout_s))
        return cls(
            settings=settings,
            db=db,
            storage=storage,
            queue=queue,
            jobs=JobService(db, storage, queue, limits=settings.limits),
            tenants=TenantService(db),
            engine=engine or default_engine(settings),
        )

    async def load_engine(self) -> None:
        """Load the OCR models once for this process and check the engine answers."""
        await self.engine.ready()
        log.info("ocr engine ready", engine=self.engine.name)

    async def close(self) -> None:
        for closer in (self.engine.close, self.queue.close, self.storage.close, self.db.close):
            try:
                await closer()
            except Exception as exc:
                log.warning("close failed", error=type(exc).__name__)
