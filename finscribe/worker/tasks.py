"""The arq task that processes one job: stage by stage, idempotent, retried on transient faults.

``process_job(ctx, job_id)`` is enqueued under the job's own id (so a job is queued at most
once). It marks the job processing, reads the source from storage, runs the pipeline with
each stage and its progress recorded in the database, stores the result (one row, upserted,
and result.json) and marks the job completed. Bad input fails the job with the error's code
and is never retried; transient faults (storage, database, queue, inference) put the job back
to queued and ask arq to retry it later with exponential backoff, until the attempts run
out. A cancelled job stops at the next stage. A failed webhook never fails the job.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import uuid
from typing import Any, Final

from arq import Retry
from arq.constants import in_progress_key_prefix
from redis.exceptions import RedisError

from finscribe import errors, logs, metrics
from finscribe.core import pipeline, webhooks
from finscribe.core.records import JobRecord
from finscribe.worker.services import WorkerServices

log = logs.get_logger(__name__)

SERVICES_KEY: Final = "finscribe"
WEBHOOK_TASKS_KEY: Final = "finscribe_webhooks"
#: Error code of a job that ran past limits.job_timeout_s.
TIMEOUT_CODE: Final = "JOB_TIMEOUT"


class _Cancelled(Exception):
    """The job was cancelled (or finished elsewhere) while this attempt ran."""


def retry_delay(attempt: int, base_s: float, max_s: float) -> float:
    """Exponential backoff with +-20% jitter: base, 2*base, 4*base, ... capped at max."""
    delay = min(max_s, base_s * (2 ** max(0, attempt - 1)))
    return float(max(0.0, delay * random.uniform(0.8, 1.2)))


class _StageClock:
    """Turns on_stage calls into database updates and per-stage latency observations."""

    def __init__(self, svc: WorkerServices, job_id: uuid.UUID) -> None:
        self.svc = svc
        self.job_id = job_id
        self.stage: str | None = None
        self.since = time.perf_counter()

    def _close_stage(self) -> None:
        now = time.perf_counter()
        if self.stage is not None:
            metrics.STAGE_LATENCY.labels(stage=self.stage).observe(now - self.since)
        self.since = now

    async def enter(self, stage: str, progress: int | None = None) -> None:
        self._close_stage()
        self.stage = stage
        if not await self.svc.jobs.set_stage(self.job_id, stage, progress):
            raise _Cancelled(f"job {self.job_id} is no longer processing")

    def finish(self) -> None:
        self._close_stage()
        self.stage = None


def _model_versions(svc: WorkerServices) -> dict[str, Any]:
    import finscribe

    return {
        "ocr_engine": svc.engine.name,
        "finscribe": getattr(finscribe, "__version__", "0.1.0"),
    }


def _count_pages(result: pipeline.AnalysisResult) -> None:
    ocr_pages = 0
    for page in result.text.pages:
        metrics.PAGES_PROCESSED.labels(source=page.source).inc()
        ocr_pages += page.source == "ocr"
    if ocr_pages:
        # The text stage of a document is dominated by its OCR'd pages: spread it over them.
        per_page = result.timings.get("text", 0.0) / ocr_pages
        for _ in range(ocr_pages):
            metrics.OCR_LATENCY.observe(per_page)


async def _run(svc: WorkerServices, job: JobRecord) -> str:
    clock = _StageClock(svc, job.id)
    await clock.enter("ingest", 0)
    source = await svc.storage.get_bytes(job.storage_key)
    analysis = await pipeline.analyze(
        source,
        engine=svc.engine,
        settings=svc.settings,
        hints=job.hints,
        on_stage=clock.enter,
    )
    _count_pages(analysis)
    await clock.enter("store")
    document = analysis.document
    validation = document.get("validation") or {}
    try:
        result = await svc.jobs.complete(
            job.id,
            document,
            validation=validation if isinstance(validation, dict) else {},
            needs_review=bool(document.get("needs_review", False)),
            model_versions=_model_versions(svc),
        )
    except errors.JobStateError as exc:
        raise _Cancelled(str(exc)) from exc
    clock.finish()
    return str(result.id)


def _webhook_payload(job: JobRecord, result_id: str | None) -> dict[str, Any]:
    return {
        "event": "job.finished",
        "job_id": str(job.id),
        "status": job.status,
        "result_id": result_id,
        "error": {"code": job.error_code, "message": job.error_message} if job.error_code else None,
        "poll_url": f"/api/v1/jobs/{job.id}",
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


def _notify(ctx: dict[str, Any], svc: WorkerServices, job_id: uuid.UUID) -> None:
    """Send the job-finished webhook in the background (the job is already final)."""

    async def send() -> None:
        try:
            job = await svc.jobs.get_any(job_id)
            if not job.callback_url:
                return
            tenant = await svc.tenants.get_tenant(job.tenant_id)
            policy = webhooks.WebhookPolicy(
                attempts=svc.settings.webhook.attempts,
                backoff_s=svc.settings.webhook.backoff_s,
                max_backoff_s=svc.settings.webhook.max_backoff_s,
                timeout_s=svc.settings.webhook.timeout_s,
            )
            await webhooks.deliver(
                job.callback_url,
                _webhook_payload(job, str(job.result_id) if job.result_id else None),
                tenant.webhook_secret,
                policy=policy,
                delivery_id=f"{job.id}:{job.attempts}",
            )
        except Exception as exc:
            log.warning("webhook not sent", job_id=str(job_id), error=type(exc).__name__)

    pending: set[asyncio.Task[None]] = ctx.setdefault(WEBHOOK_TASKS_KEY, set())
    task = asyncio.get_running_loop().create_task(send())
    pending.add(task)
    task.add_done_callback(pending.discard)


async def _fail(
    ctx: dict[str, Any], svc: WorkerServices, job_id: uuid.UUID, code: str, message: str
) -> str:
    try:
        await svc.jobs.fail(job_id, code, message)
    except errors.JobStateError:
        return "not-running"
    metrics.JOBS_FAILED.labels(code=code).inc()
    log.info("job failed", job_id=str(job_id), code=code)
    _notify(ctx, svc, job_id)
    return f"failed:{code}"


async def process_job(ctx: dict[str, Any], job_id: str) -> str:
    """arq entry: process one job; returns a short outcome string (stored by arq)."""
    svc: WorkerServices = ctx[SERVICES_KEY]
    job_try = int(ctx.get("job_try", 1))
    try:
        jid = uuid.UUID(job_id)
    except ValueError:
        log.error("not a job id", job_id=job_id)
        return "invalid-id"
    logs.bind_job(str(jid))
    lease = asyncio.get_running_loop().create_task(_renew_lease(ctx, job_id))
    try:
        return await _process(ctx, svc, jid, job_try)
    finally:
        lease.cancel()
        logs.clear_context()


async def _renew_lease(ctx: dict[str, Any], job_id: str) -> None:
    """Keep arq's in-progress claim alive while this attempt runs (see runner.py)."""
    svc: WorkerServices = ctx[SERVICES_KEY]
    redis = ctx.get("redis")
    if redis is None:
        return
    lease_s = svc.settings.worker.lease_s
    key = in_progress_key_prefix + job_id
    while True:
        await asyncio.sleep(lease_s / 3)
        try:
            await redis.pexpire(key, int(lease_s * 1000))
        except (RedisError, OSError) as exc:
            log.warning("lease not renewed", error=type(exc).__name__)


