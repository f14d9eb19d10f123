"""The job queue on arq/Redis: the job id is the arq job id (arq deduplicates on it).

arq keeps a sorted set ``arq:queue`` (score = due time in ms; a job stays in it while it
runs), ``arq:job:<id>`` (the serialized call), ``arq:in-progress:<id>`` while a worker runs
it, ``arq:result:<id>`` after it, and ``arq:abort`` (job ids to abort).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.constants import (
    abort_jobs_ss,
    in_progress_key_prefix,
    job_key_prefix,
    result_key_prefix,
)
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from finscribe.constants import PROCESS_JOB_FUNCTION, QUEUE_NAME
from finscribe.errors import QueueUnavailableError
from finscribe.queue.protocol import QueueDepth, QueueJobState

_UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError, TimeoutError)


def redis_settings(url: str, *, connect_timeout_s: float = 5.0, retries: int = 3) -> RedisSettings:
    """arq's connection settings from a redis:// URL."""
    settings = RedisSettings.from_dsn(url)
    settings.conn_timeout = max(1, round(connect_timeout_s))
    settings.conn_retries = retries
    settings.conn_retry_delay = 1
    return settings


class ArqQueue:
    """JobQueue on arq. Construct with `await ArqQueue.connect(url)` or around a pool."""

    def __init__(self, pool: ArqRedis, *, queue_name: str = QUEUE_NAME) -> None:
        self.pool = pool
        self.queue_name = queue_name

    @classmethod
    async def connect(
        cls,
        url: str,
        *,
        queue_name: str = QUEUE_NAME,
        connect_timeout_s: float = 5.0,
        retries: int = 3,
    ) -> ArqQueue:
        try:
            pool = await create_pool(
                redis_settings(url, connect_timeout_s=connect_timeout_s, retries=retries),
                default_queue_name=queue_name,
            )
        except _UNAVAILABLE as err:
            raise QueueUnavailableError(f"Redis unavailable: {type(err).__name__}") from err
        return cls(pool, queue_name=queue_name)

    async def enqueue(self, job_id: uuid.UUID, *, defer_s: float = 0.0) -> bool:
        jid = str(job_id)
        try:
            if await self._enqueue(jid, defer_s):
                return True
            # arq refuses an id while it keeps that id's result. A finished run's result must
            # not block a new run (the database decides whether a job runs; the queue only
            # refuses duplicates queued or in flight): drop the stale result and try again.
            if await self.pool.exists(job_key_prefix + jid, in_progress_key_prefix + jid):
                return False
            await self.pool.delete(result_key_prefix + jid)
            return await self._enqueue(jid, defer_s)
        except _UNAVAILABLE as err:
            raise QueueUnavailableError(f"Redis unavailable: {type(err).__name__}") from err
        except RedisError as err:
            raise QueueUnavailableError(f"Redis error: {type(err).__name__}") from err

    async def _enqueue(self, jid: str, defer_s: float) -> bool:
        job = await self.pool.enqueue_job(
            PROCESS_JOB_FUNCTION,
            jid,
            _job_id=jid,
            _queue_name=self.queue_name,
            _defer_by=defer_s if defer_s > 0 else None,
        )
        return job is not None

    async def cancel(self, job_id: uuid.UUID) -> bool:
        jid = str(job_id)
        now_ms = int(time.time() * 1000)
        try:
            in_progress = bool(await self.pool.exists(in_progress_key_prefix + jid))
            known = in_progress or bool(await self.pool.exists(job_key_prefix + jid))
            if not known:
                return False
            # The abort set stops it in a worker (running, or picked up meanwhile); a job not
            # started yet is also taken off the queue at once.
            await self.pool.zadd(abort_jobs_ss, {jid: now_ms})
            if not in_progress:
                async with self.pool.pipeline(transaction=True) as pipe:
                    pipe.zrem(self.queue_name, jid)
                    pipe.delete(job_key_prefix + jid)
                    await pipe.execute()
        except _UNAVAILABLE as err:
            raise QueueUnavailableError(f"Redis unavailable: {type(err).__name__}") from err
        return True

    async def status(self, job_id: uuid.UUID) -> QueueJobState:
        jid = str(job_id)
        try:
            async with self.pool.pipeline(transaction=True) as pipe:
                pipe.exists(result_key_prefix + jid)
                pipe.exists(in_progress_key_prefix + jid)
                pipe.zscore(self.queue_name, jid)
                has_result, in_progress, score = await pipe.execute()
        except _UNAVAILABLE as err:
            raise QueueUnavailableError(f"Redis unavailable: {type(err).__name__}") from err
        if in_progress:
            return "in_progress"
        if score is not None:
            return "deferred" if score > time.time() * 1000 else "queued"
        if has_result:
            return "complete"
        return "not_found"

    async def depth(self) -> QueueDepth:
        """ready = due now and not running; in_flight = running; deferred = due later."""
        now_ms = int(time.time() * 1000)
        try:
            running: list[str] = []
            async for key in self.pool.scan_iter(match=in_progress_key_prefix + "*", count=1000):
                name = key.decode() if isinstance(key, bytes) else str(key)
                running.append(name[len(in_progress_key_prefix) :])
            async with self.pool.pipeline(transaction=False) as pipe:
                pipe.zcount(self.queue_name, "-inf", now_ms)
                pipe.zcard(self.queue_name)
                for jid in running:
                    pipe.zscore(self.queue_name, jid)
                results: list[Any] = await pipe.execute()
        except _UNAVAILABLE as err:
            raise QueueUnavailableError(f"Redis unavailable: {type(err).__name__}") from err
        due, total = int(results[0]), int(results[1])
        scores = results[2:]
        running_due = sum(1 for s in scores if s is not None and s <= now_ms)
        running_later = sum(1 for s in scores if s is not None and s > now_ms)
        return QueueDepth(
            ready=max(0, due - running_due),
            in_flight=len(running),
            deferred=max(0, total - due - running_later),
        )

    async def check(self) -> None:
        try:
            await self.pool.ping()
        except (RedisError, OSError, TimeoutError) as err:
            raise QueueUnavailableError(f"Redis unavailable: {type(err).__name__}") from err

    async def close(self) -> None:
        await self.pool.aclose()
