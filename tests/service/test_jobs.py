"""The job service on real databases (PostgreSQL and SQLite), real storage and real Redis."""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from finscribe.core.corrections import CorrectionService
from finscribe.core.jobs import JobService
from finscribe.core.tenants import TenantService
from finscribe.db import repositories as repo
from finscribe.db.engine import Database
from finscribe.db.models import ApiKey, Job, Result
from finscribe.db.types import utcnow
from finscribe.errors import (
    AuthenticationError,
    DatabaseUnavailableError,
    EmptyFileError,
    FileTooLargeError,
    InputError,
    JobNotCancellableError,
    JobNotFoundError,
    JobStateError,
    ResultNotFoundError,
)
from finscribe.queue.arq_queue import ArqQueue
from finscribe.queue.protocol import QueueDepth
from finscribe.settings import LimitsSettings
from finscribe.storage import keys
from finscribe.storage.local import LocalStorage

#: PostgreSQL-only paths (the single-statement submit on a driver connection, server-side
#: connection drops): these tests take only the postgresql database parameter.
ONLY_POSTGRESQL = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


@pytest.fixture
def files(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "storage")


@pytest.fixture
def service(database: Database, files: LocalStorage, job_queue: ArqQueue) -> JobService:
    return JobService(database, files, job_queue, limits=LimitsSettings(max_upload_mb=1))


@pytest.fixture
def tenants(database: Database) -> TenantService:
    return TenantService(database)


async def _tenant(tenants: TenantService) -> uuid.UUID:
    return (await tenants.create_tenant(f"tenant-{uuid.uuid4().hex[:8]}")).id


async def _stream(data: bytes, chunk: int = 8192) -> AsyncIterator[bytes]:
    for i in range(0, len(data), chunk):
        yield data[i : i + chunk]


async def test_submit_stores_hashes_and_enqueues(
    service: JobService, tenants: TenantService, files: LocalStorage, job_queue: ArqQueue
) -> None:
    tenant = await _tenant(tenants)
    data = os.urandom(50_000)
    sub = await service.submit(
        tenant,
        _stream(data),
        filename="../../etc/passwd",
        content_type="application/pdf",
        hints={"language": "de"},
    )
    job = sub.job
    assert sub.created
    assert sub.deduplicated_by is None
    assert job.status == "queued"
    assert job.attempts == 0
    assert job.progress == 0
    assert job.sha256 == hashlib.sha256(data).hexdigest()
    assert job.size_bytes == len(data)
    # The key comes from ids only: the client's file name is kept as metadata, nothing more.
    assert job.storage_key == keys.source_key(tenant, job.id)
    assert job.source_filename == "../../etc/passwd"
    assert await files.get_bytes(job.storage_key) == data
    assert await job_queue.status(job.id) == "queued"
    assert (await service.get(tenant, job.id)).hints == {"language": "de"}


async def test_idempotency_key_and_content_deduplicate(
    service: JobService, tenants: TenantService, files: LocalStorage, job_queue: ArqQueue
) -> None:
    tenant = await _tenant(tenants)
    first = await service.submit(tenant, b"document one", idempotency_key="key-1")
    # Same key, different bytes: still the first job.
    again = await service.submit(tenant, b"something else", idempotency_key="key-1")
    assert not again.created
    assert again.deduplicated_by == "idempotency_key"
    assert again.job.id == first.job.id
    # Same bytes, no key: the first job too, and the duplicate upload is not kept.
    same = await service.submit(tenant, _stream(b"document one", 3))
    assert not same.created
    assert same.deduplicated_by == "sha256"
    assert same.job.id == first.job.id
    assert await files.list(keys.tenant_prefix(tenant)) == [first.job.storage_key]
    assert await job_queue.depth() == QueueDepth(ready=1, in_flight=0)

    # Another tenant submitting the same bytes and key gets a job of its own.
    other = await _tenant(tenants)
    theirs = await service.submit(other, b"document one", idempotency_key="key-1")
    assert theirs.created
    assert theirs.job.id != first.job.id


async def test_failed_content_can_be_resubmitted(
    service: JobService, tenants: TenantService
) -> None:
    tenant = await _tenant(tenants)
    first = await service.submit(tenant, b"retry me")
    await service.fail(first.job.id, "CORRUPT_FILE", "bad")
    second = await service.submit(tenant, b"retry me")
    assert second.created
    assert second.job.id != first.job.id


