"""The job service: submission, lookup, cancellation and the worker-side state transitions.

Shared by the API, the worker and the operator. Database access goes through
finscribe.db.repositories; this module orchestrates storage, database and queue:

- `submit` streams the upload to storage under an id-based key while hashing it and enforcing
  the size limit, creates the job row, and enqueues it. The same idempotency key, or the same
  content (sha256) of a job not failed or cancelled, within a tenant returns the existing job.
- Every lookup by a caller is tenant scoped: another tenant's job is "not found".
- `start` / `set_stage` / `complete` / `fail` / `requeue` are the worker's transitions;
  `complete` writes exactly one result row per job (a re-run overwrites it).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import exc

from finscribe.constants import (
    FINISHED_JOB_STATUSES,
    JOB_STATUSES,
    SCHEMA_VERSION,
    STAGES,
)
from finscribe.core.records import JobPage, JobRecord, ResultRecord, Submission
from finscribe.db import repositories as repo
from finscribe.db.engine import Database
from finscribe.db.models import Job
from finscribe.db.types import utcnow
from finscribe.errors import (
    EmptyFileError,
    FileTooLargeError,
    InputError,
    JobNotCancellableError,
    JobNotFoundError,
    JobStateError,
    QueueUnavailableError,
    ResultNotFoundError,
)
from finscribe.metrics import JOBS_CANCELLED, JOBS_DEDUPLICATED, JOBS_SUBMITTED
from finscribe.queue.protocol import JobQueue
from finscribe.settings import LimitsSettings
from finscribe.storage import keys
from finscribe.storage.protocol import ObjectStorage

#: Jobs whose content blocks a new submission of the same bytes (failed/cancelled do not).
_DEDUP_STATUSES = ("queued", "processing", "completed")
_STAGE_PROGRESS = dict(STAGES)
_MAX_PAGE = 500
_Why = Literal["idempotency_key", "sha256", "job_id"]


class _HashingLimiter:
    """Wraps an upload stream: hashes and counts it, refusing more than `limit` bytes."""

    def __init__(self, source: AsyncIterable[bytes] | bytes, limit: int) -> None:
        self.source = source
        self.limit = limit
        self.size = 0
        self.digest = hashlib.sha256()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if isinstance(self.source, bytes | bytearray | memoryview):
            chunks: AsyncIterable[bytes] = _single(bytes(self.source))
        else:
            chunks = self.source
        async for chunk in chunks:
            if not chunk:
                continue
            self.size += len(chunk)
            if self.size > self.limit:
                raise FileTooLargeError(
                    f"the upload exceeds the limit of {self.limit // (1024 * 1024)} MB"
                )
            self.digest.update(chunk)
            yield bytes(chunk)


async def _single(data: bytes) -> AsyncIterator[bytes]:
    yield data


def encode_cursor(created_at: datetime, job_id: uuid.UUID) -> str:
    raw = f"{created_at.isoformat()}|{job_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    """Raises InputError (code INVALID_INPUT) for a cursor this service did not make."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, _, jid = raw.partition("|")
        parsed = datetime.fromisoformat(at)
        if parsed.tzinfo is None:
            raise ValueError("naive")
        return parsed, uuid.UUID(jid)
    except (ValueError, UnicodeDecodeError) as err:
        raise InputError("invalid pagination cursor") from err


