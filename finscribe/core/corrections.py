"""Corrections of result fields by reviewers, and their export for active learning.

A field is named by a dotted path into the result document (``fields.invoice_number.value``,
``line_items.0.amount``). Recording a correction keeps the old and new value with who and when,
updates the stored document (database row and the JSON in storage) and writes an audit event
(without the values). Money stays a decimal string: Decimal values are stored as strings.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from finscribe.core.records import CorrectionRecord
from finscribe.db import repositories as repo
from finscribe.db.engine import Database
from finscribe.errors import InputError, ResultNotFoundError
from finscribe.storage.protocol import ObjectStorage

_MISSING = object()


def _json_value(value: Any) -> Any:
    """JSON-safe, money-safe: Decimal -> str; floats refused (money is never a float)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        raise InputError("a corrected value may not be a float: send numbers as strings")
    if isinstance(value, Mapping):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if value is None or isinstance(value, str | int | bool):
        return value
    raise InputError(f"unsupported corrected value type {type(value).__name__}")


def _parse_path(path: str) -> list[str]:
    parts = path.split(".")
    if not path or len(path) > 255 or any(not p for p in parts):
        raise InputError(f"invalid field path {path!r}")
    return parts


def get_path(document: Any, path: str) -> Any:
    """The value at a dotted path, or _MISSING."""
    node = document
    for part in _parse_path(path):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
    return node


def set_path(document: dict[str, Any], path: str, value: Any) -> None:
    """Set a value at a dotted path, creating objects on the way (lists must exist)."""
    parts = _parse_path(path)
    node: Any = document
    for part in parts[:-1]:
        if isinstance(node, dict):
            node = node.setdefault(part, {})
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise InputError(f"field path {path!r} does not fit the document")
    last = parts[-1]
    if isinstance(node, dict):
        node[last] = value
    elif isinstance(node, list) and last.isdigit() and int(last) < len(node):
        node[int(last)] = value
    else:
        raise InputError(f"field path {path!r} does not fit the document")


class CorrectionService:
    def __init__(self, db: Database, storage: ObjectStorage) -> None:
        self.db = db
        self.storage = storage

    async def record(
        self,
        tenant_id: uuid.UUID,
        result_id: uuid.UUID,
        changes: Mapping[str, Any],
        *,
        corrected_by: str,
    ) -> list[CorrectionRecord]:
        """Apply {field path: new value} to the tenant's result, one correction row each.
        ResultNotFoundError if not the tenant's; InputError for a bad path or value."""
        if not changes:
            raise InputError("no corrections given")
        values = {path: _json_value(v) for path, v in changes.items()}
        async with self.db.session() as session:
            row = await repo.get_result(session, result_id, tenant_id)
            if row is None:
                raise ResultNotFoundError(f"result {result_id} not found")
            document = copy.deepcopy(row.document)
            records = []
            for path, new in values.items():
                old = get_path(document, path)
                set_path(document, path, new)
                correction = await repo.add_correction(
                    session,
                    result_id=result_id,
                    tenant_id=tenant_id,
                    field=path,
                    old_value=None if old is _MISSING else old,
                    new_value=new,
                    corrected_by=corrected_by,
                )
                records.append(CorrectionRecord.of(correction))
            await repo.set_result_document(session, result_id, document)
            await repo.add_audit_event(
                session,
                tenant_id=tenant_id,
                actor=corrected_by,
                action="result.corrected",
                subject=f"result:{result_id}",
                details={"fields": sorted(values)},
            )
            storage_key = row.storage_key
        if storage_key:
            await self.storage.put_json(storage_key, document)
        return records

    async def list_for_result(
        self, tenant_id: uuid.UUID, result_id: uuid.UUID
    ) -> list[CorrectionRecord]:
        async with self.db.session() as session:
            rows = await repo.list_corrections(session, tenant_id, result_id=result_id)
            return [CorrectionRecord.of(r) for r in rows]

    async def export(
        self,
        tenant_id: uuid.UUID | None = None,
        *,
        since: datetime | None = None,
        actor: str = "system",
        limit: int = 10_000,
    ) -> list[dict[str, Any]]:
        """Corrections as training rows (tenant's, or all with tenant_id=None): each with the
        job's source key, sha256 and content type, so the document can be fetched again."""
        async with self.db.session() as session:
            rows = await repo.list_corrections(session, tenant_id, since=since, limit=limit)
            out: list[dict[str, Any]] = []
            results: dict[uuid.UUID, Any] = {}
            for c in rows:
                if c.result_id not in results:
                    result = await repo.get_result(session, c.result_id)
                    job = await repo.get_job(session, result.job_id) if result else None
                    results[c.result_id] = (result, job)
                result, job = results[c.result_id]
                out.append(
                    {
                        "correction_id": str(c.id),
                        "tenant_id": str(c.tenant_id),
                        "result_id": str(c.result_id),
                        "job_id": str(result.job_id) if result else None,
                        "source_key": job.storage_key if job else None,
                        "sha256": job.sha256 if job else None,
                        "content_type": job.content_type if job else None,
                        "field": c.field,
                        "old_value": c.old_value,
                        "new_value": c.new_value,
                        "corrected_by": c.corrected_by,
                        "corrected_at": c.corrected_at.isoformat(),
                    }
                )
            await repo.add_audit_event(
                session,
                tenant_id=tenant_id,
                actor=actor,
                action="corrections.exported",
                subject="corrections",
                details={"count": len(out)},
            )
            return out