async def test_concurrent_same_key_gives_one_job(
    service: JobService, tenants: TenantService, files: LocalStorage
) -> None:
    tenant = await _tenant(tenants)
    subs = await asyncio.gather(
        *(service.submit(tenant, f"body {n}".encode(), idempotency_key="race") for n in range(5))
    )
    assert len({s.job.id for s in subs}) == 1
    assert sum(s.created for s in subs) == 1
    assert len(await files.list(keys.tenant_prefix(tenant))) == 1


async def test_size_limit_and_empty_body(
    service: JobService, tenants: TenantService, files: LocalStorage, database: Database
) -> None:
    tenant = await _tenant(tenants)
    with pytest.raises(FileTooLargeError) as err:
        await service.submit(tenant, _stream(b"x" * (1024 * 1024 + 1), 64 * 1024))
    assert err.value.http_status == 413
    with pytest.raises(EmptyFileError):
        await service.submit(tenant, _stream(b""))
    assert await files.list(keys.tenant_prefix(tenant)) == []
    async with database.session() as s:
        assert await repo.count_jobs(s, tenant) == 0


async def test_tenant_scoping(service: JobService, tenants: TenantService) -> None:
    a, b = await _tenant(tenants), await _tenant(tenants)
    job = (await service.submit(a, b"tenant a doc")).job
    with pytest.raises(JobNotFoundError):
        await service.get(b, job.id)
    with pytest.raises(JobNotFoundError):
        await service.cancel(b, job.id)
    assert (await service.list(b)).jobs == []
    assert [j.id for j in (await service.list(a)).jobs] == [job.id]


async def test_worker_transitions_and_exactly_one_result(
    service: JobService, tenants: TenantService, files: LocalStorage, database: Database
) -> None:
    tenant = await _tenant(tenants)
    job = (await service.submit(tenant, b"invoice bytes")).job
    started = await service.start(job.id)
    assert started is not None
    assert started.status == "processing"
    assert started.attempts == 1
    assert started.started_at
    assert await service.set_stage(job.id, "text")
    assert (await service.get(tenant, job.id)).progress == 10  # ingest finished
    assert await service.set_stage(job.id, "fields", 80)

    # The worker dies here; the queue runs the job again: a new attempt of the same job.
    again = await service.start(job.id)
    assert again is not None
    assert again.attempts == 2
    assert again.stage is None

    doc = {"fields": {"total": {"value": "119.00", "currency": "EUR"}}}
    result = await service.complete(
        job.id, doc, validation={"ok": True}, needs_review=False, model_versions={"ocr": "v5"}
    )
    done = await service.get(tenant, job.id)
    assert done.status == "completed"
    assert done.progress == 100
    assert done.finished_at
    assert done.result_id == result.id
    assert await files.get_json(keys.result_key(tenant, job.id)) == doc
    assert (await service.get_result(tenant, result.id)).document == doc
    # A finished job does not start again (a duplicate delivery is a no-op).
    assert await service.start(job.id) is None
    with pytest.raises(JobStateError):
        await service.complete(job.id, doc)
    async with database.session() as s:
        rows = (await s.execute(select(Result).where(Result.job_id == job.id))).scalars().all()
    assert len(rows) == 1


async def test_rerun_overwrites_the_result(
    service: JobService, tenants: TenantService, database: Database
) -> None:
    """A crash after the result was written but before the job was marked (e.g. a row
    restored from the queue's point of view): completing again overwrites, never duplicates."""
    tenant = await _tenant(tenants)
    job = (await service.submit(tenant, b"rerun doc")).job
    await service.start(job.id)
    first = await service.complete(job.id, {"run": 1})
    async with database.session() as s:  # the state a crashed run leaves behind
        await repo.update_job(s, job.id, status="processing", finished_at=None)
    await service.start(job.id)
    second = await service.complete(job.id, {"run": 2})
    assert second.id == first.id
    assert (await service.get_result(tenant, first.id)).document == {"run": 2}
    async with database.session() as s:
        assert await repo.count_results_for_job(s, job.id) == 1


