"""Alembic environment: async engines (asyncpg, aiosqlite), URL from the FinScribe settings.

Programmatic runs (finscribe.db.migrations) hand a sync connection in
``config.attributes["connection"]``; the `alembic` command line opens its own async engine
from ``sqlalchemy.url`` if set, else from the settings (FINSCRIBE_DB_URL / DATABASE_URL).
SQLite runs in batch mode (ALTER TABLE by copying), so the same migrations serve both.
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from alembic import context
from sqlalchemy.engine import Connection

from finscribe.db.engine import make_engine
from finscribe.db.models import Base
from finscribe.db.types import UtcDateTime
from finscribe.settings import DatabaseSettings

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    return DatabaseSettings(url=url).url if url else DatabaseSettings().url


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Render the project's portable types as plain SQLAlchemy types in new migrations."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_item=_render_item,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=True,
    )


def _run(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = make_engine(DatabaseSettings(url=_url()))
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


def run_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=_url().startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
elif (connection := config.attributes.get("connection")) is not None:
    _run(connection)
else:
    asyncio.run(_run_async())
