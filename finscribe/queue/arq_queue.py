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
from arq.jobs import serialize_job
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from finscribe.constants import PROCESS_JOB_FUNCTION, QUEUE_NAME
from finscribe.errors import QueueUnavailableError
from finscribe.queue.protocol import QueueDepth, QueueJobState

#: KEYS: job, in-progress, result, queue; ARGV: serialized job, expiry ms, score, job id.
_ENQUEUE_LUA = """
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then
  return 0
end
redis.call('DEL', KEYS[3])
redis.call('PSETEX', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[4])
return 1
"""

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
        self._enqueue_script = pool.register_script(_ENQUEUE_LUA)

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
        """One atomic round trip (a Lua script writing arq's own job format): refused while
        the id is queued or running; a finished run's kept result does not block a new run
        (the database decides whether a job runs, the queue only refuses duplicates)."""
        jid = str(job_id)
        now_ms = int(time.time() * 1000)
        score = now_ms + max(0, int(defer_s * 1000))
        payload = serialize_job(
            PROCESS_JOB_FUNCTION, (jid,), {}, None, now_ms, serializer=self.pool.job_serializer
        )
        expires_ms = score - now_ms + self.pool.expires_extra_ms
        try:
            added = await self._enqueue_script(
                keys=[
                    job_key_prefix + jid,
                    in_progress_key_prefix + jid,
                    result_key_prefix + jid,
                    self.queue_name,
                ],
                args=[payload, expires_ms, score, jid],
            )
        except _UNAVAILABLE as err:
            raise QueueUnavailableError(f"Redis unavailable: {type(err).__name__}") from err
        except RedisError as err:
            raise QueueUnavailableError(f"Redis error: {type(err).__name__}") from err
        return bool(added)

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
