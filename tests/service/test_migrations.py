"""Alembic migrations on real PostgreSQL and SQLite: up, down, up again, and no drift."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect

from finscribe.db.engine import Database
from finscribe.db.migrations import current_revision, downgrade, drift, head_revision, upgrade
from finscribe.db.models import Base
from finscribe.settings import PROJECT_ROOT, DatabaseSettings

TABLES = {"tenants", "api_keys", "jobs", "results", "corrections", "models", "audit_events"}


async def _tables(db: Database) -> set[str]:
    async with db.engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def _indexes(db: Database, table: str) -> set[str]:
    async with db.engine.connect() as conn:
        found = await conn.run_sync(lambda c: inspect(c).get_indexes(table))
    return {ix["name"] for ix in found if ix["name"]}


@pytest.fixture(params=["postgresql", "sqlite"])
async def empty_db(request: pytest.FixtureRequest, pg_database_factory: object, tmp_path: Path):
    if request.param == "postgresql":
        url = await pg_database_factory()  # type: ignore[operator]
    else:
        url = DatabaseSettings(url=f"sqlite:///{tmp_path / 'm.db'}").url
    db = Database(DatabaseSettings(url=url))
    yield db
    await db.close()


async def test_models_cover_the_tables() -> None:
    assert set(Base.metadata.tables) == TABLES


async def test_upgrade_downgrade_upgrade_without_drift(empty_db: Database) -> None:
    assert await _tables(empty_db) == set()
    await upgrade(empty_db.engine)
    assert await _tables(empty_db) == TABLES | {"alembic_version"}
    assert await current_revision(empty_db.engine) == head_revision()
    assert await drift(empty_db.engine) == []
    assert {
        "ix_jobs_tenant_sha256",
        "ix_jobs_tenant_status_created",
        "ix_jobs_tenant_created",
    } <= await _indexes(empty_db, "jobs")

    await downgrade(empty_db.engine, "base")
    assert await _tables(empty_db) <= {"alembic_version"}
    assert await current_revision(empty_db.engine) is None

    await upgrade(empty_db.engine)
    assert await _tables(empty_db) == TABLES | {"alembic_version"}
    assert await drift(empty_db.engine) == []


async def test_drift_is_detected(empty_db: Database) -> None:
    """The drift check can fail: a database missing an index shows up."""
    await upgrade(empty_db.engine)
    async with empty_db.engine.begin() as conn:
        from sqlalchemy import text

        await conn.execute(text("DROP INDEX ix_jobs_tenant_sha256"))
    diffs = await drift(empty_db.engine)
    assert any(d[0] == "add_index" and d[1].name == "ix_jobs_tenant_sha256" for d in diffs)


def test_alembic_command_line_reads_the_url_from_settings(tmp_path: Path) -> None:
    """`alembic upgrade head` / `downgrade base` with DATABASE_URL (the legacy name)."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    env.pop("FINSCRIBE_DB_URL", None)
    alembic = [sys.executable, "-m", "alembic", "-c", str(PROJECT_ROOT / "alembic.ini")]
    for args in (["upgrade", "head"], ["check"], ["downgrade", "base"], ["upgrade", "head"]):
        done = subprocess.run(
            [*alembic, *args],
            check=False,
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
    assert (tmp_path / "cli.db").stat().st_size > 0
