"""Tenants and API keys: create, issue (the clear key is returned once), verify, revoke.

A key looks like ``fsk_<prefix>_<secret>``: the prefix (random, not secret) finds the row, the
SHA-256 of the whole key is compared in constant time. Only prefix and hash are stored.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from datetime import timedelta

from sqlalchemy import exc

from finscribe.constants import ROLES
from finscribe.core.records import ApiKeyRecord, IssuedKey, Principal, TenantRecord
from finscribe.db import repositories as repo
from finscribe.db.engine import Database
from finscribe.db.types import utcnow
from finscribe.errors import AuthenticationError, ConflictError, InputError, NotFoundError

KEY_PREFIX = "fsk_"
_KEY_RE = re.compile(r"^fsk_([0-9a-f]{12})_([A-Za-z0-9_-]{40,})$")
#: last_used_at is refreshed at most this often (not a write per request).
_TOUCH_EVERY = timedelta(minutes=5)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class TenantService:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create_tenant(self, name: str, *, actor: str = "system") -> TenantRecord:
        """A new tenant with a fresh webhook secret. ConflictError if the name is taken."""
        name = name.strip()
        if not name or len(name) > 200:
            raise InputError("a tenant name is 1 to 200 characters")
        try:
            async with self.db.session() as session:
                row = await repo.add_tenant(session, name, secrets.token_urlsafe(32))
                await repo.add_audit_event(
                    session,
                    tenant_id=row.id,
                    actor=actor,
                    action="tenant.created",
                    subject=f"tenant:{row.id}",
                )
                return TenantRecord.of(row)
        except exc.IntegrityError as err:
            raise ConflictError(f"a tenant named {name!r} exists") from err

    async def ensure_tenant(self, name: str, *, actor: str = "system") -> TenantRecord:
        """The tenant of that name, created if missing (local stack default tenant)."""
        existing = await self.get_tenant_by_name(name)
        if existing is not None:
            return existing
        try:
            return await self.create_tenant(name, actor=actor)
        except ConflictError:
            found = await self.get_tenant_by_name(name)
            assert found is not None
            return found

    async def get_tenant(self, tenant_id: uuid.UUID) -> TenantRecord:
        async with self.db.session() as session:
            row = await repo.get_tenant(session, tenant_id)
            if row is None:
                raise NotFoundError(f"tenant {tenant_id} not found")
            return TenantRecord.of(row)

    async def get_tenant_by_name(self, name: str) -> TenantRecord | None:
        async with self.db.session() as session:
            row = await repo.get_tenant_by_name(session, name)
            return TenantRecord.of(row) if row is not None else None

    async def list_tenants(self) -> list[TenantRecord]:
        async with self.db.session() as session:
            return [TenantRecord.of(r) for r in await repo.list_tenants(session)]

    async def create_api_key(
        self, tenant_id: uuid.UUID, role: str, *, name: str = "", actor: str = "system"
    ) -> IssuedKey:
        """Issue a key bound to the tenant and role. The clear key is in the result only."""
        if role not in ROLES:
            raise InputError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
        prefix = secrets.token_hex(6)
        key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
        async with self.db.session() as session:
            if await repo.get_tenant(session, tenant_id) is None:
                raise NotFoundError(f"tenant {tenant_id} not found")
            row = await repo.add_api_key(
                session, tenant_id, prefix=prefix, key_hash=hash_key(key), role=role, name=name
            )
            await repo.add_audit_event(
                session,
                tenant_id=tenant_id,
                actor=actor,
                action="api_key.created",
                subject=f"api_key:{row.id}",
                details={"role": role, "prefix": prefix},
            )
            return IssuedKey(record=ApiKeyRecord.of(row), key=key)

    async def verify_api_key(self, key: str) -> Principal:
        """The tenant and role of a valid key; AuthenticationError otherwise (same message for
        every failure, so a caller learns nothing about which part was wrong)."""
        match = _KEY_RE.fullmatch(key.strip())
        if match is None:
            raise AuthenticationError("invalid API key")
        async with self.db.session() as session:
            row = await repo.get_api_key_by_prefix(session, match.group(1))
            if row is None or not hmac.compare_digest(row.key_hash, hash_key(key.strip())):
                raise AuthenticationError("invalid API key")
            if row.revoked_at is not None:
                raise AuthenticationError("invalid API key")
            tenant = await repo.get_tenant(session, row.tenant_id)
            if tenant is None or not tenant.active:
                raise AuthenticationError("invalid API key")
            now = utcnow()
            if row.last_used_at is None or now - row.last_used_at > _TOUCH_EVERY:
                await repo.touch_api_key(session, row.id, now)
            return Principal(tenant_id=row.tenant_id, role=row.role, key_id=row.id)

    async def revoke_api_key(
        self, tenant_id: uuid.UUID, key_id: uuid.UUID, *, actor: str = "system"
    ) -> None:
        """NotFoundError if the tenant has no such active key."""
        async with self.db.session() as session:
            if not await repo.revoke_api_key(session, tenant_id, key_id):
                raise NotFoundError(f"API key {key_id} not found")
            await repo.add_audit_event(
                session,
                tenant_id=tenant_id,
                actor=actor,
                action="api_key.revoked",
                subject=f"api_key:{key_id}",
            )

    async def list_api_keys(self, tenant_id: uuid.UUID) -> list[ApiKeyRecord]:
        async with self.db.session() as session:
            return [ApiKeyRecord.of(r) for r in await repo.list_api_keys(session, tenant_id)]