async def _process(ctx: dict[str, Any], svc: WorkerServices, jid: uuid.UUID, job_try: int) -> str:
    settings = svc.settings
    max_tries = settings.worker.max_tries
    backoff = (settings.worker.retry_backoff_base_s, settings.worker.retry_backoff_max_s)
    started = time.perf_counter()
    try:
        job = await svc.jobs.start(jid)
    except errors.JobNotFoundError:
        log.warning("job not in the database")
        return "missing"
    except errors.TransientError as exc:
        if job_try >= max_tries:
            raise  # nothing can be recorded while the database is away
        raise Retry(defer=retry_delay(job_try, *backoff)) from exc
    if job is None:
        log.info("job skipped: not queued or processing")
        return "skipped"
    if job_try > max_tries:
        # Earlier attempts died without an answer (e.g. the worker was killed each time).
        return await _fail(
            ctx, svc, jid, "TOO_MANY_ATTEMPTS", f"no attempt finished in {max_tries} tries"
        )
    metrics.WORKER_JOBS_IN_PROGRESS.inc()
    log.info("job started", attempt=job.attempts, job_try=job_try)
    timeout = asyncio.timeout(settings.limits.job_timeout_s)
    try:
        async with timeout:
            result_id = await _run(svc, job)
    except _Cancelled:
        log.info("job stopped: cancelled meanwhile")
        return "cancelled"
    except errors.InputError as exc:
        return await _fail(ctx, svc, jid, exc.code, exc.message)
    except errors.TransientError as exc:
        if job_try >= max_tries:
            message = f"{exc.message} (gave up after {job_try} attempts)"
            return await _fail(ctx, svc, jid, exc.code, message)
        delay = retry_delay(job_try, *backoff)
        metrics.JOBS_RETRIED.labels(code=exc.code).inc()
        log.warning("job will be retried", code=exc.code, delay_s=round(delay, 2))
        with contextlib.suppress(errors.FinscribeError):
            await svc.jobs.requeue(jid, code=exc.code, message=exc.message, enqueue=False)
        raise Retry(defer=delay) from exc
    except TimeoutError as exc:
        if timeout.expired():
            message = f"processing took longer than {settings.limits.job_timeout_s:g} s"
            return await _fail(ctx, svc, jid, TIMEOUT_CODE, message)
        log.error("job crashed", error_type=type(exc).__name__, exc_info=exc)
        return await _fail(ctx, svc, jid, "INTERNAL_ERROR", "internal error: TimeoutError")
    except asyncio.CancelledError:
        # Worker shutdown past its grace time, or an abort (DELETE): the job goes back to
        # queued (no-op when it was cancelled); arq keeps it in the queue for the next run.
        log.info("job interrupted")
        with contextlib.suppress(Exception):
            await asyncio.shield(svc.jobs.requeue(jid, enqueue=False))
        raise
    except errors.FinscribeError as exc:  # e.g. the stored source is gone: not retryable
        return await _fail(ctx, svc, jid, exc.code, exc.message)
    except Exception as exc:  # a bug: fail visibly rather than retry forever
        log.error("job crashed", error_type=type(exc).__name__, exc_info=exc)
        message = f"internal error: {type(exc).__name__}"
        return await _fail(ctx, svc, jid, "INTERNAL_ERROR", message)
    finally:
        metrics.WORKER_JOBS_IN_PROGRESS.dec()
        metrics.TASK_LATENCY.observe(time.perf_counter() - started)
    metrics.JOBS_COMPLETED.inc()
    log.info("job completed", result_id=result_id)
    _notify(ctx, svc, jid)
    return "completed"


#: The name the queue enqueues under (finscribe.constants.PROCESS_JOB_FUNCTION).
process_document = process_job
