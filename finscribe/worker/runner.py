"""Runs the arq worker: OCR engine loaded once, metrics endpoint, graceful shutdown, upkeep.

- The OCR engine is built and checked once per process before any job is taken.
- SIGTERM/SIGINT: stop taking jobs, let running ones finish within
  ``worker.shutdown_grace_s``, then interrupt the rest (they go back to the queue).
- If Redis goes away the arq loop is restarted with backoff; queued jobs Redis lost are
  re-enqueued from the database (``JobService.reconcile_queue``) periodically.
- Queue depth (ready, in-flight) is exported as gauges for autoscalers.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import Any

from arq import Worker
from arq.worker import func
from redis.exceptions import RedisError

from finscribe import errors, logs, metrics
from finscribe.constants import PROCESS_JOB_FUNCTION, QUEUE_NAME
from finscribe.settings import Settings
from finscribe.worker import tasks
from finscribe.worker.services import WorkerServices

log = logs.get_logger(__name__)

#: arq's own job timeout is a little longer than ours, so ours fires first and is recorded.
_ARQ_TIMEOUT_SLACK_S = 5.0


def make_arq_worker(svc: WorkerServices, *, burst: bool = False) -> Worker:
    settings = svc.settings
    function = func(
        tasks.process_job,
        name=PROCESS_JOB_FUNCTION,
        timeout=settings.limits.job_timeout_s + _ARQ_TIMEOUT_SLACK_S,
        # One more than ours: the attempt past the limit is recorded as a failure by us.
        max_tries=settings.worker.max_tries + 1,
    )
    worker = Worker(
        functions=[function],
        queue_name=QUEUE_NAME,
        redis_pool=svc.queue.pool,
        burst=burst,
        handle_signals=False,
        max_jobs=settings.worker.concurrency,
        job_timeout=settings.limits.job_timeout_s + _ARQ_TIMEOUT_SLACK_S,
        keep_result=settings.worker.keep_result_s,
        poll_delay=settings.worker.poll_delay_s,
        max_tries=settings.worker.max_tries + 1,
        allow_abort_jobs=True,
        ctx={tasks.SERVICES_KEY: svc},
        log_results=False,
    )
    # arq's claim on a running job lasts the job timeout + 10 s; ours is a lease that the
    # task renews (tasks.process_job), so a killed worker's job is taken up again soon.
    worker.in_progress_timeout_s = settings.worker.lease_s
    return worker


async def _upkeep(svc: WorkerServices) -> None:
    """Queue depth gauges every few seconds; lost jobs re-enqueued now and then."""
    settings = svc.settings.worker
    loop = asyncio.get_running_loop()
    next_reconcile = loop.time()
    while True:
        try:
            depth = await svc.queue.depth()
            metrics.QUEUE_READY.set(depth.ready)
            metrics.QUEUE_INFLIGHT.set(depth.in_flight)
            if loop.time() >= next_reconcile:
                requeued = await svc.jobs.reconcile_queue()
                if requeued:
                    log.warning("re-enqueued jobs the queue had lost", count=len(requeued))
                next_reconcile = loop.time() + settings.reconcile_interval_s
        except (errors.TransientError, RedisError, OSError) as exc:
            log.warning("upkeep skipped", error=type(exc).__name__)
        await asyncio.sleep(settings.depth_interval_s)


async def _graceful_stop(worker: Worker, grace_s: float) -> None:
    worker.allow_pick_jobs = False
    running = [t for t in worker.tasks.values() if not t.done()]
    if running:
        log.info("waiting for running jobs", count=len(running), grace_s=grace_s)
        _, pending = await asyncio.wait(running, timeout=grace_s)
        for task in pending:
            task.cancel()
        if pending:
            log.warning("interrupted jobs go back to the queue", count=len(pending))
            await asyncio.gather(*pending, return_exceptions=True)


async def run_worker(
    settings: Settings,
    *,
    burst: bool = False,
    load_engine: bool = True,
    install_signal_handlers: bool = True,
    stop: asyncio.Event | None = None,
) -> None:
    """Run until SIGTERM/SIGINT (or ``stop`` is set; or the queue is empty with burst)."""
    svc = WorkerServices.build(settings)
    if load_engine:
        await svc.load_engine()
    port = settings.worker.metrics_port
    if port:
        try:
            metrics.start_metrics_server(port)
            log.info("worker metrics served", port=port)
        except OSError as exc:
            log.warning("worker metrics port unavailable", port=port, error=str(exc))
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    if install_signal_handlers:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
    upkeep = loop.create_task(_upkeep(svc))
    ctx: dict[str, Any] = {}
    backoff = 0.5
    try:
        while not stop.is_set():
            worker = make_arq_worker(svc, burst=burst)
            worker.ctx.update(ctx)
            main = loop.create_task(worker.main())
            stopper = loop.create_task(stop.wait())
            await asyncio.wait({main, stopper}, return_when=asyncio.FIRST_COMPLETED)
            stopper.cancel()
            ctx = worker.ctx
            if stop.is_set():
                await _graceful_stop(worker, settings.worker.shutdown_grace_s)
                main.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await main
                break
            failure = main.exception()
            if failure is None:  # burst finished
                break
            log.warning("worker loop stopped, restarting", error=type(failure).__name__)
            await _graceful_stop(worker, 0.0)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 10.0)
    finally:
        upkeep.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await upkeep
        webhooks = list(ctx.get(tasks.WEBHOOK_TASKS_KEY, ()))
        if webhooks:
            await asyncio.wait(webhooks, timeout=settings.webhook.timeout_s)
        if install_signal_handlers:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
        await svc.close()
        log.info("worker stopped")
