"""The async engine and session factory, with connection faults turned into typed errors.

Pooled connections are not pinged on checkout (a round trip per request): a connection found
dead while in use makes SQLAlchemy invalidate the whole pool (every connection older than the
failure is replaced on its next checkout), and the idempotent single statements
(`check`, `run_once`) are retried once on a fresh connection.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import event, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from finscribe.errors import DatabaseUnavailableError
from finscribe.settings import DatabaseSettings

#: Errors that mean "the database is not reachable right now", not "the query is wrong".
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    exc.OperationalError,
    exc.InterfaceError,
    exc.DisconnectionError,
    exc.TimeoutError,
    OSError,
    TimeoutError,
)
#: The same, raised by asyncpg itself (a driver connection used directly, see `run_once`).
DRIVER_CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    OSError,
    TimeoutError,
)

T = TypeVar("T")


def make_engine(settings: DatabaseSettings) -> AsyncEngine:
    """An engine for the configured URL (SQLite: creates the file's folder, enables FKs)."""
    url = make_url(settings.url)
    kwargs: dict[str, Any] = {"echo": settings.echo}
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": settings.statement_timeout_s}
    else:
        kwargs.update(
            pool_size=settings.pool_size,
            max_overflow=settings.max_overflow,
            pool_timeout=settings.pool_timeout_s,
            connect_args={
                "timeout": settings.connect_timeout_s,
                "command_timeout": settings.statement_timeout_s,
                "server_settings": {
                    "statement_timeout": str(int(settings.statement_timeout_s * 1000))
                },
            },
        )
    engine = create_async_engine(url, **kwargs)
    if url.get_backend_name() == "sqlite":
        _sqlite_pragmas(engine)
    return engine


def _sqlite_pragmas(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


class Database:
    """One engine and its session factory; `session()` is a unit of work (commit or rollback)."""

    def __init__(self, settings: DatabaseSettings, engine: AsyncEngine | None = None) -> None:
        self.settings = settings
        self.engine = engine or make_engine(settings)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._slots: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = None

    def _hot_path_slots(self) -> asyncio.Semaphore:
        """At most `pool_size` single statements at once (per event loop): past that they wait
        for a pooled connection instead of opening overflow connections, which the pool
        closes again on return (under load, a new server process per statement)."""
        loop = asyncio.get_running_loop()
        if self._slots is None or self._slots[0] is not loop:
            self._slots = (loop, asyncio.Semaphore(self.settings.pool_size))
        return self._slots[1]

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A transaction: committed on success, rolled back on error.

        Raises DatabaseUnavailableError when the database cannot be reached.
        """
        try:
            async with self.sessions() as session, session.begin():
                yield session
        except CONNECTION_ERRORS as err:
            raise DatabaseUnavailableError(f"database unavailable: {type(err).__name__}") from err

    async def run_once(self, statement: Callable[[Any], Awaitable[T]]) -> T:
        """Run `statement(conn)` on a pooled PostgreSQL driver (asyncpg) connection, outside
        any transaction (a single statement commits on its own): the hot path's one round
        trip, without the ORM, never on an overflow connection. A connection found dead
        invalidates the pool and the statement runs once more on a fresh connection, so it
        must be safe to repeat.

        Raises DatabaseUnavailableError when the database cannot be reached.
        """

        async def once() -> T:
            async with self._hot_path_slots(), self.engine.connect() as conn:
                pooled = await conn.get_raw_connection()
                try:
                    return await statement(pooled.driver_connection)
                except DRIVER_CONNECTION_ERRORS as err:
                    # What SQLAlchemy does on a disconnect it sees itself: every pooled
                    # connection older than now is replaced on its next checkout.
                    self.engine.sync_engine.pool._invalidate(pooled, err)
                    raise

        return await _twice(once, (*CONNECTION_ERRORS, *DRIVER_CONNECTION_ERRORS))

    async def check(self) -> None:
        """Readiness: one round trip (once more on a fresh connection if a pooled one was
        dead), DatabaseUnavailableError if it fails."""

        async def ping() -> None:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))

        await _twice(ping, CONNECTION_ERRORS)

    async def close(self) -> None:
        await self.engine.dispose()


async def _twice(op: Callable[[], Awaitable[T]], errors: tuple[type[BaseException], ...]) -> T:
    """``op()``, once more if it met a dead connection (the pool replaces those);
    DatabaseUnavailableError when the second try fails too."""
    for attempt in (1, 2):
        try:
            return await op()
        except errors as err:
            if attempt == 2:
                raise DatabaseUnavailableError(
                    f"database unavailable: {type(err).__name__}"
                ) from err
    raise AssertionError("unreachable")
