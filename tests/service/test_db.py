"""The models on both real backends: aware timestamps, JSON money strings, constraints."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import exc, select

from finscribe.db import repositories as repo
from finscribe.db.engine import Database
from finscribe.db.models import Job, Result
from finscribe.errors import DatabaseUnavailableError
from finscribe.settings import DatabaseSettings


async def _tenant(db: Database) -> uuid.UUID:
    async with db.session() as s:
        return (await repo.add_tenant(s, f"t-{uuid.uuid4().hex}", "secret")).id


def _job(tenant_id: uuid.UUID, **extra: object) -> dict[str, object]:
    job_id = uuid.uuid4()
    return {
        "id": job_id,
        "tenant_id": tenant_id,
        "sha256": "0" * 64,
        "storage_key": f"tenants/{tenant_id}/jobs/{job_id}/source",
        **extra,
    }


async def test_timestamps_are_aware_and_json_keeps_strings(database: Database) -> None:
    tenant = await _tenant(database)
    created = datetime(2024, 3, 1, 12, 30, tzinfo=timezone(timedelta(hours=2)))
    hints = {"amount": "1234.50", "nested": {"rate": "0.19"}, "lang": ["de", "en"]}
    async with database.session() as s:
        job = await repo.add_job(s, **_job(tenant, created_at=created, hints=hints))
    async with database.session() as s:
        row = (await s.execute(select(Job).where(Job.id == job.id))).scalar_one()
        assert row.created_at == created
        assert row.created_at.tzinfo is not None
        assert row.created_at.utcoffset() == timedelta(0)
        assert row.hints == hints
        assert isinstance(row.hints["amount"], str)


async def test_idempotency_key_unique_per_tenant(database: Database) -> None:
    a, b = await _tenant(database), await _tenant(database)
    async with database.session() as s:
        await repo.add_job(s, **_job(a, idempotency_key="k1"))
        await repo.add_job(s, **_job(b, idempotency_key="k1"))  # other tenant: fine
        await repo.add_job(s, **_job(a))  # NULL keys do not clash
        await repo.add_job(s, **_job(a))
    with pytest.raises(exc.IntegrityError):
        async with database.session() as s:
            await repo.add_job(s, **_job(a, idempotency_key="k1"))


async def test_result_upsert_keeps_one_row(database: Database) -> None:
    tenant = await _tenant(database)
    async with database.session() as s:
        job = await repo.add_job(s, **_job(tenant))
    ids = set()
    for n in range(3):
        async with database.session() as s:
            row = await repo.upsert_result(
                s,
                job_id=job.id,
                tenant_id=tenant,
                schema_version="1",
                document={"run": n, "total": "10.00"},
                validation={},
                needs_review=n == 2,
                model_versions={"ocr": "ppocrv5"},
                storage_key=None,
            )
            ids.add(row.id)
    async with database.session() as s:
        rows = (await s.execute(select(Result).where(Result.job_id == job.id))).scalars().all()
    assert len(rows) == 1
    assert ids == {rows[0].id}
    assert rows[0].document == {"run": 2, "total": "10.00"}
    assert rows[0].needs_review is True


async def test_status_check_constraint(database: Database) -> None:
    tenant = await _tenant(database)
    with pytest.raises(exc.IntegrityError):
        async with database.session() as s:
            await repo.add_job(s, **_job(tenant, status="bogus"))


async def test_unreachable_database_is_a_typed_error() -> None:
    db = Database(DatabaseSettings(url="postgresql://nobody@127.0.0.1:1/none", connect_timeout_s=1))
    try:
        with pytest.raises(DatabaseUnavailableError):
            await db.check()
        with pytest.raises(DatabaseUnavailableError):
            async with db.session() as s:
                await repo.get_job(s, uuid.uuid4())
    finally:
        await db.close()


def test_url_normalisation() -> None:
    assert DatabaseSettings(url="postgresql://u@h/d").url == "postgresql+asyncpg://u@h/d"
    assert DatabaseSettings(url="postgres://u@h/d").url == "postgresql+asyncpg://u@h/d"
    assert DatabaseSettings(url="sqlite:///var/x.db").url == "sqlite+aiosqlite:///var/x.db"
    with pytest.raises(ValueError, match="unsupported database scheme"):
        DatabaseSettings(url="mysql://u@h/d")


def test_legacy_env_names(monkeypatch: pytest.MonkeyPatch) -> None:
    from finscribe.errors import ConfigurationError
    from finscribe.settings import load_settings

    monkeypatch.setenv("DATABASE_URL", "postgresql://finscribe:pw@db:5432/finscribe")
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/0")
    settings = load_settings()
    assert settings.db.url == "postgresql+asyncpg://finscribe:pw@db:5432/finscribe"
    assert settings.redis.url == "redis://cache:6379/0"
    monkeypatch.setenv("FINSCRIBE_DB_URL", "sqlite:///var/other.db")  # ours wins
    assert load_settings().db.url == "sqlite+aiosqlite:///var/other.db"
    monkeypatch.setenv("REDIS_URL", "http://cache")
    with pytest.raises(ConfigurationError, match="not a Redis URL"):
        load_settings()
