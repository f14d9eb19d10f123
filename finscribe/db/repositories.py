"""Queries and writes on the tables, one function per operation, each on a given session."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from finscribe.db.models import ApiKey, AuditEvent, Correction, Job, Result, Tenant
from finscribe.db.types import utcnow

# --- tenants and keys -------------------------------------------------------------------


async def add_tenant(session: AsyncSession, name: str, webhook_secret: str) -> Tenant:
    tenant = Tenant(id=uuid.uuid4(), name=name, webhook_secret=webhook_secret, active=True)
    session.add(tenant)
    await session.flush()
    return tenant


async def get_tenant(session: AsyncSession, tenant_id: uuid.UUID) -> Tenant | None:
    return await session.get(Tenant, tenant_id)


async def get_tenant_by_name(session: AsyncSession, name: str) -> Tenant | None:
    return (await session.execute(select(Tenant).where(Tenant.name == name))).scalar_one_or_none()


async def list_tenants(session: AsyncSession) -> Sequence[Tenant]:
    return (await session.execute(select(Tenant).order_by(Tenant.created_at))).scalars().all()


async def add_api_key(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    *,
    prefix: str,
    key_hash: str,
    role: str,
    name: str,
) -> ApiKey:
    key = ApiKey(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        prefix=prefix,
        key_hash=key_hash,
        role=role,
        name=name,
    )
    session.add(key)
    await session.flush()
    return key


async def get_api_key_by_prefix(session: AsyncSession, prefix: str) -> ApiKey | None:
    stmt = select(ApiKey).where(ApiKey.prefix == prefix)
    return (await session.execute(stmt)).scalar_one_or_none()


async def touch_api_key(session: AsyncSession, key_id: uuid.UUID, at: datetime) -> None:
    await session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=at))


async def revoke_api_key(session: AsyncSession, tenant_id: uuid.UUID, key_id: uuid.UUID) -> bool:
    stmt = (
        update(ApiKey)
        .where(ApiKey.id == key_id, ApiKey.tenant_id == tenant_id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return bool((await session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


async def list_api_keys(session: AsyncSession, tenant_id: uuid.UUID) -> Sequence[ApiKey]:
    stmt = select(ApiKey).where(ApiKey.tenant_id == tenant_id).order_by(ApiKey.created_at)
    return (await session.execute(stmt)).scalars().all()


# --- jobs -------------------------------------------------------------------------------


async def add_job(session: AsyncSession, **values: Any) -> Job:
    job = Job(**values)
    session.add(job)
    await session.flush()
    return job


async def insert_job(session: AsyncSession, values: dict[str, Any]) -> None:
    """Insert a job row without loading it back (the submit hot path)."""
    await session.execute(insert(Job).values(**values))


#: One round trip for a new submission on PostgreSQL: the oldest job of the tenant with the
#: same content in a blocking state ($12), else the new row (nothing on a conflict with the
#: job id or the tenant's idempotency key). Answers (id, created) rows: none on a conflict.
_INSERT_JOB_UNLESS_SAME_CONTENT = """
WITH same AS (
    SELECT id FROM jobs
    WHERE tenant_id = $2::uuid AND sha256 = $7::varchar AND status = ANY($12::varchar[])
    ORDER BY created_at, id
    LIMIT 1
), inserted AS (
    INSERT INTO jobs (
        id, tenant_id, status, stage, progress, attempts, source_filename, content_type,
        size_bytes, sha256, storage_key, idempotency_key, callback_url, hints, error_code,
        error_message, created_at, updated_at, started_at, finished_at
    )
    SELECT $1::uuid, $2::uuid, 'queued', NULL, 0, 0, $3::varchar, $4::varchar,
        $5::bigint, $7::varchar, $6::varchar, $8::varchar, $9::text, $10::jsonb, NULL,
        NULL, $11::timestamptz, $11::timestamptz, NULL, NULL
    WHERE NOT EXISTS (SELECT 1 FROM same)
    ON CONFLICT DO NOTHING
    RETURNING id
)
SELECT id, true AS created FROM inserted
UNION ALL
SELECT id, false AS created FROM same
"""


async def insert_job_unless_same_content_pg(
    conn: Any, values: dict[str, Any], statuses: Sequence[str]
) -> tuple[uuid.UUID, bool] | None:
    """PostgreSQL, on an asyncpg connection outside a transaction (the submit hot path): insert
    the new queued job `values` unless the tenant has a job with the same sha256 in one of
    `statuses`. (new id, True) when inserted, (existing id, False) for the same content, None
    when the job id or the tenant's idempotency key is already taken. Safe to repeat."""
    row = await conn.fetchrow(
        _INSERT_JOB_UNLESS_SAME_CONTENT,
        values["id"],
        values["tenant_id"],
        values["source_filename"],
        values["content_type"],
        values["size_bytes"],
        values["storage_key"],
        values["sha256"],
        values["idempotency_key"],
        values["callback_url"],
        json.dumps(values["hints"], separators=(",", ":")),
        values["created_at"],
        list(statuses),
    )
    if row is None:
        return None
    return uuid.UUID(str(row["id"])), bool(row["created"])


