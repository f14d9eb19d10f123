"""Bearer API keys -> the caller's tenant and role, and per-route role checks."""

from __future__ import annotations

import hashlib
import time
from typing import Any, Final

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from finscribe import errors
from finscribe.api.errors import Forbidden, Unauthorized
from finscribe.api.state import Services
from finscribe.core.records import Principal

#: Opt key naming the roles a route accepts (absent: any authenticated caller).
ROLES_OPT: Final = "roles"
#: Opt key marking routes that need no key (health, readiness, metrics, schema).
PUBLIC_OPT: Final = "public"

#: Where the OpenAPI document and its viewer are served (public).
SCHEMA_PATH: Final = "/api/v1/schema"

#: Roles per kind of action.
SUBMIT: Final = ("admin", "submitter")
READ: Final = ("admin", "submitter", "reviewer", "viewer")
REVIEW: Final = ("admin", "reviewer")
ADMIN: Final = ("admin",)

#: A verified key is trusted this long before it is checked against the database again
#: (so a revocation takes effect within this time, and a submission costs no key lookup).
CACHE_TTL_S: Final = 30.0
_CACHE_MAX: Final = 10_000


class PrincipalCache:
    """Verified keys, by the SHA-256 of the key (the clear key is never kept)."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, Principal]] = {}

    def get(self, digest: str) -> Principal | None:
        entry = self._entries.get(digest)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, digest: str, principal: Principal) -> None:
        if len(self._entries) >= _CACHE_MAX:
            self._entries.clear()
        self._entries[digest] = (time.monotonic() + CACHE_TTL_S, principal)

    def clear(self) -> None:
        self._entries.clear()


def actor_of(principal: Principal) -> str:
    """Who did it, for audit rows and corrections: the key id (never the key)."""
    return f"api_key:{principal.key_id}" if principal.key_id else "local"


async def authenticate(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    services: Services = connection.app.state.services
    if not services.settings.auth.enabled:
        assert services.default_tenant_id is not None
        return Principal(tenant_id=services.default_tenant_id, role="admin", key_id=None)
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized()
    digest = hashlib.sha256(token.encode()).hexdigest()
    cache: PrincipalCache = connection.app.state.principal_cache
    principal = cache.get(digest)
    if principal is None:
        try:
            principal = await services.tenants.verify_api_key(token)
        except errors.AuthenticationError as exc:
            raise Unauthorized("invalid API key") from exc
        cache.put(digest, principal)
    return principal


async def auth_guard(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """App-wide guard: resolve the principal (unless the route is public), check its role."""
    if handler.opt.get(PUBLIC_OPT) or connection.scope["path"].startswith(SCHEMA_PATH):
        return
    principal = await authenticate(connection)
    roles = handler.opt.get(ROLES_OPT)
    if roles is not None and principal.role not in roles:
        raise Forbidden(f"the {principal.role} role may not do this")
    connection.state.principal = principal


def principal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    principal: Principal = connection.state.principal
    return principal
