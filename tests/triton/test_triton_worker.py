"""A worker whose Triton is down: the readiness check fails at start, and a job that needs OCR
fails with INFERENCE_UNAVAILABLE (naming the URL and model) once its tries are used up.

Real PostgreSQL, Redis and local storage; the worker's task function is called in-process the
way arq calls it (``job_try`` as arq counts), so no arq timing is involved.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from arq.worker import Retry
from PIL import Image

from finscribe.core.jobs import JobService
from finscribe.core.pipeline import LazyEngine
from finscribe.core.tenants import TenantService
from finscribe.db.engine import Database
from finscribe.errors import InferenceUnavailableError
from finscribe.inference.factory import pipeline_params
from finscribe.inference.triton_engine import create_triton_engine
from finscribe.inference.triton_local import free_port
from finscribe.queue.arq_queue import ArqQueue
from finscribe.settings import (
    DatabaseSettings,
    OcrSettings,
    Settings,
    TritonSettings,
    WorkerSettings,
)
from finscribe.storage.local import LocalStorage
from finscribe.worker import tasks
from finscribe.worker.services import WorkerServices
from tests.triton.pages import render_page


@pytest.fixture
async def down_worker(
    pg_url: str, job_queue: ArqQueue, tmp_path: Path
) -> AsyncIterator[WorkerServices]:
    url = f"127.0.0.1:{free_port()}"  # nothing listens there
    ocr = OcrSettings(engine="triton")
    triton = TritonSettings(url=url, retries=1, backoff_s=0.05, ready_timeout_s=1.0, timeout_s=2.0)
    settings = Settings(
        ocr=ocr,
        triton=triton,
        worker=WorkerSettings(max_tries=2, retry_backoff_base_s=0.1, retry_backoff_max_s=0.2),
    )
    db = Database(DatabaseSettings(url=pg_url))
    storage = LocalStorage(tmp_path / "storage")
    engine = LazyEngine(lambda: create_triton_engine(ocr, pipeline_params(ocr), triton))
    svc = WorkerServices(
        settings=settings,
        db=db,
        storage=storage,
        queue=job_queue,
        jobs=JobService(db, storage, job_queue, limits=settings.limits),
        tenants=TenantService(db),
        engine=engine,
    )
    yield svc
    await engine.close()
    await db.close()


async def test_worker_start_fails_readiness(down_worker: WorkerServices) -> None:
    with pytest.raises(InferenceUnavailableError) as info:
        await down_worker.load_engine()
    assert down_worker.settings.triton.url in info.value.message


async def test_scanned_job_fails_with_a_clear_reason(down_worker: WorkerServices) -> None:
    svc = down_worker
    tenant = await svc.tenants.create_tenant(f"triton-down-{uuid.uuid4().hex[:8]}")
    buf = io.BytesIO()
    Image.fromarray(render_page(21, lines=3, size=(700, 400))).save(buf, format="PNG")
    job = (
        await svc.jobs.submit(
            tenant.id, buf.getvalue(), filename="scan.png", content_type="image/png", enqueue=False
        )
    ).job

    # first try: a transient fault, so the job goes back to the queue for a later try
    with pytest.raises(Retry):
        await tasks.process_job({tasks.SERVICES_KEY: svc, "job_try": 1}, str(job.id))
    assert (await svc.jobs.get(tenant.id, job.id)).status == "queued"

    # last try: the job fails with the engine's code and a message naming URL and model
    outcome = await tasks.process_job({tasks.SERVICES_KEY: svc, "job_try": 2}, str(job.id))
    assert outcome == "failed:INFERENCE_UNAVAILABLE"
    failed = await svc.jobs.get(tenant.id, job.id)
    assert failed.status == "failed"
    assert failed.error_code == "INFERENCE_UNAVAILABLE"
    assert failed.error_message is not None
    assert svc.settings.triton.url in failed.error_message
    assert "'ocr_det'" in failed.error_message
    assert "gave up after 2 attempts" in failed.error_message
