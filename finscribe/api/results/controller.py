"""Result endpoints: the schema-v1 document, exports (JSON, CSV), reviewer corrections."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any, Literal

from litestar import Controller, Request, Response, get, post

from finscribe.api import auth
from finscribe.api.errors import BadRequest
from finscribe.api.results.export import document_to_csv
from finscribe.api.results.schemas import CorrectionsResponse, CorrectionView, ResultView
from finscribe.api.state import Services
from finscribe.core.records import CorrectionRecord, ResultRecord

#: Largest corrections body accepted.
MAX_CORRECTIONS_BYTES = 256 * 1024


def result_view(result: ResultRecord) -> ResultView:
    return ResultView(
        result_id=str(result.id),
        job_id=str(result.job_id),
        schema_version=result.schema_version,
        document=result.document,
        validation=result.validation,
        needs_review=result.needs_review,
        model_versions=result.model_versions,
        created_at=result.created_at,
        updated_at=result.updated_at,
    )


def correction_view(c: CorrectionRecord) -> CorrectionView:
    return CorrectionView(
        correction_id=str(c.id),
        field=c.field,
        old_value=c.old_value,
        new_value=c.new_value,
        corrected_by=c.corrected_by,
        corrected_at=c.corrected_at,
    )


def field_path(document: dict[str, Any], name: str) -> str:
    """A bare field name (``invoice_number``) means that field's value; a dotted path
    (``fields.total.value``, ``line_items.0.amount``) is used as given."""
    if "." in name or name in document:
        return name
    return f"fields.{name}.value"


class ResultsController(Controller):
    path = "/api/v1/results"
    tags = ["results"]  # noqa: RUF012

    @get(
        "/{result_id:uuid}",
        summary="The schema-v1 document of a completed job, with metadata",
        opt={auth.ROLES_OPT: auth.READ},
    )
    async def get_result(
        self, request: Request[Any, Any, Any], services: Services, result_id: uuid.UUID
    ) -> ResultView:
        principal = auth.principal_of(request)
        result = await services.jobs.get_result(principal.tenant_id, result_id)
        await services.jobs.audit(
            principal.tenant_id,
            actor=auth.actor_of(principal),
            action="result.read",
            subject=f"result:{result_id}",
        )
        return result_view(result)

    @get(
        "/{result_id:uuid}/export",
        summary="Export a result as JSON or CSV",
        opt={auth.ROLES_OPT: auth.READ},
    )
    async def export(
        self,
        request: Request[Any, Any, Any],
        services: Services,
        result_id: uuid.UUID,
        format: Literal["json", "csv"] = "json",
    ) -> Response[Any]:
        principal = auth.principal_of(request)
        result = await services.jobs.get_result(principal.tenant_id, result_id)
        await services.jobs.audit(
            principal.tenant_id,
            actor=auth.actor_of(principal),
            action="result.exported",
            subject=f"result:{result_id}",
            details={"format": format},
        )
        disposition = f'attachment; filename="result-{result_id}.{format}"'
        if format == "csv":
            return Response(
                document_to_csv(result.document),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": disposition},
            )
        return Response(result.document, headers={"Content-Disposition": disposition})

    @post(
        "/{result_id:uuid}/corrections",
        summary="Correct fields: a JSON object {field name or dotted path: new value}",
        description=(
            "Each correction keeps the old and new value, who and when; the stored result is "
            "updated. Numbers are read as decimals (money is never a float); send them as "
            'strings or numbers. A body {"corrections": {...}} is accepted as well.'
        ),
        opt={auth.ROLES_OPT: auth.REVIEW},
        status_code=200,
    )
    async def correct(
        self, request: Request[Any, Any, Any], services: Services, result_id: uuid.UUID
    ) -> CorrectionsResponse:
        principal = auth.principal_of(request)
        raw = bytearray()
        async for chunk in request.stream():
            raw.extend(chunk)
            if len(raw) > MAX_CORRECTIONS_BYTES:
                raise BadRequest("the corrections body is too large")
        try:
            body = json.loads(bytes(raw), parse_float=Decimal)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadRequest("the body must be a JSON object") from exc
        if isinstance(body, dict) and isinstance(body.get("corrections"), dict):
            body = body["corrections"]
        if not isinstance(body, dict) or not body:
            raise BadRequest("send a JSON object {field: new value}")
        current = await services.jobs.get_result(principal.tenant_id, result_id)
        changes = {field_path(current.document, str(k)): v for k, v in body.items()}
        records = await services.corrections.record(
            principal.tenant_id, result_id, changes, corrected_by=auth.actor_of(principal)
        )
        updated = await services.jobs.get_result(principal.tenant_id, result_id)
        return CorrectionsResponse(
            result_id=str(result_id),
            corrections=[correction_view(c) for c in records],
            document=updated.document,
        )

    @get(
        "/{result_id:uuid}/corrections",
        summary="The corrections recorded on a result",
        opt={auth.ROLES_OPT: auth.READ},
    )
    async def list_corrections(
        self, request: Request[Any, Any, Any], services: Services, result_id: uuid.UUID
    ) -> list[CorrectionView]:
        principal = auth.principal_of(request)
        await services.jobs.get_result(principal.tenant_id, result_id)
        records = await services.corrections.list_for_result(principal.tenant_id, result_id)
        return [correction_view(c) for c in records]