async def test_cancel(service: JobService, tenants: TenantService, job_queue: ArqQueue) -> None:
    tenant = await _tenant(tenants)
    queued = (await service.submit(tenant, b"cancel me")).job
    cancelled = await service.cancel(tenant, queued.id)
    assert cancelled.status == "cancelled"
    assert cancelled.finished_at
    assert await job_queue.status(queued.id) == "not_found"
    assert (await service.cancel(tenant, queued.id)).status == "cancelled"  # idempotent
    assert await service.start(queued.id) is None  # a worker that got it anyway skips it

    running = (await service.submit(tenant, b"cancel me while running")).job
    await service.start(running.id)
    await service.cancel(tenant, running.id)
    assert await service.set_stage(running.id, "text") is False  # the worker should stop
    with pytest.raises(JobStateError):
        await service.complete(running.id, {"late": True})
    assert (await service.get(tenant, running.id)).result_id is None

    done = (await service.submit(tenant, b"finished doc")).job
    await service.start(done.id)
    await service.complete(done.id, {})
    with pytest.raises(JobNotCancellableError) as err:
        await service.cancel(tenant, done.id)
    assert err.value.http_status == 409


async def test_fail_requeue_and_reconcile(
    service: JobService, tenants: TenantService, job_queue: ArqQueue
) -> None:
    tenant = await _tenant(tenants)
    job = (await service.submit(tenant, b"flaky doc")).job
    await service.start(job.id)
    back = await service.requeue(job.id, code="STORAGE_UNAVAILABLE", message="s3 down")
    assert back is not None
    assert back.status == "queued"
    assert back.error_code == "STORAGE_UNAVAILABLE"

    # Redis loses its data (restarted without persistence): reconciliation re-enqueues.
    await job_queue.pool.flushdb()
    crashed = (await service.submit(tenant, b"worker died")).job
    await service.start(crashed.id)
    await job_queue.pool.flushdb()
    again = set(await service.reconcile_queue())
    assert {job.id, crashed.id} <= again
    assert await job_queue.status(job.id) == "queued"
    assert (await service.get(tenant, crashed.id)).status == "queued"
    assert await service.reconcile_queue() == []  # nothing lost any more

    await service.start(job.id)
    failed = await service.fail(job.id, "CORRUPT_FILE", "not a PDF")
    assert failed.status == "failed"
    assert failed.error_code == "CORRUPT_FILE"
    with pytest.raises(JobStateError):
        await service.fail(job.id, "X", "twice")
    assert await service.requeue(job.id) is None


async def test_list_filters_and_cursor_pagination(
    service: JobService, tenants: TenantService
) -> None:
    tenant = await _tenant(tenants)
    ids = [(await service.submit(tenant, f"doc {n}".encode())).job.id for n in range(5)]
    await service.fail(ids[0], "CORRUPT_FILE", "x")
    seen: list[uuid.UUID] = []
    cursor = None
    pages = 0
    while True:
        page = await service.list(tenant, cursor=cursor, limit=2)
        seen += [j.id for j in page.jobs]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert pages == 3
    assert seen == list(reversed(ids))  # newest first, each once
    assert [j.id for j in (await service.list(tenant, status="failed")).jobs] == [ids[0]]
    assert len((await service.list(tenant, status=["queued"])).jobs) == 4
    first = await service.get(tenant, ids[0])
    later = (await service.list(tenant, created_from=first.created_at)).jobs
    assert ids[0] in [j.id for j in later]
    assert (await service.list(tenant, created_to=first.created_at)).jobs == []
    with pytest.raises(InputError):
        await service.list(tenant, cursor="not-a-cursor")
    with pytest.raises(InputError):
        await service.list(tenant, status="running")


async def test_api_keys(tenants: TenantService, database: Database) -> None:
    tenant = await _tenant(tenants)
    issued = await tenants.create_api_key(tenant, "submitter", name="ci")
    principal = await tenants.verify_api_key(issued.key)
    assert principal.tenant_id == tenant
    assert principal.role == "submitter"
    assert principal.key_id == issued.record.id
    # Stored: prefix and SHA-256 only, never the key.
    async with database.session() as s:
        row = (await s.execute(select(ApiKey).where(ApiKey.id == issued.record.id))).scalar_one()
        dump = str(
            (await s.execute(text("SELECT * FROM api_keys WHERE prefix = :p"), {"p": row.prefix}))
            .mappings()
            .one()
        )
    assert issued.key not in dump
    # fsk_<prefix>_<secret>: the secret (urlsafe, may itself hold '_') appears nowhere
    secret = issued.key.split("_", 2)[2]
    assert len(secret) >= 40
    assert secret not in dump
    assert row.key_hash == hashlib.sha256(issued.key.encode()).hexdigest()

    wrong = issued.key[:-4] + ("AAAA" if not issued.key.endswith("AAAA") else "BBBB")
    for bad in (wrong, "fsk_nothing", "", "Bearer " + issued.key):
        with pytest.raises(AuthenticationError):
            await tenants.verify_api_key(bad)
    await tenants.revoke_api_key(tenant, issued.record.id)
    with pytest.raises(AuthenticationError):
        await tenants.verify_api_key(issued.key)
    with pytest.raises(InputError):
        await tenants.create_api_key(tenant, "superuser")


