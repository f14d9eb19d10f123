"""Admin endpoints: the active-learning export of corrections, and the tenant's API keys."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from litestar import Controller, Request, Response, delete, get, post

from finscribe.api import auth
from finscribe.api.errors import BadRequest
from finscribe.api.state import Services
from finscribe.constants import ROLES
from finscribe.core.records import ApiKeyRecord


@dataclass
class ApiKeyView:
    key_id: str
    prefix: str
    role: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    #: The clear key: only in the answer that created it.
    key: str | None = None


@dataclass
class NewKeyRequest:
    role: str
    name: str = ""


def key_view(record: ApiKeyRecord, key: str | None = None) -> ApiKeyView:
    return ApiKeyView(
        key_id=str(record.id),
        prefix=record.prefix,
        role=record.role,
        name=record.name,
        created_at=record.created_at,
        last_used_at=record.last_used_at,
        revoked_at=record.revoked_at,
        key=key,
    )


class AdminController(Controller):
    path = "/api/v1/admin"
    tags = ["admin"]  # noqa: RUF012
    opt = {auth.ROLES_OPT: auth.ADMIN}  # noqa: RUF012

    @get(
        "/active_learning/export",
        summary="The tenant's corrections as training rows (JSON Lines or a JSON array)",
    )
    async def export_corrections(
        self,
        request: Request[Any, Any, Any],
        services: Services,
        format: Literal["jsonl", "json"] = "jsonl",
        since: datetime | None = None,
    ) -> Response[Any]:
        principal = auth.principal_of(request)
        rows = await services.corrections.export(
            principal.tenant_id, since=since, actor=auth.actor_of(principal)
        )
        if format == "json":
            return Response(rows)
        body = "".join(json.dumps(row, default=str) + "\n" for row in rows)
        return Response(body, media_type="application/x-ndjson")

    @get("/keys", summary="The tenant's API keys (never the keys themselves)")
    async def list_keys(
        self, request: Request[Any, Any, Any], services: Services
    ) -> list[ApiKeyView]:
        principal = auth.principal_of(request)
        return [key_view(k) for k in await services.tenants.list_api_keys(principal.tenant_id)]

    @post("/keys", summary="Issue an API key in the caller's tenant (shown once)")
    async def create_key(
        self, request: Request[Any, Any, Any], services: Services, data: NewKeyRequest
    ) -> ApiKeyView:
        principal = auth.principal_of(request)
        if data.role not in ROLES:
            raise BadRequest(f"role must be one of {', '.join(ROLES)}")
        issued = await services.tenants.create_api_key(
            principal.tenant_id, data.role, name=data.name[:200], actor=auth.actor_of(principal)
        )
        return key_view(issued.record, issued.key)

    @delete("/keys/{key_id:uuid}", summary="Revoke an API key of the caller's tenant")
    async def revoke_key(
        self, request: Request[Any, Any, Any], services: Services, key_id: uuid.UUID
    ) -> None:
        principal = auth.principal_of(request)
        await services.tenants.revoke_api_key(
            principal.tenant_id, key_id, actor=auth.actor_of(principal)
        )
        request.app.state.principal_cache.clear()