class JobService:
    """Jobs across database, storage and queue. `queue=None`: never enqueues (e.g. the API in
    kubernetes submit mode, where the operator enqueues)."""

    def __init__(
        self,
        db: Database,
        storage: ObjectStorage,
        queue: JobQueue | None,
        *,
        limits: LimitsSettings | None = None,
    ) -> None:
        self.db = db
        self.storage = storage
        self.queue = queue
        self.limits = limits or LimitsSettings()

    # --- submission -----------------------------------------------------------------------

    async def submit(
        self,
        tenant_id: uuid.UUID,
        body: AsyncIterable[bytes] | bytes,
        *,
        filename: str | None = None,
        content_type: str | None = None,
        idempotency_key: str | None = None,
        callback_url: str | None = None,
        hints: dict[str, Any] | None = None,
        job_id: uuid.UUID | None = None,
        enqueue: bool = True,
        channel: str = "api",
        actor: str = "system",
    ) -> Submission:
        """Store the upload and create (and by default enqueue) a job, or return the existing
        job for the same idempotency key / content / explicit job id.

        `actor` is accepted for symmetry with the other calls; submissions are not audit
        events (result reads, corrections, exports and key changes are).
        Raises FileTooLargeError past `limits.max_upload_bytes` (nothing is kept),
        EmptyFileError for an empty body, StorageUnavailableError, DatabaseUnavailableError,
        QueueUnavailableError (the job row stays queued; resubmitting re-enqueues it).
        """
        if idempotency_key is not None and not idempotency_key.strip():
            idempotency_key = None
        existing = await self._find_existing(tenant_id, idempotency_key, job_id)
        if existing is not None:
            return await self._deduplicated(*existing)

        job_id = job_id or uuid.uuid4()
        key = keys.source_key(tenant_id, job_id)
        stream = _HashingLimiter(body, self.limits.max_upload_bytes)
        await self.storage.put_stream(
            key, stream, content_type=content_type or "application/octet-stream"
        )
        if stream.size == 0:
            await self.storage.delete(key)
            raise EmptyFileError("the uploaded file is empty")
        sha256 = stream.digest.hexdigest()

        now = utcnow()
        values: dict[str, Any] = {
            "id": job_id,
            "tenant_id": tenant_id,
            "status": "queued",
            "stage": None,
            "progress": 0,
            "attempts": 0,
            "source_filename": _clip(filename, 255),
            "content_type": _clip(content_type, 127),
            "size_bytes": stream.size,
            "sha256": sha256,
            "storage_key": key,
            "idempotency_key": idempotency_key,
            "callback_url": callback_url,
            "hints": dict(hints or {}),
            "error_code": None,
            "error_message": None,
            "created_at": now,
            "updated_at": now,
            "started_at": None,
            "finished_at": None,
        }
        try:
            found = await self._insert_unless_same_content(values)
        except BaseException:
            await self.storage.delete(key)
            raise
        if found is None or found[0] != job_id:
            # Same content as an earlier job, or lost a race on (tenant, idempotency key) or
            # the job id: the upload just stored is not needed; return the existing job.
            await self.storage.delete(key)
            if found is not None:
                return await self._deduplicated(await self.get_any(found[0]), "sha256")
            existing = await self._find_existing(tenant_id, idempotency_key, job_id)
            if existing is None:
                raise JobStateError("the job conflicts with one that is gone meanwhile")
            return await self._deduplicated(*existing)
        record = JobRecord(**values)

        JOBS_SUBMITTED.labels(channel).inc()
        if enqueue and self.queue is not None:
            await self.queue.enqueue(record.id)
        return Submission(job=record, created=True)

    async def _insert_unless_same_content(
        self, values: dict[str, Any]
    ) -> tuple[uuid.UUID, bool] | None:
        """Insert the job row unless the tenant has the same content in a blocking state:
        (new id, True), (existing id, False), or None on an id / idempotency key conflict.
        PostgreSQL: one statement, one round trip; SQLite: a lookup and an insert."""
        if self.db.dialect == "postgresql":

            async def statement(conn: Any) -> tuple[uuid.UUID, bool] | None:
                return await repo.insert_job_unless_same_content_pg(conn, values, _DEDUP_STATUSES)

            return await self.db.run_once(statement)
        try:
            async with self.db.session() as session:
                same = await repo.find_job_by_sha256(
                    session, values["tenant_id"], values["sha256"], _DEDUP_STATUSES
                )
                if same is not None:
                    return same.id, False
                await repo.insert_job(session, values)
                return values["id"], True
        except exc.IntegrityError:
            return None

    async def _find_existing(
        self, tenant_id: uuid.UUID, idempotency_key: str | None, job_id: uuid.UUID | None
    ) -> tuple[JobRecord, _Why] | None:
        if job_id is None and idempotency_key is None:
            return None
        async with self.db.session() as session:
            if job_id is not None:
                row = await repo.get_job(session, job_id)
                if row is not None:
                    if row.tenant_id != tenant_id:
                        raise JobStateError("the job id is already used")
                    return await self._record(session, row), "job_id"
            if idempotency_key is not None:
                row = await repo.find_job_by_idempotency_key(session, tenant_id, idempotency_key)
                if row is not None:
                    return await self._record(session, row), "idempotency_key"
        return None

    async def _deduplicated(self, record: JobRecord, why: _Why) -> Submission:
        JOBS_DEDUPLICATED.inc()
        if record.status == "queued" and self.queue is not None:
            # A repeat of a queued job re-enqueues it (deduplicated by the queue), so a job
            # whose first enqueue failed (Redis down) is not stuck.
            with contextlib.suppress(QueueUnavailableError):
                await self.queue.enqueue(record.id)
        return Submission(job=record, created=False, deduplicated_by=why)

    async def enqueue(self, job_id: uuid.UUID, *, defer_s: float = 0.0) -> bool:
        """Enqueue an existing queued job (operator, recovery). False if already in the queue.
        Raises JobStateError for a job that is not queued."""
        if self.queue is None:
            raise QueueUnavailableError("this job service has no queue")
        async with self.db.session() as session:
            row = await repo.get_job(session, job_id)
            if row is None:
                raise JobNotFoundError(f"job {job_id} not found")
            if row.status != "queued":
                raise JobStateError(f"job {job_id} is {row.status}, not queued")
        return await self.queue.enqueue(job_id, defer_s=defer_s)

    async def reconcile_queue(
        self, *, limit: int = 1000, max_attempts: int | None = None
    ) -> list[uuid.UUID]:
        """Re-enqueue unfinished jobs the queue no longer holds: lost (Redis restarted without
        persistence) or whose queue run ended without finishing the job (a worker killed
        mid-write). Processing jobs go back to queued first. With `max_attempts`, a job that
        already had that many attempts fails with code MAX_ATTEMPTS instead of running again.
        Returns the ids enqueued again. Safe to run from several processes at once."""
        if self.queue is None:
            return []
        async with self.db.session() as session:
            rows = await repo.list_jobs_by_status(session, ("queued", "processing"), limit)
            candidates = [(r.id, r.status, r.attempts) for r in rows]
        enqueued: list[uuid.UUID] = []
        for jid, status, attempts in candidates:
            if await self.queue.status(jid) not in ("not_found", "complete"):
                continue  # queued, deferred (retry backoff) or running
            if max_attempts is not None and attempts >= max_attempts:
                with contextlib.suppress(JobStateError):
                    await self.fail(jid, "MAX_ATTEMPTS", f"gave up after {attempts} attempts")
                continue
            if status == "processing":
                async with self.db.session() as session:
                    await repo.update_job(
                        session, jid, only_if_status=("processing",), status="queued"
                    )
            if await self.queue.enqueue(jid):
                enqueued.append(jid)
        return enqueued

    # --- reads ------------------------------------------------------------------------------

    async def _record(self, session: Any, row: Job) -> JobRecord:
        result = await repo.get_result_for_job(session, row.id)
        return JobRecord.of(row, result.id if result is not None else None)

    async def get(self, tenant_id: uuid.UUID, job_id: uuid.UUID) -> JobRecord:
        """The tenant's job; JobNotFoundError if missing or another tenant's."""
        async with self.db.session() as session:
            row = await repo.get_job(session, job_id, tenant_id)
            if row is None:
                raise JobNotFoundError(f"job {job_id} not found")
            return await self._record(session, row)

    async def get_any(self, job_id: uuid.UUID) -> JobRecord:
        """A job by id across tenants: for the worker and the operator, never for callers."""
        async with self.db.session() as session:
            row = await repo.get_job(session, job_id)
            if row is None:
                raise JobNotFoundError(f"job {job_id} not found")
            return await self._record(session, row)

    async def list(
        self,
        tenant_id: uuid.UUID,
        *,
        status: str | Sequence[str] | None = None,
        created_from: datetime | None = None,
        created_to: datetime | None = None,
        cursor: str | None = None,
        limit: int = 50,
    ) -> JobPage:
        """The tenant's jobs, newest first, `limit` a page (1..500), cursor-paginated."""
        statuses = [status] if isinstance(status, str) else list(status or [])
        for s in statuses:
            if s not in JOB_STATUSES:
                raise InputError(f"unknown job status {s!r}")
        limit = max(1, min(limit, _MAX_PAGE))
        after = decode_cursor(cursor) if cursor else None
        async with self.db.session() as session:
            rows = await repo.list_jobs(
                session,
                tenant_id,
                statuses=statuses or None,
                created_from=created_from,
                created_to=created_to,
                after=after,
                limit=limit + 1,
            )
            page = rows[:limit]
            results = await repo.result_ids_for_jobs(session, [r.id for r in page])
            records = [JobRecord.of(r, results.get(r.id)) for r in page]
        more = len(rows) > limit
        next_cursor = encode_cursor(records[-1].created_at, records[-1].id) if more else None
        return JobPage(jobs=records, next_cursor=next_cursor)

    async def get_result(self, tenant_id: uuid.UUID, result_id: uuid.UUID) -> ResultRecord:
        """The tenant's result; ResultNotFoundError if missing or another tenant's."""
        async with self.db.session() as session:
            row = await repo.get_result(session, result_id, tenant_id)
            if row is None:
                raise ResultNotFoundError(f"result {result_id} not found")
            return ResultRecord.of(row)

    async def get_result_for_job(self, job_id: uuid.UUID) -> ResultRecord | None:
        async with self.db.session() as session:
            row = await repo.get_result_for_job(session, job_id)
            return ResultRecord.of(row) if row is not None else None

    # --- cancellation -----------------------------------------------------------------------

    async def cancel(
        self, tenant_id: uuid.UUID, job_id: uuid.UUID, *, actor: str = "system"
    ) -> JobRecord:
        """Cancel a queued or running job (idempotent for a cancelled one).
        JobNotFoundError if not the tenant's; JobNotCancellableError once completed/failed."""
        async with self.db.session() as session:
            row = await repo.get_job(session, job_id, tenant_id)
            if row is None:
                raise JobNotFoundError(f"job {job_id} not found")
            if row.status == "cancelled":
                return await self._record(session, row)
            if row.status in FINISHED_JOB_STATUSES:
                raise JobNotCancellableError(f"job {job_id} is already {row.status}")
            changed = await repo.update_job(
                session,
                job_id,
                only_if_status=("queued", "processing"),
                status="cancelled",
                finished_at=utcnow(),
            )
            if not changed:  # finished meanwhile
                raise JobNotCancellableError(f"job {job_id} finished meanwhile")
            await repo.add_audit_event(
                session,
                tenant_id=tenant_id,
                actor=actor,
                action="job.cancelled",
                subject=f"job:{job_id}",
            )
        JOBS_CANCELLED.inc()
        if self.queue is not None:
            # On failure the worker still sees the cancelled status before and during work.
            with contextlib.suppress(QueueUnavailableError):
                await self.queue.cancel(job_id)
        return await self.get(tenant_id, job_id)

    # --- worker-side transitions ------------------------------------------------------------

    async def start(self, job_id: uuid.UUID) -> JobRecord | None:
        """Begin an attempt: status processing, attempts+1, started_at, stage/progress reset.
        None if the job must not run (cancelled, completed or failed); JobNotFoundError if
        the row does not exist. A job left `processing` by a crashed worker starts again."""
        async with self.db.session() as session:
            changed = await repo.update_job(
                session,
                job_id,
                only_if_status=("queued", "processing"),
                status="processing",
                attempts=Job.attempts + 1,
                started_at=utcnow(),
                stage=None,
                progress=0,
                error_code=None,
                error_message=None,
            )
            row = await repo.get_job(session, job_id)
            if row is None:
                raise JobNotFoundError(f"job {job_id} not found")
            return JobRecord.of(row) if changed else None

    async def set_stage(self, job_id: uuid.UUID, stage: str, progress: int | None = None) -> bool:
        """Record the stage now running (progress defaults to that of the previous stage).
        False if the job is no longer processing (cancelled): the worker should stop."""
        if progress is None:
            names = [name for name, _ in STAGES]
            index = names.index(stage) if stage in names else 0
            progress = STAGES[index - 1][1] if index > 0 else 0
        async with self.db.session() as session:
            return await repo.update_job(
                session,
                job_id,
                only_if_status=("processing",),
                stage=stage,
                progress=max(0, min(100, int(progress))),
            )

    async def complete(
        self,
        job_id: uuid.UUID,
        document: dict[str, Any],
        *,
        validation: dict[str, Any] | None = None,
        needs_review: bool = False,
        model_versions: dict[str, Any] | None = None,
        schema_version: str = SCHEMA_VERSION,
    ) -> ResultRecord:
        """Store the result (JSON in storage, one row in `results`, upserted) and mark the job
        completed. JobStateError if the job is not processing (e.g. cancelled meanwhile)."""
        job = await self.get_any(job_id)
        if job.status != "processing":
            raise JobStateError(f"job {job_id} is {job.status}, not processing")
        key = keys.result_key(job.tenant_id, job.id)
        await self.storage.put_json(key, document)
        async with self.db.session() as session:
            changed = await repo.update_job(
                session,
                job_id,
                only_if_status=("processing",),
                status="completed",
                stage="store",
                progress=100,
                finished_at=utcnow(),
                error_code=None,
                error_message=None,
            )
            if not changed:
                raise JobStateError(f"job {job_id} is no longer processing")
            row = await repo.upsert_result(
                session,
                job_id=job_id,
                tenant_id=job.tenant_id,
                schema_version=schema_version,
                document=document,
                validation=dict(validation or {}),
                needs_review=needs_review,
                model_versions=dict(model_versions or {}),
                storage_key=key,
            )
            return ResultRecord.of(row)

    async def fail(self, job_id: uuid.UUID, code: str, message: str) -> JobRecord:
        """Mark the job failed with an error code (from queued or processing).
        JobStateError if it already finished."""
        async with self.db.session() as session:
            changed = await repo.update_job(
                session,
                job_id,
                only_if_status=("queued", "processing"),
                status="failed",
                error_code=code[:64],
                error_message=message,
                finished_at=utcnow(),
            )
            row = await repo.get_job(session, job_id)
            if row is None:
                raise JobNotFoundError(f"job {job_id} not found")
            if not changed:
                raise JobStateError(f"job {job_id} is already {row.status}")
            return JobRecord.of(row)

    async def requeue(
        self,
        job_id: uuid.UUID,
        *,
        code: str | None = None,
        message: str | None = None,
        defer_s: float = 0.0,
        enqueue: bool = True,
    ) -> JobRecord | None:
        """Put a processing job back to queued (transient error, graceful shutdown), keeping
        the last error for display. enqueue=False when the queue itself re-schedules it (arq
        Retry). None if the job is no longer processing/queued."""
        async with self.db.session() as session:
            changed = await repo.update_job(
                session,
                job_id,
                only_if_status=("processing", "queued"),
                status="queued",
                error_code=code[:64] if code else None,
                error_message=message,
            )
            row = await repo.get_job(session, job_id)
            if row is None:
                raise JobNotFoundError(f"job {job_id} not found")
            record = JobRecord.of(row)
        if not changed:
            return None
        if enqueue and self.queue is not None:
            await self.queue.enqueue(job_id, defer_s=defer_s)
        return record

    async def purge(self, tenant_id: uuid.UUID, job_id: uuid.UUID) -> int:
        """Remove every stored object of the job (source, result, artifacts); the row stays.
        Returns how many objects were removed."""
        return await self.storage.delete_prefix(keys.job_prefix(tenant_id, job_id))

    async def audit(
        self,
        tenant_id: uuid.UUID | None,
        *,
        actor: str,
        action: str,
        subject: str,
        details: dict[str, Any] | None = None,
    ) -> None:
        """Write an audit event (result reads, exports, ...). Never put field values in it."""
        async with self.db.session() as session:
            await repo.add_audit_event(
                session,
                tenant_id=tenant_id,
                actor=actor,
                action=action,
                subject=subject,
                details=details,
            )


def _clip(value: str | None, size: int) -> str | None:
    return value[:size] if value is not None else None
