"""`finscribe migrate`: bring the database schema up to date (alembic upgrade head)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING

from finscribe.db.engine import Database
from finscribe.db.migrations import current_revision, downgrade, upgrade
from finscribe.errors import FinscribeError
from finscribe.settings import DatabaseSettings, load_settings

if TYPE_CHECKING:
    from finscribe.cli.main import Subparsers


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "migrate",
        help="apply the database migrations (alembic upgrade head)",
        description="Migrate the database named by FINSCRIBE_DB_URL (or DATABASE_URL).",
    )
    parser.add_argument("--revision", default="head", help="target revision (default: head)")
    parser.add_argument(
        "--downgrade", action="store_true", help="downgrade to --revision instead (e.g. base)"
    )
    parser.set_defaults(handler=run)


async def migrate(settings: DatabaseSettings, revision: str = "head", down: bool = False) -> str:
    """Apply the migrations; returns the revision the database is at afterwards."""
    db = Database(settings)
    try:
        await db.check()
        if down:
            await downgrade(db.engine, revision)
        else:
            await upgrade(db.engine, revision)
        return await current_revision(db.engine) or "base"
    finally:
        await db.close()


def run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
        at = asyncio.run(migrate(settings.db, args.revision, args.downgrade))
    except FinscribeError as exc:
        print(f"migrate failed: {exc.code}: {exc.message}", file=sys.stderr)
        return 1
    print(f"database at revision {at}")
    return 0
