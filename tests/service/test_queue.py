"""The arq queue adapter against real Redis, with a real arq worker running the jobs."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from arq.worker import Worker, func

from finscribe.constants import PROCESS_JOB_FUNCTION, QUEUE_NAME
from finscribe.errors import QueueUnavailableError
from finscribe.queue.arq_queue import ArqQueue
from finscribe.queue.protocol import JobQueue, QueueDepth


async def _until(predicate: Any) -> None:
    """Poll (Redis state, no event to wait on) until true, at most about 10 s."""
    for _ in range(500):
        if await predicate():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not reached in time")


@contextlib.asynccontextmanager
async def running_worker(
    queue: ArqQueue, gate: asyncio.Event, ran: list[str]
) -> AsyncIterator[Worker]:
    """A real arq worker (max_jobs=1) whose job waits for `gate`."""

    async def process(_ctx: dict[str, Any], job_id: str) -> str:
        ran.append(job_id)
        await gate.wait()
        return job_id

    worker = Worker(
        functions=[func(process, name=PROCESS_JOB_FUNCTION)],
        redis_pool=queue.pool,
        queue_name=QUEUE_NAME,
        max_jobs=1,
        poll_delay=0.02,
        allow_abort_jobs=True,
        handle_signals=False,
        keep_result=60,
    )
    task = asyncio.create_task(worker.async_run())
    try:
        yield worker
    finally:
        gate.set()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await worker.close()


async def test_is_a_job_queue(job_queue: ArqQueue) -> None:
    assert isinstance(job_queue, JobQueue)
    await job_queue.check()


async def test_enqueue_deduplicates_on_the_job_id(job_queue: ArqQueue) -> None:
    job_id = uuid.uuid4()
    assert await job_queue.enqueue(job_id) is True
    assert await job_queue.enqueue(job_id) is False
    assert await job_queue.status(job_id) == "queued"
    assert await job_queue.depth() == QueueDepth(ready=1, in_flight=0, deferred=0)
    assert await job_queue.pool.zcard(QUEUE_NAME) == 1


async def test_depth_counts_ready_in_flight_and_deferred(job_queue: ArqQueue) -> None:
    gate, ran = asyncio.Event(), []
    ids = [uuid.uuid4() for _ in range(3)]
    for job_id in ids:
        assert await job_queue.enqueue(job_id)
    later = uuid.uuid4()
    assert await job_queue.enqueue(later, defer_s=120)
    assert await job_queue.status(later) == "deferred"
    assert await job_queue.depth() == QueueDepth(ready=3, in_flight=0, deferred=1)

    async with running_worker(job_queue, gate, ran):

        async def one_running() -> bool:
            return (await job_queue.depth()).in_flight == 1

        await _until(one_running)
        # The running job is still in arq's sorted set: it must not count as ready.
        assert await job_queue.depth() == QueueDepth(ready=2, in_flight=1, deferred=1)
        running = uuid.UUID(ran[0])
        assert await job_queue.status(running) == "in_progress"
        assert await job_queue.enqueue(running) is False  # running: deduplicated

        gate.set()

        async def all_done() -> bool:
            d = await job_queue.depth()
            return d.ready == 0 and d.in_flight == 0

        await _until(all_done)
    assert sorted(ran) == sorted(str(i) for i in ids)
    assert await job_queue.depth() == QueueDepth(ready=0, in_flight=0, deferred=1)
    assert {await job_queue.status(i) for i in ids} == {"complete"}


async def test_finished_job_can_run_again(job_queue: ArqQueue) -> None:
    gate, ran = asyncio.Event(), []
    gate.set()
    job_id = uuid.uuid4()
    async with running_worker(job_queue, gate, ran):
        await job_queue.enqueue(job_id)

        async def complete() -> bool:
            return await job_queue.status(job_id) == "complete"

        await _until(complete)
        # arq alone would refuse this id while its result is kept; the database decides.
        assert await job_queue.enqueue(job_id) is True
        await _until(lambda: _ran_twice(ran))
    assert ran == [str(job_id), str(job_id)]


async def _ran_twice(ran: list[str]) -> bool:
    return len(ran) == 2


async def test_cancel_queued_and_running(job_queue: ArqQueue) -> None:
    queued = uuid.uuid4()
    await job_queue.enqueue(queued)
    assert await job_queue.cancel(queued) is True
    assert await job_queue.status(queued) == "not_found"
    assert (await job_queue.depth()).ready == 0
    assert await job_queue.cancel(uuid.uuid4()) is False

    gate, ran = asyncio.Event(), []
    running = uuid.uuid4()
    async with running_worker(job_queue, gate, ran):
        await job_queue.enqueue(running)

        async def started() -> bool:
            return await job_queue.status(running) == "in_progress"

        await _until(started)
        assert await job_queue.cancel(running) is True

        async def stopped() -> bool:
            return await job_queue.status(running) == "complete"

        await _until(stopped)  # aborted by the worker (not left running behind the gate)
        assert (await job_queue.depth()).in_flight == 0
    assert ran == [str(running)]


async def test_unreachable_redis_is_a_typed_error() -> None:
    with pytest.raises(QueueUnavailableError):
        await ArqQueue.connect("redis://127.0.0.1:1/0", connect_timeout_s=1, retries=0)