async def get_job(
    session: AsyncSession,
    job_id: uuid.UUID,
    tenant_id: uuid.UUID | None = None,
    *,
    for_update: bool = False,
) -> Job | None:
    """A job by id; with a tenant, only that tenant's (another tenant's job is None)."""
    stmt = select(Job).where(Job.id == job_id)
    if tenant_id is not None:
        stmt = stmt.where(Job.tenant_id == tenant_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def find_job_by_idempotency_key(
    session: AsyncSession, tenant_id: uuid.UUID, idempotency_key: str
) -> Job | None:
    stmt = select(Job).where(Job.tenant_id == tenant_id, Job.idempotency_key == idempotency_key)
    return (await session.execute(stmt)).scalar_one_or_none()


async def find_job_by_sha256(
    session: AsyncSession, tenant_id: uuid.UUID, sha256: str, statuses: Sequence[str]
) -> Job | None:
    """The oldest job of the tenant with this content in one of the given states."""
    stmt = (
        select(Job)
        .where(Job.tenant_id == tenant_id, Job.sha256 == sha256, Job.status.in_(statuses))
        .order_by(Job.created_at, Job.id)
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_jobs(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    *,
    statuses: Sequence[str] | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    after: tuple[datetime, uuid.UUID] | None = None,
    limit: int = 50,
) -> Sequence[Job]:
    """Newest first; `after` is the (created_at, id) of the last row of the previous page."""
    stmt = select(Job).where(Job.tenant_id == tenant_id)
    if statuses:
        stmt = stmt.where(Job.status.in_(statuses))
    if created_from is not None:
        stmt = stmt.where(Job.created_at >= created_from)
    if created_to is not None:
        stmt = stmt.where(Job.created_at < created_to)
    if after is not None:
        at, last_id = after
        stmt = stmt.where(or_(Job.created_at < at, and_(Job.created_at == at, Job.id < last_id)))
    stmt = stmt.order_by(Job.created_at.desc(), Job.id.desc()).limit(limit)
    return (await session.execute(stmt)).scalars().all()


async def list_jobs_by_status(
    session: AsyncSession, statuses: Sequence[str], limit: int = 1000
) -> Sequence[Job]:
    """Across tenants (operator/worker recovery): oldest first."""
    stmt = select(Job).where(Job.status.in_(statuses)).order_by(Job.created_at).limit(limit)
    return (await session.execute(stmt)).scalars().all()


async def update_job(
    session: AsyncSession,
    job_id: uuid.UUID,
    *,
    only_if_status: Sequence[str] | None = None,
    **values: Any,
) -> bool:
    """Set columns; with only_if_status, only while the job is in one of those states."""
    stmt = update(Job).where(Job.id == job_id)
    if only_if_status is not None:
        stmt = stmt.where(Job.status.in_(only_if_status))
    values.setdefault("updated_at", utcnow())
    result = await session.execute(stmt.values(**values))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def delete_job(session: AsyncSession, job_id: uuid.UUID) -> bool:
    result = await session.execute(delete(Job).where(Job.id == job_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def count_jobs(session: AsyncSession, tenant_id: uuid.UUID | None = None) -> int:
    stmt = select(func.count()).select_from(Job)
    if tenant_id is not None:
        stmt = stmt.where(Job.tenant_id == tenant_id)
    return int((await session.execute(stmt)).scalar_one())


# --- results ----------------------------------------------------------------------------


async def upsert_result(
    session: AsyncSession,
    *,
    job_id: uuid.UUID,
    tenant_id: uuid.UUID,
    schema_version: str,
    document: dict[str, Any],
    validation: dict[str, Any],
    needs_review: bool,
    model_versions: dict[str, Any],
    storage_key: str | None,
) -> Result:
    """Insert the job's result, or overwrite it in place: never a second row for one job."""
    now = utcnow()
    values: dict[str, Any] = {
        "schema_version": schema_version,
        "document": document,
        "validation": validation,
        "needs_review": needs_review,
        "model_versions": model_versions,
        "storage_key": storage_key,
        "updated_at": now,
    }
    dialect = session.get_bind().dialect.name
    insert_fn = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert_fn(Result).values(
        id=uuid.uuid4(), job_id=job_id, tenant_id=tenant_id, created_at=now, **values
    )
    stmt = stmt.on_conflict_do_update(index_elements=[Result.job_id], set_=values)
    await session.execute(stmt)
    row = (
        await session.execute(
            select(Result).where(Result.job_id == job_id).execution_options(populate_existing=True)
        )
    ).scalar_one()
    return row


async def get_result(
    session: AsyncSession, result_id: uuid.UUID, tenant_id: uuid.UUID | None = None
) -> Result | None:
    stmt = select(Result).where(Result.id == result_id)
    if tenant_id is not None:
        stmt = stmt.where(Result.tenant_id == tenant_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_result_for_job(session: AsyncSession, job_id: uuid.UUID) -> Result | None:
    return (
        await session.execute(select(Result).where(Result.job_id == job_id))
    ).scalar_one_or_none()


async def result_ids_for_jobs(
    session: AsyncSession, job_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """{job id: result id} for those of the jobs that have a result."""
    if not job_ids:
        return {}
    stmt = select(Result.job_id, Result.id).where(Result.job_id.in_(list(job_ids)))
    return {job_id: result_id for job_id, result_id in (await session.execute(stmt)).all()}


async def count_results_for_job(session: AsyncSession, job_id: uuid.UUID) -> int:
    stmt = select(func.count()).select_from(Result).where(Result.job_id == job_id)
    return int((await session.execute(stmt)).scalar_one())


async def set_result_document(
    session: AsyncSession, result_id: uuid.UUID, document: dict[str, Any]
) -> None:
    await session.execute(
        update(Result).where(Result.id == result_id).values(document=document, updated_at=utcnow())
    )


# --- corrections ------------------------------------------------------------------------


async def add_correction(session: AsyncSession, **values: Any) -> Correction:
    correction = Correction(id=uuid.uuid4(), **values)
    session.add(correction)
    await session.flush()
    return correction


async def list_corrections(
    session: AsyncSession,
    tenant_id: uuid.UUID | None = None,
    *,
    since: datetime | None = None,
    result_id: uuid.UUID | None = None,
    limit: int = 10_000,
) -> Sequence[Correction]:
    stmt = select(Correction)
    if tenant_id is not None:
        stmt = stmt.where(Correction.tenant_id == tenant_id)
    if since is not None:
        stmt = stmt.where(Correction.corrected_at >= since)
    if result_id is not None:
        stmt = stmt.where(Correction.result_id == result_id)
    stmt = stmt.order_by(Correction.corrected_at, Correction.id).limit(limit)
    return (await session.execute(stmt)).scalars().all()


# --- audit ------------------------------------------------------------------------------


async def add_audit_event(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID | None,
    actor: str,
    action: str,
    subject: str,
    details: dict[str, Any] | None = None,
) -> None:
    await session.execute(
        insert(AuditEvent).values(
            id=uuid.uuid4(),
            tenant_id=tenant_id,
            actor=actor[:255],
            action=action[:64],
            subject=subject[:255],
            at=utcnow(),
            details=details or {},
        )
    )


async def list_audit_events(
    session: AsyncSession, tenant_id: uuid.UUID, *, action: str | None = None, limit: int = 1000
) -> Sequence[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.tenant_id == tenant_id)
    if action is not None:
        stmt = stmt.where(AuditEvent.action == action)
    stmt = stmt.order_by(AuditEvent.at, AuditEvent.id).limit(limit)
    return (await session.execute(stmt)).scalars().all()
