"""Plain, immutable views of database rows that the job service hands to API, worker, operator."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from finscribe.constants import FINISHED_JOB_STATUSES
from finscribe.db.models import ApiKey, AuditEvent, Correction, Job, Result, Tenant


@dataclass(frozen=True)
class JobRecord:
    id: uuid.UUID
    tenant_id: uuid.UUID
    status: str
    stage: str | None
    progress: int
    attempts: int
    source_filename: str | None
    content_type: str | None
    size_bytes: int
    sha256: str
    storage_key: str
    idempotency_key: str | None
    callback_url: str | None
    hints: dict[str, Any]
    error_code: str | None
    error_message: str | None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    result_id: uuid.UUID | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_JOB_STATUSES

    @classmethod
    def of(cls, row: Job, result_id: uuid.UUID | None = None) -> JobRecord:
        return cls(
            id=row.id,
            tenant_id=row.tenant_id,
            status=row.status,
            stage=row.stage,
            progress=row.progress,
            attempts=row.attempts,
            source_filename=row.source_filename,
            content_type=row.content_type,
            size_bytes=row.size_bytes,
            sha256=row.sha256,
            storage_key=row.storage_key,
            idempotency_key=row.idempotency_key,
            callback_url=row.callback_url,
            hints=dict(row.hints or {}),
            error_code=row.error_code,
            error_message=row.error_message,
            created_at=row.created_at,
            updated_at=row.updated_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
            result_id=result_id,
        )


@dataclass(frozen=True)
class ResultRecord:
    id: uuid.UUID
    job_id: uuid.UUID
    tenant_id: uuid.UUID
    schema_version: str
    document: dict[str, Any]
    validation: dict[str, Any]
    needs_review: bool
    model_versions: dict[str, Any]
    storage_key: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: Result) -> ResultRecord:
        return cls(
            id=row.id,
            job_id=row.job_id,
            tenant_id=row.tenant_id,
            schema_version=row.schema_version,
            document=row.document,
            validation=dict(row.validation or {}),
            needs_review=row.needs_review,
            model_versions=dict(row.model_versions or {}),
            storage_key=row.storage_key,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


@dataclass(frozen=True)
class Submission:
    """What `JobService.submit` returns: the job, and whether it is new or an earlier one."""

    job: JobRecord
    created: bool
    #: Why an existing job was returned: "idempotency_key", "sha256", "job_id", or None if new.
    deduplicated_by: Literal["idempotency_key", "sha256", "job_id"] | None = None


@dataclass(frozen=True)
class JobPage:
    jobs: list[JobRecord]
    #: Pass back as `cursor` for the next page; None on the last page.
    next_cursor: str | None


@dataclass(frozen=True)
class TenantRecord:
    id: uuid.UUID
    name: str
    webhook_secret: str = field(repr=False)
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, row: Tenant) -> TenantRecord:
        return cls(
            id=row.id,
            name=row.name,
            webhook_secret=row.webhook_secret,
            active=row.active,
            created_at=row.created_at,
        )


@dataclass(frozen=True)
class ApiKeyRecord:
    id: uuid.UUID
    tenant_id: uuid.UUID
    prefix: str
    role: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, row: ApiKey) -> ApiKeyRecord:
        return cls(
            id=row.id,
            tenant_id=row.tenant_id,
            prefix=row.prefix,
            role=row.role,
            name=row.name,
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            revoked_at=row.revoked_at,
        )


@dataclass(frozen=True)
class IssuedKey:
    """A new API key: `key` is the clear key, shown once and never stored."""

    record: ApiKeyRecord
    key: str = field(repr=False)


@dataclass(frozen=True)
class Principal:
    """Who is calling: the tenant and role an API key is bound to."""

    tenant_id: uuid.UUID
    role: str
    key_id: uuid.UUID | None


@dataclass(frozen=True)
class CorrectionRecord:
    id: uuid.UUID
    result_id: uuid.UUID
    tenant_id: uuid.UUID
    field: str
    old_value: Any
    new_value: Any
    corrected_by: str
    corrected_at: datetime

    @classmethod
    def of(cls, row: Correction) -> CorrectionRecord:
        return cls(
            id=row.id,
            result_id=row.result_id,
            tenant_id=row.tenant_id,
            field=row.field,
            old_value=row.old_value,
            new_value=row.new_value,
            corrected_by=row.corrected_by,
            corrected_at=row.corrected_at,
        )


@dataclass(frozen=True)
class AuditRecord:
    id: uuid.UUID
    tenant_id: uuid.UUID | None
    actor: str
    action: str
    subject: str
    at: datetime
    details: dict[str, Any]

    @classmethod
    def of(cls, row: AuditEvent) -> AuditRecord:
        return cls(
            id=row.id,
            tenant_id=row.tenant_id,
            actor=row.actor,
            action=row.action,
            subject=row.subject,
            at=row.at,
            details=dict(row.details or {}),
        )