async def test_corrections_update_the_document_and_export(
    service: JobService,
    tenants: TenantService,
    files: LocalStorage,
    database: Database,
) -> None:
    tenant = await _tenant(tenants)
    job = (await service.submit(tenant, b"correct me")).job
    await service.start(job.id)
    doc = {"fields": {"invoice_number": {"value": "INV-1"}, "total": {"value": "10.00"}}}
    result = await service.complete(job.id, doc)
    corrections = CorrectionService(database, files)
    made = await corrections.record(
        tenant,
        result.id,
        {"fields.invoice_number.value": "INV-001", "fields.total.value": Decimal("12.50")},
        corrected_by="reviewer@example.com",
    )
    assert [(c.field, c.old_value, c.new_value) for c in made] == [
        ("fields.invoice_number.value", "INV-1", "INV-001"),
        ("fields.total.value", "10.00", "12.50"),
    ]
    updated = await service.get_result(tenant, result.id)
    assert updated.document["fields"]["total"]["value"] == "12.50"
    assert await files.get_json(keys.result_key(tenant, job.id)) == updated.document

    rows = await corrections.export(tenant)
    assert {r["field"] for r in rows} == {"fields.invoice_number.value", "fields.total.value"}
    assert all(r["source_key"] == job.storage_key and r["job_id"] == str(job.id) for r in rows)

    other = await _tenant(tenants)
    with pytest.raises(ResultNotFoundError):
        await corrections.record(other, result.id, {"fields.total.value": "1"}, corrected_by="x")
    with pytest.raises(InputError):
        await corrections.record(tenant, result.id, {"fields.total.value": 1.5}, corrected_by="x")
    assert await corrections.export(other) == []

    async with database.session() as s:
        actions = [e.action for e in await repo.list_audit_events(s, tenant)]
    assert "result.corrected" in actions
    assert "corrections.exported" in actions


async def test_reconcile_reruns_a_queue_run_that_did_not_finish_the_job(
    service: JobService, tenants: TenantService, job_queue: ArqQueue
) -> None:
    """A real arq worker runs the job but never finishes it in the database (killed mid-way):
    the queue says complete, the database says processing -> run it again; after
    `max_attempts` attempts it fails instead of looping forever."""
    from arq.worker import Worker, func

    from finscribe.constants import PROCESS_JOB_FUNCTION, QUEUE_NAME

    async def dies_midway(_ctx: dict[str, object], job_id: str) -> None:
        await service.start(uuid.UUID(job_id))

    def worker() -> Worker:
        return Worker(
            functions=[func(dies_midway, name=PROCESS_JOB_FUNCTION)],
            redis_pool=job_queue.pool,
            queue_name=QUEUE_NAME,
            burst=True,
            poll_delay=0.01,
            handle_signals=False,
            keep_result=60,
        )

    tenant = await _tenant(tenants)
    job = (await service.submit(tenant, b"half done")).job
    w = worker()
    await w.async_run()
    await w.close()
    assert await job_queue.status(job.id) == "complete"
    assert (await service.get(tenant, job.id)).status == "processing"

    assert job.id in await service.reconcile_queue(max_attempts=2)
    assert await job_queue.status(job.id) == "queued"
    w = worker()
    await w.async_run()
    await w.close()
    assert (await service.get(tenant, job.id)).attempts == 2

    assert job.id not in await service.reconcile_queue(max_attempts=2)
    failed = await service.get(tenant, job.id)
    assert failed.status == "failed"
    assert failed.error_code == "MAX_ATTEMPTS"


