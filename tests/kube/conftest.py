"""Services for the operator tests: a fresh PostgreSQL database, a Redis database index and a
storage folder per module, and a helper that runs the real operator (runtime.run) in a task.

PostgreSQL and Redis are the real servers on 127.0.0.1 (see platform notes); the tests skip
with the reason if they are not reachable. Storage is the local backend (same Protocol as S3).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from finscribe.settings import (
    DatabaseSettings,
    OperatorSettings,
    RedisSettings,
    Settings,
    StorageSettings,
)

PG_HOST = os.environ.get("FINSCRIBE_TEST_PG_HOST", "127.0.0.1")
PG_USER = os.environ.get("FINSCRIBE_TEST_PG_USER", "postgres")
REDIS_URL = os.environ.get("FINSCRIBE_TEST_REDIS", "redis://127.0.0.1:6379")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def kube_database() -> AsyncIterator[str]:
    """A new PostgreSQL database with the schema; dropped after the module."""
    import asyncpg
    from sqlalchemy.ext.asyncio import create_async_engine

    from finscribe.db.models import Base

    name = f"fs_kube_{uuid.uuid4().hex[:10]}"
    try:
        admin = await asyncpg.connect(host=PG_HOST, user=PG_USER, database="postgres", timeout=5)
    except (OSError, asyncpg.PostgresError) as err:
        pytest.skip(f"PostgreSQL not reachable on {PG_HOST}: {err}")
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+asyncpg://{PG_USER}@{PG_HOST}/{name}"
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    await engine.dispose()
    try:
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def kube_redis() -> AsyncIterator[str]:
    """A Redis database index of its own (flushed before and after)."""
    from redis.asyncio import Redis

    index = 9 + (os.getpid() % 6)
    url = f"{REDIS_URL}/{index}"
    client = Redis.from_url(url)
    try:
        await client.ping()
    except OSError as err:
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {err}")
    await client.flushdb()
    try:
        yield url
    finally:
        await client.flushdb()
        await client.aclose()


@pytest.fixture(scope="module")
def operator_settings(
    kube_database: str, kube_redis: str, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    storage = tmp_path_factory.mktemp("storage")
    return Settings(
        db=DatabaseSettings(url=kube_database),
        redis=RedisSettings(url=kube_redis),
        storage=StorageSettings(backend="local", local_path=storage),
        operator=OperatorSettings(
            sync_interval_s=0.5,
            metrics_port=0,
            health_port=0,
            lease_namespace="default",
            lease_duration_s=3,
            lease_renew_s=1,
            url_allowed_hosts="docs.example.com",
        ),
    )


class RunningOperator:
    """One operator replica (finscribe.operator.runtime.run) in a thread with its own event
    loop, like a separate process: Kopf cancels every task of its loop when it exits, so
    replicas and the emulator must not share one loop."""

    def __init__(self, settings: Settings, kube_url: str, identity: str, **operator: Any) -> None:
        from finscribe.kube.config import KubeConfig

        self.settings = settings.model_copy(deep=True)
        self.settings.operator = self.settings.operator.model_copy(
            update={"identity": identity, **operator}
        )
        self.config = KubeConfig(server=kube_url)
        self.ready = threading.Event()
        self.started = threading.Event()
        self.finished = threading.Event()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.stop: asyncio.Event | None = None
        self.result: bool | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._main, name=f"operator-{identity}", daemon=True)

    def _main(self) -> None:
        from finscribe.operator import runtime

        async def main() -> bool:
            self.loop = asyncio.get_running_loop()
            self.stop = asyncio.Event()
            self.started.set()
            return await runtime.run(
                self.settings, self.stop, kube_config=self.config, ready=self.ready
            )

        try:
            self.result = asyncio.run(main())
        except BaseException as err:  # reported by wait_ready/shutdown
            self.error = err
        finally:
            self.started.set()
            self.finished.set()

    async def start(self) -> RunningOperator:
        self.thread.start()
        await asyncio.to_thread(self.started.wait, 10)
        return self

    async def wait_ready(self, limit: float = 60) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        while loop.time() < deadline and not self.ready.is_set():
            if self.finished.is_set():
                raise AssertionError(f"the operator exited before it was ready: {self.error!r}")
            await asyncio.sleep(0.05)
        assert self.ready.is_set(), "the operator did not become ready"

    async def shutdown(self, limit: float = 30) -> bool | None:
        if self.loop is not None and self.stop is not None and not self.finished.is_set():
            self.loop.call_soon_threadsafe(self.stop.set)
        await asyncio.to_thread(self.thread.join, limit)
        assert not self.thread.is_alive(), "the operator did not stop"
        if self.error is not None:
            raise AssertionError(f"the operator failed: {self.error!r}") from self.error
        return self.result


@pytest.fixture
def start_operator(
    operator_settings: Settings, kube_api: Any
) -> Callable[..., contextlib.AbstractAsyncContextManager[RunningOperator]]:
    @contextlib.asynccontextmanager
    async def run(
        identity: str = "replica-a", wait: bool = True, **operator: Any
    ) -> AsyncIterator[RunningOperator]:
        replica = await RunningOperator(
            operator_settings, kube_api.test_url, identity, **operator
        ).start()
        try:
            if wait:
                await replica.wait_ready()
            yield replica
        finally:
            await replica.shutdown()

    return run


async def eventually(
    check: Callable[[], Any], *, limit: float = 60, interval: float = 0.2, what: str = ""
) -> Any:
    """Poll `check` (sync or async) until it returns something truthy, for `limit` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    last: Any = None
    while loop.time() < deadline:
        last = check()
        if asyncio.iscoroutine(last):
            last = await last
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"timed out waiting for {what or check}: last={last!r}")


def storage_root(settings: Settings) -> Path:
    return Path(settings.storage.local_path)
