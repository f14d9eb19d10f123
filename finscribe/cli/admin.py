"""`finscribe admin`: tenants and API keys (create-tenant, create-key, list, revoke)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from typing import TYPE_CHECKING, Any

from finscribe.constants import ROLES
from finscribe.core.records import TenantRecord
from finscribe.core.tenants import TenantService
from finscribe.db.engine import Database
from finscribe.errors import FinscribeError, NotFoundError
from finscribe.settings import load_settings

if TYPE_CHECKING:
    from finscribe.cli.main import Subparsers

ACTOR = "cli:admin"


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "admin",
        help="manage tenants and API keys",
        description="Tenants and API keys, directly in the database (FINSCRIBE_DB_URL).",
    )
    commands = parser.add_subparsers(title="admin commands", metavar="ACTION", required=True)

    p = commands.add_parser("create-tenant", help="create a tenant (prints its webhook secret)")
    p.add_argument("name")
    p.set_defaults(handler=run, action="create-tenant")

    p = commands.add_parser("create-key", help="issue an API key (printed once, never stored)")
    p.add_argument("--tenant", required=True, help="tenant name or id")
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument("--name", default="", help="a label for the key")
    p.set_defaults(handler=run, action="create-key")

    p = commands.add_parser("list-tenants", help="list tenants")
    p.set_defaults(handler=run, action="list-tenants")

    p = commands.add_parser("list-keys", help="list a tenant's keys (not the keys themselves)")
    p.add_argument("--tenant", required=True, help="tenant name or id")
    p.set_defaults(handler=run, action="list-keys")

    p = commands.add_parser("revoke-key", help="revoke an API key")
    p.add_argument("--tenant", required=True, help="tenant name or id")
    p.add_argument("key_id")
    p.set_defaults(handler=run, action="revoke-key")


async def _tenant(service: TenantService, ref: str) -> TenantRecord:
    try:
        return await service.get_tenant(uuid.UUID(ref))
    except ValueError:
        pass
    found = await service.get_tenant_by_name(ref)
    if found is None:
        raise NotFoundError(f"no tenant named {ref!r}")
    return found


async def _run(args: argparse.Namespace) -> Any:
    db = Database(load_settings().db)
    service = TenantService(db)
    try:
        if args.action == "create-tenant":
            tenant = await service.create_tenant(args.name, actor=ACTOR)
            return {
                "tenant_id": str(tenant.id),
                "name": tenant.name,
                "webhook_secret": tenant.webhook_secret,
            }
        if args.action == "create-key":
            tenant = await _tenant(service, args.tenant)
            issued = await service.create_api_key(tenant.id, args.role, name=args.name, actor=ACTOR)
            return {
                "key_id": str(issued.record.id),
                "tenant_id": str(tenant.id),
                "role": issued.record.role,
                "api_key": issued.key,
                "note": "shown once: store it now",
            }
        if args.action == "list-tenants":
            return [
                {"tenant_id": str(t.id), "name": t.name, "active": t.active}
                for t in await service.list_tenants()
            ]
        if args.action == "list-keys":
            tenant = await _tenant(service, args.tenant)
            return [
                {
                    "key_id": str(k.id),
                    "prefix": k.prefix,
                    "role": k.role,
                    "name": k.name,
                    "revoked": k.revoked_at is not None,
                }
                for k in await service.list_api_keys(tenant.id)
            ]
        if args.action == "revoke-key":
            tenant = await _tenant(service, args.tenant)
            await service.revoke_api_key(tenant.id, uuid.UUID(args.key_id), actor=ACTOR)
            return {"revoked": args.key_id}
        raise ValueError(args.action)
    finally:
        await db.close()


def run(args: argparse.Namespace) -> int:
    try:
        out = asyncio.run(_run(args))
    except FinscribeError as exc:
        print(f"error: {exc.code}: {exc.message}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(out, indent=2))
    return 0