async def _terminate_other_backends(database: Database) -> int:
    """Drop every other server connection to this database (a restart, as pooled
    connections see it), from a connection of its own."""
    admin = Database(database.settings)
    try:
        async with admin.engine.connect() as conn:
            result = await conn.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
            dropped = int(result.scalar_one())
    finally:
        await admin.close()
    # Let the server close them before the pool hands them out again.
    await asyncio.sleep(0.3)
    return dropped


@ONLY_POSTGRESQL
async def test_submit_and_reads_survive_dropped_pooled_connections(
    database: Database, service: JobService, tenants: TenantService, files: LocalStorage
) -> None:
    tenant = await _tenant(tenants)
    # Several pooled connections, all in the pool afterwards.
    await asyncio.gather(*(service.submit(tenant, os.urandom(1000)) for _ in range(4)))
    assert await _terminate_other_backends(database) >= 1

    # No ping on checkout: the statement meets a dead connection, the pool is invalidated
    # and the statement runs again on a fresh one.
    data = os.urandom(2000)
    sub = await service.submit(tenant, data)
    assert sub.created
    assert await files.get_bytes(sub.job.storage_key) == data
    async with database.session() as session:
        rows = await session.execute(select(Job.id).where(Job.sha256 == sub.job.sha256))
        assert [r[0] for r in rows] == [sub.job.id]

    await _terminate_other_backends(database)
    await database.check()  # readiness retries once on a fresh connection
    # A transaction is not repeated: after the drop, at most one fails (the first that meets
    # a dead connection invalidates the pool), every later one gets a fresh connection.
    await _terminate_other_backends(database)
    failures = 0
    for _ in range(6):
        try:
            assert (await service.get(tenant, sub.job.id)).id == sub.job.id
        except DatabaseUnavailableError:
            failures += 1
    assert failures <= 1


@ONLY_POSTGRESQL
async def test_single_statement_insert_is_safe_to_repeat(
    database: Database, tenants: TenantService
) -> None:
    tenant = await _tenant(tenants)
    statuses = ("queued", "processing", "completed")

    def values(sha: str, idempotency_key: str | None = None) -> dict[str, object]:
        job_id, now = uuid.uuid4(), utcnow()
        return {
            "id": job_id,
            "tenant_id": tenant,
            "source_filename": "a.pdf",
            "content_type": "application/pdf",
            "size_bytes": 3,
            "sha256": sha,
            "storage_key": keys.source_key(tenant, job_id),
            "idempotency_key": idempotency_key,
            "callback_url": None,
            "hints": {"language": "de"},
            "created_at": now,
        }

    async def insert(v: dict[str, object]) -> tuple[uuid.UUID, bool] | None:
        async def statement(conn: object) -> tuple[uuid.UUID, bool] | None:
            return await repo.insert_job_unless_same_content_pg(conn, v, statuses)

        return await database.run_once(statement)

    first = values("a" * 64, "k-1")
    assert await insert(first) == (first["id"], True)
    # Repeated (a retry after a lost reply): the row it wrote, not a second row.
    assert await insert(first) == (first["id"], False)
    # Same content, new id: the first job.
    assert await insert(values("a" * 64)) == (first["id"], False)
    # Same idempotency key, other content: a conflict, nothing inserted.
    assert await insert(values("b" * 64, "k-1")) is None
    async with database.session() as session:
        job = await repo.get_job(session, first["id"])  # type: ignore[arg-type]
        assert job is not None
        assert job.hints == {"language": "de"}
        assert job.status == "queued"
        assert job.created_at == first["created_at"]
        count = await session.execute(select(Job.id).where(Job.tenant_id == tenant))
        assert len(count.all()) == 1


@ONLY_POSTGRESQL
async def test_single_statements_wait_for_a_pooled_connection(database: Database) -> None:
    small = Database(database.settings.model_copy(update={"pool_size": 2, "max_overflow": 10}))
    in_use: list[int] = []

    async def statement(conn: Any) -> int:
        in_use.append(small.engine.pool.checkedout())  # type: ignore[attr-defined]
        await conn.execute("SELECT pg_sleep(0.02)")
        return 1

    try:
        results = await asyncio.gather(*(small.run_once(statement) for _ in range(12)))
        assert results == [1] * 12
        # Never more than the pool's size at once: no overflow connection opened and closed.
        assert max(in_use) <= 2
        assert small.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    finally:
        await small.close()
